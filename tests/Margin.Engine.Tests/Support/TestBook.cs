using Margin.Engine.Accounts;
using Margin.Engine.Domain;
using Margin.Engine.Evaluation;
using Margin.Engine.Instruments;
using Margin.Engine.Parameters;
using Margin.Engine.Prices;

namespace Margin.Engine.Tests.Support;

/// <summary>
/// The hand-checked book the unit tests share: a few assets, instruments and prices whose arithmetic the tests show in
/// comments. Every figure here is referred to by the tests; change one and the comments there are wrong.
/// </summary>
/// <remarks>
/// Assets (maintenance / initial):
/// USD  settlement, flat 1 / 1, not borrowable.
/// USDC flat w 1 / 0.98, l 1 / 1.02; borrow IMR 0.10, MMR 0.05.
/// BTC  flat w 0.95 / 0.90, l 1.05 / 1.10; borrow IMR 0.20, MMR 0.10.
/// ETH  flat w 0.90 / 0.85, l 1.10 / 1.15; not borrowable.
/// Prices: USD 1; USDC P 1, P_ref 1; BTC P 50,000, P_ref 48,000; ETH P 2,000, P_ref 2,100.
/// Instruments: BTC-PERP linear (brackets 50k: 2 % / 1 %, 250k: 5 % / 2.5 %, above: 10 % / 5 %), mark 50,100;
/// BTC-INV inverse (one bracket 2 % / 1 %), mark 50,000; options on BTC expiring 2025-03-28 with short rules
/// IM (a 0.15, b 0.10), MM (a 0.075, b 0.05).
/// </remarks>
internal static class TestBook
{
    public static readonly Asset Usd = Asset.Of("USD");
    public static readonly Asset Usdc = Asset.Of("USDC");
    public static readonly Asset Btc = Asset.Of("BTC");
    public static readonly Asset Eth = Asset.Of("ETH");

    public static readonly DateTimeOffset AsOf = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset OptionExpiry = new(2025, 3, 28, 8, 0, 0, TimeSpan.Zero);

    public static readonly ShortOptionRule ShortInitial = new(0.15m, 0.10m);
    public static readonly ShortOptionRule ShortMaintenance = new(0.075m, 0.05m);

    public static WeightSchedule Flat(decimal assetWeight, decimal liabilityWeight = 1m) =>
        new() { AssetWeight = assetWeight, LiabilityWeight = liabilityWeight };

    public static AssetRiskParameters AssetParameters(Asset asset, WeightSchedule initial, WeightSchedule maintenance, BorrowRequirement? borrow = null, decimal depthUsd = 1_000_000_000m, bool killSwitch = false) => new()
    {
        Asset = asset,
        Initial = initial,
        Maintenance = maintenance,
        Borrow = borrow,
        DepthUsd = depthUsd,
        KillSwitch = killSwitch,
    };

    public static AssetRiskParameters UsdParameters() => AssetParameters(Usd, Flat(1m), Flat(1m));

    public static AssetRiskParameters UsdcParameters(bool killSwitch = false) =>
        AssetParameters(Usdc, Flat(0.98m, 1.02m), Flat(1m, 1m), new BorrowRequirement(0.10m, 0.05m), killSwitch: killSwitch);

    public static AssetRiskParameters BtcParameters(bool killSwitch = false) =>
        AssetParameters(Btc, Flat(0.90m, 1.10m), Flat(0.95m, 1.05m), new BorrowRequirement(0.20m, 0.10m), killSwitch: killSwitch);

    public static AssetRiskParameters EthParameters(bool killSwitch = false) =>
        AssetParameters(Eth, Flat(0.85m, 1.15m), Flat(0.90m, 1.10m), killSwitch: killSwitch);

    public static IReadOnlyList<AssetRiskParameters> StandardAssets() => [UsdParameters(), UsdcParameters(), BtcParameters(), EthParameters()];

    /// <summary>Binance-like brackets: cum IM 0 / 1,500 / 14,000 and cum MM 0 / 750 / 7,000 (see BracketScheduleTests).</summary>
    public static BracketSchedule BtcPerpBrackets() => RiskParameters.Brackets(
        new MarginBracket(50_000m, 0.02m, 0.01m),
        new MarginBracket(250_000m, 0.05m, 0.025m),
        new MarginBracket(null, 0.10m, 0.05m));

