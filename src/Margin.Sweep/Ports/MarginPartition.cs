using Margin.Sweep.Orders;
using Margin.Sweep.Results;

namespace Margin.Sweep.Ports;

/// <summary>One partition of the <c>margin</c> table as a sweep reads it.</summary>
/// <param name="Partition">The partition.</param>
/// <param name="Results">Stored results by account id.</param>
/// <param name="OpenOrders">Orders not in a terminal state, by order id (some may be past their time to live).</param>
/// <param name="Receipt">The receipt of the sweep asked for, or null when that sweep has not finished this partition.</param>
public sealed record MarginPartition(int Partition, IReadOnlyDictionary<string, StoredResult> Results, IReadOnlyDictionary<string, StoredOrder> OpenOrders, SweepReceipt? Receipt);
