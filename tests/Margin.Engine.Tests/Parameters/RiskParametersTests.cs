using System.Collections.Immutable;
using Margin.Engine.Domain;
using Margin.Engine.Instruments;
using Margin.Engine.Parameters;
using Margin.Engine.Tests.Support;

namespace Margin.Engine.Tests.Parameters;

public class RiskParametersTests
{
    private static readonly Dictionary<string, Func<Draft, Draft>> s_mutations = new(StringComparer.Ordinal)
    {
        ["version empty"] = d => d with { Version = " " },
        ["settlement missing"] = d => d with { Settlement = default },
        ["money decimals 19"] = d => d with { MoneyDecimals = 19 },
        ["money decimals negative"] = d => d with { MoneyDecimals = -1 },

        ["tiers not ascending"] = d => d.Btc(a => a with { Maintenance = a.Maintenance with { Tiers = [new(1_000_000m, 1m), new(500_000m, 0.8m), new(null, 0.5m)] } }),
        ["tier cap zero"] = d => d.Btc(a => a with { Maintenance = a.Maintenance with { Tiers = [new(0m, 1m), new(null, 0.5m)] } }),
        ["unbounded tier not last"] = d => d.Btc(a => a with { Maintenance = a.Maintenance with { Tiers = [new(null, 1m), new(5_000_000m, 0.5m)] } }),
        ["tier rate above one"] = d => d.Btc(a => a with { Initial = a.Initial with { Tiers = [new(1_000_000m, 1.01m), new(5_000_000m, 0.75m), new(null, 0.45m)] } }),
        ["tier rate negative"] = d => d.Btc(a => a with { Initial = a.Initial with { Tiers = [new(1_000_000m, 0.95m), new(5_000_000m, 0.75m), new(null, -0.1m)] } }),
        ["asset weight above one"] = d => d.Btc(a => a with { Maintenance = a.Maintenance with { AssetWeight = 1.01m } }),
        ["asset weight negative"] = d => d.Btc(a => a with { Initial = a.Initial with { AssetWeight = -0.01m } }),
        ["liability weight below one"] = d => d.Btc(a => a with { Maintenance = a.Maintenance with { LiabilityWeight = 0.99m } }),
        ["initial asset weight more generous"] = d => d.Btc(a => a with { Initial = a.Initial with { AssetWeight = 0.96m } }),
        ["initial liability weight more generous"] = d => d.Btc(a => a with { Initial = a.Initial with { LiabilityWeight = 1.04m } }),
        ["initial tiers missing"] = d => d.Btc(a => a with { Initial = a.Initial with { Tiers = [] } }),
        ["initial tiers more generous"] = d => d.Btc(a => a with { Initial = a.Initial with { Tiers = [new(1_000_000m, 0.95m), new(5_000_000m, 0.85m), new(null, 0.45m)] } }),
        ["initial tiers extend further"] = d => d.Btc(a => a with { Initial = a.Initial with { Tiers = [new(1_000_000m, 0.95m), new(5_000_000m, 0.75m), new(null, 0.6m)] } }),
        ["initial imf lower"] = d => d.Btc(a => a with { Initial = a.Initial with { SizePremium = new SizePremium(0.0005m) } }),
        ["initial imf missing"] = d => d.Btc(a => a with { Initial = a.Initial with { SizePremium = null } }),
        ["imf negative"] = d => d.Btc(a => a with { Maintenance = a.Maintenance with { SizePremium = new SizePremium(-0.001m) } }),
        ["initial vol missing"] = d => d.Btc(a => a with { Initial = a.Initial with { VolatilityScaling = null } }),
        ["initial vol weaker"] = d => d.Btc(a => a with { Initial = a.Initial with { VolatilityScaling = new VolatilityScaling(1.5m, 0.01m) } }),
        ["initial vol shorter horizon"] = d => d.Btc(a => a with { Initial = a.Initial with { VolatilityScaling = new VolatilityScaling(2m, 0.009m) } }),
        ["vol z negative"] = d => d.Btc(a => a with { Maintenance = a.Maintenance with { VolatilityScaling = new VolatilityScaling(-1m, 0.01m) } }),
        ["vol horizon zero"] = d => d.Btc(a => a with { Maintenance = a.Maintenance with { VolatilityScaling = new VolatilityScaling(2m, 0m) } }),
        ["depth zero"] = d => d.Btc(a => a with { DepthUsd = 0m }),
        ["depth negative"] = d => d.Btc(a => a with { DepthUsd = -1m }),
        ["lot size zero"] = d => d.Btc(a => a with { LotSize = 0m }),
        ["borrowable without rates"] = d => d.Usdc(a => a with { Borrow = new BorrowRequirement(0m, 0m) }),
        ["borrow imr below mmr"] = d => d.Usdc(a => a with { Borrow = new BorrowRequirement(0.04m, 0.05m) }),
        ["asset twice"] = d => d with { Assets = d.Assets.Add(TestBook.BtcParameters()) },
        ["asset without symbol"] = d => d with { Assets = d.Assets.Add(TestBook.BtcParameters() with { Asset = default }) },

        ["no brackets"] = d => d.Perp(p => p with { Brackets = null }),
        ["empty brackets"] = d => d.Perp(p => p with { Brackets = RiskParameters.Brackets() }),
        ["bracket mmr zero"] = d => d.Perp(p => p with { Brackets = RiskParameters.Brackets(new MarginBracket(null, 0.02m, 0m)) }),
        ["bracket imr above one"] = d => d.Perp(p => p with { Brackets = RiskParameters.Brackets(new MarginBracket(null, 1.5m, 0.5m)) }),
        ["bracket imr below mmr"] = d => d.Perp(p => p with { Brackets = RiskParameters.Brackets(new MarginBracket(null, 0.01m, 0.02m)) }),
        ["bracket rates fall"] = d => d.Perp(p => p with { Brackets = RiskParameters.Brackets(new MarginBracket(50_000m, 0.05m, 0.025m), new MarginBracket(null, 0.02m, 0.01m)) }),
        ["bracket caps not ascending"] = d => d.Perp(p => p with { Brackets = RiskParameters.Brackets(new MarginBracket(50_000m, 0.02m, 0.01m), new MarginBracket(50_000m, 0.05m, 0.025m), new MarginBracket(null, 0.1m, 0.05m)) }),
        ["bracket unbounded not last"] = d => d.Perp(p => p with { Brackets = RiskParameters.Brackets(new MarginBracket(null, 0.02m, 0.01m), new MarginBracket(50_000m, 0.05m, 0.025m)) }),
        ["instrument underlying unknown"] = d => d with { Instruments = d.Instruments.Add(new InstrumentRiskParameters { Instrument = new Perpetual("SOL-PERP", Asset.Of("SOL"), ContractType.Linear), Brackets = TestBook.BtcPerpBrackets() }) },
        ["instrument twice"] = d => d with { Instruments = d.Instruments.Add(TestBook.BtcPerp()) },
        ["option without rules"] = d => d.Option(o => o with { ShortOptionInitial = null }),
        ["short a above one"] = d => d.Option(o => o with { ShortOptionInitial = new ShortOptionRule(1.5m, 0.1m), ShortOptionMaintenance = new ShortOptionRule(1.5m, 0.05m) }),
        ["short b above a"] = d => d.Option(o => o with { ShortOptionInitial = new ShortOptionRule(0.15m, 0.2m) }),
        ["short b negative"] = d => d.Option(o => o with { ShortOptionMaintenance = new ShortOptionRule(0.075m, -0.01m) }),
        ["short initial less strict"] = d => d.Option(o => o with { ShortOptionInitial = new ShortOptionRule(0.07m, 0.05m) }),

        ["warning above call"] = d => d with { Thresholds = new StatusThresholds(0.95m, 0.9m, 0.1m) },
        ["warning zero"] = d => d with { Thresholds = new StatusThresholds(0m, 0.9m, 0.1m) },
        ["call at one"] = d => d with { Thresholds = new StatusThresholds(0.8m, 1.0m, 0.1m) },
        ["buffer at call"] = d => d with { Thresholds = new StatusThresholds(0.8m, 0.9m, 0.9m) },
        ["buffer negative"] = d => d with { Thresholds = new StatusThresholds(0.8m, 0.9m, -0.1m) },
        ["pnl weight above one"] = d => d with { Pnl = new PnlWeights(PositivePnlMaintenance: 1.1m) },
        ["pnl initial above maintenance"] = d => d with { Pnl = new PnlWeights(PositivePnlInitial: 0.9m, PositivePnlMaintenance: 0.8m) },
        ["long option initial above maintenance"] = d => d with { Pnl = new PnlWeights(LongOptionInitial: 1m, LongOptionMaintenance: 0.5m) },
        ["long option weight negative"] = d => d with { Pnl = new PnlWeights(LongOptionInitial: -0.1m) },
    };

