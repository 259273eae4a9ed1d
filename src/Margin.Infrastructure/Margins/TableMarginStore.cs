using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using Margin.Infrastructure.Storage;
using Margin.Sweep.Orders;
using Margin.Sweep.Ports;
using Margin.Sweep.Results;

namespace Margin.Infrastructure.Margins;

/// <summary>The <c>margin</c> table: per account partition (the accounts table's), results <c>r:{account}</c>, the outbox <c>o:{orderId}</c> and receipts <c>x:{sweep}</c>.</summary>
/// <remarks>
/// Writes are entity-group transactions: a row without a concurrency token is inserted (409 if it exists), one with a
/// token replaces the row only if its ETag still matches (412 otherwise); both become <see cref="StoreConflictException"/>
/// naming the table, partition and row. An account's result and orders always share a transaction (so an account has
/// at most 100 rows per write); transactions hold at most 100 rows and an estimated 3.5 MB; the receipt goes in the
/// last one. Orders carry a boolean <c>Open</c> (not terminal) so reads filter closed ones out on the server.
/// docs/storage.md has the row contract.
/// </remarks>
public sealed class TableMarginStore : TableStore, IMarginStore
{
    /// <summary>The table's name.</summary>
    public const string TableName = "margin";

    private readonly AccountPartitioner _partitioner;

    /// <summary>Creates the store over the <c>margin</c> table.</summary>
    /// <param name="table">The table client.</param>
    /// <param name="partitioner">The deployment's partitioning, the same as the accounts table's.</param>
    public TableMarginStore(TableClient table, AccountPartitioner partitioner)
        : base(table)
    {
        ArgumentNullException.ThrowIfNull(partitioner);
        _partitioner = partitioner;
    }

    /// <inheritdoc/>
    public int PartitionOf(string accountId) => _partitioner.PartitionOf(accountId);

    /// <inheritdoc/>
    public async Task<MarginPartition> ReadPartitionAsync(int partition, string sweepId, CancellationToken cancellationToken = default)
    {
        var key = PartitionKey(partition);
        if (TableKeys.Problem("the sweep id", sweepId, MarginEntityCodec.ReceiptPrefix.Length) is { } problem)
        {
            throw new ArgumentException(problem, nameof(sweepId));
        }

        var receiptKey = MarginEntityCodec.ReceiptKey(sweepId);
        var results = new Dictionary<string, StoredResult>(StringComparer.Ordinal);
        var orders = new Dictionary<string, StoredOrder>(StringComparer.Ordinal);
        SweepReceipt? receipt = null;
        PartitionWatermark? watermark = null;

        // One query: every result row, the order rows still open (closed ones are filtered out by the service), and this sweep's receipt.
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {key} and ((RowKey ge {"r:"} and RowKey lt {"r;"}) or (RowKey ge {"o:"} and RowKey lt {"o;"} and Open eq {true}) or RowKey eq {receiptKey} or RowKey eq {MarginEntityCodec.WatermarkKey})");
        await foreach (var page in Table.QueryAsync<TableEntity>(filter, maxPerPage: 1_000, cancellationToken: cancellationToken).AsPages().WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            foreach (var e in page.Values)
            {
                if (e.RowKey.StartsWith(MarginEntityCodec.ResultPrefix, StringComparison.Ordinal))
                {
                    var r = MarginEntityCodec.ToResult(e);
                    results[r.AccountId] = r;
                }
                else if (e.RowKey.StartsWith(MarginEntityCodec.ReceiptPrefix, StringComparison.Ordinal))
                {
                    receipt = MarginEntityCodec.ToReceipt(e);
                }
                else if (e.RowKey == MarginEntityCodec.WatermarkKey)
                {
                    watermark = MarginEntityCodec.ToWatermark(e);
                }
                else
                {
                    var o = MarginEntityCodec.ToOrder(e);
                    orders[o.OrderId] = o;
                }
            }
        }

        return new MarginPartition(partition, results, orders, receipt, watermark);
    }

