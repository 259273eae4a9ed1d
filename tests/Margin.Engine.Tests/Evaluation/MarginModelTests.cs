using Margin.Engine.Accounts;
using Margin.Engine.Domain;
using Margin.Engine.Evaluation;
using Margin.Engine.Instruments;
using Margin.Engine.Parameters;
using Margin.Engine.Prices;
using Margin.Engine.Results;
using static Margin.Engine.Tests.Support.TestBook;

namespace Margin.Engine.Tests.Evaluation;

/// <summary>End-to-end figures on the test book (see <see cref="Support.TestBook"/> for its weights and prices).</summary>
public partial class MarginModelTests
{
    [Fact]
    public void Evaluate_LinearPerpetual_PnlAtMarkAndBracketedRequirements()
    {
        // USDC 20,000; long 2 BTC-PERP at 45,000, mark 50,100.
        var account = AccountOf([Holding(Usdc, 20_000m)], new Position("BTC-PERP", 2m, 45_000m));

        var result = Model().Evaluate(account);

        // notional 2 * 50,100 = 100,200: bracket 1 (50k < n <= 250k).
        // IM = 100,200 * 0.05 - 1,500 = 3,510; MM = 100,200 * 0.025 - 750 = 1,755.
        // PnL = 2 * (50,100 - 45,000) = 10,200. Equity = 20,000 + 10,200 = 30,200.
        // AE_M = 20,000 * 1 + 10,200 = 30,200; AE_I = 20,000 * 0.98 + 10,200 = 29,800.
        var s = result.Summary;
        Assert.Equal(3_510m, s.InitialRequirement.Amount);
        Assert.Equal(1_755m, s.MaintenanceRequirement.Amount);
        Assert.Equal(30_200m, s.Equity.Amount);
        Assert.Equal(30_200m, s.AdjustedEquityMaintenance.Amount);
        Assert.Equal(29_800m, s.AdjustedEquityInitial.Amount);
        Assert.Equal(1_755d / 30_200d, s.MarginRatio);
        Assert.Equal(3_510d / 29_800d, s.InitialRatio);
        Assert.Equal(MarginStatus.Healthy, s.Status);
        Assert.Equal(Usd, s.Equity.Currency);

        var line = Assert.Single(result.Positions);
        Assert.Equal("LinearPerpetual", line.Kind);
        Assert.Equal(100_200m, line.Notional);
        Assert.Equal(1, line.Bracket);
        Assert.Equal(0.05m, line.InitialRate);
        Assert.Equal(0.025m, line.MaintenanceRate);
        Assert.Equal(10_200m, line.UnrealisedPnl);
        Assert.Equal(3_510m, line.InitialRequirement);
        Assert.Equal(1_755m, line.MaintenanceRequirement);
    }

    [Fact]
    public void Evaluate_PositivePnlWeights_WeightOnlyProfitsPerLevel()
    {
        var parameters = BookParameters(pnlWeights: new PnlWeights(PositivePnlInitial: 0.5m, PositivePnlMaintenance: 0.8m));
        var model = Model(parameters);

        var profit = model.EvaluateSummary(AccountOf([Holding(Usdc, 20_000m)], new Position("BTC-PERP", 2m, 45_000m)));
        var loss = model.EvaluateSummary(AccountOf([Holding(Usdc, 20_000m)], new Position("BTC-PERP", -2m, 45_000m)));

        // Profit 10,200: equity unweighted 30,200; AE_M = 20,000 + 10,200 * 0.8 = 28,160; AE_I = 19,600 + 10,200 * 0.5 = 24,700.
        Assert.Equal(30_200m, profit.Equity.Amount);
        Assert.Equal(28_160m, profit.AdjustedEquityMaintenance.Amount);
        Assert.Equal(24_700m, profit.AdjustedEquityInitial.Amount);

        // Loss -2 * 5,100 = -10,200 counts in full: AE_M = 9,800, AE_I = 9,400; a short's notional is |q| * mark, MM 1,755.
        Assert.Equal(9_800m, loss.Equity.Amount);
        Assert.Equal(9_800m, loss.AdjustedEquityMaintenance.Amount);
        Assert.Equal(9_400m, loss.AdjustedEquityInitial.Amount);
        Assert.Equal(1_755m, loss.MaintenanceRequirement.Amount);
    }

