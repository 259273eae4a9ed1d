namespace Margin.Testing.ServiceBus;

/// <summary>How an <see cref="EmulatedServiceBus"/> behaves; every test builds its own.</summary>
/// <remarks>
/// The defaults are those of a Standard-tier namespace reached through the official emulator's connection string:
/// CBS required, 256 KB messages, queues created on first attach with the default queue settings.
/// </remarks>
public sealed record EmulatorOptions
{
    /// <summary>The key name the official Service Bus emulator's connection string uses.</summary>
    public const string DefaultKeyName = "RootManageSharedAccessKey";

    /// <summary>The key the official Service Bus emulator's connection string uses (<c>SharedAccessKey=SAS_KEY_VALUE</c>).</summary>
    public const string DefaultKey = "SAS_KEY_VALUE";

    /// <summary>The clock for token expiry, enqueue times, duplicate-detection windows and scheduled messages.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The host name clients use and the connection string names: "127.0.0.1" (default) or "localhost". The listener always binds 127.0.0.1.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>A fixed port, or 0 (default) for a free one (retried if another process takes it first).</summary>
    public int Port { get; init; }

    /// <summary>Whether a link to a queue needs a valid put-token for it on the same connection (Service Bus: always).</summary>
    public bool RequireCbs { get; init; } = true;

    /// <summary>Shared access keys by key name (SAS <c>skn</c>); tokens signed with any of them are accepted.</summary>
    public IReadOnlyDictionary<string, string> SharedAccessKeys { get; init; } =
        new Dictionary<string, string>(StringComparer.Ordinal) { [DefaultKeyName] = DefaultKey };

    /// <summary>The rights of each key name (a missing name has none); null (default): every key has <see cref="AccessRights.All"/>.</summary>
    public IReadOnlyDictionary<string, AccessRights>? KeyRights { get; init; }

    /// <summary>How long a connection may stay open without a successful put-token before it is dropped (Service Bus: 20 seconds); null: never. Only with <see cref="RequireCbs"/>.</summary>
    public TimeSpan? CbsGracePeriod { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Decides whether a <c>jwt</c> put-token is valid (gets the token); null: every jwt is refused with 401.</summary>
    public Func<string, bool>? JwtValidator { get; init; }

    /// <summary>How long a granted jwt lasts when the put-token carries no <c>expiration</c>.</summary>
    public TimeSpan JwtDefaultLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>A SASL PLAIN user (with <see cref="SaslPassword"/>) accepted besides ANONYMOUS; null: ANONYMOUS only.</summary>
    public string? SaslUser { get; init; }

    /// <summary>The SASL PLAIN password for <see cref="SaslUser"/>.</summary>
    public string? SaslPassword { get; init; }

    /// <summary>Queues that exist from the start.</summary>
    public IReadOnlyList<EmulatedQueueOptions> Queues { get; init; } = [];

    /// <summary>Whether a link to an unknown queue creates it with <see cref="DefaultQueue"/>'s settings (else it is refused with amqp:not-found).</summary>
    public bool AutoCreateQueues { get; init; } = true;

    /// <summary>Settings for queues created on first attach (its Name is ignored).</summary>
    public EmulatedQueueOptions DefaultQueue { get; init; } = new("*");

    /// <summary>The largest transfer (a single message or a whole batch, encoded) accepted: 256 KB on Standard, 1 MB or more on Premium.</summary>
    public int MaxMessageSizeBytes { get; init; } = 256 * 1024;

    /// <summary>How long (real time) a receiver asking for the next available session waits for one before its attach is refused with com.microsoft:timeout, when its attach gives no com.microsoft:timeout property of its own.</summary>
    public TimeSpan SessionAcceptTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The link credit granted to senders.</summary>
    public int SenderCredit { get; init; } = 1000;

    /// <summary>The status code of a successful put-token reply (Service Bus answers 202).</summary>
    public int PutTokenSuccessStatus { get; init; } = 202;

    /// <summary>Whether a message whose x-opt-partition-key differs from its group-id (session id) is rejected, as the Service Bus SDKs require them equal.</summary>
    public bool RequirePartitionKeyMatchesSession { get; init; } = true;

    /// <summary>Whether links that depend on a token are closed with amqp:unauthorized-access when it expires unrenewed (as Service Bus does).</summary>
    public bool CloseLinksOnTokenExpiry { get; init; } = true;
}