    /// <inheritdoc/>
    public async Task<int> CommitAsync(MarginPartitionWrite write, CancellationToken cancellationToken = default)
    {
        var transactions = Plan(write);
        var key = AccountPartitioner.KeyOf(write.Partition);
        ETag? watermark = null;
        foreach (var transaction in transactions)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (write.Watermark is not null && watermark is { } chained)
            {
                // The watermark as the previous transaction left it: a newer sweep finishing meanwhile breaks the chain.
                transaction[0] = new TableTransactionAction(TableTransactionActionType.UpdateReplace, transaction[0].Entity, chained);
            }

            try
            {
                var responses = await Table.SubmitTransactionAsync(transaction, cancellationToken).ConfigureAwait(false);
                if (write.Watermark is not null)
                {
                    watermark = responses.Value[0].Headers.ETag;
                }
            }
            catch (RequestFailedException ex) when (Conflict(ex) is { } reason)
            {
                var index = (ex as TableTransactionFailedException)?.FailedTransactionActionIndex;
                var row = index is { } i && i >= 0 && i < transaction.Count
                    ? transaction[i].Entity.RowKey
                    : $"one of {transaction[0].Entity.RowKey} .. {transaction[^1].Entity.RowKey}";
                throw new StoreConflictException($"{MarginEntityCodec.Where(key, row)}: {reason}; re-read and decide again", ex);
            }
        }