    [Fact]
    public void Evaluate_InversePerpetualProfit_CoinPnlIsAddedToTheCoinBalance()
    {
        // BTC 0.1; long 10,000 USD face of BTC-INV at 40,000, mark 50,000.
        var account = AccountOf([Holding(Btc, 0.1m)], new Position("BTC-INV", 10_000m, 40_000m));

        var result = Model().Evaluate(account);

        // PnL = 10,000 * (1/40,000 - 1/50,000) = 0.25 - 0.2 = 0.05 BTC; net BTC 0.15.
        // AE_M = 0.15 * 50,000 * 0.95 = 7,125; AE_I = 0.15 * min(50,000, 48,000) * 0.90 = 7,200 * 0.9 = 6,480.
        // Notional = face 10,000 in the single bracket: IM 200, MM 100. Equity = 7,500.
        var s = result.Summary;
        Assert.Equal(7_500m, s.Equity.Amount);
        Assert.Equal(7_125m, s.AdjustedEquityMaintenance.Amount);
        Assert.Equal(6_480m, s.AdjustedEquityInitial.Amount);
        Assert.Equal(200m, s.InitialRequirement.Amount);
        Assert.Equal(100m, s.MaintenanceRequirement.Amount);

        var btc = Assert.Single(result.Assets);
        Assert.Equal(0.1m, btc.LedgerQuantity);
        Assert.Equal(0.05m, btc.PnlQuantity);
        Assert.Equal(0.15m, btc.Quantity);
        Assert.Equal(7_500m, btc.ValueMaintenance);
        Assert.Equal(7_200m, btc.ValueInitial);
        Assert.Equal(0.95m, btc.WeightMaintenance);
        Assert.Equal(0.9m, btc.WeightInitial);

        var position = Assert.Single(result.Positions);
        Assert.Equal("InversePerpetual", position.Kind);
        Assert.Equal(0.05m, position.PnlCoin);
        Assert.Equal(10_000m, position.Notional);
        Assert.Equal(0m, position.UnrealisedPnl);
    }

    [Fact]
    public void Evaluate_InversePerpetualLoss_NegativeCoinIsABorrowOfTheCoin()
    {
        // USDC 10,000; short 10,000 USD face of BTC-INV at 40,000, mark 50,000.
        var account = AccountOf([Holding(Usdc, 10_000m)], new Position("BTC-INV", -10_000m, 40_000m));

        var s = Model().EvaluateSummary(account);

        // PnL = -0.05 BTC, a liability of BTC (borrowable): value_M = -2,500, adj_M = -2,500 * 1.05 = -2,625, borrow MM
        // 2,500 * 0.10 = 250; value_I at max(50,000, 48,000): -2,500, adj_I = -2,750, borrow IM 2,500 * 0.20 = 500.
        // AE_M = 10,000 - 2,625 = 7,375; AE_I = 9,800 - 2,750 = 7,050; MM = 100 + 250; IM = 200 + 500.
        Assert.Equal(7_500m, s.Equity.Amount);
        Assert.Equal(7_375m, s.AdjustedEquityMaintenance.Amount);
        Assert.Equal(7_050m, s.AdjustedEquityInitial.Amount);
        Assert.Equal(350m, s.MaintenanceRequirement.Amount);
        Assert.Equal(700m, s.InitialRequirement.Amount);
    }

    [Fact]
    public void Evaluate_InverseLossInANonBorrowableCoin_TakesTheLiabilityWeightWithoutBorrowRequirement()
    {
        var ethInverse = new InstrumentRiskParameters
        {
            Instrument = new Perpetual("ETH-INV", Eth, ContractType.Inverse, lotSize: 1m),
            Brackets = RiskParameters.Brackets(new MarginBracket(null, 0.02m, 0.01m)),
        };
        var model = Model(BookParameters(instruments: StandardInstruments().Append(ethInverse)), Snapshot(marks: StandardMarks().Append(InstrumentPrice.Create("ETH-INV", 2_000m))));

        var result = model.Evaluate(AccountOf([Holding(Usdc, 10_000m)], new Position("ETH-INV", -2_000m, 1_000m)));

        // PnL = -2,000 * (1/1,000 - 1/2,000) = -1 ETH (ETH is not borrowable, but a PnL debt is not a ledger borrow).
        // adj_M = -2,000 * 1.10 = -2,200; adj_I at max(2,000, 2,100): -2,100 * 1.15 = -2,415. MM 20, IM 40, no borrow part.
        var s = result.Summary;
        Assert.Equal(8_000m, s.Equity.Amount);
        Assert.Equal(7_800m, s.AdjustedEquityMaintenance.Amount);
        Assert.Equal(7_385m, s.AdjustedEquityInitial.Amount);
        Assert.Equal(20m, s.MaintenanceRequirement.Amount);
        Assert.Equal(40m, s.InitialRequirement.Amount);
        var eth = result.Assets.Single(a => a.Asset == Eth);
        Assert.Equal(-1m, eth.Quantity);
        Assert.Equal(0m, eth.BorrowMaintenanceRequirement);
    }

