using Margin.Sweep.Orders;
using Margin.Sweep.Results;

namespace Margin.Sweep.Ports;

/// <summary>The <c>margin</c> table: per account partition, the latest results, the liquidation outbox and the sweep receipts.</summary>
/// <remarks>
/// Rows live in the partition of their account (the accounts table's partition), so an account's result and its order
/// commit in one transaction. Writes are optimistic: a row read with a <c>ConcurrencyToken</c> is replaced only if
/// nobody changed it since; a row without one is inserted only if absent. A conflict throws
/// <see cref="StoreConflictException"/> and the caller re-reads.
/// </remarks>
public interface IMarginStore
{
    /// <summary>The partition an account's rows live in (the accounts table's).</summary>
    /// <param name="accountId">The account id.</param>
    int PartitionOf(string accountId);

    /// <summary>What a sweep needs of one partition, in one query: every stored result, every order not yet closed, and the sweep's receipt if written.</summary>
    /// <param name="partition">The partition.</param>
    /// <param name="sweepId">The sweep whose receipt to include (its presence means the partition is done for that sweep).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    Task<MarginPartition> ReadPartitionAsync(int partition, string sweepId, CancellationToken cancellationToken = default);

    /// <summary>Writes results, orders and the receipt of one partition, in as few transactions as the store allows.</summary>
    /// <remarks>
    /// An account's result and its orders always share a transaction; the receipt goes in the last one. When a
    /// transaction conflicts, the ones before it stay committed and <see cref="StoreConflictException"/> is thrown.
    /// </remarks>
    /// <param name="write">The rows to write.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>How many transactions were submitted.</returns>
    Task<int> CommitAsync(MarginPartitionWrite write, CancellationToken cancellationToken = default);

    /// <summary>One account's stored result and its orders (open and closed, newest first), or a null result when none is stored.</summary>
    /// <param name="accountId">The account.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    Task<(StoredResult? Result, IReadOnlyList<StoredOrder> Orders)> ReadAccountAsync(string accountId, CancellationToken cancellationToken = default);

    /// <summary>Orders, page by page: all of them, or only those the broker has not accepted yet (the outbox a relay drains).</summary>
    /// <param name="unsentOnly">Only unsent orders that are still open.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    IAsyncEnumerable<StoredOrder> ReadOrdersAsync(bool unsentOnly, CancellationToken cancellationToken = default);

    /// <summary>Marks an order sent after the broker accepted it, touching nothing else of the row (sending is monotonic). Returns false when the order no longer exists.</summary>
    /// <param name="order">The order as read.</param>
    /// <param name="at">When the broker accepted it.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    Task<bool> MarkSentAsync(StoredOrder order, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>The receipts of a sweep, one per partition it has processed.</summary>
    /// <param name="sweepId">The sweep.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    IAsyncEnumerable<SweepReceipt> ReadReceiptsAsync(string sweepId, CancellationToken cancellationToken = default);
}
