using FsCheck;
using FsCheck.Xunit;
using Margin.Engine.Parameters;
using Margin.Engine.Tests.Support;

namespace Margin.Engine.Tests.Parameters;

public class CollateralWeightsTests
{
    // Bands: up to 100k at 100 %, 100k..500k at 90 %, 500k..1M at 50 %, nothing beyond 1M.
    private static readonly WeightTier[] s_boundedTiers = [new(100_000m, 1m), new(500_000m, 0.9m), new(1_000_000m, 0.5m)];

    // Bands: up to 100k at 100 %, then 80 % for ever.
    private static readonly WeightTier[] s_unboundedTiers = [new(100_000m, 1m), new(null, 0.8m)];

    // h_schedule 0.1 (w 0.9, l 1.1); z 2, T 0.01 y => z * sqrt(T) = 0.2.
    private static readonly VolatilityScaling s_vol = new(2m, 0.01m);

    public static TheoryData<decimal, decimal, decimal, decimal> FlatCases => new()
    {
        // weight, liability weight, value, adjusted
        { 0.9m, 1.1m, 1_000m, 900m },          // 1,000 * 0.9
        { 0.9m, 1.1m, -1_000m, -1_100m },      // -1,000 * 1.1
        { 1m, 1m, 123.45m, 123.45m },
        { 0m, 1m, 5_000m, 0m },                // a zero weight counts nothing
        { 0.75m, 1.25m, 0m, 0m },
        { 0.5m, 2m, -0.01m, -0.02m },
    };

    [Theory]
    [MemberData(nameof(FlatCases))]
    public void Adjusted_FlatSchedule_IsValueTimesAssetOrLiabilityWeight(decimal weight, decimal liabilityWeight, decimal value, decimal expected)
    {
        var schedule = new WeightSchedule { AssetWeight = weight, LiabilityWeight = liabilityWeight };

        Assert.Equal(expected, CollateralWeights.Adjusted(schedule, value, 1m, 1_000_000m, 0d));
    }

    public static TheoryData<decimal, decimal> BoundedTierCases => new()
    {
        { 0m, 0m },
        { 50_000m, 50_000m },              // inside the first band: 50,000 * 1
        { 100_000m, 100_000m },            // exactly at the first cap
        { 300_000m, 280_000m },            // 100,000 + 200,000 * 0.9
        { 500_000m, 460_000m },            // 100,000 + 400,000 * 0.9
        { 750_000m, 585_000m },            // 100,000 + 360,000 + 250,000 * 0.5
        { 1_000_000m, 710_000m },          // 100,000 + 360,000 + 500,000 * 0.5
        { 1_000_000.01m, 710_000m },       // beyond the bounded last band: counts nothing more
        { 2_000_000m, 710_000m },
    };

    [Theory]
    [MemberData(nameof(BoundedTierCases))]
    public void TieredValue_BoundedLastBand_CountsEachBandAtItsRateAndNothingBeyond(decimal value, decimal expected) =>
        Assert.Equal(expected, CollateralWeights.TieredValue(s_boundedTiers, value));

    public static TheoryData<decimal, decimal> UnboundedTierCases => new()
    {
        { 40_000m, 40_000m },
        { 100_000m, 100_000m },
        { 300_000m, 260_000m },            // 100,000 + 200,000 * 0.8
        { 10_000_000m, 8_020_000m },       // 100,000 + 9,900,000 * 0.8
    };

    [Theory]
    [MemberData(nameof(UnboundedTierCases))]
    public void TieredValue_UnboundedLastBand_ContinuesForEver(decimal value, decimal expected) =>
        Assert.Equal(expected, CollateralWeights.TieredValue(s_unboundedTiers, value));

    public static TheoryData<decimal, decimal> TierAndFlatCases => new()
    {
        { 50_000m, 47_500m },              // min(50,000 * 0.95, 50,000) = 47,500: the flat weight binds
        { 300_000m, 280_000m },            // min(285,000, 280,000): the tiers bind
        { 2_000_000m, 710_000m },          // min(1,900,000, 710,000)
    };

