using Margin.Infrastructure.Composition;
using Margin.Infrastructure.ServiceBus;
using Margin.Sweep.Ports;

namespace Margin.Cli.Hosting;

/// <summary>The Service Bus a command publishes orders to and receives from: one connection for the whole command when configured (disposed at its end), else the outbox-only publisher.</summary>
internal sealed class OrderBroker : IAsyncDisposable
{
    /// <summary>What a command says when Service Bus is needed and not configured (one line).</summary>
    public const string NotConfigured = "Service Bus is not configured: set ServiceBus:ConnectionString (or ServiceBus:FullyQualifiedNamespace with a managed identity) in appsettings.json, $MARGIN_ServiceBus__ConnectionString, or --service-bus";

    private OrderBroker(ServiceBusOptions options, ServiceBusConnection? connection, IOrderPublisher publisher)
    {
        Options = options;
        Connection = connection;
        Publisher = publisher;
        Namespace = connection?.Namespace ?? string.Empty;
    }

    /// <summary>The settings.</summary>
    public ServiceBusOptions Options { get; }

    /// <summary>Whether Service Bus is configured.</summary>
    public bool IsConfigured => Connection is not null;

    /// <summary>The connection, or null when Service Bus is not configured.</summary>
    public ServiceBusConnection? Connection { get; }

    /// <summary>The namespace host (empty when not configured), for messages.</summary>
    public string Namespace { get; }

    /// <summary>The Service Bus publisher when configured, else <see cref="Sweep.Orders.OutboxOnlyPublisher"/>.</summary>
    public IOrderPublisher Publisher { get; }

    /// <summary>Opens nothing yet: the connection connects on first use.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <param name="options">Valid options (<see cref="ServiceBusOptions.Problems"/> empty).</param>
    /// <param name="time">The clock for tokens and time to live.</param>
    public static OrderBroker Create(ServiceBusOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);

        // A connection string carries its own key or signature; a bare namespace authenticates as the process's Azure identity (DefaultAzureCredential).
        var connection = ServiceBusComposition.Connect(options, time);
        return new OrderBroker(options, connection, ServiceBusComposition.Publisher(connection, time));
    }

    /// <summary>Where a queue is, for messages: <c>queue 'Q' on namespace 'NS'</c>.</summary>
    public string Where(string queue) => $"queue '{queue}' on namespace '{Namespace}'";

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Publisher is IAsyncDisposable publisher)
        {
            await publisher.DisposeAsync().ConfigureAwait(false);
        }

        if (Connection is not null)
        {
            await Connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
