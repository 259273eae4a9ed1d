using FsCheck;
using FsCheck.Fluent;
using Margin.Engine.Accounts;
using Margin.Engine.Domain;
using Margin.Engine.Evaluation;
using Margin.Engine.Instruments;
using Margin.Engine.Parameters;
using Margin.Engine.Portfolio;
using Margin.Engine.Prices;
using Margin.Engine.Pricing;
using Margin.Engine.Results;
using Margin.Engine.Statistics;
using static Margin.Engine.Tests.Support.TestBook;

namespace Margin.Engine.Tests.Evaluation;

/// <summary>Portfolio mode (MARGIN-MODEL.md section 4) on a small book: BTC 50,000 and ETH 1,000 with grids of +/-15 %.</summary>
public class PortfolioModeTests
{
    private static readonly DateTimeOffset Expiry = AsOf.AddDays(30);

    /// <summary>3 points (-15 %, 0, +15 %), vol shift 30 %, floor 5 %, extended moves as given.</summary>
    private static ScenarioGridSettings Grid(params double[] extended) =>
        ScenarioGridSettings.Create(0.15, 3, 0.3, ScenarioGridSettings.DeribitShortDatedExponent, ScenarioGridSettings.DeribitLongDatedExponent, 0.05, extended);

    private static UnderlyingRiskParameters Underlying(Asset asset, decimal threshold = 0m, double deltaPct = 0.0, double annual = 0.0, double min = 0.0, ScenarioGridSettings? grid = null) => new()
    {
        Asset = asset,
        Grid = grid ?? Grid(),
        DeltaShockThresholdUsd = threshold,
        DeltaShockFraction = deltaPct,
        RollAnnualMove = annual,
        RollMinimumMove = min,
    };

    private static RiskParameters Parameters(PortfolioParameters? portfolio = null, ProjectionParameters? projection = null) => RiskParameters.Create(
        "pm-1",
        Usd,
        [
            UsdParameters(),
            UsdcParameters(),
            AssetParameters(Btc, Flat(0.9m, 1.1m), Flat(0.95m, 1.05m), new BorrowRequirement(0.1m, 0.05m)),
            AssetParameters(Eth, Flat(0.85m, 1.15m), Flat(0.9m, 1.1m)),
        ],
        [
            BtcPerp(),
            BtcInverse(),
            new InstrumentRiskParameters { Instrument = new Future("BTC-FUT", Btc, ContractType.Linear, Expiry), Brackets = BtcPerpBrackets() },
            new InstrumentRiskParameters { Instrument = new EuropeanOption("BTC-C-55000", Btc, OptionRight.Call, 55_000m, Expiry), ShortOptionInitial = ShortInitial, ShortOptionMaintenance = ShortMaintenance },
            new InstrumentRiskParameters { Instrument = new EuropeanOption("BTC-P-45000", Btc, OptionRight.Put, 45_000m, Expiry), ShortOptionInitial = ShortInitial, ShortOptionMaintenance = ShortMaintenance },
            new InstrumentRiskParameters { Instrument = new EuropeanOption("BTC-P-NOVOL", Btc, OptionRight.Put, 40_000m, Expiry), ShortOptionInitial = ShortInitial, ShortOptionMaintenance = ShortMaintenance },
            new InstrumentRiskParameters { Instrument = new Perpetual("ETH-PERP", Eth, ContractType.Linear), Brackets = BtcPerpBrackets() },
        ],
        portfolio: portfolio ?? PortfolioParameters.Create([Underlying(Btc)], initialMultiplier: 1.3m),
        projection: projection);

