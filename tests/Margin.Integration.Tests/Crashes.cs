using Margin.Sweep.Orders;
using Margin.Sweep.Ports;
using Margin.Sweep.Results;
using Margin.Sweep.Work;

namespace Margin.Integration.Tests;

/// <summary>The margin store, with a crash injected once at a chosen line.</summary>
internal sealed class CrashingMarginStore(IMarginStore inner) : IMarginStore
{
    /// <summary>The next partition commit with a receipt commits the first half of its accounts' rows, without the receipt, and crashes: a crash between two transactions of one partition.</summary>
    public bool CrashBetweenTransactions { get; set; }

    /// <summary>The next MarkSent crashes before marking: a crash between publish and marking sent.</summary>
    public bool CrashBeforeMarkSent { get; set; }

    public int PartitionOf(string accountId) => inner.PartitionOf(accountId);

    public Task<MarginPartition> ReadPartitionAsync(int partition, string sweepId, CancellationToken cancellationToken) => inner.ReadPartitionAsync(partition, sweepId, cancellationToken);

    /// <summary>The next partition commit with a receipt commits and then crashes: a crash between commit and publish.</summary>
    public bool CrashAfterCommit { get; set; }

    public async Task<int> CommitAsync(MarginPartitionWrite write, CancellationToken cancellationToken)
    {
        if (write.Receipt is not null && write.Results.Count >= 2 && CrashBetweenTransactions)
        {
            CrashBetweenTransactions = false;
            var half = write.Results.Take(write.Results.Count / 2).ToList();
            var ids = half.Select(r => r.AccountId).ToHashSet(StringComparer.Ordinal);
            await inner.CommitAsync(new MarginPartitionWrite(write.Partition, half, [.. write.Orders.Where(o => ids.Contains(o.AccountId))], Receipt: null), cancellationToken);
            throw new InjectedCrashException($"after the first transaction of partition {write.Partition}");
        }

        var transactions = await inner.CommitAsync(write, cancellationToken);
        if (write.Receipt is not null && CrashAfterCommit)
        {
            CrashAfterCommit = false;
            throw new InjectedCrashException($"after committing partition {write.Partition}, before publishing its orders");
        }

        return transactions;
    }

    public Task<(StoredResult? Result, IReadOnlyList<StoredOrder> Orders)> ReadAccountAsync(string accountId, CancellationToken cancellationToken) => inner.ReadAccountAsync(accountId, cancellationToken);

    public IAsyncEnumerable<StoredOrder> ReadOrdersAsync(bool unsentOnly, CancellationToken cancellationToken) => inner.ReadOrdersAsync(unsentOnly, cancellationToken);

    public Task<bool> MarkSentAsync(StoredOrder order, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (CrashBeforeMarkSent)
        {
            CrashBeforeMarkSent = false;
            throw new InjectedCrashException($"after publishing {order.OrderId}, before marking it sent");
        }

        return inner.MarkSentAsync(order, at, cancellationToken);
    }

    public IAsyncEnumerable<SweepReceipt> ReadReceiptsAsync(string sweepId, CancellationToken cancellationToken) => inner.ReadReceiptsAsync(sweepId, cancellationToken);
}

/// <summary>The sweep store, with a crash injected once before a completion marker.</summary>
internal sealed class CrashingSweepStore(ISweepStore inner) : ISweepStore
{
    public bool CrashBeforeMarker { get; set; }

    public Task<(SweepRecord Sweep, bool Created)> CreateOrGetAsync(SweepRecord sweep, CancellationToken cancellationToken) => inner.CreateOrGetAsync(sweep, cancellationToken);

    public Task<SweepRecord?> GetAsync(string sweepId, CancellationToken cancellationToken) => inner.GetAsync(sweepId, cancellationToken);

    public Task MarkDoneAsync(string sweepId, int workItem, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (CrashBeforeMarker)
        {
            CrashBeforeMarker = false;
            throw new InjectedCrashException($"before the completion marker of work item {workItem}");
        }

        return inner.MarkDoneAsync(sweepId, workItem, at, cancellationToken);
    }

    public Task<IReadOnlyList<int>> DoneAsync(string sweepId, CancellationToken cancellationToken) => inner.DoneAsync(sweepId, cancellationToken);

    public Task<IReadOnlyList<WorkItemDone>> DoneMarkersAsync(string sweepId, CancellationToken cancellationToken) => inner.DoneMarkersAsync(sweepId, cancellationToken);

    public Task MarkEnqueuedAsync(string sweepId, DateTimeOffset at, CancellationToken cancellationToken) => inner.MarkEnqueuedAsync(sweepId, at, cancellationToken);

    public Task SetLatestAsync(string sweepId, CancellationToken cancellationToken) => inner.SetLatestAsync(sweepId, cancellationToken);

    public Task<SweepRecord?> GetLatestAsync(CancellationToken cancellationToken) => inner.GetLatestAsync(cancellationToken);
}
