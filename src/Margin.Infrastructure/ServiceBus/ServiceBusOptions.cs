using System.Globalization;

namespace Margin.Infrastructure.ServiceBus;

/// <summary>Where liquidation orders go and executor events come from (configuration section <c>ServiceBus</c>).</summary>
/// <remarks>
/// Either a <see cref="ConnectionString"/> (<c>Endpoint=sb://NS.servicebus.windows.net/;SharedAccessKeyName=...;SharedAccessKey=...</c>,
/// optionally <c>;EntityPath=QUEUE</c> (a key scoped to that queue: it must be <see cref="OrdersQueue"/> or <see cref="EventsQueue"/>, and it authorises no other
/// queue) and <c>;UseDevelopmentEmulator=true</c>), or a <see cref="FullyQualifiedNamespace"/> with an
/// Azure.Identity token credential (managed identity in Azure). With neither, Service Bus is not configured and orders
/// stay in the outbox. Local AMQP 1.0 brokers without a <c>$cbs</c> node (RabbitMQ) set <see cref="UseCbs"/> false.
/// </remarks>
public sealed record ServiceBusOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "ServiceBus";

    /// <summary>A Service Bus connection string, or null.</summary>
    public string? ConnectionString { get; init; }

    /// <summary>The namespace host (e.g. <c>NS.servicebus.windows.net</c>) used with a token credential when no connection string is given.</summary>
    public string? FullyQualifiedNamespace { get; init; }

    /// <summary>The client id of a user-assigned managed identity to authenticate as with <see cref="FullyQualifiedNamespace"/>
    /// (<c>DefaultAzureCredentialOptions.ManagedIdentityClientId</c>); null for the system-assigned identity or the other
    /// DefaultAzureCredential sources. Ignored with a <see cref="ConnectionString"/>.</summary>
    public string? ManagedIdentityClientId { get; init; }

    /// <summary>The queue liquidation orders are sent to (sessions on: session id = account id).</summary>
    public string OrdersQueue { get; init; } = "liquidation-orders";

    /// <summary>The queue executors report on.</summary>
    public string EventsQueue { get; init; } = "liquidation-events";

    /// <summary>Whether the orders queue has sessions (a receiver must then ask for one through <c>com.microsoft:session-filter</c>).</summary>
    public bool OrdersQueueSessions { get; init; } = true;

    /// <summary>Whether the events queue has sessions.</summary>
    public bool EventsQueueSessions { get; init; }

    /// <summary>Whether to authorise links with a CBS <c>put-token</c> on <c>$cbs</c> (Azure and the emulator); false for brokers without it.</summary>
    public bool UseCbs { get; init; } = true;

    /// <summary>TLS (<c>amqps</c>): null for the default (on, except with <c>UseDevelopmentEmulator=true</c>).</summary>
    public bool? UseTls { get; init; }

    /// <summary>The AMQP port: null for the default (5671 with TLS, 5672 without).</summary>
    public int? Port { get; init; }

    /// <summary>SASL PLAIN user for brokers that want one; null for SASL ANONYMOUS (Service Bus authorises through CBS).</summary>
    public string? SaslUser { get; init; }

    /// <summary>SASL PLAIN password, with <see cref="SaslUser"/>.</summary>
    public string? SaslPassword { get; init; }

    /// <summary>Whether to send orders in batched transfers (message format <c>0x80013700</c>): null for the default (on with CBS, i.e. Service Bus, which unpacks them; off for plain brokers, which deliver a batch as one message).</summary>
    public bool? Batching { get; init; }

    /// <summary>The largest batch, in encoded bytes: 262,144 (256 KB) on the standard tier, 1,048,576 on premium.</summary>
    public int MaxBatchBytes { get; init; } = 256 * 1024;

    /// <summary>How many transfers may await the broker's disposition at once when pipelining.</summary>
    public int MaxInFlight { get; init; } = 256;

    /// <summary>How long a send may wait for the broker's accept before it counts as failed (the order stays in the outbox).</summary>
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long to wait for a connection, CBS reply or link attach.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The lifetime of SAS tokens this process signs.</summary>
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How long before a token expires it is renewed.</summary>
    public TimeSpan TokenRenewBefore { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The first reconnect delay after a connection or link loss (doubled per attempt, with jitter).</summary>
    public TimeSpan ReconnectMinDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The largest reconnect delay.</summary>
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether Service Bus is configured at all.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(ConnectionString) || !string.IsNullOrWhiteSpace(FullyQualifiedNamespace);

    /// <summary>Every problem with these options, naming the setting; empty when valid (an unconfigured Service Bus is valid).</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!string.IsNullOrWhiteSpace(ConnectionString))
        {
            if (ServiceBusConnectionString.TryParse(ConnectionString, out var parsed, out var problem) is false)
            {
                problems.Add($"{Section}:ConnectionString: {problem}");
            }
            else if (parsed?.EntityPath is { } entity && !string.Equals(entity.Trim('/'), OrdersQueue, StringComparison.OrdinalIgnoreCase) && !string.Equals(entity.Trim('/'), EventsQueue, StringComparison.OrdinalIgnoreCase))
            {
                // A key scoped to one queue (EntityPath) is refused (401) on every other queue.
                problems.Add($"{Section}:ConnectionString names EntityPath={entity}, but {Section}:OrdersQueue is '{OrdersQueue}' and {Section}:EventsQueue is '{EventsQueue}': a queue-scoped key only authorises its own queue. Use a namespace-level key (no EntityPath), or the connection string of the queue this process uses (the orders queue's to publish, the events queue's to consume reports)");
            }
        }
        else if (FullyQualifiedNamespace is { } ns && !string.IsNullOrWhiteSpace(ns) && Uri.CheckHostName(ns.Trim()) == UriHostNameType.Unknown)
        {
            problems.Add($"{Section}:FullyQualifiedNamespace must be a host name such as NS.servicebus.windows.net (got '{ns}')");
        }

        Check(problems, nameof(OrdersQueue), OrdersQueue);
        Check(problems, nameof(EventsQueue), EventsQueue);
        if (Port is < 1 or > 65535)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{Section}:Port must be in [1, 65535] (got {Port})"));
        }

        if ((SaslUser is null) != (SaslPassword is null))
        {
            problems.Add($"{Section}:SaslUser and {Section}:SaslPassword go together");
        }

        if (MaxBatchBytes is < 1024 or > 100 * 1024 * 1024)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{Section}:MaxBatchBytes must be in [1024, 104857600] (got {MaxBatchBytes}); 262144 standard, 1048576 premium"));
        }

        if (MaxInFlight is < 1 or > 5000)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{Section}:MaxInFlight must be in [1, 5000] (got {MaxInFlight})"));
        }

        Positive(problems, nameof(SendTimeout), SendTimeout);
        Positive(problems, nameof(OperationTimeout), OperationTimeout);
        Positive(problems, nameof(TokenLifetime), TokenLifetime);
        Positive(problems, nameof(ReconnectMinDelay), ReconnectMinDelay);
        if (TokenRenewBefore < TimeSpan.Zero || TokenRenewBefore >= TokenLifetime)
        {
            problems.Add($"{Section}:TokenRenewBefore must be at least 0 and less than TokenLifetime (got {TokenRenewBefore} and {TokenLifetime})");
        }

        if (ReconnectMaxDelay < ReconnectMinDelay)
        {
            problems.Add($"{Section}:ReconnectMaxDelay must be at least ReconnectMinDelay (got {ReconnectMaxDelay} and {ReconnectMinDelay})");
        }

        return problems;
    }

    private static void Check(List<string> problems, string name, string queue)
    {
        if (string.IsNullOrWhiteSpace(queue) || queue.Length > 260 || queue.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/')))
        {
            problems.Add($"{Section}:{name} must be a queue name of letters, digits, '-', '_', '.' and '/' up to 260 characters (got '{queue}')");
        }
    }

    private static void Positive(List<string> problems, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            problems.Add($"{Section}:{name} must be positive (got {value})");
        }
    }
}