        return transactions.Count;
    }

    /// <inheritdoc/>
    public async Task<(StoredResult? Result, IReadOnlyList<StoredOrder> Orders)> ReadAccountAsync(string accountId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountId);
        if (TableKeys.Problem("the account id", accountId, MarginEntityCodec.ResultPrefix.Length) is not null)
        {
            return (null, []);
        }

        StoredResult? result = null;
        var orders = new List<StoredOrder>();
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {_partitioner.KeyOfAccount(accountId)} and (RowKey eq {MarginEntityCodec.ResultKey(accountId)} or (RowKey ge {"o:"} and RowKey lt {"o;"} and AccountId eq {accountId}))");
        await foreach (var e in Table.QueryAsync<TableEntity>(filter, maxPerPage: 1_000, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (e.RowKey.StartsWith(MarginEntityCodec.ResultPrefix, StringComparison.Ordinal))
            {
                result = MarginEntityCodec.ToResult(e);
            }
            else
            {
                orders.Add(MarginEntityCodec.ToOrder(e));
            }
        }

        return (result, orders.OrderByDescending(o => o.CreatedAt).ThenByDescending(o => o.Episode).ToList());
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<StoredOrder> ReadOrdersAsync(bool unsentOnly, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Across every partition: a table scan bounded by the RowKey range, filtered by the service.
        var filter = unsentOnly
            ? TableClient.CreateQueryFilter($"RowKey ge {"o:"} and RowKey lt {"o;"} and Sent eq {false} and Open eq {true}")
            : TableClient.CreateQueryFilter($"RowKey ge {"o:"} and RowKey lt {"o;"}");
        await foreach (var page in Table.QueryAsync<TableEntity>(filter, maxPerPage: 1_000, cancellationToken: cancellationToken).AsPages().WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            foreach (var e in page.Values)
            {
                yield return MarginEntityCodec.ToOrder(e);
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Merges only <c>Sent</c> and <c>SentAt</c> into the row, unconditionally (ETag <c>*</c>): sending is monotonic (an
    /// order is never unsent) and a merge leaves the state an executor event may have written meanwhile untouched, so an
    /// order just inserted (no token yet) can be marked as safely as one read back. False when the row is gone (404).
    /// </remarks>
    public async Task<bool> MarkSentAsync(StoredOrder order, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (order.Sent)
        {
            return true;
        }

        var row = MarginEntityCodec.OrderKey(order.OrderId);

        var key = KeyOfAccount(order.AccountId, "order's account id");
        var entity = new TableEntity(key, row)
        {
            ["Sent"] = true,
            ["SentAt"] = StoredTime.Checked(at, "SentAt", row),
        };
        try
        {
            await Table.UpdateEntityAsync(entity, ETag.All, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412 || IsRowGone(ex))
        {
            return false;
        }
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<SweepReceipt> ReadReceiptsAsync(string sweepId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (TableKeys.Problem("the sweep id", sweepId, MarginEntityCodec.ReceiptPrefix.Length) is { } problem)
        {
            throw new ArgumentException(problem, nameof(sweepId));
        }

        // The same row key in every partition that the sweep processed: a scan, filtered by the service.
        var filter = TableClient.CreateQueryFilter($"RowKey eq {MarginEntityCodec.ReceiptKey(sweepId)}");
        await foreach (var page in Table.QueryAsync<TableEntity>(filter, maxPerPage: 1_000, cancellationToken: cancellationToken).AsPages().WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            foreach (var e in page.Values)
            {
                yield return MarginEntityCodec.ToReceipt(e);
            }
        }
    }

    /// <summary>
    /// The transactions a write takes, every row checked first: each account's rows together (results then orders),
    /// packed in order under 100 entities and the byte budget, the receipt in the last one.
    /// </summary>
    /// <exception cref="ArgumentException">A row is invalid, belongs to another partition or repeats, or an account has more rows than one transaction holds.</exception>
    internal List<List<TableTransactionAction>> Plan(MarginPartitionWrite write)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(write.Results);
        ArgumentNullException.ThrowIfNull(write.Orders);
        var key = PartitionKey(write.Partition);
        var groups = new Dictionary<string, List<TableTransactionAction>>(StringComparer.Ordinal);
        var order = new List<string>();
        var rows = new HashSet<string>(StringComparer.Ordinal);

        void Add(string accountId, TableEntity entity, string? token)
        {
            if (!rows.Add(entity.RowKey))
            {
                throw new ArgumentException($"{MarginEntityCodec.Where(key, entity.RowKey)} appears twice in one write", nameof(write));
            }

            if (!groups.TryGetValue(accountId, out var group))
            {
                groups[accountId] = group = [];
                order.Add(accountId);
            }

            group.Add(token is null
                ? new TableTransactionAction(TableTransactionActionType.Add, entity)
                : new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, new ETag(token)));
        }

        foreach (var r in write.Results)
        {
            ArgumentNullException.ThrowIfNull(r, nameof(write));
            if (AccountProblem(r.AccountId, key, "the result", MarginEntityCodec.ResultPrefix.Length) is { } problem)
            {
                throw new ArgumentException(problem, nameof(write));
            }

            Add(r.AccountId, MarginEntityCodec.ToEntity(r, key), r.ConcurrencyToken);
        }

        foreach (var o in write.Orders)
        {
            ArgumentNullException.ThrowIfNull(o, nameof(write));
            if (TableKeys.Problem("the order id", o.OrderId, MarginEntityCodec.OrderPrefix.Length) is { } problem)
            {
                throw new ArgumentException($"order {o.OrderId} of account {o.AccountId}: {problem}", nameof(write));
            }

            if (AccountProblem(o.AccountId, key, $"order {o.OrderId}", 0) is { } accountProblem)
            {
                throw new ArgumentException(accountProblem, nameof(write));
            }

            Add(o.AccountId, MarginEntityCodec.ToEntity(o, key), o.ConcurrencyToken);
        }

        foreach (var accountId in order)
        {
            var group = groups[accountId];
            var bytes = group.Sum(a => TableTransactions.EstimatedBytes((TableEntity)a.Entity));
            if (group.Count > TableTransactions.MaxEntities || bytes > TableTransactions.MaxBytes)
            {
                throw new ArgumentException(
                    $"account {accountId} has {group.Count} rows ({bytes} estimated bytes) to write in partition {key}; an account's rows share one transaction, which holds at most {TableTransactions.MaxEntities} rows and {TableTransactions.MaxBytes} bytes",
                    nameof(write));
            }
        }

        // The watermark rides in every transaction (at index 0), so an older sweep's write conflicts in its first
        // transaction once a newer sweep has finished the partition, never after some of its rows went in.
        TableEntity? mark = null;
        if (write.Watermark is { } w)
        {
            if (write.Receipt is null)
            {
                throw new ArgumentException("a watermark is written only with a receipt (it marks the partition finished)", nameof(write));
            }

            if (TableKeys.Problem("the watermark's sweep id", w.SweepId) is { } wProblem)
            {
                throw new ArgumentException(wProblem, nameof(write));
            }

            mark = MarginEntityCodec.ToEntity(w, key);
        }

        var reserved = mark is null ? 0 : 1;
        var reservedBytes = mark is null ? 0 : TableTransactions.EstimatedBytes(mark);
        var transactions = TableTransactions.Pack(order.Select(a => (IReadOnlyList<TableTransactionAction>)groups[a]), a => (TableEntity)a.Entity, reserved, reservedBytes).ToList();
        if (write.Receipt is { } receipt)
        {
            if (receipt.Partition != write.Partition)
            {
                throw new ArgumentException($"the receipt of sweep {receipt.SweepId} is for partition {receipt.Partition}, not {write.Partition} of this write", nameof(write));
            }

            if (TableKeys.Problem("the sweep id", receipt.SweepId, MarginEntityCodec.ReceiptPrefix.Length) is { } problem)
            {
                throw new ArgumentException($"receipt: {problem}", nameof(write));
            }

            var entity = MarginEntityCodec.ToEntity(receipt, key);
            var action = new TableTransactionAction(TableTransactionActionType.UpsertReplace, entity);
            var last = transactions.Count > 0 ? transactions[^1] : null;
            if (last is not null
                && last.Count + 1 + reserved <= TableTransactions.MaxEntities
                && last.Sum(a => TableTransactions.EstimatedBytes((TableEntity)a.Entity)) + TableTransactions.EstimatedBytes(entity) + reservedBytes <= TableTransactions.MaxBytes)
            {
                last.Add(action);
            }
            else
            {
                transactions.Add([action]);
            }
        }
        else if (write.Watermark is not null)
        {
            throw new ArgumentException("a watermark is written only with a receipt (it marks the partition finished)", nameof(write));
        }

        if (mark is not null)
        {
            var first = write.Watermark!.ConcurrencyToken;
            foreach (var transaction in transactions)
            {
                // Index 0; CommitAsync replaces the ETag of every one after the first with the one the previous returned.
                transaction.Insert(0, first is null
                    ? new TableTransactionAction(TableTransactionActionType.Add, mark)
                    : new TableTransactionAction(TableTransactionActionType.UpdateReplace, mark, new ETag(first)));
            }
        }

        return transactions;
    }

    private string PartitionKey(int partition)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(partition, _partitioner.PartitionCount);
        return AccountPartitioner.KeyOf(partition);
    }

    private string KeyOfAccount(string accountId, string what) =>
        TableKeys.Problem($"the {what}", accountId) is { } problem
            ? throw new ArgumentException(problem, nameof(accountId))
            : _partitioner.KeyOfAccount(accountId);

    /// <summary>Why a row of <paramref name="accountId"/> cannot go in partition <paramref name="key"/>, or null.</summary>
    private string? AccountProblem(string accountId, string key, string what, int prefixLength)
    {
        if (TableKeys.Problem("the account id", accountId, prefixLength) is { } problem)
        {
            return $"{what} of account {accountId}: {problem}";
        }

        var actual = _partitioner.KeyOfAccount(accountId);
        return actual == key ? null : $"{what} of account {accountId} belongs to partition {actual}, not {key} of this write";
    }

    /// <summary>Why a failed write is a lost race, or null when it is another failure (which propagates).</summary>
    private static string? Conflict(RequestFailedException ex) => ex.Status switch
    {
        409 => "the row already exists (it was inserted since it was read)",
        412 => "the row changed since it was read (its ETag no longer matches)",
        _ when IsRowGone(ex) => "the row was deleted since it was read",
        _ => null,
    };

    /// <summary>A 404 for the row (<c>ResourceNotFound</c>), not for a missing table.</summary>
    private static bool IsRowGone(RequestFailedException ex) => ex.Status == 404 && ex.ErrorCode == "ResourceNotFound";
}