    [Fact]
    public void Evaluate_LongOption_MarkCountsAtTheLongOptionWeightsWithoutRequirement()
    {
        var model = Model(BookParameters(pnlWeights: new PnlWeights(LongOptionInitial: 0.5m, LongOptionMaintenance: 0.8m)));
        var account = AccountOf([Holding(Usdc, 1_000m)], new Position("BTC-C-60000", 2m, 0m));

        var result = model.Evaluate(account);

        // Value 2 * 1,000 = 2,000. Equity 3,000; AE_M = 1,000 + 1,600; AE_I = 980 + 1,000. No requirement.
        var s = result.Summary;
        Assert.Equal(3_000m, s.Equity.Amount);
        Assert.Equal(2_600m, s.AdjustedEquityMaintenance.Amount);
        Assert.Equal(1_980m, s.AdjustedEquityInitial.Amount);
        Assert.Equal(0m, s.InitialRequirement.Amount);
        Assert.Equal(0m, s.MaintenanceRequirement.Amount);
        Assert.Equal(0d, s.MarginRatio);
        var line = Assert.Single(result.Positions);
        Assert.Equal("Option", line.Kind);
        Assert.Equal(2_000m, line.OptionValue);
        Assert.Null(line.Bracket);
    }

    public static TheoryData<string, decimal, decimal, decimal, decimal> ShortOptionCases => new()
    {
        // instrument, quantity, IM, MM, value. S = 50,000; IM rule (a 0.15, b 0.10) -> a*S 7,500, b*S 5,000;
        // MM rule (a 0.075, b 0.05) -> a*S 3,750, b*S 2,500. Per unit: max(a*S - OTM, b*S) + mark.
        // Call 60,000, OTM 10,000, mark 1,000: IM max(-2,500, 5,000) + 1,000 = 6,000; MM max(-6,250, 2,500) + 1,000 = 3,500.
        { "BTC-C-60000", -2m, 12_000m, 7_000m, -2_000m },
        // Call 45,000, in the money (OTM 0), mark 6,000: IM 7,500 + 6,000 = 13,500; MM 3,750 + 6,000 = 9,750.
        { "BTC-C-45000", -1m, 13_500m, 9_750m, -6_000m },
        // Put 40,000, OTM 10,000, mark 500: IM 5,000 + 500 = 5,500; MM 2,500 + 500 = 3,000.
        { "BTC-P-40000", -1m, 5_500m, 3_000m, -500m },
        // Put 48,000, OTM 2,000, mark 1,200: IM max(5,500, 5,000) + 1,200 = 6,700 (the a branch);
        // MM max(1,750, 2,500) + 1,200 = 3,700 (the b branch). Times 3.
        { "BTC-P-48000", -3m, 20_100m, 11_100m, -3_600m },
    };

    [Theory]
    [MemberData(nameof(ShortOptionCases))]
    public void Evaluate_ShortOption_RequirementIsMaxOfRulesPlusMarkAndMarkCountsInEquity(string instrument, decimal quantity, decimal im, decimal mm, decimal value)
    {
        var account = AccountOf([Holding(Usdc, 100_000m)], new Position(instrument, quantity, 0m));

        var result = Model().Evaluate(account);

        var s = result.Summary;
        Assert.Equal(im, s.InitialRequirement.Amount);
        Assert.Equal(mm, s.MaintenanceRequirement.Amount);
        Assert.Equal(100_000m + value, s.Equity.Amount);
        Assert.Equal(100_000m + value, s.AdjustedEquityMaintenance.Amount);
        Assert.Equal(98_000m + value, s.AdjustedEquityInitial.Amount);
        var line = Assert.Single(result.Positions);
        Assert.Equal(value, line.OptionValue);
        Assert.Equal(50_000m * Math.Abs(quantity), line.Notional);
    }

