using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Margin.Engine.Accounts;
using Margin.Sweep.History;
using Margin.Sweep.Orders;
using Margin.Sweep.Ports;
using Margin.Sweep.Results;

namespace Margin.SweepHarness;

/// <summary>What one sweep did to one partition, as seen by the store decorators and on the wire.</summary>
internal sealed class PartitionTrace
{
    public RequestCounter MarginRead { get; } = new();

    public RequestCounter AccountsRead { get; } = new();

    public RequestCounter Commit { get; } = new();

    public RequestCounter History { get; } = new();

    public int ResultRows;
    public int OrderRows;
    public int ReceiptRows;
    public int HistoryRows;
    public int Commits;
}

/// <summary>Per-partition traces of the sweep in progress; replaced before each sweep.</summary>
internal sealed class SweepLedger
{
    public ConcurrentDictionary<int, PartitionTrace> Partitions { get; } = new();

    public PartitionTrace Of(int partition) => Partitions.GetOrAdd(partition, _ => new PartitionTrace());
}

/// <summary>The accounts store, with each partition read counted on the wire.</summary>
internal sealed class TracedAccountStore(IAccountStore inner, StorageTrace trace, Func<SweepLedger> ledger) : IAccountStore
{
    public int PartitionCount => inner.PartitionCount;

    public int PartitionOf(string accountId) => inner.PartitionOf(accountId);

    public Task UpsertAsync(IReadOnlyCollection<Account> accounts, CancellationToken cancellationToken) => inner.UpsertAsync(accounts, cancellationToken);

    public Task<Account?> GetAsync(string accountId, CancellationToken cancellationToken) => inner.GetAsync(accountId, cancellationToken);

    public async IAsyncEnumerable<StoredAccount> ReadPartitionAsync(int partition, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var counter = ledger().Of(partition).AccountsRead;
        var enumerator = inner.ReadPartitionAsync(partition, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (enumerator.ConfigureAwait(false))
        {
            while (true)
            {
                bool more;
                // The scope covers only the inner enumerator's own work (its page requests), not the caller's between items.
                using (trace.Scope("read-accounts", counter))
                {
                    more = await enumerator.MoveNextAsync().ConfigureAwait(false);
                }

                if (!more)
                {
                    yield break;
                }

                yield return enumerator.Current;
            }
        }
    }
}

/// <summary>The margin store, with each partition's read and commit counted on the wire and the rows of each write recorded.</summary>
internal sealed class TracedMarginStore(IMarginStore inner, StorageTrace trace, Func<SweepLedger> ledger) : IMarginStore
{
    public int PartitionOf(string accountId) => inner.PartitionOf(accountId);

    public async Task<MarginPartition> ReadPartitionAsync(int partition, string sweepId, CancellationToken cancellationToken)
    {
        using (trace.Scope("read-margin", ledger().Of(partition).MarginRead))
        {
            return await inner.ReadPartitionAsync(partition, sweepId, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<int> CommitAsync(MarginPartitionWrite write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        var p = ledger().Of(write.Partition);
        int transactions;
        using (trace.Scope("commit", p.Commit))
        {
            transactions = await inner.CommitAsync(write, cancellationToken).ConfigureAwait(false);
        }

        Interlocked.Add(ref p.ResultRows, write.Results.Count);
        Interlocked.Add(ref p.OrderRows, write.Orders.Count);
        Interlocked.Add(ref p.ReceiptRows, write.Receipt is null ? 0 : 1);
        Interlocked.Increment(ref p.Commits);
        return transactions;
    }

    public Task<(StoredResult? Result, IReadOnlyList<StoredOrder> Orders)> ReadAccountAsync(string accountId, CancellationToken cancellationToken) => inner.ReadAccountAsync(accountId, cancellationToken);

    public IAsyncEnumerable<StoredOrder> ReadOrdersAsync(bool unsentOnly, CancellationToken cancellationToken) => inner.ReadOrdersAsync(unsentOnly, cancellationToken);

    public Task<bool> MarkSentAsync(StoredOrder order, DateTimeOffset at, CancellationToken cancellationToken) => inner.MarkSentAsync(order, at, cancellationToken);

    public IAsyncEnumerable<SweepReceipt> ReadReceiptsAsync(string sweepId, CancellationToken cancellationToken) => inner.ReadReceiptsAsync(sweepId, cancellationToken);
}

/// <summary>The history store, with each partition's status changes counted (rows, and requests on the wire).</summary>
/// <remarks>ProcessShard appends one partition's changes per call; the partition is that of the first change's account.</remarks>
internal sealed class TracedHistoryStore(IMarginHistoryStore inner, IAccountStore accounts, StorageTrace trace, Func<SweepLedger> ledger) : IMarginHistoryStore
{
    public async Task AppendAsync(IReadOnlyList<StatusChange> changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0)
        {
            await inner.AppendAsync(changes, cancellationToken).ConfigureAwait(false);
            return;
        }

        var p = ledger().Of(accounts.PartitionOf(changes[0].AccountId));
        using (trace.Scope("history", p.History))
        {
            await inner.AppendAsync(changes, cancellationToken).ConfigureAwait(false);
        }

        Interlocked.Add(ref p.HistoryRows, changes.Count);
    }

    public Task<IReadOnlyList<StatusChange>> ReadAsync(string accountId, int max, CancellationToken cancellationToken) => inner.ReadAsync(accountId, max, cancellationToken);

    public Task<int> PruneAsync(string accountId, DateTimeOffset before, CancellationToken cancellationToken) => inner.PruneAsync(accountId, before, cancellationToken);
}
