using System.Diagnostics.CodeAnalysis;
using Margin.Sweep.Work;

namespace Margin.Sweep.Ports;

/// <summary>The sweep's work queue: one message per work item, received with a visibility timeout, completed or poisoned.</summary>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It is a queue: ARCHITECTURE.md names it the work queue.")]
public interface IWorkQueue
{
    /// <summary>Enqueues work items, one message each.</summary>
    /// <param name="items">The items; each must be valid (<see cref="WorkItem.Problems"/> empty).</param>
    /// <param name="cancellationToken">Cancels the call; items already enqueued stay.</param>
    Task EnqueueAsync(IReadOnlyList<WorkItem> items, CancellationToken cancellationToken = default);

    /// <summary>Receives up to <paramref name="max"/> messages, invisible to other receivers for <paramref name="visibility"/>.</summary>
    /// <param name="max">At most this many, in [1, 32].</param>
    /// <param name="visibility">How long a received message stays invisible.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<IReadOnlyList<ReceivedWorkItem>> ReceiveAsync(int max, TimeSpan visibility, CancellationToken cancellationToken = default);

    /// <summary>Deletes a processed message.</summary>
    /// <param name="message">The received message.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>False when the message is no longer this receiver's (its visibility ran out and another receiver took it, or it is gone): the work it carried is idempotent, so that is not a failure.</returns>
    Task<bool> CompleteAsync(ReceivedWorkItem message, CancellationToken cancellationToken = default);

    /// <summary>Gives a message back after a failed attempt: it becomes visible again after <paramref name="delay"/> (the Functions host's retry).</summary>
    /// <param name="message">The received message.</param>
    /// <param name="delay">How long until it may be received again; zero for at once.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>False when the message is no longer this receiver's.</returns>
    Task<bool> ReleaseAsync(ReceivedWorkItem message, TimeSpan delay, CancellationToken cancellationToken = default);

    /// <summary>Moves a message that cannot be processed to the poison queue, with the reason, and deletes it here.</summary>
    /// <param name="message">The received message.</param>
    /// <param name="reason">Why it is poison.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task PoisonAsync(ReceivedWorkItem message, string reason, CancellationToken cancellationToken = default);
}

/// <summary>A received message: the work item, or why its body could not be read (nothing is dropped: such a message is poisoned with the reason).</summary>
/// <param name="MessageId">The queue's message id.</param>
/// <param name="PopReceipt">The receipt that completes or poisons it.</param>
/// <param name="DequeueCount">How many times it has been received, this time included.</param>
/// <param name="Body">The message body as received (decoded text).</param>
/// <param name="Item">The work item, or null when <paramref name="Problem"/> says why not.</param>
/// <param name="Problem">Why the body is not a valid work item, or null.</param>
public sealed record ReceivedWorkItem(string MessageId, string PopReceipt, long DequeueCount, string Body, WorkItem? Item, string? Problem);
