using System.Text.Json;
using Margin.Engine.Accounts;
using Margin.Engine.Liquidation;
using Margin.Engine.Parameters;
using Margin.Engine.Prices;
using Margin.Engine.Results;
using Margin.Engine.Stress;
using Margin.Engine.Tests.Support;

namespace Margin.Engine.Tests.Stress;

public sealed class CascadeSimulatorTests
{
    private const decimal BtcDepth = 200_000m;
    private static readonly PlannerOptions Planner = PlannerOptions.Create(0.0005m, 0.05m, 5_000_000m, 10m);

    [Fact]
    public void Run_ForcedSalesPushTheNextAccountsUnder_UntilNoNewLiquidation()
    {
        // Ten accounts of 1 BTC against a USDC borrow, liquidatable at 40,000, 39,500, ... 35,500.
        var book = Ladder(10, 40_000m, 500m);
        var shocked = Shocked(0.799m); // BTC 50,000 -> 39,950: only the first is liquidatable.

        var result = CascadeSimulator.Run(book, shocked, Parameters(), Planner, new StressOptions { MaxRounds = 50 });

        var first = result.Rounds[0];
        Assert.Equal(1, first.NewLiquidations);
        Assert.Equal(1, first.NewAccounts);
        Assert.InRange(result.Rounds.Sum(r => r.NewAccounts), 2, 10);
        Assert.All(result.Rounds, r => Assert.InRange(r.NewAccounts, 0, r.NewLiquidations));
        var btc = first.Assets.Single(a => a.Asset == "BTC");
        Assert.True(btc.SoldUsd > 0m);
        var order = Assert.Single(first.LargestOrders);
        Assert.Equal("acct-000", order.AccountId);
        Assert.Equal(MarginStatus.Liquidatable, order.Status);
        Assert.Equal(btc.SoldUsd, order.Legs.Where(l => l.Target == "BTC" && l.Side == "Sell").Sum(l => l.Value));
        Assert.Equal(order.Legs.Sum(l => l.Value), order.Value);
        Assert.Equal(39_950m, btc.PriceBefore);
        Assert.Equal(39_950m * (1m - ((btc.SoldUsd - btc.BoughtUsd) / BtcDepth)), btc.PriceAfter);
        Assert.Equal(btc.PriceAfter, result.Rounds[1].Assets.Single(a => a.Asset == "BTC").PriceBefore);
        Assert.True(result.Rounds.Length > 2, $"the cascade stopped after {result.Rounds.Length} rounds");
        Assert.True(result.Rounds[1].NewLiquidations > 0);
        Assert.Equal(CascadeStop.NoNewLiquidation, result.Stop);
        Assert.Equal(0, result.Rounds[^1].NewLiquidations);
        Assert.True(result.FinalPrices["BTC"] < 39_950m);
        Assert.Equal(39_950m, result.StartPrices["BTC"]);
        Assert.Equal(result.Liquidations, result.Rounds.Sum(r => r.NewLiquidations));
        Assert.Equal(10, result.Initial.ByStatus.Values.Sum());
    }

    [Fact]
    public void Run_RoundLimit_StopsAndEvaluatesTheBookAtThePricesAfterTheLastImpact()
    {
        var book = Ladder(10, 40_000m, 500m);

        var result = CascadeSimulator.Run(book, Shocked(0.799m), Parameters(), Planner, new StressOptions { MaxRounds = 1 });

        Assert.Equal(CascadeStop.RoundLimit, result.Stop);
        Assert.Single(result.Rounds);
        Assert.Equal(result.Rounds[0].Assets.Single(a => a.Asset == "BTC").PriceAfter, result.FinalPrices["BTC"]);
        Assert.True(result.Final.LiquidatableOrWorse > 0, "the impact of round 1 leaves the next account liquidatable");
        Assert.NotEmpty(result.Final.Ratios);
    }

