namespace Margin.Engine.Methodologies;

/// <summary>A methodology's own ratio figure, its own liquidation threshold and whether the threshold is breached.</summary>
/// <remarks>
/// <para>
/// The figure is <c>Numerator / Denominator</c>, both in USD. <see cref="Value"/> is a <see cref="double"/> for display
/// and reporting; the breach is decided exactly on the decimal amounts (<c>Numerator &lt; Threshold * Denominator</c>
/// or <c>&lt;=</c>, per <see cref="Boundary"/>), never on the rounded double, so a figure exactly at the threshold
/// lands on the side the methodology documents.
/// </para>
/// <para>
/// A zero denominator (no debt, no maintenance requirement) has nothing to liquidate: <see cref="Value"/> is
/// <see cref="double.PositiveInfinity"/>, <see cref="IsUnbounded"/> is true and <see cref="IsLiquidatable"/> is false,
/// whatever the numerator. Aave's contract reports <c>type(uint256).max</c> in that case and its API reports null;
/// both map to +infinity here.
/// </para>
/// <para>Instances come only from the methodology functions (<see cref="AaveHealthFactor"/>, <see cref="BinanceUniMmr"/>,
/// <see cref="BinanceCrossMarginLevel"/>, and <see cref="MethodologyEvaluator"/> for Drift); there is no meaningful
/// <c>default</c>.</para>
/// </remarks>
public sealed record MethodologyFigure
{
    /// <summary>The largest USD amount any methodology input accepts: 10^24 USD.</summary>
    /// <remarks>Far above any real account, and low enough that <c>threshold * amount</c> cannot overflow a decimal.</remarks>
    public const decimal MaxAmountUsd = 1_000_000_000_000_000_000_000_000m;

    private MethodologyFigure(
        MethodologyKind methodology,
        decimal numerator,
        decimal denominator,
        decimal liquidationThreshold,
        LiquidationBoundary boundary)
    {
        Methodology = methodology;
        Numerator = numerator;
        Denominator = denominator;
        LiquidationThreshold = liquidationThreshold;
        Boundary = boundary;
        Value = denominator == 0m ? double.PositiveInfinity : (double)numerator / (double)denominator;
        IsLiquidatable = denominator != 0m && boundary switch
        {
            LiquidationBoundary.StrictlyBelow => numerator < liquidationThreshold * denominator,
            _ => numerator <= liquidationThreshold * denominator,
        };
    }

    /// <summary>The methodology this figure belongs to.</summary>
    public MethodologyKind Methodology { get; }

    /// <summary>The figure's numerator in USD (weighted collateral, adjusted equity or total asset value).</summary>
    public decimal Numerator { get; }

    /// <summary>The figure's denominator in USD, never negative (debt, maintenance margin, or liabilities plus interest).</summary>
    public decimal Denominator { get; }

    /// <summary>The figure, <c>Numerator / Denominator</c>, dimensionless; +infinity when the denominator is zero.</summary>
    public double Value { get; }

    /// <summary>True when the denominator is zero, so the figure is +infinity and nothing can be liquidated.</summary>
    public bool IsUnbounded => Denominator == 0m;

    /// <summary>The methodology's own liquidation threshold on the figure, dimensionless (1 = 100 %).</summary>
    public decimal LiquidationThreshold { get; }

    /// <summary>Whether the methodology liquidates at the threshold or only strictly below it.</summary>
    public LiquidationBoundary Boundary { get; }

    /// <summary>Whether the figure breaches the methodology's own liquidation threshold.</summary>
    public bool IsLiquidatable { get; }

    internal static MethodologyFigure Create(
        MethodologyKind methodology,
        decimal numerator,
        decimal denominator,
        decimal liquidationThreshold,
        LiquidationBoundary boundary)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(denominator);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(liquidationThreshold);
        return new MethodologyFigure(methodology, numerator, denominator, liquidationThreshold, boundary);
    }

    internal static void CheckAmount(decimal amountUsd, string paramName, bool allowNegative = false)
    {
        if ((!allowNegative && amountUsd < 0m) || Math.Abs(amountUsd) > MaxAmountUsd)
        {
            throw new ArgumentOutOfRangeException(
                paramName,
                amountUsd,
                allowNegative
                    ? $"The amount must be within +/-{MaxAmountUsd} USD."
                    : $"The amount must be between 0 and {MaxAmountUsd} USD.");
        }
    }
}
