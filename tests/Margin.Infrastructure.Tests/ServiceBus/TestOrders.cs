using System.Collections.Immutable;
using Margin.Sweep.Orders;

namespace Margin.Infrastructure.Tests.ServiceBus;

/// <summary>Outbox orders with real liquidation order bodies.</summary>
internal static class TestOrders
{
    public static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    public static StoredOrder Order(string accountId = "acc-1", int episode = 3, string severity = "Liquidatable", string sweepId = "sweep-9", TimeSpan? ttl = null, int legs = 1, string? orderId = null)
    {
        var id = orderId ?? $"o-{accountId}-{episode}";
        var expires = Now + (ttl ?? TimeSpan.FromMinutes(10));
        var body = new LiquidationOrder(
            LiquidationOrder.SchemaVersion, id, accountId, episode, sweepId, "snap-1", "params-1", 7, severity, "ReachesTarget",
            Now, expires, "USD", "1.25", "1.01", "12.5", "0", false,
            Enumerable.Range(0, legs).Select(i => new LiquidationOrderLeg("Sell", $"ASSET{i}", "Sell", "1.5", "100.25", "101", "150.375", "0.75")).ToImmutableArray());
        return new StoredOrder(id, accountId, episode, sweepId, OrderState.Open, false, Now, expires, null, Now, LiquidationOrderJson.Write(body));
    }

    public static IReadOnlyList<StoredOrder> Many(int count, int legs = 1) =>
        Enumerable.Range(0, count).Select(i => Order($"acc-{i:D5}", episode: 1 + (i % 4), legs: legs)).ToArray();
}