    [Theory]
    [MemberData(nameof(TierAndFlatCases))]
    public void Adjusted_TiersWithFlatWeight_TakesTheMinimum(decimal value, decimal expected)
    {
        var schedule = new WeightSchedule { AssetWeight = 0.95m, LiabilityWeight = 1.05m, Tiers = [.. s_boundedTiers] };

        Assert.Equal(expected, CollateralWeights.Adjusted(schedule, value, 1m, 1_000_000m, 0d));
    }

    [Fact]
    public void Adjusted_TieredLiability_UsesOnlyTheFlatLiabilityWeight()
    {
        var schedule = new WeightSchedule { AssetWeight = 0.95m, LiabilityWeight = 1.05m, Tiers = [.. s_boundedTiers] };

        // Tiers apply to holdings only: -2,000,000 * 1.05.
        Assert.Equal(-2_100_000m, CollateralWeights.Adjusted(schedule, -2_000_000m, 1m, 1_000_000m, 0d));
    }

    public static TheoryData<decimal, decimal, decimal> SizePremiumAssetCases => new()
    {
        // base weight, size, weight
        { 0.9m, 10_000m, 0.55m },          // 1.1 / (1 + 0.01 * sqrt(10,000)) = 1.1 / 2 = 0.55 < 0.9
        { 0.9m, 100m, 0.9m },              // 1.1 / (1 + 0.01 * 10) = 1 > 0.9: the base weight binds
        { 1m, 0m, 1m },                    // 1.1 / 1 = 1.1 > 1
        { 1m, 1_000_000m, 0.1m },          // 1.1 / (1 + 0.01 * 1,000) = 1.1 / 11
    };

    [Theory]
    [MemberData(nameof(SizePremiumAssetCases))]
    public void SizePremiumAssetWeight_DecimalForm_IsMinOfBaseAndImfDiscount(decimal baseWeight, decimal size, decimal expected) =>
        Assert.Equal(expected, CollateralWeights.SizePremiumAssetWeight(baseWeight, new SizePremium(0.01m), size));

    public static TheoryData<decimal, decimal, decimal> SizePremiumLiabilityCases => new()
    {
        { 1.1m, 10_000m, 1.88m },          // max(1.1, 0.8 * 1.1 + 0.01 * 100) = max(1.1, 0.88 + 1)
        { 1.1m, 100m, 1.1m },              // max(1.1, 0.88 + 0.1 = 0.98)
        { 1.5m, 0m, 1.5m },                // max(1.5, 1.2)
    };

    [Theory]
    [MemberData(nameof(SizePremiumLiabilityCases))]
    public void SizePremiumLiabilityWeight_DecimalForm_IsMaxOfBaseAndImfPremium(decimal baseWeight, decimal size, decimal expected) =>
        Assert.Equal(expected, CollateralWeights.SizePremiumLiabilityWeight(baseWeight, new SizePremium(0.01m), size));

    [Fact]
    public void SizePremiumWeights_ZeroImf_ReturnTheBaseWeights()
    {
        Assert.Equal(0.8m, CollateralWeights.SizePremiumAssetWeight(0.8m, new SizePremium(0m), 1e12m));
        Assert.Equal(1.2m, CollateralWeights.SizePremiumLiabilityWeight(1.2m, new SizePremium(0m, DriftIntegerArithmetic: true), 1e12m));
    }

    [Property(MaxTest = 300)]
    public void SizePremiumWeights_DecimalForm_MatchTheFormulaInDoubles(PositiveInt sizeCents, PositiveInt imfMillionths)
    {
        var size = sizeCents.Get / 100m;
        var imf = (imfMillionths.Get % 50_000) / 1_000_000m;
        var premium = new SizePremium(imf);
        var root = Math.Sqrt((double)size);

        var w = CollateralWeights.SizePremiumAssetWeight(1m, premium, size);
        var l = CollateralWeights.SizePremiumLiabilityWeight(1.2m, premium, size);

        Assert.Equal(Math.Min(1d, 1.1 / (1 + ((double)imf * root))), (double)w, 12);
        Assert.Equal(Math.Max(1.2, (0.8 * 1.2) + ((double)imf * root)), (double)l, 12);
    }

