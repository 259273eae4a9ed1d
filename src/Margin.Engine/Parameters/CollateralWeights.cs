using Margin.Engine.Numerics;

namespace Margin.Engine.Parameters;

/// <summary>The weight forms of MARGIN-MODEL.md section 2, as pure functions of a USD value and a size.</summary>
/// <remarks>
/// Values are USD at the level's price: <c>value &gt;= 0</c> for a holding, <c>value &lt; 0</c> for a liability.
/// Each function returns an adjusted value; the effective weight is <c>adjusted / value</c>.
/// </remarks>
public static class CollateralWeights
{
    private static readonly decimal s_imfNumerator = 1.1m;

    /// <summary>The adjusted value of a holding or liability under every configured form of <paramref name="schedule"/>.</summary>
    /// <param name="schedule">The level's weight forms.</param>
    /// <param name="value">USD value at the level's price.</param>
    /// <param name="size">The absolute quantity in asset units (for the size premium).</param>
    /// <param name="depthUsd">The asset's depth, strictly positive (for volatility scaling).</param>
    /// <param name="sigma">The annualised volatility used by volatility scaling; required when it is configured.</param>
    public static decimal Adjusted(WeightSchedule schedule, decimal value, decimal size, decimal depthUsd, double sigma) =>
        new CompiledWeightSchedule(schedule, depthUsd, sigma).Adjusted(value, size);

    /// <summary>The effective weight at a value of zero (the limit of <c>adjusted / value</c>).</summary>
    public static decimal WeightAtZero(WeightSchedule schedule, bool liability, double sigma) =>
        new CompiledWeightSchedule(schedule, 1m, sigma).WeightAtZero(liability);

    /// <summary>Marginal tiers: each band's rate applies to the part of <paramref name="value"/> inside the band.</summary>
    public static decimal TieredValue(ReadOnlySpan<WeightTier> tiers, decimal value) =>
        new CompiledWeightSchedule(new WeightSchedule { AssetWeight = 1m, LiabilityWeight = 1m, Tiers = [.. tiers] }, 1m, 0d).Tiered(value);

    /// <summary>Drift's size-discounted asset weight: <c>min(w, 1.1 / (1 + imf * sqrt(size)))</c>.</summary>
    public static decimal SizePremiumAssetWeight(decimal baseWeight, SizePremium premium, decimal size)
    {
        ArgumentNullException.ThrowIfNull(premium);
        if (premium.Imf == 0m)
        {
            return baseWeight;
        }

        if (premium.DriftIntegerArithmetic)
        {
            // Drift: size at 1e9, r = isqrt(10 * size + 1) (1e5), IMF at 1e6, weights at 1e4; every division floors.
            var r = DriftSqrt(size);
            var imf = decimal.Floor(premium.Imf * 1_000_000m);
            var denominator = 1_000_000m + decimal.Floor(r * imf / 100_000m);
            var discounted = decimal.Floor(11_000_000_000m / denominator);
            var baseInt = decimal.Floor(baseWeight * 10_000m);
            return Math.Min(baseInt, discounted) / 10_000m;
        }

        return Math.Min(baseWeight, s_imfNumerator / (1m + (premium.Imf * DecimalMath.Sqrt(size))));
    }

    /// <summary>Drift's size-premium liability weight: <c>max(l, 0.8 * l + imf * sqrt(size))</c>.</summary>
    public static decimal SizePremiumLiabilityWeight(decimal baseWeight, SizePremium premium, decimal size)
    {
        ArgumentNullException.ThrowIfNull(premium);
        if (premium.Imf == 0m)
        {
            return baseWeight;
        }

        if (premium.DriftIntegerArithmetic)
        {
            var r = DriftSqrt(size);
            var imf = decimal.Floor(premium.Imf * 1_000_000m);
            var baseInt = decimal.Ceiling(baseWeight * 10_000m);
            var premiumWeight = baseInt - decimal.Floor(baseInt / 5m) + decimal.Floor(r * imf / 10_000_000m);
            return Math.Max(baseInt, premiumWeight) / 10_000m;
        }

        return Math.Max(baseWeight, (0.8m * baseWeight) + (premium.Imf * DecimalMath.Sqrt(size)));
    }

    /// <summary>The vol-scaled haircut <c>h0 = min(1, max(h_schedule, z * sigma * sqrt(T_liq)))</c>.</summary>
    public static decimal HaircutFloor(decimal scheduleHaircut, VolatilityScaling scaling, double sigma)
    {
        ArgumentNullException.ThrowIfNull(scaling);
        var volHaircut = DecimalMath.FromDouble((double)scaling.Z * sigma * Math.Sqrt((double)scaling.HorizonYears));
        return Math.Min(1m, Math.Max(scheduleHaircut, volHaircut));
    }

    /// <summary>A holding's sale proceeds after haircut and linear impact, held at its maximum beyond <c>depth * (1 - h0)</c>.</summary>
    public static decimal VolatilityScaledAsset(decimal value, decimal haircut, decimal depthUsd)
    {
        var keep = 1m - haircut;
        var peak = depthUsd * keep;
        if (value >= peak)
        {
            return peak * keep / 2m;
        }

        return (value * keep) - (value * value / (2m * depthUsd));
    }

    /// <summary>A liability of USD value <paramref name="owed"/> (positive) after haircut and linear impact, as a negative amount.</summary>
    public static decimal VolatilityScaledLiability(decimal owed, decimal haircut, decimal depthUsd) =>
        -((owed * (1m + haircut)) + (owed * owed / (2m * depthUsd)));

    private static decimal DriftSqrt(decimal size) => DecimalMath.IntegerSqrt((decimal.Floor(Math.Abs(size) * 1_000_000_000m) * 10m) + 1m);
}
