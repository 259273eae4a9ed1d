namespace Margin.Engine.Methodologies;

/// <summary>Binance Portfolio Margin's own figure: the unified maintenance margin ratio, uniMMR.</summary>
/// <remarks>
/// <para>
/// <c>uniMMR = sum(adjustedEquity) / sum(MM)</c>, both in USD, dimensionless (1.05 = 105 %). Binance's published
/// status table: <c>uniMMR &gt; 150 %</c> trade freely; <c>120 % &lt; uniMMR &lt;= 150 %</c> margin reminder;
/// <c>105 % &lt; uniMMR &lt;= 120 %</c> new orders refused except reduce-only; <c>100 % &lt; uniMMR &lt;= 105 %</c>
/// liquidation; <c>uniMMR &lt;= 100 %</c> liquidation and a possible claim for loss. So liquidation is at or below
/// 1.05, inclusive. Binance reserves the right to change these levels, hence the overload taking a threshold.
/// </para>
/// <para>
/// Sources: Binance FAQ, "What Is the Unified Account Maintenance Margin Ratio (uniMMR) And How Is It Calculated"
/// (https://www.binance.com/en/support/faq/what-is-the-unified-account-maintenance-margin-ratio-unimmr-and-how-is-it-calculated-4868b2f1aa6c4d08af973328462bb0bd);
/// Binance FAQ, "Binance Portfolio Margin Pro Maintenance Margin Ratio Calculation"
/// (https://www.binance.com/en/support/faq/binance-portfolio-margin-pro-maintenance-margin-ratio-calculation-5e33af8e6ac04d57a1d0a3398e0a0752),
/// which carries the status table; Binance FAQ, "How Does Liquidation Work in Binance Unified Account" (d0c3558829fa41eabeeaf3c32dbe1dad):
/// liquidation when uniMMR falls to 1.05, open Cross Margin orders cancelled when it reaches 1.05, liquidation cancelled
/// only if it recovers above 1.05, which confirms 1.05, at or below, for the unified account too (docs/margin-model.md).
/// </para>
/// </remarks>
public static class BinanceUniMmr
{
    /// <summary>Binance's published liquidation level on uniMMR: 1.05 (105 %), breached at or below.</summary>
    public const decimal LiquidationThreshold = 1.05m;

    /// <summary>Binance's published level below which new orders are refused: 1.20 (120 %), at or below.</summary>
    public const decimal OrderRestrictionThreshold = 1.20m;

    /// <summary>Binance's published level at or below which a claim for loss may follow: 1.00 (100 %).</summary>
    public const decimal LossClaimThreshold = 1m;

    /// <summary>Computes uniMMR and whether it is at or below Binance's published 1.05 liquidation level.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    public static MethodologyFigure Compute(UniMmrInput input) => Compute(input, LiquidationThreshold);

    /// <summary>Computes uniMMR against a given liquidation level, breached at or below.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="liquidationThreshold"/> is not in (0, 10].</exception>
    public static MethodologyFigure Compute(UniMmrInput input, decimal liquidationThreshold)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(liquidationThreshold);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(liquidationThreshold, 10m);
        return MethodologyFigure.Create(
            MethodologyKind.BinanceUniMmr,
            input.AdjustedEquityUsd,
            input.MaintenanceMarginUsd,
            liquidationThreshold,
            LiquidationBoundary.AtOrBelow);
    }
}