    [Fact]
    public void SizePremiumAssetWeight_DriftIntegers_FloorsEveryDivision()
    {
        // size 1,234.5678: S = 1,234,567,800,000 (1e9); 10 S + 1 = 12,345,678,000,001; r = isqrt = 3,513,641
        //   (3,513,641^2 = 12,345,673,076,881 <= 10 S + 1 < 3,513,642^2 = 12,345,680,104,164).
        // imf 0.03 -> 30,000 (1e6). r * imf / 1e5 = 105,409,230,000 / 100,000 = 1,054,092.3 -> 1,054,092.
        // 11e9 / (1e6 + 1,054,092) = 11,000,000,000 / 2,054,092 = 5,355.16... -> 5,355; min(10,000, 5,355) = 5,355 -> 0.5355.
        var premium = new SizePremium(0.03m, DriftIntegerArithmetic: true);

        Assert.Equal(0.5355m, CollateralWeights.SizePremiumAssetWeight(1m, premium, 1_234.5678m));

        // The decimal form gives 1.1 / (1 + 0.03 * 35.1364170...) = 0.53551628...: Drift's integers floor it.
        var exact = CollateralWeights.SizePremiumAssetWeight(1m, new SizePremium(0.03m), 1_234.5678m);
        Assert.InRange(exact, 0.535516m, 0.535517m);

        // Base weights are floored to 1e-4 first: 0.99999 -> 9,999; at size 0 (r = 1) the discount is 11,000.
        Assert.Equal(0.9999m, CollateralWeights.SizePremiumAssetWeight(0.99999m, premium, 0m));

        // A base weight below the discount binds: min(5,000, 5,355).
        Assert.Equal(0.5m, CollateralWeights.SizePremiumAssetWeight(0.5m, premium, 1_234.5678m));
    }

    [Fact]
    public void SizePremiumLiabilityWeight_DriftIntegers_FloorsEveryDivision()
    {
        // l_base 1.2 -> 12,000 (1e4); l_base - l_base / 5 = 12,000 - 2,400 = 9,600.
        // r * imf / 1e7 = 3,513,641 * 30,000 / 10,000,000 = 10,540.923 -> 10,540; 9,600 + 10,540 = 20,140 -> 2.014.
        // (The decimal form: 0.96 + 0.03 * 35.1364170... = 2.01409251...)
        var premium = new SizePremium(0.03m, DriftIntegerArithmetic: true);

        Assert.Equal(2.014m, CollateralWeights.SizePremiumLiabilityWeight(1.2m, premium, 1_234.5678m));

        // Small size: r = isqrt(10 * 1e9 + 1) = 100,000; 100,000 * 30,000 / 1e7 = 300; 9,600 + 300 = 9,900 < 12,000.
        Assert.Equal(1.2m, CollateralWeights.SizePremiumLiabilityWeight(1.2m, premium, 1m));

        // Base liability weights are ceiled to 1e-4: 1.00001 -> 10,001.
        Assert.Equal(1.0001m, CollateralWeights.SizePremiumLiabilityWeight(1.00001m, premium, 0m));
    }

    public static TheoryData<decimal, double, decimal> HaircutCases => new()
    {
        // h_schedule, sigma, h0 (z 2, T 0.01 y: z * sigma * sqrt(T) = 0.2 * sigma)
        { 0.1m, 0.8, 0.16m },              // max(0.1, 0.16)
        { 0.1m, 0.3, 0.1m },               // max(0.1, 0.06): the schedule binds
        { 0.1m, 6.0, 1m },                 // min(1, 1.2)
        { 0.05m, 0.0, 0.05m },
        { 1.5m, 0.1, 1m },                 // a liability weight of 2.5 has h_schedule 1.5: capped at 1
    };