    [Fact]
    public void Evaluate_ShortOptionWithMultiplier_RequirementIsPerBaseUnit()
    {
        var instruments = StandardInstruments().Append(Option("BTC-C-60000-HALF", OptionRight.Call, 60_000m, multiplier: 0.5m));
        var marks = StandardMarks().Append(InstrumentPrice.Create("BTC-C-60000-HALF", 1_000m));
        var model = Model(BookParameters(instruments: instruments), Snapshot(marks: marks));

        var s = model.EvaluateSummary(AccountOf([Holding(Usdc, 10_000m)], new Position("BTC-C-60000-HALF", -2m, 0m)));

        // 2 contracts of 0.5 BTC = 1 unit: IM 6,000, MM 3,500 (as above); value -2 * 0.5 * 1,000 = -1,000.
        Assert.Equal(6_000m, s.InitialRequirement.Amount);
        Assert.Equal(3_500m, s.MaintenanceRequirement.Amount);
        Assert.Equal(9_000m, s.Equity.Amount);
    }

    [Fact]
    public void Evaluate_BorrowedStablecoin_MaintenanceAtPAndInitialAtTheHigherReference()
    {
        // USDC trades at 0.999 with a reference of 1.001; BTC 1, USDC -10,000.
        var snapshot = Snapshot([Price(Usd, 1m), Price(Usdc, 0.999m, 1.001m), Price(Btc, 50_000m, 48_000m), Price(Eth, 2_000m, 2_100m)]);
        var account = AccountOf(Holding(Btc, 1m), Holding(Usdc, -10_000m));

        var result = Model(snapshot: snapshot).Evaluate(account);

        // USDC: value_M = -9,990 -> adj_M -9,990 (l 1), borrow MM 9,990 * 0.05 = 499.5;
        //       value_I at max(0.999, 1.001): -10,010 -> adj_I -10,010 * 1.02 = -10,210.2, borrow IM 10,010 * 0.10 = 1,001.
        // BTC:  adj_M 50,000 * 0.95 = 47,500; adj_I 48,000 * 0.90 = 43,200.
        // AE_M = 47,500 - 9,990 = 37,510; AE_I = 43,200 - 10,210.2 = 32,989.8; equity 50,000 - 9,990 = 40,010.
        var s = result.Summary;
        Assert.Equal(499.5m, s.MaintenanceRequirement.Amount);
        Assert.Equal(1_001m, s.InitialRequirement.Amount);
        Assert.Equal(37_510m, s.AdjustedEquityMaintenance.Amount);
        Assert.Equal(32_989.8m, s.AdjustedEquityInitial.Amount);
        Assert.Equal(40_010m, s.Equity.Amount);

        var usdc = result.Assets.Single(a => a.Asset == Usdc);
        Assert.Equal(499.5m, usdc.BorrowMaintenanceRequirement);
        Assert.Equal(1_001m, usdc.BorrowInitialRequirement);
        Assert.Equal(1.001m, usdc.InitialPrice);
        Assert.Equal(-10_010m, usdc.ValueInitial);
        Assert.Equal(1.02m, usdc.WeightInitial);
        Assert.Equal(1m, usdc.WeightMaintenance);
    }

    [Fact]
    public void Evaluate_BorrowedAssetAboveItsReference_InitialAtP()
    {
        // BTC -0.1 (P 50,000 > P_ref 48,000): both levels at 50,000. USDC 10,000.
        var result = Model().Evaluate(AccountOf(Holding(Usdc, 10_000m), Holding(Btc, -0.1m)));

        // MM = 5,000 * 0.10 = 500; IM = 5,000 * 0.20 = 1,000. AE_M = 10,000 - 5,250; AE_I = 9,800 - 5,500.
        var s = result.Summary;
        Assert.Equal(500m, s.MaintenanceRequirement.Amount);
        Assert.Equal(1_000m, s.InitialRequirement.Amount);
        Assert.Equal(4_750m, s.AdjustedEquityMaintenance.Amount);
        Assert.Equal(4_300m, s.AdjustedEquityInitial.Amount);
        Assert.Equal(50_000m, result.Assets.Single(a => a.Asset == Btc).InitialPrice);
    }

