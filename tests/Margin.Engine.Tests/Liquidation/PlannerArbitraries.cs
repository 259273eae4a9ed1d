using FsCheck;
using FsCheck.Fluent;

namespace Margin.Engine.Tests.Liquidation;

/// <summary>A random planner case on <see cref="PlannerBook"/>: balances, an ETH-PERP position and order limits.</summary>
public sealed record RandomCase(decimal Btc, decimal Eth, decimal Usd, decimal Perp, decimal Entry, decimal MaxOrderUsd, decimal MinOrderUsd, decimal MaxImpact);

/// <summary>A small book for the exhaustive-search comparison: at most 8 lots per leg, repays covered by cash held.</summary>
public sealed record SmallCase(int BtcLots, int EthOwedLots, int PerpLots, decimal Entry, decimal ExtraCash);

/// <summary>FsCheck generators for the planner properties.</summary>
public static class PlannerArbitraries
{
    public static Arbitrary<RandomCase> Cases() => Arb.From(
        from btc in Gen.Choose(0, 300)
        from eth in Gen.Choose(-500, 500)
        from usd in Gen.Choose(-150, 50)
        from perp in Gen.Choose(-300, 300)
        from entry in Gen.Choose(1_500, 2_500)
        from maxOrder in Gen.Elements(2_000m, 20_000m, 1_000_000m)
        from minOrder in Gen.Elements(0m, 0m, 1_000m)
        from maxImpact in Gen.Elements(0.01m, 0.2m, 0.5m)
        select new RandomCase(btc / 100m, eth / 10m, usd * 1_000m, perp / 10m, entry, maxOrder, minOrder, maxImpact));

    public static Arbitrary<SmallCase> SmallCases() => Arb.From(
        from btc in Gen.Choose(0, 8)
        from eth in Gen.Choose(0, 8)
        from perp in Gen.Choose(0, 8)
        from entry in Gen.Choose(1_900, 2_300)
        from extra in Gen.Choose(0, 300)
        select new SmallCase(btc, eth, perp, entry, extra));
}
