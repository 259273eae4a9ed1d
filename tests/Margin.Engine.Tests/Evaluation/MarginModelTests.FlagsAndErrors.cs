using System.Collections.Concurrent;
using Margin.Engine.Accounts;
using Margin.Engine.Domain;
using Margin.Engine.Evaluation;
using Margin.Engine.Parameters;
using Margin.Engine.Prices;
using Margin.Engine.Results;
using static Margin.Engine.Tests.Support.TestBook;

namespace Margin.Engine.Tests.Evaluation;

public partial class MarginModelTests
{
    private static readonly Asset s_sol = Asset.Of("SOL");

    private static readonly Dictionary<string, Func<(MarginModel Model, Account Account)>> s_invalid = new(StringComparer.Ordinal)
    {
        ["unknown asset"] = () => (Model(), AccountOf(Holding(s_sol, 1m))),
        ["missing price"] = () => (Model(BookParameters(StandardAssets().Append(SolParameters()))), AccountOf(Holding(Usdc, 1m), Holding(s_sol, 1m))),
        ["defective price"] = () => (Model(snapshot: Snapshot(StandardPrices().Where(p => p.Asset != Btc), defects: [new PriceDefect("BTC", "prices.assets.BTC.price", "NaN")])), AccountOf(Holding(Usdc, 1m), Holding(Btc, 1m))),
        ["volatility missing"] = () => (Model(BookParameters(StandardAssets().Append(SolParameters(volatility: true))), Snapshot(StandardPrices().Append(Price(s_sol, 100m)))), AccountOf(Holding(s_sol, 1m))),
        ["unknown instrument"] = () => (Model(), AccountOf([], new Position("DOGE-PERP", 1m, 1m))),
        ["expired option"] = () => (Model(), AccountOf([], new Position("BTC-C-EXPIRED", -1m, 0m))),
        ["expired future"] = () => (Model(), AccountOf([Holding(Usdc, 1m)], new Position("BTC-FUT-0101", 1m, 50_000m))),
        ["zero entry price"] = () => (Model(), AccountOf([], new Position("BTC-PERP", 1m, 0m))),
        ["zero entry price inverse"] = () => (Model(), AccountOf([], new Position("BTC-INV", 100m, 0m))),
        ["defective mark"] = () => (Model(snapshot: Snapshot(marks: StandardMarks().Where(m => m.InstrumentId != "BTC-PERP"), defects: [new PriceDefect("BTC-PERP", "prices.instruments.BTC-PERP.mark", "NaN")])), AccountOf([], new Position("BTC-PERP", 1m, 50_000m))),
        ["missing mark"] = () => (Model(snapshot: Snapshot(marks: StandardMarks().Where(m => m.InstrumentId != "BTC-PERP"))), AccountOf([], new Position("BTC-PERP", 1m, 50_000m))),
        ["inverse on defective coin"] = () => (Model(snapshot: Snapshot(StandardPrices().Where(p => p.Asset != Btc), defects: [new PriceDefect("BTC", "prices.assets.BTC.price", "NaN")])), AccountOf([], new Position("BTC-INV", 100m, 40_000m))),
        ["option on defective underlying"] = () => (Model(snapshot: Snapshot(StandardPrices().Where(p => p.Asset != Btc), defects: [new PriceDefect("BTC", "prices.assets.BTC.price", "NaN")])), AccountOf([], new Position("BTC-C-60000", -1m, 0m))),
        ["negative non-borrowable"] = () => (Model(), AccountOf(Holding(Eth, -1m))),
        ["portfolio mode"] = () => (Model(), Account.Create("acct-1", 7, MarginMode.Portfolio, [Holding(Usdc, 1m)], [])),
        ["too large"] = () => (Model(), AccountOf(Holding(Btc, 7_000_000_000_000_000_000_000_000m))),
    };

