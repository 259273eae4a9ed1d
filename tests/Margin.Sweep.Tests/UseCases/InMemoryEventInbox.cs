using Margin.Sweep.Ports;

namespace Margin.Sweep.Tests.UseCases;

/// <summary>An events queue in memory with peek-lock semantics: received messages are locked until completed, abandoned (back at the end, one more delivery) or dead-lettered.</summary>
internal sealed class InMemoryEventInbox : IEventInbox
{
    private readonly Queue<InboxMessage> _available = new();
    private readonly HashSet<object> _locked = [];
    private int _next;

    public List<InboxMessage> Completed { get; } = [];

    public List<InboxMessage> Abandoned { get; } = [];

    public List<(InboxMessage Message, string Reason, string Description)> DeadLettered { get; } = [];

    public List<(int Max, TimeSpan MaxWait)> Receives { get; } = [];

    /// <summary>Thrown by the next settlement of this kind ("complete", "abandon", "deadletter"), once.</summary>
    public Dictionary<string, Exception> FailNext { get; } = new(StringComparer.Ordinal);

    /// <summary>Called after every settlement (e.g. to cancel the run between messages).</summary>
    public Action<InboxMessage>? AfterSettle { get; set; }

    public int Available => _available.Count;

    public int Locked => _locked.Count;

    public InboxMessage Send(string body, string? messageId = null)
    {
        var message = new InboxMessage(messageId ?? $"msg-{++_next}", 0, body, new object());
        _available.Enqueue(message);
        return message;
    }

    public Task<IReadOnlyList<InboxMessage>> ReceiveAsync(int max, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Assert.InRange(max, 1, int.MaxValue);
        Receives.Add((max, maxWait));
        var batch = new List<InboxMessage>();
        while (batch.Count < max && _available.TryDequeue(out var message))
        {
            _locked.Add(message.Handle);
            batch.Add(message);
        }

        return Task.FromResult<IReadOnlyList<InboxMessage>>(batch);
    }

    public Task CompleteAsync(InboxMessage message, CancellationToken cancellationToken = default)
    {
        Settle("complete", message);
        Completed.Add(message);
        AfterSettle?.Invoke(message);
        return Task.CompletedTask;
    }

    public Task AbandonAsync(InboxMessage message, CancellationToken cancellationToken = default)
    {
        Settle("abandon", message);
        Abandoned.Add(message);
        _available.Enqueue(message with { DeliveryCount = message.DeliveryCount + 1 });
        AfterSettle?.Invoke(message);
        return Task.CompletedTask;
    }

    public Task DeadLetterAsync(InboxMessage message, string reason, string description, CancellationToken cancellationToken = default)
    {
        Settle("deadletter", message);
        DeadLettered.Add((message, reason, description));
        AfterSettle?.Invoke(message);
        return Task.CompletedTask;
    }

    private void Settle(string kind, InboxMessage message)
    {
        if (FailNext.Remove(kind, out var failure))
        {
            // As a lost lock: the message is the broker's again and comes back.
            _locked.Remove(message.Handle);
            _available.Enqueue(message with { DeliveryCount = message.DeliveryCount + 1 });
            throw failure;
        }

        Assert.True(_locked.Remove(message.Handle), $"message {message.MessageId} settled twice or never received");
    }
}
