using Margin.Engine.Parameters;

namespace Margin.Engine.Methodologies;

/// <summary>Drift's spot weights for one balance, from an asset's risk parameters, in Drift's integer arithmetic.</summary>
/// <remarks>
/// <para>
/// The base weights are the schedule's flat <see cref="WeightSchedule.AssetWeight"/> (floored to 1e4) and
/// <see cref="WeightSchedule.LiabilityWeight"/> (rounded up to 1e4); the IMF factor is the schedule's
/// <see cref="SizePremium.Imf"/> floored to 1e6 (0 without a size premium). With <c>r = isqrt(10 * S + 1)</c> and
/// <c>S = floor(|q| * 1e9)</c>: asset <c>min(w, 11e9 / (1e6 + r * imf / 1e5))</c>, liability
/// <c>max(l, l - l / 5 + r * imf / 1e7)</c>, every <c>/</c> a floor division (MARGIN-MODEL.md section 2, form 3). These
/// are the same integers the engine uses with <see cref="SizePremium.DriftIntegerArithmetic"/>, whatever that flag says.
/// </para>
/// <para>
/// Not reproduced: Drift scales the initial asset weight down when a market's total deposits pass
/// <c>scale_initial_asset_weight_start</c> (market state, not a parameter), and its "Fill" level.
/// </para>
/// </remarks>
public static class DriftSpotWeights
{
    /// <summary>Computes the weights Drift gives a balance of <paramref name="quantity"/> units of the asset.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="asset"/> is null.</exception>
    /// <exception cref="OverflowException">The quantity is too large for Drift's arithmetic in a decimal (above about 7e18 units).</exception>
    public static DriftAssetWeights Compute(AssetRiskParameters asset, decimal quantity)
    {
        ArgumentNullException.ThrowIfNull(asset);
        var size = Math.Abs(quantity);
        var liability = quantity < 0m;
        return new DriftAssetWeights
        {
            Asset = asset.Asset,
            Quantity = quantity,
            SizeAtReservePrecision = decimal.Floor(size * 1_000_000_000m),
            InitialWeight = Weight(asset.Initial, size, liability),
            MaintenanceWeight = Weight(asset.Maintenance, size, liability),
            InitialImfFactor = Imf(asset.Initial),
            MaintenanceImfFactor = Imf(asset.Maintenance),
        };
    }

    private static long Imf(WeightSchedule schedule) => (long)decimal.Floor((schedule.SizePremium?.Imf ?? 0m) * DriftAssetWeights.ImfPrecision);

    private static long Weight(WeightSchedule schedule, decimal size, bool liability)
    {
        var premium = new SizePremium(schedule.SizePremium?.Imf ?? 0m, DriftIntegerArithmetic: true);
        if (liability)
        {
            var baseWeight = decimal.Ceiling(schedule.LiabilityWeight * DriftAssetWeights.WeightPrecision);
            return premium.Imf == 0m
                ? (long)baseWeight
                : (long)(CollateralWeights.SizePremiumLiabilityWeight(schedule.LiabilityWeight, premium, size) * DriftAssetWeights.WeightPrecision);
        }

        var assetBase = decimal.Floor(schedule.AssetWeight * DriftAssetWeights.WeightPrecision);
        return premium.Imf == 0m
            ? (long)assetBase
            : (long)(CollateralWeights.SizePremiumAssetWeight(schedule.AssetWeight, premium, size) * DriftAssetWeights.WeightPrecision);
    }
}