    private static PriceSnapshot Prices(CorrelationMatrix? correlations = null, double? btcShort = null, double? btcLong = null) => PriceSnapshot.Create(
        "pm-snap",
        AsOf,
        Usd,
        [
            Price(Usd, 1m),
            Price(Usdc, 1m),
            AssetPrice.Create(Btc, 50_000m, AsOf, sigmaShort: btcShort, sigmaLong: btcLong),
            Price(Eth, 1_000m),
        ],
        [
            InstrumentPrice.Create("BTC-PERP", 50_000m),
            InstrumentPrice.Create("BTC-INV", 50_000m),
            InstrumentPrice.Create("BTC-FUT", 50_000m),
            InstrumentPrice.Create("BTC-C-55000", 1_500m, 0.6),
            InstrumentPrice.Create("BTC-P-45000", 1_200m, 0.6),
            InstrumentPrice.Create("BTC-P-NOVOL", 400m),
            InstrumentPrice.Create("ETH-PERP", 1_000m),
        ],
        correlations: correlations);

    private static Account Portfolio(IEnumerable<Balance> balances, params Position[] positions) =>
        Account.Create("pm-acct", 3, MarginMode.Portfolio, balances, positions);

    [Fact]
    public void CoinBalance_IsRevaluedOnTheGridWithoutHaircut()
    {
        var model = MarginModel.Create(Prices(), Parameters());

        var result = model.Evaluate(Portfolio([Holding(Btc, 1m)]));

        // Worst move -15 %: 1 * 50,000 * 0.15 = 7,500 = MM; IM = 1.3 * 7,500 = 9,750. AE_M = AE_I = 50,000 (no haircut).
        var s = result.Summary;
        Assert.Equal(7_500m, s.MaintenanceRequirement.Amount);
        Assert.Equal(9_750m, s.InitialRequirement.Amount);
        Assert.Equal(50_000m, s.AdjustedEquityMaintenance.Amount);
        Assert.Equal(50_000m, s.AdjustedEquityInitial.Amount);
        var btc = Assert.Single(result.Portfolio!.Underlyings);
        Assert.Equal(7_500.0, btc.WorstLoss, 9);
        Assert.Equal(-0.15, btc.WorstScenario!.PriceMove);
        Assert.Equal(1.0, btc.Delta, 12);
        Assert.Equal(1m, Assert.Single(result.Assets).WeightMaintenance);
    }

    [Fact]
    public void NonGridCollateral_KeepsItsWeights()
    {
        var model = MarginModel.Create(Prices(), Parameters());

        var s = model.EvaluateSummary(Portfolio([Holding(Btc, 1m), Holding(Eth, 10m)]));

        // ETH has no grid: 10 * 1,000 * 0.9 = 9,000 at its maintenance weight; BTC at 50,000. MM from BTC only.
        Assert.Equal(59_000m, s.AdjustedEquityMaintenance.Amount);
        Assert.Equal(7_500m, s.MaintenanceRequirement.Amount);
    }

    [Fact]
    public void LinearPerpetual_WorstLossPlusDeltaAndRollShocks()
    {
        var portfolio = PortfolioParameters.Create([Underlying(Btc, threshold: 0m, deltaPct: 0.01, annual: 0.1, min: 0.001)], initialMultiplier: 1.5m);
        var model = MarginModel.Create(Prices(), Parameters(portfolio));

        var result = model.Evaluate(Portfolio([Holding(Usdc, 10_000m)], new Position("BTC-PERP", 2m, 48_000m)));

        // PnL 2 * 2,000 = 4,000 counts unweighted: AE_M = 14,000.
        // Worst loss 2 * 50,000 * 0.15 = 15,000; delta shock 2 * 50,000 * 1 % = 1,000;
        // roll: perpetual at T = 1/365, max(0.1 / 365, 0.001) = 0.001: 50,000 * 2 * 0.001 = 100. L = 16,100.
        var btc = Assert.Single(result.Portfolio!.Underlyings);
        Assert.Equal(15_000.0, btc.WorstLoss, 9);
        Assert.Equal(1_000.0, btc.DeltaShock, 9);
        Assert.Equal(100.0, btc.RollShock, 9);
        Assert.Equal(16_100m, result.Summary.MaintenanceRequirement.Amount);
        Assert.Equal(24_150m, result.Summary.InitialRequirement.Amount);
        Assert.Equal(14_000m, result.Summary.AdjustedEquityMaintenance.Amount);
        Assert.Equal(0m, Assert.Single(result.Positions).MaintenanceRequirement);
    }