    [Fact]
    public void Evaluate_Holdings_InitialLevelUsesTheLowerOfPriceAndReference()
    {
        // ETH 10 (P 2,000 < P_ref 2,100) and BTC 1 (P 50,000 > P_ref 48,000).
        var result = Model().Evaluate(AccountOf(Holding(Eth, 10m), Holding(Btc, 1m)));

        // ETH: value_I at 2,000 = 20,000 * 0.85 = 17,000 (adj_M 18,000). BTC: value_I at 48,000 * 0.90 = 43,200 (adj_M 47,500).
        var s = result.Summary;
        Assert.Equal(65_500m, s.AdjustedEquityMaintenance.Amount);
        Assert.Equal(60_200m, s.AdjustedEquityInitial.Amount);
        Assert.Equal(70_000m, s.Equity.Amount);
        Assert.Equal(2_000m, result.Assets.Single(a => a.Asset == Eth).InitialPrice);
        Assert.Equal(48_000m, result.Assets.Single(a => a.Asset == Btc).InitialPrice);
        Assert.Equal(Btc, result.Assets[1].Asset);
    }

    [Fact]
    public void Evaluate_VolatilityScaledAsset_UsesTheSnapshotsLongVolatility()
    {
        // SOL: maintenance w 0.9, z 2, T 0.01; initial w 0.85, z 2.5, T 0.01; depth 1,000,000; sigma_long 0.8; P 100.
        var sol = Asset.Of("SOL");
        var solParameters = AssetParameters(
            sol,
            new WeightSchedule { AssetWeight = 0.85m, LiabilityWeight = 1.15m, VolatilityScaling = new VolatilityScaling(2.5m, 0.01m) },
            new WeightSchedule { AssetWeight = 0.9m, LiabilityWeight = 1.1m, VolatilityScaling = new VolatilityScaling(2m, 0.01m) },
            depthUsd: 1_000_000m);
        var model = Model(BookParameters(StandardAssets().Append(solParameters)), Snapshot(StandardPrices().Append(Price(sol, 100m, sigmaLong: 0.8))));

        var result = model.Evaluate(AccountOf(Holding(sol, 1_000m)));

        // V = 100,000. Maintenance h0 = max(0.1, 2 * 0.8 * 0.1) = 0.16: 84,000 - 100,000^2 / 2,000,000 = 79,000.
        // Initial h0 = max(0.15, 2.5 * 0.8 * 0.1) = 0.2: 80,000 - 5,000 = 75,000.
        Assert.Equal(79_000m, result.Summary.AdjustedEquityMaintenance.Amount);
        Assert.Equal(75_000m, result.Summary.AdjustedEquityInitial.Amount);
        Assert.Equal(0.79m, result.Assets[0].WeightMaintenance);
    }

    [Fact]
    public void Evaluate_AllPricesHalveWithDepthScaledCollateral_RatioFallsByDesign()
    {
        // SOL: maintenance w 0.9, z 2, T 0.01, sigma 0.3 -> h0 = max(0.1, 0.06) = 0.1; depth 1,000,000. USDC owed.
        var sol = Asset.Of("SOL");
        var schedule = new WeightSchedule { AssetWeight = 0.9m, LiabilityWeight = 1.1m, VolatilityScaling = new VolatilityScaling(2m, 0.01m) };
        var parameters = BookParameters(StandardAssets().Append(AssetParameters(sol, schedule, schedule, depthUsd: 1_000_000m)));
        var account = AccountOf(Holding(sol, 8_000m), Holding(Usdc, -300_000m));
        PriceSnapshot At(decimal factor) => Snapshot([Price(Usd, 1m), Price(Usdc, factor), Price(Btc, 50_000m), Price(Eth, 2_000m), Price(sol, 100m * factor, sigmaLong: 0.3)]);

        var before = Model(parameters, At(1m)).EvaluateSummary(account);
        var after = Model(parameters, At(0.5m)).EvaluateSummary(account);

        // P 100: V 800,000 -> 720,000 - 800,000^2 / 2,000,000 = 400,000; AE_M = 400,000 - 300,000 = 100,000; MM 15,000.
        // P 50:  V 400,000 -> 360,000 - 80,000 = 280,000; AE_M = 280,000 - 150,000 = 130,000; MM 7,500.
        // Selling 400k into a 1M book costs less than selling 800k: the haircut narrows as the position shrinks in USD,
        // which is form 4's intent. MARGIN-MODEL.md's "as collateral prices fall" therefore means the collateral's prices.
        Assert.Equal(100_000m, before.AdjustedEquityMaintenance.Amount);
        Assert.Equal(15_000m, before.MaintenanceRequirement.Amount);
        Assert.Equal(130_000m, after.AdjustedEquityMaintenance.Amount);
        Assert.Equal(7_500m, after.MaintenanceRequirement.Amount);
        Assert.True(after.MarginRatio < before.MarginRatio);
    }

