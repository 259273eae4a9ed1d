using System.Collections.Immutable;
using System.Globalization;
using Margin.Sweep.Orders;

namespace Margin.Testing.Orders;

/// <summary>
/// Outbox orders as ProcessShard writes them (ids from <see cref="OrderIds"/>, bodies from <see cref="LiquidationOrderJson"/>),
/// with seeded values of realistic shape: 1 to 4 legs over real asset and instrument names, decimals as invariant strings,
/// both severities, several episodes per account, sweeps of a few hundred orders.
/// </summary>
public static class SyntheticOrders
{
    // Not DOGE: the example parameters pause its liquidations, and RelayOutbox would hold those orders back.
    private static readonly string[] s_collateral = ["BTC", "ETH", "SOL", "XRP", "ADA", "LTC", "LINK", "AVAX"];
    private static readonly string[] s_positions = ["BTC-PERP", "ETH-PERP", "SOL-PERP", "BTC-27MAR26-90000-C", "ETH-26JUN26-3000-P"];

    /// <summary>Creates <paramref name="count"/> orders, the same for the same arguments.</summary>
    /// <param name="count">How many orders.</param>
    /// <param name="now">Their creation time.</param>
    /// <param name="seed">The values' seed.</param>
    /// <param name="firstAccount">The first account number (three orders per account).</param>
    /// <param name="timeToLive">Their time to live (15 minutes, the sweep's default, unless given).</param>
    public static IReadOnlyList<StoredOrder> Create(int count, DateTimeOffset now, int seed = 20261124, int firstAccount = 0, TimeSpan? timeToLive = null)
    {
        var random = new Random(seed);
        var orders = new List<StoredOrder>(count);
        for (var i = 0; i < count; i++)
        {
            var account = string.Create(CultureInfo.InvariantCulture, $"acct-{firstAccount + (i / 3):D6}");
            var episode = (i % 3) + 1;
            var sweep = string.Create(CultureInfo.InvariantCulture, $"{now.AddMinutes(-(i / 500)):yyyyMMddTHHmmss}-{i / 500:D4}");
            var created = now.AddMilliseconds(-random.Next(0, 60_000));
            var expires = created + (timeToLive ?? TimeSpan.FromMinutes(15));
            var bankrupt = random.Next(5) == 0;
            var legs = Enumerable.Range(0, random.Next(1, 5)).Select(_ => Leg(random)).ToImmutableArray();
            var total = legs.Sum(l => decimal.Parse(l.Cost, CultureInfo.InvariantCulture));
            var orderId = OrderIds.For(account, episode);
            var body = LiquidationOrderJson.Write(new LiquidationOrder(
                LiquidationOrder.SchemaVersion,
                orderId,
                account,
                episode,
                sweep,
                "snap-" + sweep,
                "params-v7",
                random.NextInt64(1, 1_000_000),
                bankrupt ? "Bankrupt" : "Liquidatable",
                bankrupt ? "FullClose" : "ReachesTarget",
                created,
                expires,
                "USDT",
                "0.8",
                Text(Math.Round((decimal)(1 + random.NextDouble()), 6)),
                Text(total),
                bankrupt ? Text(Math.Round((decimal)random.NextDouble() * 5000m, 2)) : "0",
                bankrupt,
                legs));
            orders.Add(new StoredOrder(orderId, account, episode, sweep, OrderState.Open, Sent: false, created, expires, SentAt: null, created, body));
        }

        return orders;
    }

    private static LiquidationOrderLeg Leg(Random random)
    {
        var position = random.Next(3) == 0;
        var target = position ? s_positions[random.Next(s_positions.Length)] : s_collateral[random.Next(s_collateral.Length)];
        var quantity = Math.Round((decimal)random.NextDouble() * 50m + 0.001m, 8);
        var reference = Math.Round((decimal)random.NextDouble() * 90_000m + 0.05m, 4);
        var limit = Math.Round(reference * 0.97m, 4);
        var value = Math.Round(quantity * reference, 8);
        var cost = Math.Round(value * 0.03m, 8);
        return new LiquidationOrderLeg(position ? "ReducePosition" : "SellCollateral", target, "Sell", Text(quantity), Text(limit), Text(reference), Text(value), Text(cost));
    }

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