    [Fact]
    public void CoinHedgedByShortPerpetual_CarriesOnlyTheRollShock()
    {
        var portfolio = PortfolioParameters.Create([Underlying(Btc, annual: 0.1, min: 0.001)]);
        var model = MarginModel.Create(Prices(), Parameters(portfolio));

        var result = model.Evaluate(Portfolio([Holding(Btc, 1m)], new Position("BTC-PERP", -1m, 50_000m)));

        // Net delta 0: no scenario loses. Roll: |-1| * 0.001 * 50,000 = 50.
        var btc = Assert.Single(result.Portfolio!.Underlyings);
        Assert.Equal(0.0, btc.WorstLoss);
        Assert.Null(btc.WorstScenario);
        Assert.Equal(50m, result.Summary.MaintenanceRequirement.Amount);
    }

    [Fact]
    public void CalendarSpread_CarriesRollRiskOnBothLegs()
    {
        var portfolio = PortfolioParameters.Create([Underlying(Btc, annual: 0.1, min: 0.001)]);
        var model = MarginModel.Create(Prices(), Parameters(portfolio));

        var result = model.Evaluate(Portfolio([Holding(Usdc, 10_000m)], new Position("BTC-PERP", 1m, 50_000m), new Position("BTC-FUT", -1m, 50_000m)));

        // Perp: 0.001 * 50,000 = 50; future at 30 days: max(0.1 * 30 / 365, 0.001) = 0.0082192 * 50,000 = 410.96.
        var btc = Assert.Single(result.Portfolio!.Underlyings);
        Assert.Equal(0.0, btc.WorstLoss);
        Assert.Equal(50.0 + (50_000.0 * 0.1 * 30.0 / 365.0), btc.RollShock, 6);
    }

    [Fact]
    public void InversePerpetual_IsOneCoinOfExposurePerEntryValueOfFace()
    {
        var model = MarginModel.Create(Prices(), Parameters());

        // 50,000 USD face long at 50,000, mark 50,000: the contract is worth 1 BTC of exposure, no PnL coins.
        var result = model.Evaluate(Portfolio([Holding(Usdc, 20_000m)], new Position("BTC-INV", 50_000m, 50_000m)));

        Assert.Equal(7_500m, result.Summary.MaintenanceRequirement.Amount);
        Assert.Equal(1.0, Assert.Single(result.Portfolio!.Underlyings).Delta, 12);
    }

    [Fact]
    public void Options_ScenarioLossMatchesAnIndependentBlack76Revaluation()
    {
        var model = MarginModel.Create(Prices(), Parameters());

        var result = model.Evaluate(Portfolio([Holding(Usdc, 50_000m)], new Position("BTC-C-55000", -2m, 0m), new Position("BTC-P-45000", 3m, 0m)));

        var years = 30.0 / 365.0;
        double Value(OptionRight right, double strike, double forward, double vol) => Black76.Price(right, forward, strike, years, vol, 0.0);
        var worst = 0.0;
        foreach (var move in new[] { -0.15, 0.0, 0.15 })
        {
            foreach (var shift in new[] { 1.0, 0.0, -1.0 })
            {
                var vol = Math.Max(0.05, 0.6 * (1.0 + (shift * 0.3 * Math.Pow(30.0 / 30.0, 0.13))));
                var f = 50_000.0 * (1.0 + move);
                var pnl = (-2.0 * (Value(OptionRight.Call, 55_000, f, vol) - Value(OptionRight.Call, 55_000, 50_000, 0.6)))
                    + (3.0 * (Value(OptionRight.Put, 45_000, f, vol) - Value(OptionRight.Put, 45_000, 50_000, 0.6)));
                worst = Math.Max(worst, -pnl);
            }
        }

        var btc = Assert.Single(result.Portfolio!.Underlyings);
        Assert.Equal(worst, btc.WorstLoss, 6);

        // Equity counts the marks unweighted: 50,000 - 2 * 1,500 + 3 * 1,200 = 50,600.
        Assert.Equal(50_600m, result.Summary.AdjustedEquityMaintenance.Amount);

        // Greeks: the sum of the contracts' analytic Greeks.
        var call = Black76.Value(OptionRight.Call, 50_000, 55_000, years, 0.6, 0.0);
        var put = Black76.Value(OptionRight.Put, 50_000, 45_000, years, 0.6, 0.0);
        Assert.Equal((-2.0 * call.Delta) + (3.0 * put.Delta), btc.Delta, 9);
        Assert.Equal((-2.0 * call.Gamma) + (3.0 * put.Gamma), btc.Gamma, 12);
        Assert.Equal(((-2.0 * call.Vega) + (3.0 * put.Vega)) / 100.0, btc.Vega, 9);
        Assert.Equal(((-2.0 * call.Theta) + (3.0 * put.Theta)) / 365.0, btc.Theta, 9);
    }

