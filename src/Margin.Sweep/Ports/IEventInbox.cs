namespace Margin.Sweep.Ports;

/// <summary>The queue executors report on (<c>liquidation-events</c>): messages received under a lock, then completed, given back or dead-lettered.</summary>
public interface IEventInbox
{
    /// <summary>Receives up to <paramref name="max"/> messages, waiting at most <paramref name="maxWait"/> for the first.</summary>
    /// <param name="max">At most this many, at least 1.</param>
    /// <param name="maxWait">How long to wait when none is available; an empty list after that.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<IReadOnlyList<InboxMessage>> ReceiveAsync(int max, TimeSpan maxWait, CancellationToken cancellationToken = default);

    /// <summary>Settles a processed message: the broker deletes it.</summary>
    /// <param name="message">A message this inbox received.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task CompleteAsync(InboxMessage message, CancellationToken cancellationToken = default);

    /// <summary>Gives a message back after a failure that may pass (storage unavailable): it is delivered again, and the broker dead-letters it after its maximum delivery count.</summary>
    /// <param name="message">A message this inbox received.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task AbandonAsync(InboxMessage message, CancellationToken cancellationToken = default);

    /// <summary>Moves a message that can never be processed (malformed, invalid) to the dead-letter queue with the reason, so nothing is lost.</summary>
    /// <param name="message">A message this inbox received.</param>
    /// <param name="reason">A short reason code (e.g. <c>MalformedEvent</c>).</param>
    /// <param name="description">What was wrong, naming the field.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task DeadLetterAsync(InboxMessage message, string reason, string description, CancellationToken cancellationToken = default);
}

/// <summary>A received message.</summary>
/// <param name="MessageId">The broker's message id, if any.</param>
/// <param name="DeliveryCount">How many times it was delivered before this delivery (0 on the first).</param>
/// <param name="Body">The body as UTF-8 text.</param>
/// <param name="Handle">The inbox's own handle that settles it; opaque to callers.</param>
public sealed record InboxMessage(string? MessageId, long DeliveryCount, string Body, object Handle);
