namespace Margin.Sweep.Work;

/// <summary>One work item (a shard) of a sweep: a range of account partitions to evaluate with one snapshot and parameter version.</summary>
/// <remarks>Carried on the work queue as small versioned JSON (docs/storage.md, "margin-shards"). Partitions are inclusive.</remarks>
/// <param name="SweepId">The sweep.</param>
/// <param name="SnapshotId">The price snapshot every account of the sweep is evaluated with.</param>
/// <param name="ParamsVersion">The risk parameter version in force.</param>
/// <param name="PartitionFrom">The first partition, inclusive.</param>
/// <param name="PartitionTo">The last partition, inclusive.</param>
/// <param name="TraceParent">The W3C <c>traceparent</c> of the span that enqueued the item (StartSweep), so that every work item of a sweep is a child span of its start and the whole sweep is one trace; null when there was none or when it did not parse (telemetry only: it never makes an item invalid).</param>
public sealed record WorkItem(string SweepId, string SnapshotId, string ParamsVersion, int PartitionFrom, int PartitionTo, string? TraceParent = null)
{
    /// <summary>The message schema version this code writes and reads.</summary>
    public const int SchemaVersion = 1;

    /// <summary>The problems of this item (empty strings, a negative or reversed range), each naming its field; empty when valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        foreach (var (name, value) in new[] { ("sweepId", SweepId), ("snapshotId", SnapshotId), ("paramsVersion", ParamsVersion) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                problems.Add($"{name} is empty");
            }
        }

        if (PartitionFrom < 0 || PartitionTo < PartitionFrom)
        {
            problems.Add($"partitionFrom {PartitionFrom} and partitionTo {PartitionTo} are not a range of partitions (0 <= from <= to)");
        }

        return problems;
    }
}