    [Fact]
    public void ExtendedMove_LossIsWeightedByRangeOverMove()
    {
        var portfolio = PortfolioParameters.Create([Underlying(Btc, grid: Grid(-0.66, 5.0))]);
        var model = MarginModel.Create(Prices(), Parameters(portfolio));

        // A short call far out of the money loses little on the grid and a lot at +500 %: (V(300,000) - V(50,000)) * 0.15 / 5.
        var result = model.Evaluate(Portfolio([Holding(Usdc, 100_000m)], new Position("BTC-C-55000", -1m, 0m)));

        var years = 30.0 / 365.0;
        var tail = (Black76.Price(OptionRight.Call, 300_000, 55_000, years, 0.6, 0.0) - Black76.Price(OptionRight.Call, 50_000, 55_000, years, 0.6, 0.0)) * 0.15 / 5.0;
        var btc = Assert.Single(result.Portfolio!.Underlyings);
        Assert.True(btc.WorstScenario!.IsExtended);
        Assert.Equal(tail, btc.WorstLoss, 6);
    }

    [Theory]
    [InlineData(0.5, 0.0, 9_367.496997)]
    [InlineData(0.5, 0.5, 9_949.874371)]
    [InlineData(null, 0.0, 10_500.0)]
    public void TwoUnderlyings_AggregateWithTheFrozenCorrelation(double? rho, double stress, double expected)
    {
        var portfolio = PortfolioParameters.Create([Underlying(Btc), Underlying(Eth)], correlationStress: stress, sumFloorFraction: 0.5);
        var correlations = rho is { } r ? CorrelationMatrix.Create([Btc, Eth], [1.0, r, r, 1.0]) : null;
        var model = MarginModel.Create(Prices(correlations), Parameters(portfolio));

        // L_BTC = 1 * 50,000 * 0.15 = 7,500; L_ETH = 20 * 1,000 * 0.15 = 3,000.
        // sqrt(7,500^2 + 3,000^2 + 2 rho_s 7,500 * 3,000) with rho_s = (1 - s) rho + s; a missing pair counts rho = 1 (the sum).
        var result = model.Evaluate(Portfolio([Holding(Btc, 1m), Holding(Eth, 20m)]));

        Assert.Equal(expected, (double)result.Summary.MaintenanceRequirement.Amount, 5);
        Assert.Equal(2, result.Portfolio!.Underlyings.Length);
        Assert.Equal(PortfolioMarginBinding.Correlated, result.Portfolio.Aggregation.Binding);
    }

    [Fact]
    public void BorrowedCoin_AddsBorrowMaintenanceOnTopOfTheGrid()
    {
        var model = MarginModel.Create(Prices(), Parameters());

        // Short 1 BTC (borrowed) against 100,000 USDC: worst +15 % = 7,500; borrow MM 50,000 * 0.05 = 2,500.
        var s = model.EvaluateSummary(Portfolio([Holding(Usdc, 100_000m), Holding(Btc, -1m)]));

        Assert.Equal(10_000m, s.MaintenanceRequirement.Amount);
        Assert.Equal(50_000m, s.AdjustedEquityMaintenance.Amount);
    }

