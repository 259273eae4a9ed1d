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

    // The handler cannot dead-letter (the host holds the lock): saying so keeps the use case from counting a dead-letter
    // that did not happen; the handler answers 500 and Service Bus dead-letters the message at its maxDeliveryCount.
    public Task DeadLetterAsync(InboxMessage message, string reason, string description, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("a custom handler cannot dead-letter a Service Bus message; the host abandons it and Service Bus dead-letters it at maxDeliveryCount");
}
