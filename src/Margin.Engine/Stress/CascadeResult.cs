using System.Collections.Immutable;

namespace Margin.Engine.Stress;

/// <summary>Why a cascade stopped.</summary>
public enum CascadeStop
{
    /// <summary>A round issued no liquidation: the prices stopped moving.</summary>
    NoNewLiquidation = 0,

    /// <summary>The round limit was reached while liquidations continued.</summary>
    RoundLimit = 1,
}

/// <summary>A liquidation cascade from a shocked book: its rounds, the final state, and the totals.</summary>
/// <remarks>
/// <see cref="Initial"/> is the shocked book before any liquidation (round 1's evaluation). <see cref="Final"/> is the
/// book at the prices after the last round's impact: the last round's evaluation when the cascade stopped by itself, else
/// one more evaluation (without liquidating) at the final prices. Both carry the ratio distribution and the worst
/// accounts. Money in USD.
/// </remarks>
public sealed record CascadeResult
{
    /// <summary>The rounds, from 1.</summary>
    public required ImmutableArray<CascadeRound> Rounds { get; init; }

    /// <summary>Why the cascade stopped.</summary>
    public required CascadeStop Stop { get; init; }

    /// <summary>The shocked book before liquidations.</summary>
    public required BookEvaluation Initial { get; init; }

    /// <summary>The book after the cascade.</summary>
    public required BookEvaluation Final { get; init; }

    /// <summary>Per asset symbol, the price at the start of round 1 (after the scenario's shock).</summary>
    public required ImmutableSortedDictionary<string, decimal> StartPrices { get; init; }

    /// <summary>Per asset symbol, the price after the last round's impact.</summary>
    public required ImmutableSortedDictionary<string, decimal> FinalPrices { get; init; }

    /// <summary>Liquidation plans issued over all rounds.</summary>
    public int Liquidations => Rounds.Sum(r => r.NewLiquidations);

    /// <summary>The insurance fund's loss over all rounds, USD.</summary>
    public decimal InsuranceFundLoss => Rounds.Sum(r => r.InsuranceFundLoss);

    /// <summary>The liquidation cost over all rounds, USD.</summary>
    public decimal LiquidationCost => Rounds.Sum(r => r.LiquidationCost);

    /// <summary>Per asset, the sales and purchases of every round together, against depth, from the start price to the final one.</summary>
    public ImmutableArray<AssetFlow> Totals =>
        [.. Rounds.SelectMany(r => r.Assets).GroupBy(a => a.Asset, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new AssetFlow(
            g.Key,
            g.Sum(a => a.SoldUsd),
            g.Sum(a => a.BoughtUsd),
            g.Sum(a => a.Legs),
            g.First().DepthUsd,
            StartPrices.GetValueOrDefault(g.Key, g.First().PriceBefore),
            FinalPrices.GetValueOrDefault(g.Key, g.Last().PriceAfter),
            g.Any(a => a.Floored)))];
}
