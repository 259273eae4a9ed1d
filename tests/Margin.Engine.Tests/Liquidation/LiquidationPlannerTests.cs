using Margin.Engine.Accounts;
using Margin.Engine.Liquidation;
using Margin.Engine.Results;
using static Margin.Engine.Tests.Liquidation.PlannerBook;

namespace Margin.Engine.Tests.Liquidation;

public sealed partial class LiquidationPlannerTests
{
    private static readonly PlannerOptions s_options = PlannerOptions.Create(feeRate: 0.001m, maxImpact: 0.2m, maxOrderUsd: 1_000_000m);

    // BTC 2, USD -86,000: AE_M = 90,000 - 86,000 = 4,000; MM = 0.05 * 86,000 = 4,300; ratio 1.075 (Liquidatable).
    // Selling n lots of 0.01 BTC: x = 500n, L = 50,000 * (1 - 500n / 10,000,000) = 50,000 - 2.5n, proceeds 0.01n * L.
    // Slack r* AE_M - MM = -1,100 - 360n + 0.85 * 0.01n * (50,000 - 2.5n) - 0.85 * 0.5n (the fee, 0.1 % of 500n, paid in
    // USD, which counts at 0.8 in AE_M and 0.05 in MM) = -1,100 + 64.575n - 0.02125n^2:
    // n = 17 -> -8.366 (short), n = 18 -> +55.465 (reached). Cost at n = 18: 9,000 * 0.001 + 9,000^2 / 20,000,000 = 13.05.
    private static Account OneAsset() => AccountOf([new Balance(Btc, 2m), new Balance(Usd, -86_000m)]);

    [Fact]
    public void Plan_OneAssetBelowTarget_SellsHandCheckedLotsAtLimit()
    {
        var plan = LiquidationPlanner.Plan(Model(), OneAsset(), s_options);

        Assert.Equal(MarginStatus.Liquidatable, plan.Before.Status);
        Assert.Equal(PlanOutcome.ReachesTarget, plan.Outcome);
        Assert.True(plan.ReachesTarget);
        Assert.Null(plan.Reason);
        Assert.Equal(0.8m, plan.TargetRatio);
        var leg = Assert.Single(plan.Legs);
        Assert.Equal(LegKind.SellCollateral, leg.Kind);
        Assert.Equal("BTC", leg.Target);
        Assert.Equal(TradeSide.Sell, leg.Side);
        Assert.Equal(18, leg.Lots);
        Assert.Equal(0.18m, leg.Quantity);
        Assert.Equal(49_955m, leg.LimitPrice);
        Assert.Equal(9_000m, leg.Value.Amount);
        Assert.Equal(13.05m, leg.Cost.Amount);
        Assert.Equal(13.05m, plan.TotalCost.Amount);
        Assert.False(string.IsNullOrWhiteSpace(leg.Reason));
    }