    [Fact]
    public void Evaluate_MoneyDecimalsTwo_RequirementsRoundUpAndEquitiesDown()
    {
        // ETH 0.0012345 (value 2.469), USDC -1.2345.
        var result = Model(BookParameters(moneyDecimals: 2)).Evaluate(AccountOf(Holding(Eth, 0.0012345m), Holding(Usdc, -1.2345m)));

        // Equity 2.469 - 1.2345 = 1.2345 -> 1.23.
        // AE_M = 2.469 * 0.9 - 1.2345 = 2.2221 - 1.2345 = 0.9876 -> 0.98.
        // AE_I = 2.469 * 0.85 - 1.2345 * 1.02 = 2.09865 - 1.25919 = 0.83946 -> 0.83.
        // MM = 1.2345 * 0.05 = 0.061725 -> 0.07; IM = 1.2345 * 0.10 = 0.12345 -> 0.13.
        var s = result.Summary;
        Assert.Equal(1.23m, s.Equity.Amount);
        Assert.Equal(0.98m, s.AdjustedEquityMaintenance.Amount);
        Assert.Equal(0.83m, s.AdjustedEquityInitial.Amount);
        Assert.Equal(0.07m, s.MaintenanceRequirement.Amount);
        Assert.Equal(0.13m, s.InitialRequirement.Amount);
        Assert.Equal(0.07d / 0.98d, s.MarginRatio);

        // Lines round the same way: ETH adj_M 2.2221 -> 2.22; USDC adj_M -1.2345 -> -1.24 (down is away from zero).
        Assert.Equal(2.22m, result.Assets.Single(a => a.Asset == Eth).AdjustedMaintenance);
        Assert.Equal(-1.24m, result.Assets.Single(a => a.Asset == Usdc).AdjustedMaintenance);
        Assert.Equal(0.07m, result.Assets.Single(a => a.Asset == Usdc).BorrowMaintenanceRequirement);
    }

    public static TheoryData<decimal, int, MarginStatus> RoundingStatusCases => new()
    {
        // ETH 0.00059 (value 1.18, adj_M 1.062), USDC -1.01: AE_M 0.052, MM 1.01 * 0.05 = 0.0505.
        // At 8 places: 0.0505 / 0.052 = 0.971 -> MarginCall. At 2 places: MM 0.06 >= AE_M 0.05 -> Liquidatable.
        { -1.01m, 8, MarginStatus.MarginCall },
        { -1.01m, 2, MarginStatus.Liquidatable },
        // USDC -1.181: equity 1.18 - 1.181 = -0.001 -> -0.01 at 2 places: Bankrupt.
        { -1.181m, 2, MarginStatus.Bankrupt },
        // USDC -1.179: equity 0.001 -> 0.00 (not negative), AE_M 1.062 - 1.179 = -0.117 -> -0.12: Liquidatable.
        { -1.179m, 2, MarginStatus.Liquidatable },
    };

    [Theory]
    [MemberData(nameof(RoundingStatusCases))]
    public void Evaluate_Rounding_NeverMakesTheAccountLookBetter(decimal usdc, int decimals, MarginStatus expected)
    {
        var s = Model(BookParameters(moneyDecimals: decimals)).EvaluateSummary(AccountOf(Holding(Eth, 0.00059m), Holding(Usdc, usdc)));

        Assert.Equal(expected, s.Status);
    }

