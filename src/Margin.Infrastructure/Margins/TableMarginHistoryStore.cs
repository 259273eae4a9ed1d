using Azure.Data.Tables;
using Margin.Engine.Results;
using Margin.Infrastructure.Storage;
using Margin.Sweep.History;
using Margin.Sweep.Ports;

namespace Margin.Infrastructure.Margins;

/// <summary>The <c>marginhistory</c> table: PartitionKey the account id, RowKey the inverted ticks of the change's time (19 digits) and <c>-{sweepId}</c>, so a partition reads newest first.</summary>
/// <remarks>
/// Writing a change again (same account, time and sweep) replaces its row, so a retried shard writes no duplicate. The
/// time is the row key's, exact to the tick; <c>At</c> is also a property for people browsing the table. Ratios are
/// round-trip invariant strings (<c>Infinity</c> included), statuses and flags their names (docs/storage.md).
/// </remarks>
public sealed class TableMarginHistoryStore : TableStore, IMarginHistoryStore
{
    /// <summary>The table's name.</summary>
    public const string TableName = "marginhistory";

    /// <summary>How many accounts' changes are written at once.</summary>
    public const int WriteConcurrency = 16;

    /// <summary>Creates the store over the <c>marginhistory</c> table.</summary>
    /// <param name="table">The table client.</param>
    public TableMarginHistoryStore(TableClient table)
        : base(table)
    {
    }

    /// <inheritdoc/>
    /// <remarks>A change given twice in one call (same account, time and sweep) is written once, the later one.</remarks>
    public async Task AppendAsync(IReadOnlyList<StatusChange> changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);

        // Every row is built (and checked) before the first write; the last of a repeated key wins.
        var rows = new Dictionary<(string, string), TableEntity>();
        foreach (var c in changes)
        {
            ArgumentNullException.ThrowIfNull(c, nameof(changes));
            var e = ToEntity(c);
            rows[(e.PartitionKey, e.RowKey)] = e;
        }

        // Each account is its own partition, so a sweep's changes are many one-row writes: send them concurrently
        // (one plain upsert for a single row, transactions for an account with several).
        var options = new ParallelOptions { MaxDegreeOfParallelism = WriteConcurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(rows.Values.GroupBy(e => e.PartitionKey, StringComparer.Ordinal), options, async (account, ct) =>
        {
            var all = account.ToList();
            if (all.Count == 1)
            {
                await Table.UpsertEntityAsync(all[0], TableUpdateMode.Replace, ct).ConfigureAwait(false);
                return;
            }

            foreach (var batch in TableTransactions.Split(all))
            {
                await Table.SubmitTransactionAsync(batch.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), ct).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<StatusChange>> ReadAsync(string accountId, int max, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountId);
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        var changes = new List<StatusChange>();
        if (max == 0 || TableKeys.Problem("the account id", accountId) is not null)
        {
            return changes;
        }

        var query = Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {accountId}"), maxPerPage: Math.Min(max, 1_000), cancellationToken: cancellationToken);
        await foreach (var page in query.AsPages().WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            foreach (var e in page.Values)
            {
                changes.Add(FromEntity(e));
                if (changes.Count == max)
                {
                    return changes;
                }
            }
        }

        return changes;
    }

    /// <inheritdoc/>
    public async Task<int> PruneAsync(string accountId, DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountId);
        if (TableKeys.Problem("the account id", accountId) is not null)
        {
            return 0;
        }

        // At < before  <=>  inverted(At) >= inverted(before) + 1: every key from that 19-digit prefix on.
        var from = InvertedTime.Key(InvertedTime.Ticks(before) + 1);
        var old = new List<TableEntity>();
        await foreach (var e in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {accountId} and RowKey ge {from}"), maxPerPage: 1_000, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            old.Add(e);
        }

        foreach (var batch in old.Chunk(TableTransactions.MaxEntities))
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Table.SubmitTransactionAsync(batch.Select(e => new TableTransactionAction(TableTransactionActionType.Delete, e, Azure.ETag.All)), cancellationToken).ConfigureAwait(false);
        }

        return old.Count;
    }

    private static TableEntity ToEntity(StatusChange c)
    {
        if (TableKeys.Problem("the account id", c.AccountId) is { } accountProblem)
        {
            throw new ArgumentException($"status change of account {c.AccountId}: {accountProblem}", nameof(c));
        }

        var prefix = InvertedTime.Key(c.At) + "-";
        if (TableKeys.Problem("the sweep id", c.SweepId, prefix.Length) is { } sweepProblem)
        {
            throw new ArgumentException($"status change of account {c.AccountId} at {c.At:O}: {sweepProblem}", nameof(c));
        }

        var row = prefix + c.SweepId;
        var e = new TableEntity(c.AccountId, row)
        {
            ["At"] = StoredTime.Checked(c.At, "At", row),
            ["SweepId"] = c.SweepId,
            ["SnapshotId"] = c.SnapshotId,
            ["ParamsVersion"] = c.ParamsVersion,
            ["AccountVersion"] = c.AccountVersion,
            ["From"] = c.From?.ToString(),
            ["To"] = c.To?.ToString(),
            ["Flags"] = MarginEntityCodec.FlagsText(c.Flags, row),
            ["MarginRatio"] = MarginEntityCodec.Ratio(c.MarginRatio),
            ["Reason"] = c.Reason,
            ["OrderId"] = c.OrderId,
        };
        MarginEntityCodec.CheckStrings(e, TableName);
        return e;
    }

    private static StatusChange FromEntity(TableEntity e)
    {
        try
        {
            var at = InvertedTime.Parse(e.RowKey) ?? throw new FormatException("the row key does not start with 19 digits of inverted ticks");
            return new StatusChange(
                e.PartitionKey,
                at,
                Required(e, "SweepId"),
                Required(e, "SnapshotId"),
                Required(e, "ParamsVersion"),
                e.GetInt64("AccountVersion") ?? throw new FormatException("AccountVersion is missing"),
                e.GetString("From") is { } from ? MarginEntityCodec.Name<MarginStatus>(from, "From") : null,
                e.GetString("To") is { } to ? MarginEntityCodec.Name<MarginStatus>(to, "To") : null,
                MarginEntityCodec.ParseFlags(Required(e, "Flags")),
                MarginEntityCodec.ParseRatio(Required(e, "MarginRatio"), "MarginRatio"),
                e.GetString("Reason") ?? string.Empty,
                e.GetString("OrderId"));
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"{TableName} table, partition {e.PartitionKey}, row {e.RowKey}: {ex.Message}", ex);
        }
    }

    private static string Required(TableEntity e, string property) => e.GetString(property) ?? throw new FormatException($"{property} is missing");
}