    public static InstrumentRiskParameters BtcPerp() => new()
    {
        Instrument = new Perpetual("BTC-PERP", Btc, ContractType.Linear),
        Brackets = BtcPerpBrackets(),
    };

    public static InstrumentRiskParameters BtcInverse() => new()
    {
        Instrument = new Perpetual("BTC-INV", Btc, ContractType.Inverse, lotSize: 1m),
        Brackets = RiskParameters.Brackets(new MarginBracket(null, 0.02m, 0.01m)),
    };

    public static InstrumentRiskParameters Option(string id, OptionRight right, decimal strike, DateTimeOffset? expiry = null, decimal multiplier = 1m) => new()
    {
        Instrument = new EuropeanOption(id, Btc, right, strike, expiry ?? OptionExpiry, multiplier),
        ShortOptionInitial = ShortInitial,
        ShortOptionMaintenance = ShortMaintenance,
    };

    public static IReadOnlyList<InstrumentRiskParameters> StandardInstruments() =>
    [
        BtcPerp(),
        BtcInverse(),
        Option("BTC-C-60000", OptionRight.Call, 60_000m),
        Option("BTC-C-45000", OptionRight.Call, 45_000m),
        Option("BTC-P-40000", OptionRight.Put, 40_000m),
        Option("BTC-P-48000", OptionRight.Put, 48_000m),
        Option("BTC-C-EXPIRED", OptionRight.Call, 60_000m, AsOf),
        new InstrumentRiskParameters { Instrument = new Future("BTC-FUT-0101", Btc, ContractType.Linear, AsOf.AddDays(-1)), Brackets = BtcPerpBrackets() },
    ];

    public static RiskParameters BookParameters(IEnumerable<AssetRiskParameters>? assets = null, IEnumerable<InstrumentRiskParameters>? instruments = null, PnlWeights? pnlWeights = null, int moneyDecimals = 8, bool killSwitch = false, StatusThresholds? thresholds = null, decimal dependencyMateriality = 0.01m) =>
        RiskParameters.Create("test-params-1", Usd, assets ?? StandardAssets(), instruments ?? StandardInstruments(), thresholds, pnlWeights, moneyDecimals, killSwitch, dependencyMateriality);

    public static AssetPrice Price(Asset asset, decimal price, decimal? reference = null, string? unusable = null, double? sigmaLong = null) =>
        AssetPrice.Create(asset, price, AsOf, reference, unusableReason: unusable, sigmaLong: sigmaLong);

    public static IReadOnlyList<AssetPrice> StandardPrices() =>
    [
        Price(Usd, 1m),
        Price(Usdc, 1m),
        Price(Btc, 50_000m, 48_000m),
        Price(Eth, 2_000m, 2_100m),
    ];

    public static IReadOnlyList<InstrumentPrice> StandardMarks() =>
    [
        InstrumentPrice.Create("BTC-PERP", 50_100m),
        InstrumentPrice.Create("BTC-INV", 50_000m),
        InstrumentPrice.Create("BTC-C-60000", 1_000m, 0.6),
        InstrumentPrice.Create("BTC-C-45000", 6_000m, 0.6),
        InstrumentPrice.Create("BTC-P-40000", 500m, 0.6),
        InstrumentPrice.Create("BTC-P-48000", 1_200m, 0.6),
        InstrumentPrice.Create("BTC-C-EXPIRED", 1m),
        InstrumentPrice.Create("BTC-FUT-0101", 50_000m),
    ];

    public static PriceSnapshot Snapshot(IEnumerable<AssetPrice>? prices = null, IEnumerable<InstrumentPrice>? marks = null, IEnumerable<PriceDefect>? defects = null, string? unusable = null) =>
        PriceSnapshot.Create("snap-1", AsOf, Usd, prices ?? StandardPrices(), marks ?? StandardMarks(), defects, unusable);

    public static MarginModel Model(RiskParameters? parameters = null, PriceSnapshot? snapshot = null) =>
        MarginModel.Create(snapshot ?? Snapshot(), parameters ?? BookParameters());

    public static Account AccountOf(params Balance[] balances) => Account.Create("acct-1", 7, MarginMode.Standard, balances, []);

    public static Account AccountOf(IEnumerable<Balance> balances, params Position[] positions) =>
        Account.Create("acct-1", 7, MarginMode.Standard, balances, positions);

    public static Balance Holding(Asset asset, decimal quantity) => new(asset, quantity);
}
