namespace Margin.Engine.Methodologies;

/// <summary>One Aave V3 collateral reserve: its value in USD and its liquidation threshold.</summary>
/// <remarks>
/// <para>
/// <see cref="ValueUsd"/> is the reserve's balance times the Aave oracle price in the market's base currency, taken
/// here as USD; <c>0 &lt;= ValueUsd &lt;= </c><see cref="MethodologyFigure.MaxAmountUsd"/>.
/// <see cref="LiquidationThreshold"/> is a fraction, <c>0 &lt;= LT &lt;= 1</c> (Aave stores it in basis points, so
/// 8,250 bps is 0.825m). A reserve not enabled as collateral contributes with LT 0.
/// </para>
/// <para>Source: Aave Help, "Liquidations", https://aave.com/help/borrowing/liquidations.</para>
/// </remarks>
public sealed record AaveCollateral
{
    private AaveCollateral(decimal valueUsd, decimal liquidationThreshold)
    {
        ValueUsd = valueUsd;
        LiquidationThreshold = liquidationThreshold;
    }

    /// <summary>The collateral value in USD.</summary>
    public decimal ValueUsd { get; }

    /// <summary>The reserve's liquidation threshold as a fraction (0.80 = 80 %).</summary>
    public decimal LiquidationThreshold { get; }

    /// <summary>The value counted towards the health factor: <c>ValueUsd * LiquidationThreshold</c>, in USD.</summary>
    public decimal WeightedValueUsd => ValueUsd * LiquidationThreshold;

    /// <summary>Validates and creates a collateral reserve.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or too large, or the threshold is outside [0, 1].</exception>
    public static AaveCollateral Create(decimal valueUsd, decimal liquidationThreshold)
    {
        MethodologyFigure.CheckAmount(valueUsd, nameof(valueUsd));
        ArgumentOutOfRangeException.ThrowIfNegative(liquidationThreshold);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(liquidationThreshold, 1m);
        return new AaveCollateral(valueUsd, liquidationThreshold);
    }
}
