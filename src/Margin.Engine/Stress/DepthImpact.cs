using Margin.Engine.Instruments;
using Margin.Engine.Liquidation;
using Margin.Engine.Parameters;

namespace Margin.Engine.Stress;

/// <summary>The price impact of forced sales against an asset's depth: the linear impact model the liquidation planner costs legs with.</summary>
/// <remarks>
/// <para><c>depth_a</c> is the USD sale size that would move the price by 100 % under linear impact (MARGIN-MODEL.md
/// section 1), so a round whose liquidations sell a net <c>S</c> USD of asset <c>a</c> (sales minus purchases, at the
/// round's prices) moves its price by the factor <c>1 - S / depth_a</c>; a net purchase (repaid borrows, bought-back
/// shorts) moves it up by <c>1 + |S| / depth_a</c>. The same model gives a planned leg its limit price
/// <c>P * (1 - x / depth_a)</c>.</para>
/// <para>A linear model reaches zero at <c>S = depth_a</c>, where a real book would not: the factor of one round is
/// floored at <see cref="MinimumFactor"/> (the round's price falls at most to that fraction of its start). The floor
/// is reported with the round, so a run that hits it says so.</para>
/// </remarks>
public static class DepthImpact
{
    /// <summary>The smallest factor a round's net sales can apply to a price: 0.01, a fall of 99 % in one round.</summary>
    public const decimal MinimumFactor = 0.01m;

    /// <summary>The factor a net sale moves a price by.</summary>
    /// <param name="netSoldUsd">Sales minus purchases in USD (negative for a net purchase).</param>
    /// <param name="depthUsd">The asset's depth in USD, positive.</param>
    /// <returns><c>max(MinimumFactor, 1 - netSoldUsd / depthUsd)</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The depth is not positive.</exception>
    public static decimal Factor(decimal netSoldUsd, decimal depthUsd)
    {
        if (depthUsd <= 0m)
        {
            throw new ArgumentOutOfRangeException(nameof(depthUsd), depthUsd, "the depth must be positive");
        }

        return Math.Max(MinimumFactor, 1m - (netSoldUsd / depthUsd));
    }

    /// <summary>The asset whose depth a liquidation leg trades against: the asset itself for a sale or a repay, the underlying for a perpetual or a future, none for an option (it trades in its own book, and its premium is not a sale of the underlying).</summary>
    /// <param name="parameters">The instruments.</param>
    /// <param name="kind">The leg's kind.</param>
    /// <param name="target">The leg's asset symbol or instrument id.</param>
    /// <returns>The asset symbol, or null for an option or an instrument the parameters do not know.</returns>
    public static string? AssetOf(RiskParameters parameters, LegKind kind, string target)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (kind != LegKind.ReducePosition)
        {
            return target;
        }

        return parameters.Instruments.TryGetValue(target, out var p) && p.Instrument is not EuropeanOption ? p.Instrument.Underlying.Symbol : null;
    }

    /// <summary>Whether a net sale hits the floor of one round.</summary>
    /// <param name="netSoldUsd">Sales minus purchases in USD.</param>
    /// <param name="depthUsd">The asset's depth in USD, positive.</param>
    /// <returns>Whether <c>1 - netSoldUsd / depthUsd</c> is below <see cref="MinimumFactor"/>.</returns>
    public static bool Floored(decimal netSoldUsd, decimal depthUsd) => depthUsd > 0m && 1m - (netSoldUsd / depthUsd) < MinimumFactor;
}
