using Margin.Engine.Accounts;
using Margin.Engine.Evaluation;
using Margin.Engine.Parameters;
using Margin.Engine.Prices;
using Margin.Engine.Results;
using static Margin.Engine.Tests.Support.TestBook;

namespace Margin.Engine.Tests.Evaluation;

/// <summary>The pre-emptive projection of MARGIN-MODEL.md section 5 in standard mode.</summary>
public class ProjectionTests
{
    private static RiskParameters Parameters(ProjectionParameters? projection = null) => RiskParameters.Create(
        "proj-1",
        Usd,
        [
            UsdParameters(),
            AssetParameters(Usdc, Flat(1m), Flat(1m), new BorrowRequirement(0.12m, 0.1m)),
            AssetParameters(Btc, Flat(1m), Flat(1m), new BorrowRequirement(0.2m, 0.1m)),
        ],
        [BtcPerp()],
        projection: projection);

    private static MarginModel Model(ProjectionParameters? projection = null, double? sigmaShort = 0.8, double? sigmaLong = 0.5) => MarginModel.Create(
        PriceSnapshot.Create(
            "proj-snap",
            AsOf,
            Usd,
            [Price(Usd, 1m), Price(Usdc, 1m), AssetPrice.Create(Btc, 50_000m, AsOf, sigmaShort: sigmaShort, sigmaLong: sigmaLong)],
            [InstrumentPrice.Create("BTC-PERP", 50_000m)]),
        Parameters(projection));

    // m = 2.33 * 0.8 * sqrt(1 / 365) = 9.7565 %, rounded up to a millionth (0.097567).
    private static readonly decimal Move = 0.097567m;

    [Fact]
    public void LongCoinAgainstABorrow_ProjectsTheCoinDown()
    {
        // BTC 1 at 50,000 against 43,000 USDC borrowed: AE_M 7,000, MM 4,300 (ratio 0.614, Healthy).
        var s = Model().EvaluateSummary(AccountOf(Holding(Btc, 1m), Holding(Usdc, -43_000m)));

        // Projected: AE' = 50,000 (1 - m) - 43,000 = 2,121.7; MM' = 4,300 (USDC does not move): ratio 2.03, at risk.
        Assert.Equal(MarginStatus.Healthy, s.Status);
        var expected = 4_300d / (double)((50_000m * (1m - Move)) - 43_000m);
        Assert.Equal(expected, s.ProjectedRatio!.Value, 9);
        Assert.True(s.Flags.HasFlag(MarginFlags.AtRisk));
        Assert.False(s.Flags.SuppressesLiquidation());
    }

    [Fact]
    public void ShortCoin_ProjectsTheCoinUp()
    {
        // 1 BTC borrowed against 60,000 USDC: AE_M = 60,000 - 50,000 = 10,000; MM = 5,000 (0.5).
        var s = Model().EvaluateSummary(AccountOf(Holding(Usdc, 60_000m), Holding(Btc, -1m)));

        // Up: AE' = 60,000 - 50,000 (1 + m) = 5,121.7; MM' = 0.1 * 50,000 (1 + m) = 5,487.8: ratio 1.07.
        var up = 50_000m * (1m + Move);
        Assert.Equal((double)(0.1m * up) / (double)(60_000m - up), s.ProjectedRatio!.Value, 9);
        Assert.True(s.Flags.HasFlag(MarginFlags.AtRisk));
    }

    [Fact]
    public void PerpetualFollowsItsUnderlying_AndAShortHorizonIsNotAtRisk()
    {
        var account = AccountOf([Holding(Usdc, 20_000m)], new Position("BTC-PERP", 2m, 50_000m));

        // Notional 100,000: MM = 100,000 * 0.025 - 750 = 1,750. One day: PnL' = -100,000 m = -9,756.5 -> AE' 10,243.5;
        // notional' 90,243.5 -> MM' = 1,506.1.
        var day = Model().EvaluateSummary(account);
        var notional = 100_000m * (1m - Move);
        Assert.Equal((double)((notional * 0.025m) - 750m) / (double)(20_000m - (100_000m * Move)), day.ProjectedRatio!.Value, 9);
        Assert.False(day.Flags.HasFlag(MarginFlags.AtRisk));

        // A long horizon (a year) at z 3: the move is capped at 95 %; 20,000 - 95,000 < 0: at risk.
        var year = Model(new ProjectionParameters(3.0, 1.0)).EvaluateSummary(account);
        Assert.True(year.Flags.HasFlag(MarginFlags.AtRisk));
    }

    [Fact]
    public void ShortCallWithoutAVolatility_IsProjectedUp()
    {
        // No implied volatility: the call's delta is a guess, but its sign is right, so a short call (short BTC) moves BTC up.
        var parameters = RiskParameters.Create(
            "proj-opt",
            Usd,
            [UsdParameters(), AssetParameters(Usdc, Flat(1m), Flat(1m)), AssetParameters(Btc, Flat(1m), Flat(1m))],
            [Option("BTC-C-60000", Margin.Engine.Instruments.OptionRight.Call, 60_000m)]);
        var snapshot = PriceSnapshot.Create(
            "proj-opt",
            AsOf,
            Usd,
            [Price(Usd, 1m), Price(Usdc, 1m), AssetPrice.Create(Btc, 50_000m, AsOf, sigmaShort: 0.8, sigmaLong: 0.5)],
            [InstrumentPrice.Create("BTC-C-60000", 1_000m)]);
        var model = MarginModel.Create(snapshot, parameters);

        var s = model.EvaluateSummary(AccountOf([Holding(Usdc, 20_000m)], new Position("BTC-C-60000", -2m, 0m)));

        // Up: S' = 50,000 (1 + m) = 54,878; OTM 5,122; MM' = 2 * (max(0.075 * 54,878 - 5,122, 0.05 * 54,878) + 1,000) = 2 * (2,743.9 + 1,000).
        var up = 50_000m * (1m + Move);
        var expected = (double)(2m * (Math.Max((0.075m * up) - (60_000m - up), 0.05m * up) + 1_000m)) / (20_000d - 2_000d);
        Assert.Equal(expected, s.ProjectedRatio!.Value, 9);
        Assert.True(s.ProjectedRatio > s.MarginRatio);
    }

    [Fact]
    public void WithoutVolatilities_NothingMoves()
    {
        var s = Model(sigmaShort: null, sigmaLong: null).EvaluateSummary(AccountOf(Holding(Btc, 1m), Holding(Usdc, -43_000m)));

        Assert.Null(s.ProjectedRatio);
        Assert.False(s.Flags.HasFlag(MarginFlags.AtRisk));
    }

    [Fact]
    public void LiquidatableAccounts_AreNotProjected()
    {
        var s = Model().EvaluateSummary(AccountOf(Holding(Btc, 1m), Holding(Usdc, -46_000m)));

        Assert.Equal(MarginStatus.Liquidatable, s.Status);
        Assert.Null(s.ProjectedRatio);
    }

    [Fact]
    public void Parameters_RejectANonPositiveHorizonOrMultiplier()
    {
        var ex = Assert.Throws<InvalidRiskParametersException>(() => Parameters(new ProjectionParameters(0.0, double.NaN)));

        Assert.Equal(["projection.multiplier", "projection.horizonYears"], ex.Problems.Select(p => p.Parameter));
    }
}
