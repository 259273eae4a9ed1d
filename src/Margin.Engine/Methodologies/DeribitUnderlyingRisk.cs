using Margin.Engine.Domain;

namespace Margin.Engine.Methodologies;

/// <summary>One underlying's figures as Deribit's portfolio margin states them: in coin of the underlying.</summary>
/// <remarks>
/// Deribit values a coin-settled book in coin; our grid values it in USD. The worst case converts at the price of the
/// worst scenario, <c>S * (1 + move)</c> (a coin-settled P&amp;L of <c>q (1 - 1 / (1 + m))</c> coins is exactly
/// <c>q S m</c> USD at that price), an extended move's at the grid's edge on its side as Deribit's extended table does,
/// the shocks at the index <c>S</c>. Deribit's maintenance margin is
/// <c>mm_factor = 0.8</c> times the risk-matrix margin; its initial margin for positions alone is the risk-matrix margin.
/// </remarks>
public sealed record DeribitUnderlyingRisk
{
    /// <summary>The underlying.</summary>
    public required Asset Underlying { get; init; }

    /// <summary>The index price <c>S</c> in USD.</summary>
    public required decimal Index { get; init; }

    /// <summary>The worst scenario loss in coin, not negative.</summary>
    public required double WorstCase { get; init; }

    /// <summary>The roll shock in coin.</summary>
    public required double RollShock { get; init; }

    /// <summary>The delta shock in coin.</summary>
    public required double DeltaShock { get; init; }

    /// <summary>The risk-matrix margin in coin: worst case plus shocks.</summary>
    public double RiskMatrixMargin => WorstCase + RollShock + DeltaShock;

    /// <summary>Deribit's maintenance margin in coin: <c>0.8 * RiskMatrixMargin</c>.</summary>
    public double MaintenanceMargin => DeribitMaintenanceFactor * RiskMatrixMargin;

    /// <summary>Deribit's <c>mm_factor</c>.</summary>
    public const double DeribitMaintenanceFactor = 0.8;
}
