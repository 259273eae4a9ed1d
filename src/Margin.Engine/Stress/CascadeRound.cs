using System.Collections.Immutable;

namespace Margin.Engine.Stress;

/// <summary>One round of a liquidation cascade: the book evaluated at the round's prices, the liquidations it starts, what they sell, and the prices after their impact.</summary>
/// <remarks>Money in USD at the round's prices. <see cref="NewLiquidations"/> counts the plans with at least one order leg
/// issued this round (an account liquidated again in a later round counts again).</remarks>
public sealed record CascadeRound
{
    /// <summary>The round, from 1 (the shocked book).</summary>
    public required int Round { get; init; }

    /// <summary>The evaluation at the round's prices.</summary>
    public required BookEvaluation Evaluation { get; init; }

    /// <summary>Liquidation plans issued this round (orders with at least one leg).</summary>
    public required int NewLiquidations { get; init; }

    /// <summary>Of <see cref="NewLiquidations"/>, the accounts liquidated for the first time in the run (the others were liquidated in an earlier round and again now, prices having fallen further).</summary>
    public int NewAccounts { get; init; }

    /// <summary>Accounts that should be liquidated but got no order (nothing sellable, or no plan).</summary>
    public required int WithoutOrder { get; init; }

    /// <summary>The round's largest orders by value (<see cref="StressOptions.LargestOrders"/>, default 20), largest first: the orders the round would issue, with their legs.</summary>
    public ImmutableArray<StressOrder> LargestOrders { get; init; } = [];

    /// <summary>The first accounts (at most 20) that should be liquidated but got no order, with the planner's reason.</summary>
    public ImmutableArray<AccountProblem> Unplanned { get; init; } = [];

    /// <summary>The loss beyond equity that this round's liquidations leave to the insurance fund: the plans' shortfalls, and the negative equity of bankrupt accounts that got no order.</summary>
    public required decimal InsuranceFundLoss { get; init; }

    /// <summary>The expected cost (fees and impact) of this round's plans.</summary>
    public required decimal LiquidationCost { get; init; }

    /// <summary>Per asset, what this round's liquidations sell and buy against its depth, and its price before and after the impact; every non-settlement asset of the parameters, by symbol.</summary>
    public required ImmutableArray<AssetFlow> Assets { get; init; }

    /// <summary>USD sold this round, all assets.</summary>
    public decimal SoldUsd => Assets.Sum(a => a.SoldUsd);

    /// <summary>USD bought this round, all assets.</summary>
    public decimal BoughtUsd => Assets.Sum(a => a.BoughtUsd);
}

/// <summary>One asset in one cascade round: forced sales and purchases against its depth and the price impact.</summary>
/// <param name="Asset">The asset symbol (perpetuals and futures count on their underlying; options are left out: <see cref="DepthImpact.AssetOf"/>).</param>
/// <param name="SoldUsd">Collateral sold and long positions reduced, USD.</param>
/// <param name="BoughtUsd">Borrows repaid and short positions reduced, USD.</param>
/// <param name="Legs">Order legs on the asset.</param>
/// <param name="DepthUsd">The asset's depth, USD.</param>
/// <param name="PriceBefore">The price at the round's start, USD.</param>
/// <param name="PriceAfter">The price after the round's impact, USD (the next round's start).</param>
/// <param name="Floored">Whether the impact hit the one-round floor (<see cref="DepthImpact.MinimumFactor"/>).</param>
public sealed record AssetFlow(string Asset, decimal SoldUsd, decimal BoughtUsd, int Legs, decimal DepthUsd, decimal PriceBefore, decimal PriceAfter, bool Floored)
{
    /// <summary>Net sales as a fraction of depth.</summary>
    public decimal NetOfDepth => DepthUsd > 0m ? (SoldUsd - BoughtUsd) / DepthUsd : 0m;
}