    public static TheoryData<string, string> ProblemCases => new()
    {
        { "version empty", "version" },
        { "settlement missing", "settlement" },
        { "money decimals 19", "moneyDecimals" },
        { "money decimals negative", "moneyDecimals" },
        { "tiers not ascending", "assets.BTC.maintenance.tiers[1].upToUsd" },
        { "tier cap zero", "assets.BTC.maintenance.tiers[0].upToUsd" },
        { "unbounded tier not last", "assets.BTC.maintenance.tiers[0].upToUsd" },
        { "tier rate above one", "assets.BTC.initial.tiers[0].rate" },
        { "tier rate negative", "assets.BTC.initial.tiers[2].rate" },
        { "asset weight above one", "assets.BTC.maintenance.assetWeight" },
        { "asset weight negative", "assets.BTC.initial.assetWeight" },
        { "liability weight below one", "assets.BTC.maintenance.liabilityWeight" },
        { "initial asset weight more generous", "assets.BTC.initial.assetWeight" },
        { "initial liability weight more generous", "assets.BTC.initial.liabilityWeight" },
        { "initial tiers missing", "assets.BTC.initial.tiers" },
        { "initial tiers more generous", "assets.BTC.initial.tiers" },
        { "initial tiers extend further", "assets.BTC.initial.tiers" },
        { "initial imf lower", "assets.BTC.initial.sizePremium" },
        { "initial imf missing", "assets.BTC.initial.sizePremium" },
        { "imf negative", "assets.BTC.maintenance.sizePremium.imf" },
        { "initial vol missing", "assets.BTC.initial.volatilityScaling" },
        { "initial vol weaker", "assets.BTC.initial.volatilityScaling" },
        { "initial vol shorter horizon", "assets.BTC.initial.volatilityScaling" },
        { "vol z negative", "assets.BTC.maintenance.volatilityScaling.z" },
        { "vol horizon zero", "assets.BTC.maintenance.volatilityScaling.horizonYears" },
        { "depth zero", "assets.BTC.depthUsd" },
        { "depth negative", "assets.BTC.depthUsd" },
        { "lot size zero", "assets.BTC.lotSize" },
        { "borrowable without rates", "assets.USDC.borrow.initialRate" },
        { "borrowable without rates", "assets.USDC.borrow.maintenanceRate" },
        { "borrow imr below mmr", "assets.USDC.borrow.initialRate" },
        { "asset twice", "assets.BTC" },
        { "asset without symbol", "assets" },
        { "no brackets", "instruments.BTC-PERP.brackets" },
        { "empty brackets", "instruments.BTC-PERP.brackets" },
        { "bracket mmr zero", "instruments.BTC-PERP.brackets[0].maintenanceRate" },
        { "bracket imr above one", "instruments.BTC-PERP.brackets[0].initialRate" },
        { "bracket imr below mmr", "instruments.BTC-PERP.brackets[0].initialRate" },
        { "bracket rates fall", "instruments.BTC-PERP.brackets[1]" },
        { "bracket caps not ascending", "instruments.BTC-PERP.brackets[1].notionalCap" },
        { "bracket unbounded not last", "instruments.BTC-PERP.brackets[0].notionalCap" },
        { "instrument underlying unknown", "instruments.SOL-PERP.underlying" },
        { "instrument twice", "instruments.BTC-PERP" },
        { "option without rules", "instruments.BTC-C-60000.shortOption" },
        { "short a above one", "instruments.BTC-C-60000.shortOption.maintenance.a" },
        { "short b above a", "instruments.BTC-C-60000.shortOption.initial.b" },
        { "short b negative", "instruments.BTC-C-60000.shortOption.maintenance.b" },
        { "short initial less strict", "instruments.BTC-C-60000.shortOption.initial" },
        { "warning above call", "thresholds.warning" },
        { "warning zero", "thresholds.warning" },
        { "call at one", "thresholds.marginCall" },
        { "buffer at call", "thresholds.targetBuffer" },
        { "buffer negative", "thresholds.targetBuffer" },
        { "pnl weight above one", "pnlWeights.positivePnlMaintenance" },
        { "pnl initial above maintenance", "pnlWeights.positivePnlInitial" },
        { "long option initial above maintenance", "pnlWeights.longOptionInitial" },
        { "long option weight negative", "pnlWeights.longOptionInitial" },
    };

