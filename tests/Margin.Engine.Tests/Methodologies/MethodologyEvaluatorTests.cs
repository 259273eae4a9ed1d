using Margin.Engine.Accounts;
using Margin.Engine.Domain;
using Margin.Engine.Instruments;
using Margin.Engine.Methodologies;
using Margin.Engine.Parameters;
using Margin.Engine.Prices;
using Margin.Engine.Tests.Support;

namespace Margin.Engine.Tests.Methodologies;

public class MethodologyEvaluatorTests
{
    private static readonly Asset s_usdt = Asset.Of("USDT");
    private static readonly Asset s_btc = Asset.Of("BTC");
    private static readonly Asset s_eth = Asset.Of("ETH");

    // The binance-unified preset's BTC tiers: the Binance Cross Margin collateral-haircut FAQ, Example 1.
    private static readonly WeightSchedule s_btcTiers = new()
    {
        AssetWeight = 1m,
        LiabilityWeight = 1m,
        Tiers = [new(100_000_000m, 1m), new(120_000_000m, 0.975m), new(150_000_000m, 0.95m), new(180_000_000m, 0.9m), new(200_000_000m, 0.85m)],
    };

    // The binance-unified preset's BTCUSDT brackets (Binance announcement of 2021-03-18), first four.
    private static readonly BracketSchedule s_btcUsdt = RiskParameters.Brackets(
        new MarginBracket(50_000m, 0.008m, 0.004m),
        new MarginBracket(250_000m, 0.01m, 0.005m),
        new MarginBracket(1_000_000m, 0.02m, 0.01m),
        new MarginBracket(10_000_000m, 0.05m, 0.025m),
        new MarginBracket(null, 0.1m, 0.05m));

    private static RiskParameters Binance() => RiskParameters.Create(
        "binance-test",
        s_usdt,
        [
            TestBook.AssetParameters(s_usdt, TestBook.Flat(1m), TestBook.Flat(1m), new BorrowRequirement(0.1m, 0.1m)),
            TestBook.AssetParameters(s_btc, s_btcTiers, s_btcTiers, new BorrowRequirement(0.1m, 0.1m)),
        ],
        [
            new InstrumentRiskParameters { Instrument = new Perpetual("BTCUSDT", s_btc, ContractType.Linear), Brackets = s_btcUsdt },
            new InstrumentRiskParameters { Instrument = new EuropeanOption("BTC-C", s_btc, OptionRight.Call, 25_000m, TestBook.AsOf.AddDays(30)), ShortOptionInitial = TestBook.ShortInitial, ShortOptionMaintenance = TestBook.ShortMaintenance },
        ]);

    private static PriceSnapshot Snapshot(Asset quote, params (Asset Asset, decimal Price)[] prices) =>
        PriceSnapshot.Create("s", TestBook.AsOf, quote, prices.Select(p => AssetPrice.Create(p.Asset, p.Price, TestBook.AsOf)), [InstrumentPrice.Create("BTCUSDT", 20_000m), InstrumentPrice.Create("BTC-C", 100m)]);

    private static Account Account(IEnumerable<Balance> balances, IEnumerable<Position>? positions = null) =>
        Margin.Engine.Accounts.Account.Create("a", 1, MarginMode.Standard, balances, positions ?? []);

    [Fact]
    public void Evaluate_UniMmr_BinanceCollateralFaqExample1_CountsTheTiers()
    {
        // Binance Cross Margin collateral-haircut FAQ, Example 1: 6,000 BTC at 20,000 USDT = 120,000,000; collateral value
        // 100,000,000 * 100 % + 20,000,000 * 97.5 % = 119,500,000 USDT. No loan or position: uniMMR +infinity.
        var e = MethodologyEvaluator.Evaluate(Snapshot(s_usdt, (s_usdt, 1m), (s_btc, 20_000m)), Binance(), Account([new(s_btc, 6_000m)]), MethodologyKind.BinanceUniMmr);

        Assert.Equal(119_500_000m, e.Figure.Numerator);
        Assert.Equal(0m, e.Figure.Denominator);
        Assert.True(e.Figure.IsUnbounded);
        Assert.False(e.Figure.IsLiquidatable);
    }