    [Fact]
    public void Run_NothingLiquidatable_OneRoundAndTheFinalBookIsTheInitial()
    {
        var result = CascadeSimulator.Run(Ladder(5, 30_000m, 500m), Shocked(0.95m), Parameters(), Planner, new StressOptions());

        Assert.Single(result.Rounds);
        Assert.Equal(CascadeStop.NoNewLiquidation, result.Stop);
        Assert.Same(result.Initial, result.Final);
        Assert.Equal(0m, result.InsuranceFundLoss);
        Assert.Equal(5, result.Initial.Ratios.Sum());
    }

    [Fact]
    public void Run_BankruptAccount_InsuranceFundTakesTheLossOnceAndTheAccountIsClosed()
    {
        // 1 BTC against 45,000 USDC: at 39,950 the equity is -5,050.
        var builder = new CompactBook.Builder()
            .Add(Account.Create("bankrupt", 1, MarginMode.Standard, [TestBook.Holding(TestBook.Btc, 1m), TestBook.Holding(TestBook.Usdc, -45_000m)], []));
        AddLadder(builder, 10, 25_000m, 500m); // far below: the full close's impact leaves them standing

        var result = CascadeSimulator.Run(builder.Build(), Shocked(0.799m), Parameters(), Planner, new StressOptions { MaxRounds = 50 });

        Assert.Equal(1, result.Initial.ByStatus[MarginStatus.Bankrupt]);
        Assert.True(result.Rounds[0].InsuranceFundLoss >= 5_000m, $"loss {result.Rounds[0].InsuranceFundLoss}");
        Assert.Equal(result.Rounds[0].InsuranceFundLoss, result.InsuranceFundLoss);
        Assert.Equal(1, result.Rounds[1].Evaluation.Closed);
        Assert.Equal(1, result.Final.Closed);
    }

    [Fact]
    public void Run_BankruptAccountThePlannerCannotClose_HandedToTheFundAtItsNegativeEquityWithTheReason()
    {
        // A long inverse perpetual of 100,000 USD face from 50,000 with 1,000 USD: at 39,950 the realised loss would be
        // about 0.5 BTC, which the account does not hold, so no leg can close it.
        var book = new CompactBook.Builder()
            .Add(Account.Create("inverse", 1, MarginMode.Standard, [TestBook.Holding(TestBook.Usd, 1_000m)], [new Position("BTC-INV", 100_000m, 50_000m)]))
            .Build();
        var parameters = TestBook.BookParameters(
            [TestBook.UsdParameters(), TestBook.UsdcParameters() with { LotSize = 0.01m }, TestBook.BtcParameters() with { DepthUsd = BtcDepth, LotSize = 0.01m }, TestBook.EthParameters()],
            [TestBook.BtcInverse()]);
        var shocked = StressedMarket.Apply(TestBook.Snapshot(marks: [InstrumentPrice.Create("BTC-INV", 50_000m)]), parameters, "shocked", new Dictionary<string, decimal> { ["BTC"] = 0.799m });

        var result = CascadeSimulator.Run(book, shocked, parameters, Planner, new StressOptions());

        var first = result.Rounds[0];
        Assert.Equal(MarginStatus.Bankrupt, Assert.Single(result.Initial.Worst).Status);
        var equity = result.Initial.Worst[0].Equity;
        Assert.True(equity < 0m);
        Assert.Equal(0, first.NewLiquidations);
        Assert.Equal(1, first.WithoutOrder);
        Assert.Equal(-equity, first.InsuranceFundLoss);
        Assert.Contains("handed to the insurance fund", Assert.Single(first.Unplanned).Problem, StringComparison.Ordinal);
        Assert.Single(result.Rounds);
        Assert.Equal(-equity, result.InsuranceFundLoss);
    }

