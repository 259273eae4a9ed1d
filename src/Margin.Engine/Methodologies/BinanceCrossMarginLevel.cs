namespace Margin.Engine.Methodologies;

/// <summary>Binance Cross Margin's own figure: the margin level.</summary>
/// <remarks>
/// <para>
/// <c>Margin Level = Total Asset Value / (Total Liabilities + Outstanding Interest)</c>, dimensionless. Binance's
/// published table for Cross Margin 3X: margin call when <c>1.1 &lt; Margin Level &lt;= 1.3</c>, liquidation when
/// <c>Margin Level &lt;= 1.1</c> (inclusive); Cross Margin 5X has the same 1.1 liquidation level and a 1.16 margin call
/// level. No liabilities gives +infinity and nothing to liquidate.
/// </para>
/// <para>
/// Source: Binance FAQ, "Binance Margin Level and Margin Call" / "Binance Margin Level and Risk Control"
/// (https://www.binance.com/en/support/faq/binance-margin-level-and-margin-call-360030493931).
/// </para>
/// </remarks>
public static class BinanceCrossMarginLevel
{
    /// <summary>Binance's published Cross Margin liquidation level: 1.1, breached at or below.</summary>
    public const decimal LiquidationThreshold = 1.1m;

    /// <summary>Binance's published Cross Margin 3X margin call level: 1.3, at or below.</summary>
    public const decimal MarginCallThreshold3X = 1.3m;

    /// <summary>Computes the margin level and whether it is at or below Binance's published 1.1 liquidation level.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    public static MethodologyFigure Compute(CrossMarginLevelInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return MethodologyFigure.Create(
            MethodologyKind.BinanceCrossMarginLevel,
            input.TotalAssetValueUsd,
            input.TotalLiabilitiesUsd + input.OutstandingInterestUsd,
            LiquidationThreshold,
            LiquidationBoundary.AtOrBelow);
    }
}
