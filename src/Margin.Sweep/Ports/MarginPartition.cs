using Margin.Sweep.Orders;
using Margin.Sweep.Results;

namespace Margin.Sweep.Ports;

/// <summary>One partition of the <c>margin</c> table as a sweep reads it.</summary>
/// <param name="Partition">The partition.</param>
/// <param name="Results">Stored results by account id.</param>
/// <param name="OpenOrders">Orders not in a terminal state, by order id (some may be past their time to live).</param>
/// <param name="Receipt">The receipt of the sweep asked for, or null when that sweep has not finished this partition.</param>
/// <param name="Watermark">The newest sweep that has finished this partition, or null before the first.</param>
public sealed record MarginPartition(int Partition, IReadOnlyDictionary<string, StoredResult> Results, IReadOnlyDictionary<string, StoredOrder> OpenOrders, SweepReceipt? Receipt, PartitionWatermark? Watermark = null);

/// <summary>The newest (snapshot time, sweep) that finished a partition (the <c>margin</c> table's <c>w:</c> row): an older sweep arriving late must not overwrite it, even for results it left unchanged.</summary>
/// <param name="SnapshotAsOf">The sweep's snapshot time.</param>
/// <param name="SweepId">The sweep.</param>
/// <param name="ConcurrencyToken">The store's row version, or null when not stored yet.</param>
public sealed record PartitionWatermark(DateTimeOffset SnapshotAsOf, string SweepId, string? ConcurrencyToken = null);
