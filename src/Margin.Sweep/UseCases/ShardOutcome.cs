using Margin.Engine.Results;
using Margin.Sweep.Results;

namespace Margin.Sweep.UseCases;

/// <summary>What one <see cref="ProcessShard"/> run did: per-partition receipts and the storage operations it used.</summary>
public sealed class ShardOutcome
{
    private readonly List<SweepReceipt> _receipts = [];
    private int _historyPruned;
    private int _other;

    /// <summary>Creates an empty outcome.</summary>
    public ShardOutcome(string sweepId, int workItem)
    {
        SweepId = sweepId;
        WorkItem = workItem;
    }

    /// <summary>The sweep.</summary>
    public string SweepId { get; }

    /// <summary>The work item.</summary>
    public int WorkItem { get; }

    /// <summary>The receipt of every partition, in order.</summary>
    public IReadOnlyList<SweepReceipt> Receipts => _receipts;

    /// <summary>Partition queries (accounts and margin).</summary>
    public int Reads { get; internal set; }

    /// <summary>Entity-group transactions committed on the margin table.</summary>
    public int Transactions { get; internal set; }

    /// <summary>Status-change rows written to the history.</summary>
    public int HistoryWrites { get; internal set; }

    /// <summary>Other storage calls: the sweep record read, orders marked sent, history retention queries.</summary>
    public int OtherOperations => _other;

    /// <summary>History rows deleted as older than the retention.</summary>
    public int HistoryPruned => _historyPruned;

    /// <summary>Commits that lost a race and were decided again.</summary>
    public int Conflicts { get; internal set; }

    /// <summary>Partitions whose receipt for this sweep already existed (a retry).</summary>
    public int PartitionsAlreadyDone { get; internal set; }

    /// <summary>Orders the broker accepted and that were marked sent.</summary>
    public int OrdersPublished { get; internal set; }

    /// <summary>Orders left in the outbox (no broker configured, or the publish failed).</summary>
    public int OrdersLeftInOutbox { get; internal set; }

    /// <summary>Why publishing failed, if it did.</summary>
    public IList<string> PublishFailures { get; } = [];

    /// <summary>How long the work item took.</summary>
    public TimeSpan Elapsed { get; internal set; }

    /// <summary>Accounts read.</summary>
    public int Accounts => _receipts.Sum(r => r.Accounts);

    /// <summary>Results written.</summary>
    public int Written => _receipts.Sum(r => r.Written);

    /// <summary>Accounts that could not be evaluated.</summary>
    public int Failed => _receipts.Sum(r => r.Failed);

    /// <summary>New orders.</summary>
    public int Orders => _receipts.Sum(r => r.Orders);

    /// <summary>Accounts per status over every partition.</summary>
    public IReadOnlyDictionary<MarginStatus, int> ByStatus =>
        _receipts.SelectMany(r => r.ByStatus).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value));

    internal void Add(SweepReceipt receipt) => _receipts.Add(receipt);

    internal void AddPruned(int rows) => Interlocked.Add(ref _historyPruned, rows);

    internal void AddOther(int calls) => Interlocked.Add(ref _other, calls);

    internal void Merge(ShardOutcome other)
    {
        _historyPruned += other._historyPruned;
        _other += other._other;
        _receipts.AddRange(other._receipts);
        Reads += other.Reads;
        Transactions += other.Transactions;
        HistoryWrites += other.HistoryWrites;
        Conflicts += other.Conflicts;
        PartitionsAlreadyDone += other.PartitionsAlreadyDone;
        OrdersPublished += other.OrdersPublished;
        OrdersLeftInOutbox += other.OrdersLeftInOutbox;
        foreach (var failure in other.PublishFailures)
        {
            PublishFailures.Add(failure);
        }
    }
}