    [Fact]
    public void Plan_WithTheCallersEvaluation_GivesTheSamePlan_AndRefusesAnotherAccountsResult()
    {
        var model = Model();
        var account = OneAsset();

        var own = LiquidationPlanner.Plan(model, account, s_options);
        var given = LiquidationPlanner.Plan(model, account, model.Evaluate(account), s_options);

        Assert.Equal(own.Legs.ToArray(), given.Legs.ToArray());
        Assert.Equal(own.After, given.After);
        Assert.Equal(own.Outcome, given.Outcome);

        // Another account's result (here a healthy one's) is refused, not planned from.
        var other = AccountOf([new Balance(Btc, 2m)]);
        var ex = Assert.Throws<ArgumentException>(() => LiquidationPlanner.Plan(model, account, model.Evaluate(other) with { AccountVersion = 99 }, s_options));
        Assert.Contains("not for account", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_PortfolioAccount_IsPlannedOnTheGrid()
    {
        // The same book in portfolio mode with BTC on a +/-10 % grid: MM = 0.1 * 90,000 + borrow 0.05 * 86,000 = 13,300
        // against AE_M 4,000; selling BTC shrinks the grid loss and the borrow.
        var grid = Margin.Engine.Parameters.PortfolioParameters.Create([new Margin.Engine.Parameters.UnderlyingRiskParameters { Asset = Btc, Grid = Margin.Engine.Portfolio.ScenarioGridSettings.Create(0.1, 3, 0.0, 0.3, 0.13, 0.1, []) }]);
        var parameters = Margin.Engine.Parameters.RiskParameters.Create("pm-plan", Usd, Model().Parameters.Assets.Values, Model().Parameters.Instruments.Values, Model().Parameters.Thresholds, portfolio: grid);
        var model = Margin.Engine.Evaluation.MarginModel.Create(Model().Snapshot, parameters);
        var account = Account.Create("pm", 1, MarginMode.Portfolio, [new Balance(Btc, 2m), new Balance(Usd, -86_000m)], []);

        var plan = LiquidationPlanner.Plan(model, account, s_options);

        Assert.Equal(MarginStatus.Liquidatable, plan.Before.Status);
        Assert.Equal(PlanOutcome.ReachesTarget, plan.Outcome);
        Assert.True(LiquidationPlanner.Slack(plan.After, plan.TargetRatio) >= 0m);
        Assert.Equal(MarginMode.Portfolio, plan.ProjectedAccount.Mode);
        Assert.All(plan.Legs, l => Assert.Equal("BTC", l.Target));
    }

    [Fact]
    public void Plan_InexactLimitAndCost_RoundTowardsTheSafeSide()
    {
        // With a depth of 7,000,000 the exact limit P * (1 - x / depth) and the cost x * fee + x^2 / (2 * depth) do not
        // terminate in decimal: the sell limit must round up (a fill at it is no worse than the valued price), the cost up.
        var plan = LiquidationPlanner.Plan(Model(btcDepth: 7_000_000m), OneAsset(), s_options);

        var leg = plan.Legs[0];
        Assert.Equal(TradeSide.Sell, leg.Side);
        var exactLimit = 50_000m * (1m - (leg.Value.Amount / 7_000_000m));
        Assert.True(leg.LimitPrice >= exactLimit);
        Assert.True(leg.LimitPrice - exactLimit < 0.00000001m);
        Assert.True(leg.LimitPrice.Scale <= 8);
        Assert.True(leg.Cost.Amount.Scale <= 8);
        Assert.True(leg.Cost.Amount >= (leg.Value.Amount * 0.001m) + (leg.Value.Amount * leg.Value.Amount / 14_000_000m));
    }

    [Fact]
    public void Plan_OneAssetBelowTarget_StopsAtTheFirstLotThatReachesTarget()
    {
        var model = Model();
        var plan = LiquidationPlanner.Plan(model, OneAsset(), s_options);

        // Projected with every leg at its limit, less the fee (0.1 % of 9,000): BTC 1.82 and USD -86,000 + 0.18 * 49,955 - 9.
        Assert.True(LiquidationPlanner.Slack(plan.After, plan.TargetRatio) >= 0m);
        Assert.Equal(1.82m, plan.ProjectedAccount.Balances.Single(b => b.Asset == Btc).Quantity);
        Assert.Equal(-86_000m + (0.18m * 49_955m) - 9m, plan.ProjectedAccount.Balances.Single(b => b.Asset == Usd).Quantity);

        // One lot fewer (17 lots at 49,957.5, fee 8.5) falls short.
        var shortOne = AccountOf([new Balance(Btc, 1.83m), new Balance(Usd, -86_000m + (0.17m * 49_957.5m) - 8.5m)]);
        Assert.True(LiquidationPlanner.Slack(model.EvaluateSummary(shortOne), plan.TargetRatio) < 0m);
    }

    [Fact]
    public void Plan_MaxOrderSizeBinds_CapsTheLegAndCannotReach()
    {
        var options = PlannerOptions.Create(0.001m, 0.2m, maxOrderUsd: 5_000m);

        var plan = LiquidationPlanner.Plan(Model(), OneAsset(), options);

        var leg = Assert.Single(plan.Legs);
        Assert.Equal(10, leg.Lots);
        Assert.True(leg.Value.Amount <= 5_000m);
        Assert.Equal(PlanOutcome.CannotReachTarget, plan.Outcome);
        Assert.False(plan.ReachesTarget);
        Assert.NotNull(plan.Reason);
        Assert.True(LiquidationPlanner.Slack(plan.After, plan.TargetRatio) < 0m);
        Assert.True(LiquidationPlanner.Slack(plan.After, plan.TargetRatio) > LiquidationPlanner.Slack(plan.Before, plan.TargetRatio));
    }

    [Fact]
    public void Plan_MaxImpactBinds_LimitPriceNeverBeyondMaxImpact()
    {
        // 0.0005 * 10,000,000 = 5,000 USD: at most 10 lots, limit at least 50,000 * (1 - 0.0005) = 49,975.
        var options = PlannerOptions.Create(0.001m, maxImpact: 0.0005m, maxOrderUsd: 1_000_000m);

        var plan = LiquidationPlanner.Plan(Model(), OneAsset(), options);

        var leg = Assert.Single(plan.Legs);
        Assert.Equal(10, leg.Lots);
        Assert.Equal(49_975m, leg.LimitPrice);
        Assert.Equal(PlanOutcome.CannotReachTarget, plan.Outcome);
    }

    [Fact]
    public void Plan_MinOrderSize_FirstMoveIsAtLeastTheMinimum()
    {
        // 12,000 USD at 500 USD a lot: the leg opens with 24 lots, which already reach the target.
        var options = PlannerOptions.Create(0.001m, 0.2m, 1_000_000m, minOrderUsd: 12_000m);

        var plan = LiquidationPlanner.Plan(Model(), OneAsset(), options);

        var leg = Assert.Single(plan.Legs);
        Assert.Equal(24, leg.Lots);
        Assert.True(leg.Value.Amount >= 12_000m);
        Assert.True(plan.ReachesTarget);
    }

    [Fact]
    public void Plan_MinOrderAboveWhatIsHeld_NoLegAndCannotReach()
    {
        var options = PlannerOptions.Create(0.001m, 0.2m, 1_000_000m, minOrderUsd: 200_000m);

        var plan = LiquidationPlanner.Plan(Model(), OneAsset(), options);

        Assert.Empty(plan.Legs);
        Assert.Equal(PlanOutcome.CannotReachTarget, plan.Outcome);
    }

    [Fact]
    public void Plan_KillSwitchedAssetHeld_NeverSellsIt()
    {
        // DOGE 300,000 (30,000 USD at weight 0.5) would be the cheap sale, but its kill switch is on.
        var account = AccountOf([new Balance(Btc, 2m), new Balance(Doge, 300_000m), new Balance(Usd, -101_000m)]);

        var plan = LiquidationPlanner.Plan(Model(), account, s_options);

        Assert.Equal(MarginFlags.None, plan.Before.Flags & MarginFlags.KillSwitch);
        Assert.DoesNotContain(plan.Legs, l => l.Target == "DOGE");
        Assert.Contains(plan.Legs, l => l.Target == "BTC");
        Assert.Equal(300_000m, plan.ProjectedAccount.Balances.Single(b => b.Asset == Doge).Quantity);
    }

    [Fact]
    public void Plan_BorrowAndCash_RepaysFromCashWithoutSelling()
    {
        // USD 9,000, BTC 1 (45,000 weighted), ETH -25 (55,000 weighted, MM 5,000): AE_M = -1,000, ratio +inf, equity 9,000.
        var account = AccountOf([new Balance(Usd, 9_000m), new Balance(Btc, 1m), new Balance(Eth, -25m)]);

        var plan = LiquidationPlanner.Plan(Model(), account, s_options);

        Assert.True(plan.ReachesTarget);
        Assert.Contains(plan.Legs, l => l.Kind == LegKind.RepayBorrow && l.Target == "ETH" && l.Side == TradeSide.Buy);
        var projected = plan.ProjectedAccount;
        Assert.True(projected.Balances.Single(b => b.Asset == Usd).Quantity >= 0m);
        Assert.True(projected.Balances.Single(b => b.Asset == Eth).Quantity is <= 0m and > -25m);
    }

    [Fact]
    public void Plan_BorrowWithoutCash_RepayIsFundedBySellingCollateral()
    {
        // BTC 2 (90,000 weighted), ETH -40 (88,000 weighted, MM 8,000): AE_M 2,000, ratio 4; no settlement cash held.
        var account = AccountOf([new Balance(Btc, 2m), new Balance(Eth, -40m)]);

        var plan = LiquidationPlanner.Plan(Model(), account, s_options);

        Assert.True(plan.ReachesTarget);
        var repay = Assert.Single(plan.Legs, l => l.Kind == LegKind.RepayBorrow);
        Assert.Equal("ETH", repay.Target);
        Assert.Contains(plan.Legs, l => l.Kind == LegKind.SellCollateral && l.Target == "BTC");
        Assert.True(plan.ProjectedAccount.Balances.Single(b => b.Asset == Usd).Quantity >= 0m);
    }

    [Fact]
    public void Plan_LongPerpLosing_ReducesWithoutFlipping()
    {
        // USD 10,000; ETH-PERP +100 at entry 2,090: PnL -9,000, AE_M 1,000, MM 0.05 * 200,000 = 10,000.
        var account = AccountOf([new Balance(Usd, 10_000m)], new Position("ETH-PERP", 100m, 2_090m));

        var plan = LiquidationPlanner.Plan(Model(), account, PlannerOptions.Create(0.001m, 0.2m, 1_000_000m));

        var leg = Assert.Single(plan.Legs);
        Assert.Equal(LegKind.ReducePosition, leg.Kind);
        Assert.Equal(TradeSide.Sell, leg.Side);
        Assert.True(leg.Quantity <= 100m);
        Assert.True(leg.LimitPrice < 2_000m);
        var left = plan.ProjectedAccount.Positions.SingleOrDefault();
        Assert.True(left.Quantity is >= 0m and < 100m);
    }

    [Fact]
    public void Plan_Bankrupt_FullCloseFlaggedForInsuranceFund()
    {
        // BTC 1 (50,000) against USD -60,000: equity -10,000.
        var account = AccountOf([new Balance(Btc, 1m), new Balance(Usd, -60_000m)], new Position("ETH-PERP", -2m, 2_100m));

        var plan = LiquidationPlanner.Plan(Model(), account, s_options);

        Assert.Equal(MarginStatus.Bankrupt, plan.Before.Status);
        Assert.Equal(PlanOutcome.FullClose, plan.Outcome);
        Assert.True(plan.InsuranceFund);
        Assert.False(plan.ReachesTarget);
        Assert.Equal(100, plan.Legs.Single(l => l.Target == "BTC").Lots);
        var close = plan.Legs.Single(l => l.Target == "ETH-PERP");
        Assert.Equal(TradeSide.Buy, close.Side);
        Assert.Equal(2m, close.Quantity);
        Assert.Empty(plan.ProjectedAccount.Positions);
        Assert.True(plan.Shortfall.Amount > 10_000m);
        Assert.Equal(-plan.After.Equity.Amount, plan.Shortfall.Amount);
    }

    [Fact]
    public void Plan_HealthyAccount_NoLegs()
    {
        var plan = LiquidationPlanner.Plan(Model(), AccountOf([new Balance(Btc, 1m)]), s_options);

        Assert.Equal(PlanOutcome.AlreadyAtTarget, plan.Outcome);
        Assert.True(plan.ReachesTarget);
        Assert.Empty(plan.Legs);
        Assert.Equal(0m, plan.TotalCost.Amount);
    }

    [Fact]
    public void Plan_MaterialKillSwitchedAsset_SuppressedWithoutLegs()
    {
        var account = AccountOf([new Balance(Doge, 1_000_000m), new Balance(Usd, -49_000m)]);

        var plan = LiquidationPlanner.Plan(Model(), account, s_options);

        Assert.Equal(PlanOutcome.Suppressed, plan.Outcome);
        Assert.Empty(plan.Legs);
        Assert.Contains("KillSwitch", plan.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_OnlyUnsellableCollateral_CannotReachAndSaysWhy()
    {
        // DOGE 50,000 (5,000 USD, 24 % of gross: not flagged, never sold), USD 6,000, ETH -5 (11,000 weighted, MM 1,000):
        // AE_M = 2,500 + 6,000 - 11,000 = -2,500. Orders are capped at 400 USD, so only 2 lots of ETH can be repaid.
        var account = AccountOf([new Balance(Doge, 50_000m), new Balance(Usd, 6_000m), new Balance(Eth, -5m)]);

        var plan = LiquidationPlanner.Plan(Model(), account, PlannerOptions.Create(0.001m, 0.2m, maxOrderUsd: 400m));

        Assert.Equal(PlanOutcome.CannotReachTarget, plan.Outcome);
        var leg = Assert.Single(plan.Legs);
        Assert.Equal(LegKind.RepayBorrow, leg.Kind);
        Assert.Equal(2, leg.Lots);
        Assert.Contains("no remaining move", plan.Reason, StringComparison.Ordinal);
    }
}