    [Theory]
    [MemberData(nameof(HaircutCases))]
    public void HaircutFloor_ScheduleAndVolatility_IsMinOneMaxOfBoth(decimal scheduleHaircut, double sigma, decimal expected) =>
        Assert.Equal(expected, CollateralWeights.HaircutFloor(scheduleHaircut, s_vol, sigma));

    public static TheoryData<decimal, decimal> VolatilityAssetCases => new()
    {
        // h0 0.16, depth 1,000,000: peak at V = 1,000,000 * 0.84 = 840,000, maximum 1,000,000 * 0.84^2 / 2 = 352,800
        { 0m, 0m },
        { 100_000m, 79_000m },             // 100,000 * 0.84 - 100,000^2 / 2,000,000 = 84,000 - 5,000
        { 500_000m, 295_000m },            // 420,000 - 125,000
        { 840_000m, 352_800m },            // 705,600 - 352,800
        { 1_000_000m, 352_800m },          // held at its maximum: more collateral never counts less
        { 50_000_000m, 352_800m },
    };

    [Theory]
    [MemberData(nameof(VolatilityAssetCases))]
    public void VolatilityScaledAsset_BelowAndBeyondThePeak_CountsSaleProceedsHeldAtTheMaximum(decimal value, decimal expected) =>
        Assert.Equal(expected, CollateralWeights.VolatilityScaledAsset(value, 0.16m, 1_000_000m));

    [Fact]
    public void VolatilityScaledLiability_Owed_CountsHaircutPlusImpact() =>
        // -(100,000 * 1.16 + 100,000^2 / 2,000,000) = -(116,000 + 5,000)
        Assert.Equal(-121_000m, CollateralWeights.VolatilityScaledLiability(100_000m, 0.16m, 1_000_000m));

    public static TheoryData<decimal, double, decimal> VolatilityScheduleCases => new()
    {
        // value, sigma, adjusted; schedule w 0.9 / l 1.1, z 2, T 0.01, depth 1,000,000
        { 100_000m, 0.8, 79_000m },        // h0 0.16 (above); below the flat 90,000
        { 2_000_000m, 0.8, 352_800m },     // held at depth * 0.84^2 / 2
        { 100_000m, 0.3, 85_000m },        // h0 = h_schedule 0.1: 90,000 - 5,000
        { -100_000m, 0.8, -121_000m },     // liability: -(116,000 + 5,000), below the flat -110,000
        { -100_000m, 0.3, -115_000m },     // -(110,000 + 5,000)
    };

    [Theory]
    [MemberData(nameof(VolatilityScheduleCases))]
    public void Adjusted_VolatilityScaledSchedule_CountsTheVolatilityForm(decimal value, double sigma, decimal expected)
    {
        var schedule = new WeightSchedule { AssetWeight = 0.9m, LiabilityWeight = 1.1m, VolatilityScaling = s_vol };

        Assert.Equal(expected, CollateralWeights.Adjusted(schedule, value, 1m, 1_000_000m, sigma));
    }

    public static TheoryData<decimal, decimal, decimal> CombinationCases => new()
    {
        // value, size, adjusted. Schedule: flat 0.9 / 1.1; tiers 100k at 1, then 0.5; IMF 0.01; vol z 2, T 0.01,
        // sigma 0.3 (h0 = max(0.1, 0.06) = 0.1); depth 10,000,000.
        // V 300,000, s 10,000: flat 270,000; tiers 100,000 + 200,000 * 0.5 = 200,000; IMF 300,000 * 0.55 = 165,000;
        //   vol 270,000 - 300,000^2 / 20,000,000 = 265,500. Minimum: 165,000 (IMF).
        { 300_000m, 10_000m, 165_000m },
        // s 100: IMF weight min(0.9, 1.0) = 0.9 -> 270,000. Minimum: 200,000 (tiers).
        { 300_000m, 100m, 200_000m },
        // Liability -300,000, s 10,000: flat -330,000; IMF l 1.88 -> -564,000; vol -(330,000 + 4,500). Max weight: -564,000.
        { -300_000m, 10_000m, -564_000m },
        // s 100: IMF l = max(1.1, 0.98) -> -330,000; vol -334,500 binds.
        { -300_000m, 100m, -334_500m },
    };

