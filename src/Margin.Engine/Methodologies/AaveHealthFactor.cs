namespace Margin.Engine.Methodologies;

/// <summary>Aave V3's own figure: the health factor of a position.</summary>
/// <remarks>
/// <para>
/// <c>HF = sum(collateral_i in USD * liquidationThreshold_i) / totalDebt in USD</c>, dimensionless. A position is
/// liquidatable when <c>HF &lt; 1</c> strictly (<c>HEALTH_FACTOR_LIQUIDATION_THRESHOLD = 1e18</c>, "minimum health
/// factor to consider a user position healthy", in aave-v3-core <c>ValidationLogic.sol</c>); <c>HF = 1</c> exactly is
/// not liquidatable. No debt gives
/// +infinity (the contract returns <c>type(uint256).max</c>).
/// </para>
/// <para>
/// Sources: Aave Help, "Liquidations" (https://aave.com/help/borrowing/liquidations), worked example: USD 10,000 of
/// ETH at an 80 % liquidation threshold against USD 6,000 of GHO debt gives HF 1.333; Aave V3 docs, "Health Factor"
/// (https://aave.com/docs/aave-v3/markets/health-factor); aave-v3-core, <c>GenericLogic.calculateUserAccountData</c>
/// (https://github.com/aave/aave-v3-core). Aave computes in wad/ray integers; this is
/// the exact decimal equivalent, without the on-chain rounding.
/// </para>
/// </remarks>
public static class AaveHealthFactor
{
    /// <summary>Aave V3's liquidation threshold on the health factor: 1, breached strictly below.</summary>
    public const decimal LiquidationThreshold = 1m;

    /// <summary>Computes the health factor of a position and whether Aave would allow its liquidation.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    public static MethodologyFigure Compute(AaveHealthFactorInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var weighted = 0m;
        foreach (var collateral in input.Collateral)
        {
            weighted += collateral.WeightedValueUsd;
        }

        return MethodologyFigure.Create(
            MethodologyKind.AaveHealthFactor,
            weighted,
            input.TotalDebtUsd,
            LiquidationThreshold,
            LiquidationBoundary.StrictlyBelow);
    }
}
