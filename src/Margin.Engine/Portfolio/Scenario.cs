using System.Globalization;

namespace Margin.Engine.Portfolio;

/// <summary>One scenario of the risk matrix: a relative price move of the underlying with a volatility state and a loss weight.</summary>
/// <remarks>
/// Built only by <see cref="ScenarioGrid.Build"/>. <see cref="PriceMove"/> is a fraction of the current price
/// (-0.15 = the price falls by 15 %, so the shocked price is <c>S * (1 + PriceMove)</c>). <see cref="LossWeight"/> is 1 for
/// a grid point and <c>R / |move|</c> (below 1) for an extended move.
/// </remarks>
public sealed record Scenario
{
    private Scenario(double priceMove, VolatilityShift volatility, double lossWeight, bool isExtended)
    {
        PriceMove = priceMove;
        Volatility = volatility;
        LossWeight = lossWeight;
        IsExtended = isExtended;
    }

    /// <summary>The relative price move, a fraction greater than -1 (0.075 = +7.5 %).</summary>
    public double PriceMove { get; }

    /// <summary>The implied-volatility state applied to every option on the underlying.</summary>
    public VolatilityShift Volatility { get; }

    /// <summary>The factor a loss in this scenario is multiplied by: 1 on the grid, <c>R / |move|</c> for an extended move.</summary>
    public double LossWeight { get; }

    /// <summary>Whether the scenario is an extended (tail) move outside <c>[-R, +R]</c>.</summary>
    public bool IsExtended { get; }

    /// <summary>A compact, invariant description for the result's explanation, e.g. <c>-15% vol Up</c>.</summary>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{PriceMove * 100.0:+0.###;-0.###;0}% vol {Volatility}{(IsExtended ? $" (extended, weight {LossWeight:0.####})" : string.Empty)}");

    internal static Scenario OnGrid(double priceMove, VolatilityShift volatility) => new(priceMove, volatility, 1.0, false);

    internal static Scenario Extended(double priceMove, double lossWeight) => new(priceMove, VolatilityShift.Same, lossWeight, true);
}