    [Fact]
    public void SummaryAgreesWithTheFullResult()
    {
        var model = MarginModel.Create(Prices(btcShort: 0.9, btcLong: 0.6), Parameters());
        var account = Portfolio([Holding(Usdc, 5_000m), Holding(Btc, 0.2m)], new Position("BTC-PERP", 0.5m, 49_000m), new Position("BTC-C-55000", -1m, 0m));

        Assert.Equal(model.Evaluate(account).Summary, model.EvaluateSummary(account));
    }

    [Fact]
    public void Errors_NameTheFieldAndTheReason()
    {
        var model = MarginModel.Create(Prices(), Parameters());

        var noVol = Assert.Throws<InvalidAccountException>(() => model.Evaluate(Portfolio([Holding(Usdc, 1m)], new Position("BTC-P-NOVOL", 1m, 0m))));
        Assert.Equal("positions[0].instrument", noVol.Field);
        Assert.Contains("no implied volatility for BTC-P-NOVOL", noVol.Message, StringComparison.Ordinal);

        var noGrid = Assert.Throws<InvalidAccountException>(() => model.Evaluate(Portfolio([Holding(Usdc, 1m)], new Position("ETH-PERP", 1m, 1_000m))));
        Assert.Equal("positions[0].instrument", noGrid.Field);
        Assert.Contains("has no scenario grid", noGrid.Message, StringComparison.Ordinal);

        var standardOnly = MarginModel.Create(Snapshot(), BookParameters());
        var noPortfolio = Assert.Throws<InvalidAccountException>(() => standardOnly.EvaluateSummary(Portfolio([Holding(Usdc, 1m)])));
        Assert.Equal("marginMode", noPortfolio.Field);
    }

    [Fact]
    public void LongOption_NeverLosesMoreThanItsMark_EvenWhenTheModelValuesItHigher()
    {
        // The call's mark (500) is far below its Black-76 value at IV 0.6 (about 1,700): the grid's loss is floored at the mark.
        var snapshot = PriceSnapshot.Create("cheap-call", AsOf, Usd, [Price(Usd, 1m), Price(Usdc, 1m), Price(Btc, 50_000m), Price(Eth, 1_000m)], [InstrumentPrice.Create("BTC-C-55000", 500m, 0.6)]);
        var model = MarginModel.Create(snapshot, Parameters());

        var result = model.Evaluate(Portfolio([Holding(Usdc, 100m)], new Position("BTC-C-55000", 1m, 0m)));

        Assert.Equal(500.0, result.Portfolio!.Underlyings[0].WorstLoss, 9);
        Assert.Equal(500m, result.Summary.MaintenanceRequirement.Amount);
        Assert.NotEqual(MarginStatus.Liquidatable, result.Status);
    }

    [Fact]
    public void ShortOption_GainsAtMostItsMark()
    {
        // A short of the same cheap call next to a long coin: the coin's loss at -15 % (7,500) is offset by at most the mark.
        var snapshot = PriceSnapshot.Create("cheap-call", AsOf, Usd, [Price(Usd, 1m), Price(Usdc, 1m), Price(Btc, 50_000m), Price(Eth, 1_000m)], [InstrumentPrice.Create("BTC-C-55000", 500m, 0.6)]);
        var model = MarginModel.Create(snapshot, Parameters());

        var result = model.Evaluate(Portfolio([Holding(Btc, 1m)], new Position("BTC-C-55000", -1m, 0m)));

        Assert.True(result.Portfolio!.Underlyings[0].WorstLoss >= 7_500.0 - 500.0 - 1e-9);
    }

