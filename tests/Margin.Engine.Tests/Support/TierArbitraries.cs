using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using Margin.Engine.Parameters;

namespace Margin.Engine.Tests.Support;

/// <summary>A flat weight, marginal bands (rates in any order, last band bounded or not) and a value.</summary>
public sealed record TierCase(decimal Weight, WeightTier[] Tiers, decimal Value)
{
    public override string ToString() =>
        $"w {Weight}, value {Value}, tiers [{string.Join(", ", Tiers.Select(t => $"{t.UpToUsd?.ToString(CultureInfo.InvariantCulture) ?? "inf"}@{t.Rate}"))}]";
}

public static class TierArbitraries
{
    public static Arbitrary<TierCase> Cases() => Arb.From(
        from weight in Gen.Choose(0, 100).Select(i => i / 100m)
        from count in Gen.Choose(1, 5)
        from widths in Gen.ArrayOf(Gen.Choose(1, 1_000_000), count)
        from rates in Gen.ArrayOf(Gen.Choose(0, 100).Select(i => i / 100m), widths.Length)
        from bounded in Gen.Elements(false, true)
        from value in Gen.Choose(0, 10_000_000).Select(i => i * 1.37m)
        select new TierCase(weight, Bands(widths, rates, bounded), value));

    private static WeightTier[] Bands(int[] widths, decimal[] rates, bool bounded)
    {
        var cap = 0m;
        var tiers = new WeightTier[widths.Length];
        for (var i = 0; i < widths.Length; i++)
        {
            cap += widths[i];
            tiers[i] = new WeightTier(i == widths.Length - 1 && !bounded ? null : cap, rates[i]);
        }

        return tiers;
    }
}
