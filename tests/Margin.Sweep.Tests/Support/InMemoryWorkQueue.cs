using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Margin.Sweep.Ports;
using Margin.Sweep.Work;

namespace Margin.Sweep.Tests.Support;

/// <summary>A work queue in memory: received messages are in flight until completed, released (back at the end) or poisoned; visibility timeouts are not modelled.</summary>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It is a queue: the in-memory IWorkQueue.")]
public sealed class InMemoryWorkQueue : IWorkQueue
{
    private readonly ConcurrentQueue<ReceivedWorkItem> _available = new();
    private readonly ConcurrentDictionary<string, ReceivedWorkItem> _inFlight = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<WorkItem> _enqueued = new();
    private readonly ConcurrentQueue<(ReceivedWorkItem Message, string Reason)> _poisoned = new();
    private int _next;

    /// <summary>Every item ever enqueued, in order.</summary>
    public IReadOnlyList<WorkItem> Enqueued => [.. _enqueued];

    public IReadOnlyList<(ReceivedWorkItem Message, string Reason)> Poisoned => [.. _poisoned];

    public int Available => _available.Count;

    /// <summary>Adds a message whose body is not a work item (it is received with the problem, as the storage queue reports one).</summary>
    public void SendUnreadable(string body, string problem) => _available.Enqueue(new ReceivedWorkItem(NextId(), "pop", 0, body, null, problem));

    public Task EnqueueAsync(IReadOnlyList<WorkItem> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        foreach (var item in items)
        {
            _enqueued.Enqueue(item);
            _available.Enqueue(new ReceivedWorkItem(NextId(), "pop", 0, item.SweepId, item, null));
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ReceivedWorkItem>> ReceiveAsync(int max, TimeSpan visibility, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var batch = new List<ReceivedWorkItem>();
        while (batch.Count < max && _available.TryDequeue(out var message))
        {
            var received = message with { DequeueCount = message.DequeueCount + 1 };
            _inFlight[received.MessageId] = received;
            batch.Add(received);
        }

        return Task.FromResult<IReadOnlyList<ReceivedWorkItem>>(batch);
    }

    public Task<bool> CompleteAsync(ReceivedWorkItem message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Task.FromResult(_inFlight.TryRemove(message.MessageId, out _));
    }

    public Task<bool> ReleaseAsync(ReceivedWorkItem message, TimeSpan delay, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!_inFlight.TryRemove(message.MessageId, out var held))
        {
            return Task.FromResult(false);
        }

        _available.Enqueue(held);
        return Task.FromResult(true);
    }

    public Task PoisonAsync(ReceivedWorkItem message, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        _inFlight.TryRemove(message.MessageId, out _);
        _poisoned.Enqueue((message, reason));
        return Task.CompletedTask;
    }

    private string NextId() => Interlocked.Increment(ref _next).ToString(CultureInfo.InvariantCulture);
}
