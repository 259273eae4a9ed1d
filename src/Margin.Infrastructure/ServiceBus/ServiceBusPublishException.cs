using Margin.Sweep.Ports;

namespace Margin.Infrastructure.ServiceBus;

/// <summary>The broker did not accept some orders of a publish (rejected, released, modified, timed out, or the link was lost); they stay in the outbox.</summary>
public sealed class ServiceBusPublishException : ServiceBusException, IOrderPublishFailure
{
    /// <summary>Creates the exception.</summary>
    public ServiceBusPublishException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    public ServiceBusPublishException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ServiceBusPublishException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception naming the orders that were not accepted.</summary>
    /// <param name="message">What happened, naming the namespace, the queue, the orders and the broker's error.</param>
    /// <param name="orderIds">The orders not accepted.</param>
    /// <param name="innerException">The cause, if any.</param>
    public ServiceBusPublishException(string message, IReadOnlyList<string> orderIds, Exception? innerException = null)
        : base(message, innerException)
    {
        OrderIds = orderIds;
    }

    /// <summary>The orders the broker did not accept (or may not have).</summary>
    public IReadOnlyList<string> OrderIds { get; } = [];

    /// <summary>Whether the broker stopped answering or is throttling (no disposition within the send timeout, released, busy, quota reached), as opposed to refusing these orders alone: further sends now would fail too.</summary>
    public bool BrokerUnresponsive { get; init; }

    /// <inheritdoc/>
    public bool BrokerUnavailable => IsConnectionLoss || BrokerUnresponsive;
}
