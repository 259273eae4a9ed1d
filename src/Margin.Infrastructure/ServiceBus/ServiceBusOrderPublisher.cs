using Margin.Sweep.Orders;
using Margin.Sweep.Ports;

namespace Margin.Infrastructure.ServiceBus;

/// <summary>Publishes outbox orders to the orders queue; returns only when the broker accepted every one.</summary>
/// <remarks>SKELETON (issue 5, being implemented).</remarks>
public sealed class ServiceBusOrderPublisher : IOrderPublisher, IAsyncDisposable
{
    /// <summary>Creates the publisher on a shared connection.</summary>
    public ServiceBusOrderPublisher(ServiceBusConnection connection, TimeProvider time)
    {
        _ = connection ?? throw new ArgumentNullException(nameof(connection));
        _ = time ?? throw new ArgumentNullException(nameof(time));
    }

    /// <inheritdoc/>
    public bool IsConfigured => true;

    /// <inheritdoc/>
    public Task PublishAsync(IReadOnlyList<StoredOrder> orders, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => throw new NotImplementedException();
}
