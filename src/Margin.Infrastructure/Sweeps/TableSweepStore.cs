using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Margin.Infrastructure.Storage;
using Margin.Sweep.Ports;
using Margin.Sweep.Work;

namespace Margin.Infrastructure.Sweeps;

/// <summary>The <c>sweeps</c> table: partition <c>sweep</c> holds one record per sweep; partition <c>{sweepId}</c> one marker per finished work item (<c>w00000</c>).</summary>
/// <remarks>
/// A sweep record is inserted, never replaced: two starters racing for the same sweep id both get the one that won
/// (a 409 from the insert reads the stored record). Markers are upserted, so a work item retried after it finished marks
/// itself again harmlessly.
/// </remarks>
public sealed class TableSweepStore : TableStore, ISweepStore
{
    /// <summary>The table's name.</summary>
    public const string TableName = "sweeps";

    private const string SweepPartition = "sweep";
    private const string LatestPartition = "latest";

    /// <summary>Creates the store over the <c>sweeps</c> table.</summary>
    /// <param name="table">The table client.</param>
    public TableSweepStore(TableClient table)
        : base(table)
    {
    }

    /// <inheritdoc/>
    public async Task<(SweepRecord Sweep, bool Created)> CreateOrGetAsync(SweepRecord sweep, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        ArgumentException.ThrowIfNullOrWhiteSpace(sweep.SweepId);
        ArgumentOutOfRangeException.ThrowIfLessThan(sweep.WorkItems, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(sweep.PartitionCount, 1);
        if (sweep.SweepId is SweepPartition or LatestPartition)
        {
            throw new ArgumentException($"'{sweep.SweepId}' is reserved and cannot name a sweep", nameof(sweep));
        }

        try
        {
            await Table.AddEntityAsync(ToEntity(sweep), cancellationToken).ConfigureAwait(false);
            return (sweep, true);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            var stored = await GetAsync(sweep.SweepId, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"sweep {sweep.SweepId} was reported as existing but cannot be read", ex);
            return (stored, false);
        }
    }

    /// <inheritdoc/>
    public async Task<SweepRecord?> GetAsync(string sweepId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sweepId);
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(SweepPartition, sweepId, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!row.HasValue)
        {
            return null;
        }

        var e = row.Value!;
        return new SweepRecord(
            sweepId,
            e.GetString("SnapshotId") ?? throw Missing(sweepId, "SnapshotId"),
            e.GetString("ParamsVersion") ?? throw Missing(sweepId, "ParamsVersion"),
            e.GetDateTimeOffset("StartedAt") ?? throw Missing(sweepId, "StartedAt"),
            e.GetDateTimeOffset("Deadline") ?? throw Missing(sweepId, "Deadline"),
            e.GetInt32("WorkItems") ?? throw Missing(sweepId, "WorkItems"),
            e.GetBoolean("NoLiquidation") ?? false,
            e.GetInt32("PartitionCount") ?? throw Missing(sweepId, "PartitionCount"),
            e.GetDateTimeOffset("EnqueuedAt"));
    }

    /// <inheritdoc/>
    public async Task MarkEnqueuedAsync(string sweepId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sweepId);
        try
        {
            // Merge with ETag "*": only the EnqueuedAt property changes, and only on a stored record (no upsert).
            await Table.UpdateEntityAsync(new TableEntity(SweepPartition, sweepId) { ["EnqueuedAt"] = at }, ETag.All, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new InvalidOperationException($"sweep {sweepId} is not stored; it cannot be marked enqueued", ex);
        }
    }

    /// <inheritdoc/>
    public async Task SetLatestAsync(string sweepId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sweepId);
        var sweep = await GetAsync(sweepId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"sweep {sweepId} is not stored: latest cannot point at it");

        // Forward only (by start time): a late starter never moves latest back to an older sweep.
        await MoveForwardAsync(new TableEntity(LatestPartition, LatestPartition) { ["SweepId"] = sweepId, ["StartedAt"] = sweep.StartedAt }, "StartedAt", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<SweepRecord?> GetLatestAsync(CancellationToken cancellationToken = default)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(LatestPartition, LatestPartition, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!row.HasValue || row.Value!.GetString("SweepId") is not { Length: > 0 } id)
        {
            return null;
        }

        return await GetAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"the latest sweep pointer names {id}, which is not stored");
    }

    /// <inheritdoc/>
    public async Task MarkDoneAsync(string sweepId, int workItem, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sweepId);
        ArgumentOutOfRangeException.ThrowIfNegative(workItem);
        await Table.UpsertEntityAsync(new TableEntity(sweepId, MarkerKey(workItem)) { ["DoneAt"] = at }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<int>> DoneAsync(string sweepId, CancellationToken cancellationToken = default) =>
        [.. (await DoneMarkersAsync(sweepId, cancellationToken).ConfigureAwait(false)).Select(m => m.WorkItem)];

    /// <inheritdoc/>
    public async Task<IReadOnlyList<WorkItemDone>> DoneMarkersAsync(string sweepId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sweepId);
        var done = new List<WorkItemDone>();
        await foreach (var e in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {sweepId}"), maxPerPage: 1_000, select: ["RowKey", "DoneAt"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (e.RowKey.StartsWith('w') && int.TryParse(e.RowKey.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                done.Add(new WorkItemDone(n, e.GetDateTimeOffset("DoneAt") ?? throw Missing(sweepId, $"DoneAt of work item {n}")));
            }
        }

        done.Sort((a, b) => a.WorkItem.CompareTo(b.WorkItem));
        return done;
    }

    private static string MarkerKey(int workItem) => string.Create(CultureInfo.InvariantCulture, $"w{workItem:D5}");

    private static TableEntity ToEntity(SweepRecord s) => new(SweepPartition, s.SweepId)
    {
        ["SnapshotId"] = s.SnapshotId,
        ["ParamsVersion"] = s.ParamsVersion,
        ["StartedAt"] = s.StartedAt,
        ["Deadline"] = s.Deadline,
        ["WorkItems"] = s.WorkItems,
        ["NoLiquidation"] = s.NoLiquidation,
        ["PartitionCount"] = s.PartitionCount,
        ["EnqueuedAt"] = s.EnqueuedAt,
    };

    private static InvalidOperationException Missing(string sweepId, string property) => new($"sweep {sweepId}: {property} is missing from its stored record");
}
