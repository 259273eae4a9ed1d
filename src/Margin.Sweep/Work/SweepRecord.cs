namespace Margin.Sweep.Work;

/// <summary>A sweep: one evaluation of the whole book with one snapshot and parameter version, split into work items.</summary>
/// <param name="SweepId">The sweep's id (derived from the snapshot, so starting it twice names the same sweep).</param>
/// <param name="SnapshotId">The price snapshot.</param>
/// <param name="ParamsVersion">The risk parameter version.</param>
/// <param name="StartedAt">When it was started.</param>
/// <param name="Deadline">When an unfinished work item counts as abandoned.</param>
/// <param name="WorkItems">How many work items it has (numbered 0 .. WorkItems - 1).</param>
/// <param name="NoLiquidation">Whether it runs in no-liquidation mode (the snapshot is older than its maximum age).</param>
/// <param name="PartitionCount">The account partitions <c>N</c> the work items cover (<c>0 .. N - 1</c>).</param>
/// <param name="EnqueuedAt">When every work item was enqueued, or null while a start is incomplete (a retry enqueues them again).</param>
public sealed record SweepRecord(string SweepId, string SnapshotId, string ParamsVersion, DateTimeOffset StartedAt, DateTimeOffset Deadline, int WorkItems, bool NoLiquidation, int PartitionCount, DateTimeOffset? EnqueuedAt = null);
