using Margin.Engine.Domain;
using Margin.Engine.Portfolio;

namespace Margin.Engine.Results;

/// <summary>One underlying's part of a portfolio-mode result: its worst scenario, shocks, loss <c>L_u</c> and Greeks.</summary>
/// <remarks>
/// Scenario figures are computed in <c>double</c> (MARGIN-MODEL.md section 9) and are in USD. Greeks are the account's
/// totals on the underlying, balances and futures included: <see cref="Delta"/> in units of the underlying per unit move
/// of its price (a coin balance counts 1 per coin), <see cref="Gamma"/> the change of delta per USD of price,
/// <see cref="Vega"/> in USD per volatility point (0.01), <see cref="Theta"/> in USD per day (negative: time decay costs).
/// </remarks>
public sealed record UnderlyingRisk
{
    /// <summary>The underlying.</summary>
    public required Asset Underlying { get; init; }

    /// <summary>The underlying's price <c>S</c> in the snapshot.</summary>
    public required decimal Spot { get; init; }

    /// <summary>The worst weighted scenario loss, not negative (0 when no scenario loses).</summary>
    public required double WorstLoss { get; init; }

    /// <summary>The scenario that produced <see cref="WorstLoss"/>, or null when none loses.</summary>
    public required Scenario? WorstScenario { get; init; }

    /// <summary>The delta shock <c>max(0, |net delta| * S - threshold) * pct</c>.</summary>
    public required double DeltaShock { get; init; }

    /// <summary>The roll shock <c>S * sum_e |delta_e| * max(annual_move * T_e, min_move)</c> over futures expiries.</summary>
    public required double RollShock { get; init; }

    /// <summary>The underlying's loss <c>L_u = WorstLoss + DeltaShock + RollShock</c>.</summary>
    public required double Loss { get; init; }

    /// <summary>The net delta in units of the underlying.</summary>
    public required double Delta { get; init; }

    /// <summary>The gamma: change of <see cref="Delta"/> per USD of the underlying's price.</summary>
    public required double Gamma { get; init; }

    /// <summary>The vega in USD per volatility point.</summary>
    public required double Vega { get; init; }

    /// <summary>The theta in USD per day.</summary>
    public required double Theta { get; init; }
}