    public static TheoryData<string, string> InvalidAccountCases => new()
    {
        { "unknown asset", "balances[0].asset" },
        { "missing price", "balances[1].asset" },
        { "defective price", "balances[1].asset" },
        { "volatility missing", "balances[0].asset" },
        { "unknown instrument", "positions[0].instrument" },
        { "expired option", "positions[0].instrument" },
        { "expired future", "positions[0].instrument" },
        { "zero entry price", "positions[0].entryPrice" },
        { "zero entry price inverse", "positions[0].entryPrice" },
        { "defective mark", "positions[0].instrument" },
        { "missing mark", "positions[0].instrument" },
        { "inverse on defective coin", "positions[0].instrument" },
        { "option on defective underlying", "positions[0].instrument" },
        { "negative non-borrowable", "balances[0].quantity" },
        { "portfolio mode", "marginMode" },
        { "too large", "balances[0].quantity" },
    };

    [Theory]
    [MemberData(nameof(InvalidAccountCases))]
    public void Evaluate_InvalidAccount_ThrowsNamingAccountAndField(string name, string field)
    {
        var (model, account) = s_invalid[name]();

        var full = Assert.Throws<InvalidAccountException>(() => model.Evaluate(account));
        var summary = Assert.Throws<InvalidAccountException>(() => model.EvaluateSummary(account));

        Assert.Equal("acct-1", full.AccountId);
        Assert.Equal(field, full.Field);
        Assert.Equal(field, summary.Field);
        Assert.Contains("acct-1", full.Message, StringComparison.Ordinal);
        Assert.Contains(field, full.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_InvalidAccountCases_EveryOneHasATableRow() =>
        Assert.Empty(s_invalid.Keys.Except(InvalidAccountCases.Select(row => (string)row[0]), StringComparer.Ordinal));

    [Fact]
    public void Evaluate_DefectivePrice_MessageCarriesTheDefect()
    {
        var (model, account) = s_invalid["defective price"]();

        var ex = Assert.Throws<InvalidAccountException>(() => model.Evaluate(account));

        Assert.Contains("prices.assets.BTC.price", ex.Problem, StringComparison.Ordinal);
        Assert.Contains("NaN", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_DefectivePriceOfAnAssetNotHeld_LeavesTheAccountEvaluable()
    {
        var (model, _) = s_invalid["defective price"]();

        var s = model.EvaluateSummary(AccountOf(Holding(Usdc, 100m), Holding(Eth, 1m)));

        Assert.Equal(MarginStatus.Healthy, s.Status);
        Assert.Equal(MarginFlags.None, s.Flags);
    }

    [Fact]
    public void Evaluate_ZeroBalanceOrPositionWithoutPrice_NeedsNoPrice()
    {
        // SOL is configured but not priced; BTC-PERP has no mark. Zero quantities depend on neither.
        var model = Model(BookParameters(StandardAssets().Append(SolParameters())), Snapshot(marks: StandardMarks().Where(m => m.InstrumentId != "BTC-PERP")));
        var account = AccountOf([Holding(s_sol, 0m), Holding(Usdc, 100m)], new Position("BTC-PERP", 0m, 50_000m));

        var result = model.Evaluate(account);

        Assert.Equal(100m, result.Summary.Equity.Amount);
        Assert.Single(result.Assets);
        Assert.Empty(result.Positions);
    }

    [Fact]
    public void Evaluate_HeldAssetPriceUnusable_FlagsPriceSuspectAndStillComputes()
    {
        var snapshot = Snapshot([Price(Usd, 1m), Price(Usdc, 1m), Price(Btc, 50_000m, 48_000m, unusable: "stale: 90 s old"), Price(Eth, 2_000m, 2_100m)]);
        var account = AccountOf(Holding(Usdc, -10_000m), Holding(Btc, 0.2m));

        var result = Model(snapshot: snapshot).Evaluate(account);

        // The last good price still computes: AE_M = 10,000 * 0.95 - 10,000 = -500 -> Liquidatable, but suppressed.
        Assert.Equal(MarginStatus.Liquidatable, result.Status);
        Assert.Equal(MarginFlags.PriceSuspect, result.Flags);
        Assert.False(result.Summary.ShouldLiquidate);
        Assert.Equal("stale: 90 s old", result.Assets.Single(a => a.Asset == Btc).PriceUnusableReason);
        Assert.Null(result.Assets.Single(a => a.Asset == Usdc).PriceUnusableReason);
        Assert.Contains("PriceSuspect", result.Reason.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_UnusablePriceOfAnAssetNotHeld_IsNoDependency()
    {
        var snapshot = Snapshot([Price(Usd, 1m), Price(Usdc, 1m), Price(Btc, 50_000m, unusable: "circuit breaker"), Price(Eth, 2_000m)]);

        var s = Model(snapshot: snapshot).EvaluateSummary(AccountOf(Holding(Usdc, 100m), Holding(Btc, 0m)));

        Assert.Equal(MarginFlags.None, s.Flags);
    }

    [Fact]
    public void Evaluate_UnusableMark_FlagsPriceSuspect()
    {
        var marks = StandardMarks().Select(m => m.InstrumentId == "BTC-PERP" ? InstrumentPrice.Create("BTC-PERP", 50_100m, unusableReason: "no quorum") : m);
        var account = AccountOf([Holding(Usdc, 20_000m)], new Position("BTC-PERP", 2m, 45_000m));

        var result = Model(snapshot: Snapshot(marks: marks)).Evaluate(account);

        Assert.Equal(MarginFlags.PriceSuspect, result.Flags);
        Assert.Equal("no quorum", Assert.Single(result.Positions).PriceUnusableReason);
        Assert.Equal(1_755m, result.Summary.MaintenanceRequirement.Amount);
    }

    [Fact]
    public void Evaluate_ShortOptionOnUnusableUnderlying_FlagsPriceSuspect()
    {
        var snapshot = Snapshot([Price(Usd, 1m), Price(Usdc, 1m), Price(Btc, 50_000m, 48_000m, unusable: "deviation"), Price(Eth, 2_000m)]);

        var s = Model(snapshot: snapshot).EvaluateSummary(AccountOf([Holding(Usdc, 100_000m)], new Position("BTC-C-60000", -1m, 0m)));

        Assert.Equal(MarginFlags.PriceSuspect, s.Flags);
    }

    [Fact]
    public void Evaluate_UnusableSnapshot_FlagsEveryResultEvenAnEmptyAccount()
    {
        var model = Model(snapshot: Snapshot(unusable: "snapshot older than 30 s"));

        Assert.Equal(MarginFlags.PriceSuspect, model.EvaluateSummary(AccountOf()).Flags);
        Assert.Equal(MarginFlags.PriceSuspect, model.EvaluateSummary(AccountOf(Holding(Usdc, 5m))).Flags);
    }

    [Fact]
    public void Evaluate_LiquidationInFlight_ComesFromTheContext()
    {
        var account = AccountOf(Holding(Usdc, 5m));

        Assert.Equal(MarginFlags.LiquidationInFlight, Model().EvaluateSummary(account, new EvaluationContext(LiquidationInFlight: true)).Flags);
        Assert.Equal(MarginFlags.None, Model().EvaluateSummary(account).Flags);
    }

    [Fact]
    public void Evaluate_GlobalKillSwitch_FlagsEveryAccount() =>
        Assert.Equal(MarginFlags.KillSwitch, Model(BookParameters(killSwitch: true)).EvaluateSummary(AccountOf()).Flags);

    public static TheoryData<string, bool> AssetKillSwitchCases => new()
    {
        { "holds BTC", true },
        { "owes BTC", true },
        { "BTC-PERP position", true },
        { "short BTC option", true },
        { "BTC-INV position", true },
        { "USDC only", false },
        { "zero BTC", false },
    };

    [Theory]
    [MemberData(nameof(AssetKillSwitchCases))]
    public void Evaluate_AssetKillSwitch_FlagsAccountsThatHoldOweOrTradeTheAsset(string name, bool flagged)
    {
        var assets = new[] { UsdParameters(), UsdcParameters(), BtcParameters(killSwitch: true), EthParameters() };
        var model = Model(BookParameters(assets));
        var account = name switch
        {
            "holds BTC" => AccountOf(Holding(Btc, 1m)),
            "owes BTC" => AccountOf(Holding(Usdc, 100_000m), Holding(Btc, -1m)),
            "BTC-PERP position" => AccountOf([Holding(Usdc, 100_000m)], new Position("BTC-PERP", -1m, 50_000m)),
            "short BTC option" => AccountOf([Holding(Usdc, 100_000m)], new Position("BTC-P-40000", -1m, 0m)),
            "BTC-INV position" => AccountOf([Holding(Usdc, 100_000m)], new Position("BTC-INV", 10_000m, 50_000m)),
            "USDC only" => AccountOf(Holding(Usdc, 100_000m)),
            _ => AccountOf(Holding(Usdc, 100_000m), Holding(Btc, 0m)),
        };

        var flags = model.EvaluateSummary(account).Flags;

        Assert.Equal(flagged, flags.HasFlag(MarginFlags.KillSwitch));
    }

    [Theory]
    [InlineData(0.00000001, 0.01, false)]   // 0.0005 USD of 100,000.0005: dust cannot block a liquidation
    [InlineData(0.0199, 0.01, false)]       // 995 of 100,995: 0.985 %
    [InlineData(0.0203, 0.01, true)]        // 1,015 of 101,015: 1.005 %
    [InlineData(0.00000001, 0, true)]       // materiality 0 flags every non-zero dependency
    public void Evaluate_KillSwitchedOrStaleHolding_FlagsOnlyWhenMaterial(double btc, double materiality, bool flagged)
    {
        var quantity = (decimal)btc;
        var account = AccountOf(Holding(Usdc, 100_000m), Holding(Btc, quantity));
        var switched = Model(BookParameters([UsdParameters(), UsdcParameters(), BtcParameters(killSwitch: true), EthParameters()], dependencyMateriality: (decimal)materiality));
        var stale = Model(BookParameters(dependencyMateriality: (decimal)materiality), Snapshot([Price(Usd, 1m), Price(Usdc, 1m), Price(Btc, 50_000m, unusable: "stale"), Price(Eth, 2_000m)]));

        Assert.Equal(flagged, switched.EvaluateSummary(account).Flags.HasFlag(MarginFlags.KillSwitch));
        Assert.Equal(flagged, stale.EvaluateSummary(account).Flags.HasFlag(MarginFlags.PriceSuspect));
    }

    [Fact]
    public void Evaluate_BankruptAccountWithDustOfAPausedAsset_StillLiquidates()
    {
        // The attack the materiality rule stops: a speck of a paused asset must not shield a bankrupt account.
        var assets = new[] { UsdParameters(), UsdcParameters(), BtcParameters(killSwitch: true), EthParameters() };
        // ETH 0.4 * 2,000 = 800 held, USDC 1,000 owed: equity -200.
        var account = AccountOf(Holding(Eth, 0.4m), Holding(Usdc, -1_000m), Holding(Btc, 0.00000001m));

        var s = Model(BookParameters(assets)).EvaluateSummary(account);

        Assert.Equal(MarginStatus.Bankrupt, s.Status);
        Assert.Equal(MarginFlags.None, s.Flags);
        Assert.True(s.ShouldLiquidate);
    }

    public static TheoryData<MarginStatus, MarginFlags, bool> ShouldLiquidateCases => new()
    {
        { MarginStatus.Liquidatable, MarginFlags.None, true },
        { MarginStatus.Bankrupt, MarginFlags.None, true },
        { MarginStatus.Liquidatable, MarginFlags.AtRisk, true },             // advisory only
        { MarginStatus.Liquidatable, MarginFlags.PriceSuspect, false },
        { MarginStatus.Liquidatable, MarginFlags.LiquidationInFlight, false },
        { MarginStatus.Liquidatable, MarginFlags.KillSwitch, false },
        { MarginStatus.Bankrupt, MarginFlags.KillSwitch | MarginFlags.AtRisk, false },
        { MarginStatus.MarginCall, MarginFlags.None, false },
        { MarginStatus.Healthy, MarginFlags.AtRisk, false },
    };

    [Theory]
    [MemberData(nameof(ShouldLiquidateCases))]
    public void ShouldLiquidate_StatusAndFlags_OnlyTheThreeSuppressingFlagsBlock(MarginStatus status, MarginFlags flags, bool expected)
    {
        var summary = Model().EvaluateSummary(AccountOf(Holding(Usdc, -10_000m), Holding(Btc, 0.2m))) with { Status = status, Flags = flags };

        Assert.Equal(expected, summary.ShouldLiquidate);
        Assert.Equal(!expected && status >= MarginStatus.Liquidatable, flags.SuppressesLiquidation());
    }

    [Fact]
    public void Evaluate_LiquidatableAccountWithoutFlags_ShouldLiquidate()
    {
        // AE_M = 0.2 * 50,000 * 0.95 - 10,000 = -500; equity 0 (not bankrupt).
        var s = Model().EvaluateSummary(AccountOf(Holding(Usdc, -10_000m), Holding(Btc, 0.2m)));

        Assert.Equal(MarginStatus.Liquidatable, s.Status);
        Assert.Equal(0m, s.Equity.Amount);
        Assert.Equal(-500m, s.AdjustedEquityMaintenance.Amount);
        Assert.Equal(double.PositiveInfinity, s.MarginRatio);
        Assert.True(s.ShouldLiquidate);
        Assert.Equal(MarginStatus.Liquidatable, Model().EvaluateSummary(AccountOf(Holding(Usdc, -10_000m), Holding(Btc, 0.2m)), new EvaluationContext(true)).Status);
        Assert.False(Model().EvaluateSummary(AccountOf(Holding(Usdc, -10_000m), Holding(Btc, 0.2m)), new EvaluationContext(true)).ShouldLiquidate);
    }

    public static TheoryData<int> SampleAccountCases => new() { 0, 1, 2, 3, 4, 5 };

    [Theory]
    [MemberData(nameof(SampleAccountCases))]
    public void EvaluateSummary_AnyAccount_EqualsEvaluatesSummary(int sample)
    {
        var model = Model(BookParameters(pnlWeights: new PnlWeights(0.5m, 0.9m, 0.6m, 0.7m), moneyDecimals: 4));
        var account = SampleAccounts()[sample];

        Assert.Equal(model.Evaluate(account).Summary, model.EvaluateSummary(account));
    }

    [Fact]
    public void Evaluate_SameInputs_SameResultAlsoFromParallelThreads()
    {
        var model = Model();
        var accounts = SampleAccounts();
        var expected = accounts.Select(a => model.Evaluate(a)).ToArray();
        var seen = new ConcurrentBag<(int Index, MarginResult Result)>();

        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var k = i % accounts.Length;
            seen.Add((k, model.Evaluate(accounts[k])));
        });

        Assert.Equal(400, seen.Count);
        Assert.All(seen, s => AssertSameResult(expected[s.Index], s.Result));
        Assert.All(accounts.Select((a, i) => (a, i)), x => AssertSameResult(expected[x.i], Model().Evaluate(x.a)));
    }

    private static void AssertSameResult(MarginResult expected, MarginResult actual)
    {
        Assert.Equal(expected.Summary, actual.Summary);
        Assert.Equal(expected.Reason, actual.Reason);
        Assert.Equal(expected.Assets.ToArray(), actual.Assets.ToArray());
        Assert.Equal(expected.Positions.ToArray(), actual.Positions.ToArray());
    }

    private static Account[] SampleAccounts() =>
    [
        AccountOf(),
        AccountOf([Holding(Usdc, 20_000m)], new Position("BTC-PERP", 2m, 45_000m)),
        AccountOf([Holding(Btc, 0.1m), Holding(Eth, 3.3m)], new Position("BTC-INV", -12_345m, 41_234.5m), new Position("BTC-C-60000", 1.5m, 0m)),
        AccountOf([Holding(Usdc, -10_000m), Holding(Btc, 0.2m)], new Position("BTC-P-48000", -0.7m, 0m)),
        AccountOf([Holding(Usdc, 1_000m), Holding(Eth, 0.0012345m)], new Position("BTC-PERP", -0.333m, 51_111.11m), new Position("BTC-C-45000", -0.2m, 0m)),
        AccountOf(Holding(Usdc, -1_000_000m), Holding(Btc, 10m), Holding(Eth, 100m)),
    ];

    private static AssetRiskParameters SolParameters(bool volatility = false)
    {
        var scaling = volatility ? new VolatilityScaling(2m, 0.01m) : null;
        return AssetParameters(
            s_sol,
            new WeightSchedule { AssetWeight = 0.8m, LiabilityWeight = 1.2m, VolatilityScaling = scaling },
            new WeightSchedule { AssetWeight = 0.85m, LiabilityWeight = 1.15m, VolatilityScaling = scaling });
    }
}