    [Fact]
    public void Run_ShortPerpetualBoughtBack_PushesThePriceUp()
    {
        // Short 1 BTC-PERP from 50,000 on 13,000 USD: at 62,500 (+25 %) the loss leaves 500 USD of AE_M against 812.5 of MM.
        var parameters = TestBook.BookParameters(
            [TestBook.UsdParameters(), TestBook.UsdcParameters() with { LotSize = 0.01m }, TestBook.BtcParameters() with { DepthUsd = 20_000_000m, LotSize = 0.01m }, TestBook.EthParameters()],
            [TestBook.BtcPerp()]);
        var book = new CompactBook.Builder()
            .Add(Account.Create("short", 1, MarginMode.Standard, [TestBook.Holding(TestBook.Usd, 13_000m)], [new Position("BTC-PERP", -1m, 50_000m)]))
            .Build();
        var shocked = StressedMarket.Apply(TestBook.Snapshot(marks: [InstrumentPrice.Create("BTC-PERP", 50_000m)]), parameters, "up", new Dictionary<string, decimal> { ["BTC"] = 1.25m });

        var result = CascadeSimulator.Run(book, shocked, parameters, Planner, new StressOptions());

        var btc = result.Rounds[0].Assets.Single(a => a.Asset == "BTC");
        Assert.True(result.Rounds[0].NewLiquidations == 1, string.Join("; ", result.Rounds[0].Unplanned.Select(u => u.Problem)));
        Assert.Contains(result.Rounds[0].LargestOrders[0].Legs, l => l is { Target: "BTC-PERP", Side: "Buy" });
        Assert.True(btc.BoughtUsd > 0m && btc.SoldUsd == 0m, $"sold {btc.SoldUsd}, bought {btc.BoughtUsd}");
        Assert.Equal(62_500m * (1m + (btc.BoughtUsd / 20_000_000m)), btc.PriceAfter);
        Assert.True(btc.PriceAfter > btc.PriceBefore);
    }

    [Fact]
    public void Run_OptionLegs_DoNotMoveTheUnderlying()
    {
        // Short 5 calls struck at 45,000 on 10,000 USDC: BTC +25 % puts them deep in the money; buying them back is an
        // option trade, not a purchase of BTC.
        var parameters = TestBook.BookParameters(
            [TestBook.UsdParameters(), TestBook.UsdcParameters() with { LotSize = 0.01m }, TestBook.BtcParameters() with { DepthUsd = BtcDepth, LotSize = 0.01m }, TestBook.EthParameters()],
            [TestBook.Option("BTC-C-45000", Margin.Engine.Instruments.OptionRight.Call, 45_000m)]);
        var book = new CompactBook.Builder()
            .Add(Account.Create("writer", 1, MarginMode.Standard, [TestBook.Holding(TestBook.Usdc, 60_000m)], [new Position("BTC-C-45000", -5m, 6_000m)]))
            .Build();
        var shocked = StressedMarket.Apply(TestBook.Snapshot(marks: [InstrumentPrice.Create("BTC-C-45000", 6_000m, 0.6)]), parameters, "up", new Dictionary<string, decimal> { ["BTC"] = 1.25m });

        var result = CascadeSimulator.Run(book, shocked, parameters, Planner, new StressOptions());

        var order = Assert.Single(result.Rounds[0].LargestOrders);
        Assert.Contains(order.Legs, l => l is { Target: "BTC-C-45000", Side: "Buy" });
        var btc = result.Rounds[0].Assets.Single(a => a.Asset == "BTC");
        Assert.Equal(0, btc.Legs);
        Assert.Equal(btc.PriceBefore, btc.PriceAfter);
    }

    [Fact]
    public void Run_WorstAccounts_HighestRatioFirstWithReasons()
    {
        var result = CascadeSimulator.Run(Ladder(30, 40_000m, 100m), Shocked(0.799m), Parameters(), Planner, new StressOptions { WorstAccounts = 5 });

        Assert.Equal(5, result.Initial.Worst.Length);
        Assert.Equal("acct-000", result.Initial.Worst[0].AccountId);
        Assert.True(result.Initial.Worst.Zip(result.Initial.Worst.Skip(1)).All(p => p.First.MarginRatio >= p.Second.MarginRatio));
        Assert.All(result.Initial.Worst, w => Assert.False(string.IsNullOrWhiteSpace(w.Reason)));
    }

    [Fact]
    public void Run_UnknownAssetInAnAccount_CountsItFailedWithTheProblemAndGoesOn()
    {
        var builder = new CompactBook.Builder()
            .Add(Account.Create("odd", 1, MarginMode.Standard, [new Balance(Margin.Engine.Domain.Asset.Of("DOGE"), 5m)], []));
        AddLadder(builder, 3, 40_000m, 500m);

        var result = CascadeSimulator.Run(builder.Build(), Shocked(0.799m), Parameters(), Planner, new StressOptions());

        Assert.Equal(1, result.Initial.Failed);
        var problem = Assert.Single(result.Initial.Problems);
        Assert.Equal("odd", problem.AccountId);
        Assert.Contains("DOGE", problem.Problem, StringComparison.Ordinal);
        Assert.Equal(1, result.Rounds[0].NewLiquidations);
    }