    [Fact]
    public void Evaluate_DriftIntegerSizePremium_UsesDriftsFlooredWeight()
    {
        // ETH with Drift's integer IMF 0.03 at both levels: at 1,234.5678 ETH the weight is 0.5355 (CollateralWeightsTests).
        var premium = new SizePremium(0.03m, DriftIntegerArithmetic: true);
        var eth = AssetParameters(Eth, new WeightSchedule { AssetWeight = 1m, LiabilityWeight = 1.2m, SizePremium = premium }, new WeightSchedule { AssetWeight = 1m, LiabilityWeight = 1.2m, SizePremium = premium });
        var parameters = BookParameters([UsdParameters(), UsdcParameters(), BtcParameters(), eth]);

        var result = Model(parameters).Evaluate(AccountOf(Holding(Eth, 1_234.5678m)));

        // V = 1,234.5678 * 2,000 = 2,469,135.6; adj = 2,469,135.6 * 0.5355 = 1,234,567.8 + 87,654.3138 = 1,322,222.1138.
        Assert.Equal(1_322_222.1138m, result.Summary.AdjustedEquityMaintenance.Amount);
        Assert.Equal(0.5355m, result.Assets[0].WeightMaintenance);
    }

    [Fact]
    public void Evaluate_MoreAssetsAndLinesThanTheStackHolds_GivesTheSameFiguresEveryTime()
    {
        // 130 configured assets (260 ledger slots > 128) and 130 balances (> 128 lines): the pooled buffers are used,
        // and a second evaluation must not see the first one's quantities.
        var assets = Enumerable.Range(0, 130).Select(i => AssetParameters(Asset.Of($"A{i:D3}"), Flat(0.4m, 1.3m), Flat(0.5m, 1.2m))).ToArray();
        var parameters = BookParameters([.. assets, UsdcParameters()], []);
        var snapshot = Snapshot([.. assets.Select(a => Price(a.Asset, 2m)), Price(Usdc, 1m)], []);
        var model = Model(parameters, snapshot);
        var account = AccountOf(assets.Select(a => Holding(a.Asset, 1m)).Append(Holding(Usdc, -10m)).ToArray());

        var first = model.Evaluate(account);
        var second = model.EvaluateSummary(account);
        var small = model.EvaluateSummary(AccountOf(Holding(Asset.Of("A000"), 1m)));

        // 130 * 2 * 0.5 - 10 = 120 (maintenance); 130 * 2 * 0.4 - 10 * 1.02 = 93.8 (initial); MM 10 * 0.05 = 0.5.
        Assert.Equal(120m, first.Summary.AdjustedEquityMaintenance.Amount);
        Assert.Equal(93.8m, first.Summary.AdjustedEquityInitial.Amount);
        Assert.Equal(0.5m, first.Summary.MaintenanceRequirement.Amount);
        Assert.Equal(131, first.Assets.Length);
        Assert.Equal(first.Summary, second);
        Assert.Equal(1m, small.AdjustedEquityMaintenance.Amount);
    }

    [Fact]
    public void Evaluate_EmptyAccount_IsHealthyWithZeroFigures()
    {
        var result = Model().Evaluate(AccountOf());

        Assert.Equal(MarginStatus.Healthy, result.Status);
        Assert.Equal(MarginFlags.None, result.Flags);
        Assert.Equal(0m, result.Summary.Equity.Amount);
        Assert.Equal(0d, result.Summary.MarginRatio);
        Assert.Equal(0d, result.Summary.InitialRatio);
        Assert.Equal("Empty", result.Reason.Rule);
        Assert.Empty(result.Assets);
        Assert.Empty(result.Positions);
    }

    [Fact]
    public void Evaluate_Result_CarriesTheInputsVersionsAndReason()
    {
        var account = Account.Create("acct-42", 19, MarginMode.Standard, [Holding(Usdc, -10_000m), Holding(Btc, 0.1m)], []);

        var result = Model().Evaluate(account);

        // Equity 5,000 - 10,000 = -5,000: Bankrupt.
        Assert.Equal("acct-42", result.AccountId);
        Assert.Equal(19, result.AccountVersion);
        Assert.Equal("snap-1", result.SnapshotId);
        Assert.Equal("test-params-1", result.ParametersVersion);
        Assert.Equal(MarginMode.Standard, result.Mode);
        Assert.Equal(AsOf, result.AsOf);
        Assert.Equal(MarginStatus.Bankrupt, result.Status);
        Assert.Equal("EquityBelowZero", result.Reason.Rule);
        Assert.True(result.Summary.ShouldLiquidate);
    }

    [Fact]
    public void Create_SnapshotInAnotherCurrency_Throws()
    {
        var snapshot = PriceSnapshot.Create("snap-eur", AsOf, Asset.Of("EUR"), [], []);

        Assert.Throws<ArgumentException>(() => MarginModel.Create(snapshot, BookParameters()));
    }
}
