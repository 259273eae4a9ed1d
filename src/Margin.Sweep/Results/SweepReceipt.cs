using System.Collections.Immutable;
using Margin.Engine.Results;

namespace Margin.Sweep.Results;

/// <summary>What one work item did to one partition in one sweep (the <c>margin</c> table's <c>x:{sweep}</c> row): always written, even when no result changed.</summary>
/// <param name="SweepId">The sweep.</param>
/// <param name="Partition">The partition.</param>
/// <param name="WorkItem">The work item that covered it.</param>
/// <param name="Accounts">Accounts read from the partition (evaluated, failed or skipped as older).</param>
/// <param name="Written">Results written because they changed materially.</param>
/// <param name="Unchanged">Results confirmed unchanged (not rewritten).</param>
/// <param name="Superseded">Accounts skipped because their stored result is from a newer snapshot or sweep.</param>
/// <param name="Failed">Accounts that could not be evaluated (their reason is in their result row).</param>
/// <param name="Orders">New liquidation orders put in the outbox.</param>
/// <param name="ByStatus">Accounts per status: evaluated ones by their new status, superseded ones by their stored status.</param>
/// <param name="At">When the receipt was written.</param>
public sealed record SweepReceipt(string SweepId, int Partition, int WorkItem, int Accounts, int Written, int Unchanged, int Superseded, int Failed, int Orders, ImmutableSortedDictionary<MarginStatus, int> ByStatus, DateTimeOffset At);
