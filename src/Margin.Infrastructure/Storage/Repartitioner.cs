using Azure.Data.Tables;

namespace Margin.Infrastructure.Storage;

/// <summary>Moves every row of the tables keyed by account partition (<c>accounts</c>, and the results and orders of <c>margin</c>) from <c>N</c> to <c>M</c> partitions.</summary>
/// <remarks>
/// <para>Changing the partition count is a migration, never a configuration flip: stop the timers (no sweep may run),
/// run this, then set <c>Storage:Partitions</c> to <c>M</c> everywhere.</para>
/// <para>Idempotent and restartable: it scans partitions <c>0 .. max(N, M) - 1</c> and moves every row that is not in the
/// partition <c>M</c> gives its account (written at the new key first, deleted at the old one after, under the ETag it
/// was read with, so a write the ledger made meanwhile fails the batch instead of being lost: run it again), so a run
/// interrupted at any point is completed by running it again. Sweep receipts (<c>x:</c> rows) stay where they are: they
/// describe the partitions of the sweeps that wrote them.</para>
/// </remarks>
public sealed class Repartitioner
{
    private const int Batch = 100;

    private readonly TableClient _accounts;
    private readonly TableClient _margin;

    /// <summary>Creates the migration over the two tables.</summary>
    public Repartitioner(TableClient accounts, TableClient margin)
    {
        _accounts = accounts ?? throw new ArgumentNullException(nameof(accounts));
        _margin = margin ?? throw new ArgumentNullException(nameof(margin));
    }

    /// <summary>Moves the rows; returns how many were moved per table.</summary>
    /// <param name="from">The current partition count N.</param>
    /// <param name="to">The new partition count M.</param>
    /// <param name="progress">Told after each scanned partition (partitions scanned, of the total).</param>
    /// <param name="cancellationToken">Cancels between batches; run again to finish.</param>
    public async Task<(int Accounts, int MarginRows)> RunAsync(int from, int to, Action<int, int>? progress, CancellationToken cancellationToken = default)
    {
        var target = new AccountPartitioner(to);
        _ = new AccountPartitioner(from);
        var scan = Math.Max(from, to);
        int accounts = 0, margin = 0;
        for (var p = 0; p < scan; p++)
        {
            accounts += await MoveAsync(_accounts, p, target, e => e.RowKey, cancellationToken).ConfigureAwait(false);
            margin += await MoveAsync(_margin, p, target, AccountOfMarginRow, cancellationToken).ConfigureAwait(false);
            progress?.Invoke(p + 1, scan);
        }

        return (accounts, margin);
    }

    // The account a margin row belongs to: r:{account} by its key, o:{order} by its AccountId; null for rows that stay (receipts).
    private static string? AccountOfMarginRow(TableEntity e) =>
        e.RowKey.StartsWith("r:", StringComparison.Ordinal) ? e.RowKey[2..]
        : e.RowKey.StartsWith("o:", StringComparison.Ordinal) ? e.GetString("AccountId")
        : null;

    // Transactions of at most 100 rows and about 3 MB of text (the service's body limit is 4 MiB).
    private static IEnumerable<List<(TableEntity Row, string To)>> Chunks(IEnumerable<(TableEntity Row, string To)> rows)
    {
        var chunk = new List<(TableEntity Row, string To)>();
        long bytes = 0;
        foreach (var row in rows)
        {
            var size = row.Row.Sum(kv => (kv.Key.Length + (kv.Value?.ToString()?.Length ?? 0)) * 2L) + 512;
            if (chunk.Count == Batch || (chunk.Count > 0 && bytes + size > 3_000_000))
            {
                yield return chunk;
                chunk = [];
                bytes = 0;
            }

            chunk.Add(row);
            bytes += size;
        }

        if (chunk.Count > 0)
        {
            yield return chunk;
        }
    }

    private static async Task<int> MoveAsync(TableClient table, int partition, AccountPartitioner target, Func<TableEntity, string?> accountOf, CancellationToken cancellationToken = default)
    {
        var key = AccountPartitioner.KeyOf(partition);
        var moving = new List<(TableEntity Row, string To)>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {key}"), maxPerPage: 1_000, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (accountOf(row) is { } account && AccountPartitioner.KeyOf(target.PartitionOf(account)) is var home && home != key)
            {
                moving.Add((row, home));
            }
        }

        foreach (var group in moving.GroupBy(m => m.To, StringComparer.Ordinal))
        {
            foreach (var chunk in Chunks(group))
            {
                var actions = chunk.Select(m =>
                {
                    var copy = new TableEntity(m.Row.Where(kv => kv.Key is not ("odata.etag" or "Timestamp")).ToDictionary()) { PartitionKey = m.To };
                    return new TableTransactionAction(TableTransactionActionType.UpsertReplace, copy);
                }).ToList();
                await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var chunk in moving.Chunk(Batch))
        {
            await table.SubmitTransactionAsync(chunk.Select(m => new TableTransactionAction(TableTransactionActionType.Delete, m.Row, m.Row.ETag)).ToList(), cancellationToken).ConfigureAwait(false);
        }

        return moving.Count;
    }
}