    [Fact]
    public void Evaluate_UniMmr_PortfolioMarginProLoanExample_MarginMmIsTenPercentOfTheLoan()
    {
        // Binance Portfolio Margin Pro uniMMR FAQ, "Collateral Calculation and Liquidation Example": a BTC margin loan of
        // 0.04 has Margin MM 0.004 BTC (10 %). Our balances are net, so the loan is a -0.04 BTC balance; at 20,000 the
        // MarginMM is 0.004 * 20,000 = 80 USDT. Equity: 1,000 USDT - 800 = 200; uniMMR = 200 / 80 = 2.5.
        var e = MethodologyEvaluator.Evaluate(Snapshot(s_usdt, (s_usdt, 1m), (s_btc, 20_000m)), Binance(), Account([new(s_usdt, 1_000m), new(s_btc, -0.04m)]), MethodologyKind.BinanceUniMmr);

        Assert.Equal(80m, e.Figure.Denominator);
        Assert.Equal(0.004m, e.Figure.Denominator / 20_000m);
        Assert.Equal(200m, e.Figure.Numerator);
        Assert.Equal(2.5, e.Figure.Value, precision: 12);
    }

    [Fact]
    public void Evaluate_UniMmr_Bracket4Short_UsesTheMaintenanceAmount()
    {
        // Hand-derived: short 60 BTCUSDT from 19,900 at mark 20,000: notional 1,200,000 is bracket 4 (MMR 2.5 %,
        // maintenance amount 50 + 1,250 + 15,000 = 16,300): MM = 30,000 - 16,300 = 13,700. PnL -6,000 in USDT (a debt,
        // counted in full); 1 BTC counts 20,000. uniMMR = 14,000 / 13,700 = 1.0219: at or below 1.05, liquidatable.
        var e = MethodologyEvaluator.Evaluate(Snapshot(s_usdt, (s_usdt, 1m), (s_btc, 20_000m)), Binance(), Account([new(s_btc, 1m)], [new("BTCUSDT", -60m, 19_900m)]), MethodologyKind.BinanceUniMmr);

        Assert.Equal(13_700m, e.Figure.Denominator);
        Assert.Equal(14_000m, e.Figure.Numerator);
        Assert.True(e.Figure.IsLiquidatable);
        Assert.Empty(e.Omitted);
    }

    // Hand-derived: 1,000 USDT, long 2.5 BTCUSDT at mark 20,000 (notional 50,000, bracket 1, MM 200). Binance's status
    // table: "100% < uniMMR <= 105%: liquidation", so 1.05 exactly (equity 210) is liquidatable.
    [Theory]
    [InlineData("20316", true)]       // PnL 2.5 * (20,000 - 20,316) = -790: equity 210, uniMMR 1.05 exactly
    [InlineData("20315.996", false)]  // equity 210.01: uniMMR 1.05005
    [InlineData("20316.004", true)]   // equity 209.99: uniMMR 1.04995
    public void Evaluate_UniMmr_AtExactlyOnePointZeroFive_IsLiquidatable(string entry, bool liquidatable)
    {
        var entryPrice = decimal.Parse(entry, System.Globalization.CultureInfo.InvariantCulture);
        var e = MethodologyEvaluator.Evaluate(Snapshot(s_usdt, (s_usdt, 1m), (s_btc, 20_000m)), Binance(), Account([new(s_usdt, 1_000m)], [new("BTCUSDT", 2.5m, entryPrice)]), MethodologyKind.BinanceUniMmr);

        Assert.Equal(200m, e.Figure.Denominator);
        Assert.Equal(liquidatable, e.Figure.IsLiquidatable);
        Assert.Equal(1.05m, e.Figure.LiquidationThreshold);
    }

