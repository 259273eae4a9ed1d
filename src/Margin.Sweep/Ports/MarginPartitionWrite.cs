using Margin.Sweep.Orders;
using Margin.Sweep.Results;

namespace Margin.Sweep.Ports;

/// <summary>Rows to write to one partition of the <c>margin</c> table.</summary>
/// <remarks>
/// A row with a null <c>ConcurrencyToken</c> is inserted (it must not exist); one with a token replaces the row only if
/// it is unchanged. Every result and order must belong to <see cref="Partition"/>.
/// </remarks>
/// <param name="Partition">The partition.</param>
/// <param name="Results">Results to insert or replace.</param>
/// <param name="Orders">Orders to insert (new) or replace (state changes).</param>
/// <param name="Receipt">The sweep receipt to write (insert or replace, unconditionally), or null.</param>
/// <param name="Watermark">The partition's new watermark, written in the receipt's transaction (insert without a token, replace under it), or null.</param>
public sealed record MarginPartitionWrite(int Partition, IReadOnlyList<StoredResult> Results, IReadOnlyList<StoredOrder> Orders, SweepReceipt? Receipt, PartitionWatermark? Watermark = null);