    [Theory]
    [MemberData(nameof(CombinationCases))]
    public void Adjusted_EveryFormConfigured_TakesMinimumForAssetsAndMaximumWeightForLiabilities(decimal value, decimal size, decimal expected)
    {
        var schedule = new WeightSchedule
        {
            AssetWeight = 0.9m,
            LiabilityWeight = 1.1m,
            Tiers = [new(100_000m, 1m), new(null, 0.5m)],
            SizePremium = new SizePremium(0.01m),
            VolatilityScaling = s_vol,
        };

        Assert.Equal(expected, CollateralWeights.Adjusted(schedule, value, size, 10_000_000m, 0.3));
    }

    [Fact]
    public void WeightAtZero_EachForm_IsTheLimitOfAdjustedOverValue()
    {
        var vol = new WeightSchedule { AssetWeight = 0.9m, LiabilityWeight = 1.1m, VolatilityScaling = s_vol };
        var tiers = new WeightSchedule { AssetWeight = 0.95m, LiabilityWeight = 1.05m, Tiers = [new(1_000m, 0.7m), new(null, 0.5m)] };

        Assert.Equal(0.84m, CollateralWeights.WeightAtZero(vol, liability: false, 0.8));   // 1 - h0, h0 = 0.16
        Assert.Equal(1.16m, CollateralWeights.WeightAtZero(vol, liability: true, 0.8));    // 1 + h0
        Assert.Equal(0.7m, CollateralWeights.WeightAtZero(tiers, liability: false, 0d));   // min(0.95, first band 0.7)
        Assert.Equal(1.05m, CollateralWeights.WeightAtZero(tiers, liability: true, 0d));
    }

    [Property(Arbitrary = new[] { typeof(TierArbitraries) }, MaxTest = 500)]
    public void Adjusted_FlatAndTiers_EqualsTheMinimumOfANaiveBandSum(TierCase c)
    {
        // Reference: walk the bands one by one, as the definition reads.
        var naive = 0m;
        var floor = 0m;
        foreach (var tier in c.Tiers)
        {
            var top = tier.UpToUsd ?? decimal.MaxValue;
            if (c.Value > floor)
            {
                naive += (Math.Min(c.Value, top) - floor) * tier.Rate;
            }

            floor = top;
        }

        var schedule = new WeightSchedule { AssetWeight = c.Weight, LiabilityWeight = 1m, Tiers = [.. c.Tiers] };

        Assert.Equal(naive, CollateralWeights.TieredValue(c.Tiers, c.Value));
        Assert.Equal(Math.Min(c.Value * c.Weight, naive), CollateralWeights.Adjusted(schedule, c.Value, 1m, 1m, 0d));
    }

    [Property(MaxTest = 300)]
    public void Adjusted_DecimalForms_NeverFallAsTheHoldingGrows(PositiveInt a, PositiveInt b, PositiveInt sizeFactor)
    {
        var schedule = new WeightSchedule
        {
            AssetWeight = 0.9m,
            LiabilityWeight = 1.1m,
            Tiers = [.. s_boundedTiers],
            SizePremium = new SizePremium(0.005m),
            VolatilityScaling = s_vol,
        };
        var low = Math.Min(a.Get, b.Get) * 10m;
        var high = Math.Max(a.Get, b.Get) * 10m;
        var price = 1m + (sizeFactor.Get % 1_000);

        var lowAdjusted = CollateralWeights.Adjusted(schedule, low, low / price, 2_000_000m, 0.7);
        var highAdjusted = CollateralWeights.Adjusted(schedule, high, high / price, 2_000_000m, 0.7);

        Assert.True(highAdjusted >= lowAdjusted, $"{high} counts {highAdjusted} < {low} counting {lowAdjusted}");
    }
}
