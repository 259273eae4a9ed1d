using System.Text;
using Margin.Sweep.Ports;

namespace Margin.Infrastructure.ServiceBus;

/// <summary>The <c>liquidation-events</c> queue as the sweep's <see cref="IEventInbox"/>, over a <see cref="ServiceBusReceiver"/>.</summary>
/// <remarks>
/// Bodies are decoded as UTF-8 with replacement characters for invalid bytes, so a body that is not UTF-8 still reaches the use case,
/// which dead-letters it as malformed JSON instead of it being redelivered until the broker gives up.
/// </remarks>
public sealed class ServiceBusEventInbox : IEventInbox
{
    private readonly ServiceBusReceiver _receiver;

    /// <summary>Creates the inbox.</summary>
    /// <param name="receiver">A receiver on the events queue (not owned).</param>
    public ServiceBusEventInbox(ServiceBusReceiver receiver)
    {
        _receiver = receiver ?? throw new ArgumentNullException(nameof(receiver));
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<InboxMessage>> ReceiveAsync(int max, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        var received = await _receiver.ReceiveAsync(max, maxWait, cancellationToken).ConfigureAwait(false);
        return received.Select(m => new InboxMessage(m.MessageId, m.DeliveryCount, Encoding.UTF8.GetString(m.Body.Span), m)).ToArray();
    }

    /// <inheritdoc/>
    public Task CompleteAsync(InboxMessage message, CancellationToken cancellationToken = default) =>
        _receiver.CompleteAsync(Received(message), cancellationToken);

    /// <inheritdoc/>
    public Task AbandonAsync(InboxMessage message, CancellationToken cancellationToken = default) =>
        _receiver.AbandonAsync(Received(message), cancellationToken);

    /// <inheritdoc/>
    public Task DeadLetterAsync(InboxMessage message, string reason, string description, CancellationToken cancellationToken = default) =>
        _receiver.DeadLetterAsync(Received(message), reason, description, cancellationToken);

    private ReceivedMessage Received(InboxMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Handle as ReceivedMessage
            ?? throw new ArgumentException($"message {message.MessageId} was not received by this inbox (queue '{_receiver.Queue}')", nameof(message));
    }
}