    [Fact]
    public void Evaluate_UniMmr_Option_IsOmittedAndNamed()
    {
        var e = MethodologyEvaluator.Evaluate(Snapshot(s_usdt, (s_usdt, 1m), (s_btc, 20_000m)), Binance(), Account([new(s_usdt, 1_000m)], [new("BTC-C", -1m, 0m)]), MethodologyKind.BinanceUniMmr);

        Assert.Equal(0m, e.Figure.Denominator);
        Assert.Single(e.Omitted);
        Assert.Contains("BTC-C", e.Omitted[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_AaveHealthFactor_AaveHelpExample_IsOnePointThreeThree()
    {
        // Aave Help, "Liquidations": USD 10,000 of ETH at an 80 % liquidation threshold against USD 6,000 of debt: HF 1.333.
        // The liquidation threshold is the maintenance asset weight; the debt counts at its oracle value.
        var parameters = RiskParameters.Create(
            "aave-test",
            TestBook.Usd,
            [
                TestBook.AssetParameters(s_eth, TestBook.Flat(0.75m), TestBook.Flat(0.80m)),
                TestBook.AssetParameters(TestBook.Usdc, TestBook.Flat(0.75m), TestBook.Flat(0.78m), new BorrowRequirement(0.001m, 0.001m)),
            ],
            []);
        var snapshot = PriceSnapshot.Create("s", TestBook.AsOf, TestBook.Usd, [AssetPrice.Create(s_eth, 2_000m, TestBook.AsOf), AssetPrice.Create(TestBook.Usdc, 1m, TestBook.AsOf)], []);

        var e = MethodologyEvaluator.Evaluate(snapshot, parameters, Account([new(s_eth, 5m), new(TestBook.Usdc, -6_000m)]), MethodologyKind.AaveHealthFactor);

        Assert.Equal(8_000m, e.Figure.Numerator);
        Assert.Equal(6_000m, e.Figure.Denominator);
        Assert.Equal(1.333, Math.Round(e.Figure.Value, 3));
        Assert.False(e.Figure.IsLiquidatable);
        Assert.Empty(e.DriftWeights);
    }

    [Fact]
    public void Evaluate_AaveHealthFactor_Positions_AreOmitted()
    {
        var parameters = RiskParameters.Create("t", TestBook.Usd, TestBook.StandardAssets(), TestBook.StandardInstruments());
        var snapshot = PriceSnapshot.Create("s", TestBook.AsOf, TestBook.Usd, [AssetPrice.Create(TestBook.Usd, 1m, TestBook.AsOf), AssetPrice.Create(TestBook.Btc, 50_000m, TestBook.AsOf)], [InstrumentPrice.Create("BTC-PERP", 50_000m)]);

        var e = MethodologyEvaluator.Evaluate(snapshot, parameters, Account([new(TestBook.Usd, 1_000m)], [new("BTC-PERP", 1m, 49_000m)]), MethodologyKind.AaveHealthFactor);

        Assert.True(e.Figure.IsUnbounded);
        Assert.Single(e.Omitted);
        Assert.Contains("BTC-PERP", e.Omitted[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10000", true)]   // 11,000 / 10,000 = 1.1: Binance liquidates at or below 1.1
    [InlineData("9999", false)]   // 1.10011
    public void Evaluate_CrossMarginLevel_AssetsOverLiabilities(string borrowed, bool liquidatable)
    {
        // Hand-derived: 21,000 USDT held, borrowed USDT netted off; 0.5 BTC at 20,000 = 10,000 held, and the borrow.
        var debt = decimal.Parse(borrowed, System.Globalization.CultureInfo.InvariantCulture);
        var e = MethodologyEvaluator.Evaluate(Snapshot(s_usdt, (s_usdt, 1m), (s_btc, 20_000m)), Binance(), Account([new(s_btc, 0.55m), new(s_usdt, -debt)]), MethodologyKind.BinanceCrossMarginLevel);

        Assert.Equal(11_000m, e.Figure.Numerator);
        Assert.Equal(debt, e.Figure.Denominator);
        Assert.Equal(liquidatable, e.Figure.IsLiquidatable);
    }

    [Fact]
    public void Evaluate_DriftSpotWeights_UnderwaterBorrower_IsLiquidatableStrictlyBelowOne()
    {
        // Hand-derived (examples/presets/drift-spot.json, sol-borrower-underwater): 10,000 USDC against 61 SOL at 150
        // borrowed (9,150) with maintenance liability weight 1.1 (the size premium does not bind at 61 SOL): requirement
        // 10,065 > collateral 10,000, so Drift liquidates; 10,000 / 10,065 = 0.99354.
        var sol = Asset.Of("SOL");
        var premium = new SizePremium(0.00125m, DriftIntegerArithmetic: true);
        var parameters = RiskParameters.Create(
            "drift-test",
            TestBook.Usdc,
            [
                TestBook.AssetParameters(TestBook.Usdc, TestBook.Flat(1m), TestBook.Flat(1m), new BorrowRequirement(0.001m, 0.001m)),
                TestBook.AssetParameters(
                    sol,
                    new WeightSchedule { AssetWeight = 0.8m, LiabilityWeight = 1.2m, SizePremium = premium },
                    new WeightSchedule { AssetWeight = 0.9m, LiabilityWeight = 1.1m, SizePremium = premium },
                    new BorrowRequirement(0.001m, 0.001m)),
            ],
            []);
        var snapshot = PriceSnapshot.Create("s", TestBook.AsOf, TestBook.Usdc, [AssetPrice.Create(TestBook.Usdc, 1m, TestBook.AsOf), AssetPrice.Create(sol, 150m, TestBook.AsOf)], []);

        var e = MethodologyEvaluator.Evaluate(snapshot, parameters, Account([new(TestBook.Usdc, 10_000m), new(sol, -61m)]), MethodologyKind.DriftSpotWeights);

        Assert.Equal(10_000m, e.Figure.Numerator);
        Assert.Equal(10_065m, e.Figure.Denominator);
        Assert.True(e.Figure.IsLiquidatable);
        Assert.Equal([(10_000L, 10_000L), (12_000L, 11_000L)], e.DriftWeights.Select(w => (w.InitialWeight, w.MaintenanceWeight)).ToArray());
    }

    [Fact]
    public void Evaluate_UniMmr_LinearPnlInAnUnconfiguredSettlementCurrency_CountsAtOne()
    {
        // TestBook's parameters settle in USD without a USD price in this snapshot: BTC-PERP long 1 from 49,000 at
        // mark 50,000 earns 1,000 USD; 1 BTC at 50,000 counts at its maintenance weight 0.95 = 47,500. Bracket 0 (MMR 1 %):
        // MM 500. uniMMR = 48,500 / 500 = 97.
        var parameters = RiskParameters.Create("t", TestBook.Usd, [TestBook.BtcParameters()], [TestBook.BtcPerp()]);
        var snapshot = PriceSnapshot.Create("s", TestBook.AsOf, TestBook.Usd, [AssetPrice.Create(TestBook.Btc, 50_000m, TestBook.AsOf)], [InstrumentPrice.Create("BTC-PERP", 50_000m)]);

        var e = MethodologyEvaluator.Evaluate(snapshot, parameters, Account([new(TestBook.Btc, 1m)], [new("BTC-PERP", 1m, 49_000m)]), MethodologyKind.BinanceUniMmr);

        Assert.Equal(48_500m, e.Figure.Numerator);
        Assert.Equal(500m, e.Figure.Denominator);
    }

    [Fact]
    public void Evaluate_UnknownAsset_ThrowsNamingIt()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            MethodologyEvaluator.Evaluate(Snapshot(s_usdt, (s_usdt, 1m)), Binance(), Account([new(s_eth, 1m)]), MethodologyKind.AaveHealthFactor));

        Assert.Contains("unknown asset ETH", ex.Message, StringComparison.Ordinal);
    }
}
