using System.Collections.Frozen;
using Margin.Engine.Domain;

namespace Margin.Engine.Parameters;

/// <summary>The portfolio-mode settings (MARGIN-MODEL.md section 4): the underlyings that have a scenario grid and the aggregation across them.</summary>
/// <remarks>
/// Checked by <see cref="RiskParameters.Create"/>, which reports every problem with its path. An asset listed in
/// <see cref="Underlyings"/> is revalued on its grid in portfolio-mode accounts and counts in adjusted equity without
/// haircut; every other asset keeps its weights.
/// </remarks>
public sealed class PortfolioParameters
{
    private PortfolioParameters(FrozenDictionary<string, UnderlyingRiskParameters> underlyings, double correlationStress, double sumFloorFraction, decimal initialMultiplier)
    {
        Underlyings = underlyings;
        CorrelationStress = correlationStress;
        SumFloorFraction = sumFloorFraction;
        InitialMultiplier = initialMultiplier;
    }

    /// <summary>The underlyings with a grid, by asset symbol.</summary>
    public FrozenDictionary<string, UnderlyingRiskParameters> Underlyings { get; }

    /// <summary>The shrinkage <c>s</c> of the correlation matrix toward perfect correlation, <c>C_s = (1 - s) C + s 1 1^T</c>, in [0, 1].</summary>
    public double CorrelationStress { get; }

    /// <summary>The fraction <c>f</c> of the plain sum of the losses the risk-matrix margin never falls below, in [0, 1].</summary>
    public double SumFloorFraction { get; }

    /// <summary>The multiplier <c>k &gt; 1</c> of <c>IM = k * MM</c>.</summary>
    public decimal InitialMultiplier { get; }

    /// <summary>Creates the settings; their rules are checked by <see cref="RiskParameters.Create"/>.</summary>
    /// <param name="underlyings">One entry per underlying with a grid; an asset listed twice is reported by <see cref="RiskParameters.Create"/>.</param>
    /// <param name="correlationStress">The stress shrinkage <c>s</c> in [0, 1].</param>
    /// <param name="sumFloorFraction">The floor fraction <c>f</c> in [0, 1].</param>
    /// <param name="initialMultiplier">The multiplier <c>k</c>, greater than 1.</param>
    /// <exception cref="ArgumentException">An underlying is listed twice.</exception>
    public static PortfolioParameters Create(IEnumerable<UnderlyingRiskParameters> underlyings, double correlationStress = 0.0, double sumFloorFraction = 0.0, decimal initialMultiplier = 1.3m)
    {
        ArgumentNullException.ThrowIfNull(underlyings);
        var map = new Dictionary<string, UnderlyingRiskParameters>(StringComparer.Ordinal);
        foreach (var u in underlyings)
        {
            ArgumentNullException.ThrowIfNull(u, nameof(underlyings));
            if (!map.TryAdd(u.Asset.Symbol, u))
            {
                throw new ArgumentException($"underlying {u.Asset} has two scenario grids", nameof(underlyings));
            }
        }

        return new PortfolioParameters(map.ToFrozenDictionary(StringComparer.Ordinal), correlationStress, sumFloorFraction, initialMultiplier);
    }
}

/// <summary>One underlying's scenario grid, shocks, forward rate and volatility surface (MARGIN-MODEL.md section 4).</summary>
/// <remarks>
/// Units: <see cref="DeltaShockThresholdUsd"/> in the settlement currency; <see cref="DeltaShockFraction"/>,
/// <see cref="RollAnnualMove"/>, <see cref="RollMinimumMove"/> fractions (0.01 = 1 %, the roll move per year of tenor);
/// <see cref="Rate"/> a continuously compounded rate per year, used for the forward <c>S e^(rT)</c> of an option with no
/// future of the same expiry.
/// </remarks>
public sealed record UnderlyingRiskParameters
{
    /// <summary>The underlying asset (a configured asset).</summary>
    public required Asset Asset { get; init; }

    /// <summary>The price grid, volatility shift and extended moves.</summary>
    public required Portfolio.ScenarioGridSettings Grid { get; init; }

    /// <summary>The net-delta notional exempt from the delta shock, in USD, not negative.</summary>
    public decimal DeltaShockThresholdUsd { get; init; }

    /// <summary>The charge on the net-delta notional beyond the threshold, a fraction in [0, 1].</summary>
    public double DeltaShockFraction { get; init; }

    /// <summary>The basis move per year of tenor for the roll shock, a fraction, not negative.</summary>
    public double RollAnnualMove { get; init; }

    /// <summary>The smallest basis move per expiry for the roll shock, a fraction, not negative.</summary>
    public double RollMinimumMove { get; init; }

    /// <summary>The continuously compounded rate for forwards derived from spot, per year, finite.</summary>
    public double Rate { get; init; }

    /// <summary>The implied-volatility surface for options without a quoted volatility in the snapshot, or null.</summary>
    public VolatilitySurface? Surface { get; init; }
}
