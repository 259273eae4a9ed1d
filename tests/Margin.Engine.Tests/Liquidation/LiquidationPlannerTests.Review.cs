using Margin.Engine.Accounts;
using Margin.Engine.Liquidation;
using Margin.Engine.Prices;
using Margin.Engine.Results;
using static Margin.Engine.Tests.Liquidation.PlannerBook;

namespace Margin.Engine.Tests.Liquidation;

/// <summary>Edge cases from review: a bankrupt account with short options and borrows, tiny lots, low prices, a stale settlement price.</summary>
public sealed partial class LiquidationPlannerTests
{
    [Fact]
    public void FullClose_BankruptWithShortOptionsAndABorrow_ClosesThemEvenBeyondTheCash()
    {
        // USD 100 against 20 ETH borrowed (40,000) and 10 short puts marked 800: equity 100 - 40,000 - 8,000 < 0.
        var model = MixedModel();
        var account = AccountOf([new Balance(Usd, 100m), new Balance(Eth, -20m)], new Position("BTC-P-45000", -10m, 0m));

        var plan = LiquidationPlanner.Plan(model, account, s_options);

        Assert.Equal(MarginStatus.Bankrupt, plan.Before.Status);
        Assert.Equal(PlanOutcome.FullClose, plan.Outcome);
        Assert.True(plan.InsuranceFund);
        Assert.Contains(plan.Legs, l => l.Kind == LegKind.RepayBorrow && l.Target == "ETH");
        Assert.Contains(plan.Legs, l => l.Kind == LegKind.ReducePosition && l.Target == "BTC-P-45000" && l.Side == TradeSide.Buy);

        // Every whole lot is closed (the borrow and the shorts within the maximum impact), the USD owed is the shortfall's source.
        Assert.DoesNotContain(plan.ProjectedAccount.Positions, p => p.InstrumentId == "BTC-P-45000");
        Assert.DoesNotContain(plan.ProjectedAccount.Balances, b => b.Asset == Eth && b.Quantity < 0m);
        Assert.True(plan.Shortfall.Amount > 0m);
    }

    [Fact]
    public void FullClose_SettlementThatCannotBeOwed_ClosesTheLosingPositionAndReportsTheUncoveredLoss()
    {
        // USD is not borrowable: long 10 ETH-PERP entered at 3,000, marked 2,000, against 100 USD: equity -9,900.
        static Margin.Engine.Parameters.WeightSchedule Flat(decimal w) => new() { AssetWeight = w, LiabilityWeight = 1m };
        var parameters = Margin.Engine.Parameters.RiskParameters.Create(
            "plan-nb",
            Usd,
            [
                new Margin.Engine.Parameters.AssetRiskParameters { Asset = Usd, Initial = Flat(1m), Maintenance = Flat(1m), DepthUsd = 1_000_000_000_000m, LotSize = 0.01m },
                new Margin.Engine.Parameters.AssetRiskParameters { Asset = Eth, Initial = Flat(0.8m), Maintenance = Flat(0.9m), DepthUsd = 5_000_000m, LotSize = 0.1m },
            ],
            [new Margin.Engine.Parameters.InstrumentRiskParameters { Instrument = new Margin.Engine.Instruments.Perpetual("ETH-PERP", Eth, Margin.Engine.Instruments.ContractType.Linear, lotSize: 0.1m), Brackets = Margin.Engine.Parameters.RiskParameters.Brackets(new Margin.Engine.Parameters.MarginBracket(null, 0.10m, 0.05m)) }],
            new Margin.Engine.Parameters.StatusThresholds(0.8m, 0.9m, 0.1m));
        var snapshot = PriceSnapshot.Create("plan-nb", AsOf, Usd, [AssetPrice.Create(Usd, 1m, AsOf), AssetPrice.Create(Eth, 2_000m, AsOf)], [InstrumentPrice.Create("ETH-PERP", 2_000m)]);
        var model = Margin.Engine.Evaluation.MarginModel.Create(snapshot, parameters);
        var account = AccountOf([new Balance(Usd, 100m)], new Position("ETH-PERP", 10m, 3_000m));

        var plan = LiquidationPlanner.Plan(model, account, s_options);

        // Sold at the limit 2,000 x (1 - 20,000 / 5,000,000) = 1,992: realised -10,080, fee 20: cash 100 - 10,100 = -10,000,
        // which USD cannot hold: the account ends at 0 and the insurance fund covers 10,000.
        Assert.Equal(PlanOutcome.FullClose, plan.Outcome);
        var leg = Assert.Single(plan.Legs);
        Assert.Equal("ETH-PERP", leg.Target);
        Assert.Equal(10m, leg.Quantity);
        Assert.Empty(plan.ProjectedAccount.Positions);
        Assert.Equal(0m, plan.ProjectedAccount.Balances.Single(b => b.Asset == Usd).Quantity);
        Assert.Equal(10_000m, plan.Shortfall.Amount);
        Assert.True(plan.InsuranceFund);
    }

    [Fact]
    public void TinyLots_ReachTheTargetWithinTheMoveBudget()
    {
        // The one-asset book with BTC lots of 1e-8: one lot per move would need 18,000,000 moves; the automatic move size
        // (the deficit / 2,000) reaches the target within the budget.
        var plan = LiquidationPlanner.Plan(Model(btcLot: 0.00000001m), OneAsset(), s_options);

        Assert.Equal(PlanOutcome.ReachesTarget, plan.Outcome);
        var leg = Assert.Single(plan.Legs);
        Assert.InRange(leg.Quantity, 0.17m, 0.19m);
    }

    [Theory]
    [InlineData("50000", 3)]
    [InlineData("1", 7)]
    [InlineData("0.15", 8)]
    [InlineData("0.00001", 12)]
    [InlineData("123456789", 0)]
    [InlineData("0.1", 8)]
    [InlineData("10", 6)]
    [InlineData("0.099999999", 9)]
    [InlineData("0.00000000000000000001", 27)]
    public void LimitDecimals_KeepEightSignificantDigits(string price, int decimals)
    {
        Assert.Equal(decimals, PlanState.LimitDecimals(decimal.Parse(price, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void StaleSettlementPrice_IsRefusedWithTheReason()
    {
        var model = Model();
        var stale = Margin.Engine.Evaluation.MarginModel.Create(
            PriceSnapshot.Create("stale-usd", AsOf, Usd, [AssetPrice.Create(Usd, 1m, AsOf, unusableReason: "stale"), .. model.Snapshot.Assets.Values.Where(a => a.Asset != Usd)], model.Snapshot.Instruments.Values),
            model.Parameters);

        var ex = Assert.Throws<ArgumentException>(() => LiquidationPlanner.Plan(stale, OneAsset(), s_options));

        Assert.Contains("unusable price (stale)", ex.Message, StringComparison.Ordinal);
    }
}
