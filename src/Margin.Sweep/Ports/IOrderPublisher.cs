using Margin.Sweep.Orders;

namespace Margin.Sweep.Ports;

/// <summary>Publishes outbox orders to the broker executors consume (Service Bus, issue 5).</summary>
public interface IOrderPublisher
{
    /// <summary>Whether a broker is configured; when not, orders stay in the outbox and callers say so.</summary>
    bool IsConfigured { get; }

    /// <summary>Publishes orders (their <see cref="StoredOrder.Body"/>, message id = order id) and returns when the broker accepted every one.</summary>
    /// <param name="orders">The orders.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="InvalidOperationException">The publisher is not configured.</exception>
    Task PublishAsync(IReadOnlyList<StoredOrder> orders, CancellationToken cancellationToken = default);
}
