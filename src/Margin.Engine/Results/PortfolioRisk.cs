using System.Collections.Immutable;
using Margin.Engine.Portfolio;
using Margin.Engine.Statistics;

namespace Margin.Engine.Results;

/// <summary>The risk-matrix part of a portfolio-mode result (MARGIN-MODEL.md section 4).</summary>
/// <remarks>
/// <c>MM = max(sqrt(L^T C_s L), max_u L_u, f * sum_u L_u) + borrowMM</c> and <c>IM = k * MM</c>, before the rounding of
/// the summary (requirements up). Every underlying with a grid appears, in the order of <see cref="Correlation"/>, with
/// a zero loss when the account has nothing on it.
/// </remarks>
public sealed record PortfolioRisk
{
    /// <summary>Per underlying with a grid: worst scenario, shocks, loss and Greeks.</summary>
    public required ImmutableArray<UnderlyingRisk> Underlyings { get; init; }

    /// <summary>The three aggregation candidates, the borrow margin and the one that bound.</summary>
    public required PortfolioMaintenanceMargin Aggregation { get; init; }

    /// <summary>The correlation matrix used: frozen in the snapshot, missing pairs at 1, repaired to positive semi-definite, then shrunk by the stress.</summary>
    public required CorrelationMatrix Correlation { get; init; }

    /// <summary>The stress shrinkage <c>s</c> applied.</summary>
    public required double CorrelationStress { get; init; }

    /// <summary>The multiplier <c>k</c> of <c>IM = k * MM</c>.</summary>
    public required decimal InitialMultiplier { get; init; }
}
