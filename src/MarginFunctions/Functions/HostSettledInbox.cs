using Margin.Sweep.Ports;

namespace MarginFunctions.Functions;

/// <summary>The events "inbox" of a Service Bus trigger: the host received the message and settles it from the handler's status code, so settling here does nothing.</summary>
internal sealed class HostSettledInbox : IEventInbox
{
    public static readonly HostSettledInbox Instance = new();

    private HostSettledInbox()
    {
    }

    public Task<IReadOnlyList<InboxMessage>> ReceiveAsync(int max, TimeSpan maxWait, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("the Functions host receives the events; the handler only handles them");

    public Task CompleteAsync(InboxMessage message, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task AbandonAsync(InboxMessage message, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task DeadLetterAsync(InboxMessage message, string reason, string description, CancellationToken cancellationToken = default) => Task.CompletedTask;
}