    [Fact]
    public void RollShock_GroupsByExpiryDate_NotByTheOneDayFloor()
    {
        // A future expiring in 12 hours counts T = 1 day, like the perpetual, but it is another expiry: both legs carry roll risk.
        var soon = AsOf.AddHours(12);
        var parameters = RiskParameters.Create(
            "pm-roll",
            Usd,
            [UsdParameters(), UsdcParameters(), AssetParameters(Btc, Flat(0.9m, 1.1m), Flat(0.95m, 1.05m))],
            [BtcPerp(), new InstrumentRiskParameters { Instrument = new Future("BTC-SOON", Btc, ContractType.Linear, soon), Brackets = BtcPerpBrackets() }],
            portfolio: PortfolioParameters.Create([Underlying(Btc, annual: 0.1, min: 0.001)]));
        var snapshot = PriceSnapshot.Create("roll", AsOf, Usd, [Price(Usd, 1m), Price(Usdc, 1m), Price(Btc, 50_000m)], [InstrumentPrice.Create("BTC-PERP", 50_000m), InstrumentPrice.Create("BTC-SOON", 50_000m)]);

        var result = MarginModel.Create(snapshot, parameters).Evaluate(Portfolio([Holding(Usdc, 10_000m)], new Position("BTC-PERP", 10m, 50_000m), new Position("BTC-SOON", -10m, 50_000m)));

        // 50,000 * (10 * 0.001 + 10 * 0.001) = 1,000.
        Assert.Equal(1_000.0, result.Portfolio!.Underlyings[0].RollShock, 9);
        Assert.Equal(1_000m, result.Summary.MaintenanceRequirement.Amount);
    }

    [Fact]
    public void Projection_WithoutVolatilities_IsNotComputed_AsInStandardMode()
    {
        var model = MarginModel.Create(Prices(), Parameters());

        Assert.Null(model.EvaluateSummary(Portfolio([Holding(Btc, 1m)])).ProjectedRatio);
    }

    [Fact]
    public void Parameters_RejectAnEmptyPortfolioAndAnAbsurdExtendedMove()
    {
        var empty = Assert.Throws<InvalidRiskParametersException>(() => Parameters(PortfolioParameters.Create([])));
        Assert.Contains(empty.Problems, p => p.Parameter == "portfolio.underlyings");

        Assert.Throws<ArgumentException>(() => Grid(1e300));
    }

