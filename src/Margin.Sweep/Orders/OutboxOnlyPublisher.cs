using Margin.Sweep.Ports;

namespace Margin.Sweep.Orders;

/// <summary>The publisher when no broker is configured: orders stay in the outbox (and callers say so) until one is.</summary>
public sealed class OutboxOnlyPublisher : IOrderPublisher
{
    /// <summary>The one instance.</summary>
    public static OutboxOnlyPublisher Instance { get; } = new();

    private OutboxOnlyPublisher()
    {
    }

    /// <inheritdoc/>
    public bool IsConfigured => false;

    /// <inheritdoc/>
    public Task PublishAsync(IReadOnlyList<StoredOrder> orders, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("no Service Bus is configured: orders stay in the outbox");
}