    [Fact]
    public void Run_SameInputs_SameResultForAnyThreadCount()
    {
        var book = Ladder(600, 40_200m, 3m);

        var one = CascadeSimulator.Run(book, Shocked(0.799m), Parameters(), Planner, new StressOptions { MaxDegreeOfParallelism = 1, MaxRounds = 2 });
        var two = CascadeSimulator.Run(book, Shocked(0.799m), Parameters(), Planner, new StressOptions { MaxDegreeOfParallelism = 2, MaxRounds = 2 });
        var again = CascadeSimulator.Run(book, Shocked(0.799m), Parameters(), Planner, new StressOptions { MaxDegreeOfParallelism = 2, MaxRounds = 2 });

        Assert.True(one.Liquidations > 50, $"{one.Liquidations} liquidations");
        Assert.Equal(20, one.Rounds[0].LargestOrders.Length);
        Assert.True(one.Rounds[0].LargestOrders.Zip(one.Rounds[0].LargestOrders.Skip(1)).All(p => p.First.Value >= p.Second.Value));
        Assert.Equal(Json(one), Json(two));
        Assert.Equal(Json(two), Json(again));
    }

    [Fact]
    public void Run_InvalidOptions_Throws()
    {
        Assert.Throws<ArgumentException>(() => CascadeSimulator.Run(Ladder(1, 40_000m, 1m), Shocked(0.8m), Parameters(), Planner, new StressOptions { MaxRounds = 0 }));
    }

    internal static RiskParameters Parameters() => TestBook.BookParameters(
        [TestBook.UsdParameters(), TestBook.UsdcParameters() with { LotSize = 0.01m }, TestBook.BtcParameters() with { DepthUsd = BtcDepth, LotSize = 0.01m }, TestBook.EthParameters()],
        [TestBook.BtcPerp()]);

    internal static PriceSnapshot Shocked(decimal btcFactor) => StressedMarket.Apply(
        TestBook.Snapshot(marks: [InstrumentPrice.Create("BTC-PERP", 50_000m)]),
        Parameters(),
        "shocked",
        new Dictionary<string, decimal> { ["BTC"] = btcFactor });

    // Accounts of 1 BTC against a USDC borrow D: MM = 0.05 D and AE_M = 0.95 P - D (flat weights), so the account is
    // liquidatable from P = 1.05 D / 0.95. Account i is liquidatable from `top - i * step`.
    internal static CompactBook Ladder(int count, decimal top, decimal step) => AddLadder(new CompactBook.Builder(), count, top, step).Build();

    private static CompactBook.Builder AddLadder(CompactBook.Builder builder, int count, decimal top, decimal step)
    {
        for (var i = 0; i < count; i++)
        {
            var borrow = decimal.Round((top - (i * step)) * 0.95m / 1.05m, 2, MidpointRounding.ToZero);
            builder.Add(Account.Create($"acct-{i:D3}", 1, MarginMode.Standard, [TestBook.Holding(TestBook.Btc, 1m), TestBook.Holding(TestBook.Usdc, -borrow)], []));
        }

        return builder;
    }

    private static string Json(CascadeResult result) => JsonSerializer.Serialize(new
    {
        result.Stop,
        Rounds = result.Rounds.Select(r => new { r.Round, r.NewLiquidations, r.NewAccounts, r.WithoutOrder, r.InsuranceFundLoss, r.LiquidationCost, r.Assets, r.Evaluation.ByStatus, r.Evaluation.Shortfall, r.Evaluation.NegativeEquity, r.Evaluation.Closed, r.LargestOrders }),
        result.FinalPrices,
        Worst = result.Final.Worst.Select(w => new { w.AccountId, w.MarginRatio }),
        result.Final.Ratios,
    });
}
