using System.Collections.Immutable;

namespace Margin.Engine.Methodologies;

/// <summary>An Aave V3 position: collateral reserves and total debt, in USD.</summary>
/// <remarks>
/// <see cref="TotalDebtUsd"/> is the sum of all variable (and legacy stable) debt at the Aave oracle price, in USD,
/// <c>0 &lt;= TotalDebtUsd &lt;= </c><see cref="MethodologyFigure.MaxAmountUsd"/>. Zero debt is valid: the health
/// factor is then +infinity.
/// </remarks>
public sealed record AaveHealthFactorInput
{
    private AaveHealthFactorInput(ImmutableArray<AaveCollateral> collateral, decimal totalDebtUsd)
    {
        Collateral = collateral;
        TotalDebtUsd = totalDebtUsd;
    }

    /// <summary>The collateral reserves, in the order given.</summary>
    public ImmutableArray<AaveCollateral> Collateral { get; }

    /// <summary>The total debt in USD.</summary>
    public decimal TotalDebtUsd { get; }

    /// <summary>Validates and creates the input.</summary>
    /// <exception cref="ArgumentNullException">The collateral list or one of its items is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The debt is negative or too large.</exception>
    public static AaveHealthFactorInput Create(IEnumerable<AaveCollateral> collateral, decimal totalDebtUsd)
    {
        ArgumentNullException.ThrowIfNull(collateral);
        var items = collateral.ToImmutableArray();
        if (items.Any(c => c is null))
        {
            throw new ArgumentNullException(nameof(collateral), "A collateral reserve is null.");
        }

        MethodologyFigure.CheckAmount(totalDebtUsd, nameof(totalDebtUsd));
        return new AaveHealthFactorInput(items, totalDebtUsd);
    }
}