    [Fact]
    public void MissingUnderlyingPrice_FailsThePositionWithItsField()
    {
        var snapshot = PriceSnapshot.Create("no-btc", AsOf, Usd, [Price(Usd, 1m), Price(Usdc, 1m), Price(Eth, 1_000m)], [InstrumentPrice.Create("BTC-PERP", 50_000m)]);
        var model = MarginModel.Create(snapshot, Parameters());

        var ex = Assert.Throws<InvalidAccountException>(() => model.EvaluateSummary(Portfolio([Holding(Usdc, 1_000m)], new Position("BTC-PERP", 1m, 50_000m))));

        Assert.Equal("positions[0].instrument", ex.Field);
        Assert.Contains("no price for BTC", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void VolatilitySurface_PricesOptionsWithoutAQuote()
    {
        var surface = new VolatilitySurface { AtTheMoney = [new VolatilityPoint(7, 0.5), new VolatilityPoint(60, 0.7)], Skew = -0.1 };
        var portfolio = PortfolioParameters.Create([Underlying(Btc) with { Surface = surface }]);
        var model = MarginModel.Create(Prices(), Parameters(portfolio));

        var result = model.Evaluate(Portfolio([Holding(Usdc, 10_000m)], new Position("BTC-P-NOVOL", 1m, 0m)));

        // ATM at 30 days: total variance interpolated between 0.5^2 * 7 and 0.7^2 * 60; skew -0.1 * ln(40,000 / 50,000).
        var w = (0.25 * 7) + (((0.49 * 60) - (0.25 * 7)) * (30 - 7) / (60 - 7));
        var vol = Math.Sqrt(w / 30) + (-0.1 * Math.Log(0.8));
        var years = 30.0 / 365.0;
        var expected = Black76.Value(OptionRight.Put, 50_000, 40_000, years, vol, 0.0);
        Assert.Equal(expected.Delta, result.Portfolio!.Underlyings[0].Delta, 9);
    }

    [Fact]
    public void Parameters_ReportEveryPortfolioProblemWithItsPath()
    {
        var bad = PortfolioParameters.Create(
            [Underlying(Asset.Of("DOGE")), Underlying(Btc, deltaPct: 2.0) with { Surface = new VolatilitySurface { AtTheMoney = [new VolatilityPoint(10, 0.5), new VolatilityPoint(5, -1)] } }],
            correlationStress: 1.5,
            initialMultiplier: 1m);

        var ex = Assert.Throws<InvalidRiskParametersException>(() => Parameters(bad));

        var paths = ex.Problems.Select(p => p.Parameter).ToHashSet();
        Assert.Contains("portfolio.correlationStress", paths);
        Assert.Contains("portfolio.initialMultiplier", paths);
        Assert.Contains("portfolio.underlyings.DOGE", paths);
        Assert.Contains("portfolio.underlyings.BTC.deltaShockFraction", paths);
        Assert.Contains("portfolio.underlyings.BTC.surface.atTheMoney[1].days", paths);
        Assert.Contains("portfolio.underlyings.BTC.surface.atTheMoney[1].volatility", paths);
    }

    [Fact]
    public void Projection_PortfolioAccountNearTheEdgeIsAtRisk()
    {
        // sigma_short 0.8 over a day at z 2.33: m = 2.33 * 0.8 / sqrt(365) = 9.76 %; sigma_short / sigma_long = 2 scales R to 30 %.
        var model = MarginModel.Create(Prices(btcShort: 0.8, btcLong: 0.4), Parameters());

        var safe = model.EvaluateSummary(Portfolio([Holding(Btc, 1m)]));
        var edgy = model.EvaluateSummary(Portfolio([Holding(Usdc, 12_000m)], new Position("BTC-PERP", 1m, 50_000m)));

        // Safe: AE' = 50,000 (1 - m) = 45,122; MM' = 45,122 * 0.30 = 13,537: ratio 0.3, not at risk.
        var m = Math.Ceiling(2.33 * 0.8 / Math.Sqrt(365.0) * 1e6) / 1e6;
        Assert.Equal(0.3, safe.ProjectedRatio!.Value, 6);
        Assert.False(safe.Flags.HasFlag(MarginFlags.AtRisk));

        // Edgy: today MM 7,500 vs AE 12,000 (0.625). Projected: AE' = 12,000 - 50,000 m = 7,122; MM' = 0.3 * 50,000 (1 - m) = 13,537.
        Assert.Equal(MarginStatus.Healthy, edgy.Status);
        Assert.Equal(0.3 * 50_000 * (1 - m) / (12_000 - (50_000 * m)), edgy.ProjectedRatio!.Value, 6);
        Assert.True(edgy.Flags.HasFlag(MarginFlags.AtRisk));
        Assert.False(edgy.ShouldLiquidate);
    }

    [Fact]
    public void Property_MaintenanceIsAtLeastTheLargestUnderlyingLoss()
    {
        var portfolio = PortfolioParameters.Create([Underlying(Btc, deltaPct: 0.01), Underlying(Eth)], correlationStress: 0.0);
        var model = MarginModel.Create(Prices(CorrelationMatrix.Create([Btc, Eth], [1.0, -0.9, -0.9, 1.0])), Parameters(portfolio));
        var quantities = Gen.Choose(-40, 40).Select(i => i / 4m);
        var books =
            from btc in quantities
            from eth in quantities
            from perp in quantities
            from calls in Gen.Choose(0, 6)
            select (Btc: btc, Eth: eth, Perp: perp, Calls: calls);

        Prop.ForAll(books.ToArbitrary(), b =>
        {
            var (btc, eth, perp, calls) = b;
            var account = Portfolio([Holding(Usdc, 1_000_000m), Holding(Btc, btc), Holding(Eth, Math.Abs(eth) * 10m)], new Position("BTC-PERP", perp, 50_000m), new Position("BTC-C-55000", -calls, 0m));
            var result = model.Evaluate(account);
            var largest = result.Portfolio!.Underlyings.Max(u => u.Loss);
            return (double)result.Summary.MaintenanceRequirement.Amount >= largest - 1e-6;
        }).QuickCheckThrowOnFailure();
    }
}