    [Fact]
    public void Create_ValidParameters_KeepsEveryValue()
    {
        var parameters = Draft.Valid().Create();

        Assert.Equal("params-v1", parameters.Version);
        Assert.Equal(TestBook.Usd, parameters.Settlement);
        Assert.Equal(["BTC", "ETH", "USD", "USDC"], parameters.Assets.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["BTC-C-60000", "BTC-PERP"], parameters.Instruments.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(6, parameters.MoneyDecimals);
        Assert.False(parameters.KillSwitch);
        Assert.Equal(new StatusThresholds(), parameters.Thresholds);
        Assert.Equal(new PnlWeights(), parameters.PnlWeights);
    }

    [Fact]
    public void Create_EveryMutation_HasATableRow() =>
        Assert.Empty(s_mutations.Keys.Except(ProblemCases.Select(row => (string)row[0]), StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(ProblemCases))]
    public void Create_BrokenRule_ReportsAProblemNamingTheParameter(string mutation, string expectedPath)
    {
        var draft = s_mutations[mutation](Draft.Valid());

        var ex = Assert.Throws<InvalidRiskParametersException>(() => draft.Create());

        Assert.Contains(ex.Problems, p => p.Parameter == expectedPath);
        Assert.Contains(expectedPath, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_SeveralBrokenRules_ReportsEveryProblem()
    {
        var draft = Draft.Valid();
        foreach (var name in new[] { "version empty", "tiers not ascending", "borrowable without rates", "bracket rates fall", "short b above a", "call at one", "pnl weight above one" })
        {
            draft = s_mutations[name](draft);
        }

        var ex = Assert.Throws<InvalidRiskParametersException>(() => draft.Create());

        string[] expected =
        [
            "version",
            "assets.BTC.maintenance.tiers[1].upToUsd",
            "assets.USDC.borrow.initialRate",
            "assets.USDC.borrow.maintenanceRate",
            "instruments.BTC-PERP.brackets[1]",
            "instruments.BTC-C-60000.shortOption.initial.b",
            "thresholds.marginCall",
            "pnlWeights.positivePnlMaintenance",
        ];
        Assert.All(expected, path => Assert.Contains(ex.Problems, p => p.Parameter == path));
        Assert.Contains($"({ex.Problems.Length} problems)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_TiersLeftAtDefault_AreTreatedAsNoTiers()
    {
        // ImmutableArray's default (e.g. from a deserializer) must read as "no tiers", as the engine reads it, rather
        // than crash the validation with a NullReferenceException.
        var draft = Draft.Valid().Usdc(a => a with { Initial = a.Initial with { Tiers = default }, Maintenance = a.Maintenance with { Tiers = default } });

        var parameters = draft.Create();

        Assert.Equal(1m, parameters.Assets["USDC"].Maintenance.AssetWeight);
    }

    [Fact]
    public void Create_SizePremiumArithmeticDiffersBetweenLevels_ReportsTheInitialSizePremium()
    {
        // With the same IMF, Drift's floored integer weights are below the decimal ones (5,355 vs 5,355.16... at size
        // 1,234.5678, see CollateralWeightsTests), so a decimal initial level over an integer maintenance level would be
        // more generous than maintenance.
        var draft = Draft.Valid().Btc(a => a with
        {
            Initial = a.Initial with { SizePremium = new SizePremium(0.002m) },
            Maintenance = a.Maintenance with { SizePremium = new SizePremium(0.002m, DriftIntegerArithmetic: true) },
        });

        var ex = Assert.Throws<InvalidRiskParametersException>(() => draft.Create());

        Assert.Contains(ex.Problems, p => p.Parameter == "assets.BTC.initial.sizePremium");
        Assert.True(
            CollateralWeights.SizePremiumAssetWeight(1m, new SizePremium(0.03m), 1_234.5678m)
            > CollateralWeights.SizePremiumAssetWeight(1m, new SizePremium(0.03m, DriftIntegerArithmetic: true), 1_234.5678m));
    }

    [Fact]
    public void Create_UnboundedMiddleBracketWithRatesInPercent_ReportsProblemsInsteadOfOverflowing()
    {
        // A middle bracket without a cap and rates typed in percent (2 for 2 %): deriving cum(1) from an unbounded cap
        // (decimal.MaxValue * 1.5) overflowed in the builder, so Create never got to list the problems.
        var draft = Draft.Valid().Perp(p => p with { Brackets = RiskParameters.Brackets(new MarginBracket(null, 0.5m, 0.5m), new MarginBracket(null, 2m, 2m)) });

        var ex = Assert.Throws<InvalidRiskParametersException>(() => draft.Create());

        Assert.Contains(ex.Problems, p => p.Parameter == "instruments.BTC-PERP.brackets[0].notionalCap");
        Assert.Contains(ex.Problems, p => p.Parameter == "instruments.BTC-PERP.brackets[1].initialRate");
        Assert.Contains(ex.Problems, p => p.Parameter == "instruments.BTC-PERP.brackets[1].maintenanceRate");
    }

    [Fact]
    public void InvalidRiskParametersException_Problems_FormatAsPathAndProblem()
    {
        var problem = new ParameterProblem("assets.BTC.depthUsd", "must be positive (got 0)");

        Assert.Equal("assets.BTC.depthUsd: must be positive (got 0)", problem.ToString());
    }

    /// <summary>A valid parameter set to break one rule at a time.</summary>
    private sealed record Draft(string Version, Asset Settlement, ImmutableList<AssetRiskParameters> Assets, ImmutableList<InstrumentRiskParameters> Instruments, StatusThresholds Thresholds, PnlWeights Pnl, int MoneyDecimals)
    {
        public static Draft Valid()
        {
            // BTC uses every form; initial is stricter than maintenance in each.
            var btc = TestBook.BtcParameters() with
            {
                Maintenance = new WeightSchedule
                {
                    AssetWeight = 0.95m,
                    LiabilityWeight = 1.05m,
                    Tiers = [new(1_000_000m, 1m), new(5_000_000m, 0.8m), new(null, 0.5m)],
                    SizePremium = new SizePremium(0.001m),
                    VolatilityScaling = new VolatilityScaling(2m, 0.01m),
                },
                Initial = new WeightSchedule
                {
                    AssetWeight = 0.9m,
                    LiabilityWeight = 1.1m,
                    Tiers = [new(1_000_000m, 0.95m), new(5_000_000m, 0.75m), new(null, 0.45m)],
                    SizePremium = new SizePremium(0.002m),
                    VolatilityScaling = new VolatilityScaling(2.5m, 0.01m),
                },
            };

            return new Draft(
                "params-v1",
                TestBook.Usd,
                [TestBook.UsdParameters(), TestBook.UsdcParameters(), btc, TestBook.EthParameters()],
                [TestBook.BtcPerp(), TestBook.Option("BTC-C-60000", OptionRight.Call, 60_000m)],
                new StatusThresholds(),
                new PnlWeights(),
                6);
        }

        public RiskParameters Create() => RiskParameters.Create(Version, Settlement, Assets, Instruments, Thresholds, Pnl, MoneyDecimals);

        public Draft Btc(Func<AssetRiskParameters, AssetRiskParameters> change) => Asset("BTC", change);

        public Draft Usdc(Func<AssetRiskParameters, AssetRiskParameters> change) => Asset("USDC", change);

        public Draft Perp(Func<InstrumentRiskParameters, InstrumentRiskParameters> change) => Instrument("BTC-PERP", change);

        public Draft Option(Func<InstrumentRiskParameters, InstrumentRiskParameters> change) => Instrument("BTC-C-60000", change);

        private Draft Asset(string symbol, Func<AssetRiskParameters, AssetRiskParameters> change) =>
            this with { Assets = [.. Assets.Select(a => a.Asset.Symbol == symbol ? change(a) : a)] };

        private Draft Instrument(string id, Func<InstrumentRiskParameters, InstrumentRiskParameters> change) =>
            this with { Instruments = [.. Instruments.Select(i => i.Instrument.Id == id ? change(i) : i)] };
    }
}
