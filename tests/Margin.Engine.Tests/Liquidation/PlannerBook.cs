using Margin.Engine.Accounts;
using Margin.Engine.Domain;
using Margin.Engine.Evaluation;
using Margin.Engine.Instruments;
using Margin.Engine.Parameters;
using Margin.Engine.Prices;

namespace Margin.Engine.Tests.Liquidation;

/// <summary>The liquidation tests' own book, so that changes to the shared test book cannot move these hand-checked figures.</summary>
/// <remarks>
/// Maintenance weights (initial in brackets): USD settlement 1 / 1 (1 / 1), borrow IMR 0.10 MMR 0.05, lot 0.01, depth 1e12;
/// BTC w 0.9 (0.8), l 1.1 (1.2), borrow 0.2 / 0.1, lot 0.01 and depth 10,000,000 (both configurable), P 50,000;
/// ETH w 0.9 (0.8), l 1.1 (1.2), borrow 0.2 / 0.1, lot 0.1, depth 5,000,000 (configurable), P 2,000;
/// DOGE w 0.5 (0.4), lot 1, depth 1,000,000, P 0.1, kill switch on.
/// ETH-PERP linear, lot 0.1, one bracket IMR 0.10 MMR 0.05, mark 2,000. Thresholds 0.8 / 0.9 / buffer 0.1: r* = 0.8.
/// Dependency materiality 0.5, so a minor DOGE holding does not raise the KillSwitch flag.
/// </remarks>
internal static class PlannerBook
{
    public static readonly Asset Usd = Asset.Of("USD");
    public static readonly Asset Btc = Asset.Of("BTC");
    public static readonly Asset Eth = Asset.Of("ETH");
    public static readonly Asset Doge = Asset.Of("DOGE");
    public static readonly DateTimeOffset AsOf = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static MarginModel Model(decimal btcDepth = 10_000_000m, decimal ethDepth = 5_000_000m, decimal btcLot = 0.01m)
    {
        static WeightSchedule Flat(decimal w, decimal l) => new() { AssetWeight = w, LiabilityWeight = l };
        var assets = new[]
        {
            new AssetRiskParameters { Asset = Usd, Initial = Flat(1m, 1m), Maintenance = Flat(1m, 1m), DepthUsd = 1_000_000_000_000m, LotSize = 0.01m, Borrow = new BorrowRequirement(0.10m, 0.05m) },
            new AssetRiskParameters { Asset = Btc, Initial = Flat(0.8m, 1.2m), Maintenance = Flat(0.9m, 1.1m), DepthUsd = btcDepth, LotSize = btcLot, Borrow = new BorrowRequirement(0.2m, 0.1m) },
            new AssetRiskParameters { Asset = Eth, Initial = Flat(0.8m, 1.2m), Maintenance = Flat(0.9m, 1.1m), DepthUsd = ethDepth, LotSize = 0.1m, Borrow = new BorrowRequirement(0.2m, 0.1m) },
            new AssetRiskParameters { Asset = Doge, Initial = Flat(0.4m, 1.2m), Maintenance = Flat(0.5m, 1.1m), DepthUsd = 1_000_000m, LotSize = 1m, KillSwitch = true },
        };
        var instruments = new[]
        {
            new InstrumentRiskParameters { Instrument = new Perpetual("ETH-PERP", Eth, ContractType.Linear, lotSize: 0.1m), Brackets = RiskParameters.Brackets(new MarginBracket(null, 0.10m, 0.05m)) },
        };
        var parameters = RiskParameters.Create("plan-params-1", Usd, assets, instruments, new StatusThresholds(0.8m, 0.9m, 0.1m), dependencyMateriality: 0.5m);
        var snapshot = PriceSnapshot.Create(
            "plan-snap-1",
            AsOf,
            Usd,
            [
                AssetPrice.Create(Usd, 1m, AsOf),
                AssetPrice.Create(Btc, 50_000m, AsOf),
                AssetPrice.Create(Eth, 2_000m, AsOf),
                AssetPrice.Create(Doge, 0.1m, AsOf),
            ],
            [InstrumentPrice.Create("ETH-PERP", 2_000m)]);
        return MarginModel.Create(snapshot, parameters);
    }

    /// <summary>Tiered collateral (P 100, lot 10): flat w 1, tiers 1.0 to 3,000 USD, 0.8 to 6,000, 0.5 beyond.</summary>
    public static readonly Asset Tier = Asset.Of("TIR");

    /// <summary>IMF collateral (P 50, lot 20): w 0.95, decimal size premium imf 0.02 (w = min(0.95, 1.1 / (1 + 0.02 * sqrt(q)))).</summary>
    public static readonly Asset Imf = Asset.Of("IMF");

    /// <summary>Volatility-scaled collateral (P 200, lot 5): w 0.9, z 2, T 0.01, sigma_long 0.8 (h0 0.16), depth-scaled.</summary>
    public static readonly Asset Vol = Asset.Of("VOL");

    /// <summary>Borrowable, flat (P 1,000, lot 1): l 1.1, borrow 0.2 / 0.1.</summary>
    public static readonly Asset Brw = Asset.Of("BRW");

    /// <summary>Borrowable, volatility-scaled liability (P 500, lot 2): l 1.1, z 2, T 0.01, sigma_long 0.8, borrow 0.2 / 0.1.</summary>
    public static readonly Asset Brv = Asset.Of("BRV");

    /// <summary>
    /// The heuristic-case book: USD settlement and the five assets above, each lot worth 1,000 USD, with the given depths
    /// (TIR, IMF, VOL, BRW, BRV). Initial weights equal the maintenance ones. Thresholds 0.8 / 0.9 / buffer 0.1: r* = 0.8.
    /// </summary>
    /// <remarks>
    /// With <paramref name="portfolio"/>, portfolio mode is offered: TIR and VOL are revalued on grids (TIR +/-10 %, VOL
    /// +/-20 %, 3 points, no shocks) and count without haircut, BRV is revalued on a +/-20 % grid as a liability; IMF and
    /// BRW keep their weights; perfectly correlated (no correlations in the snapshot), IM = 1.2 MM.
    /// </remarks>
    public static MarginModel HeuristicModel(decimal tierDepth, decimal imfDepth, decimal volDepth, decimal brwDepth, decimal brvDepth, bool portfolio = false)
    {
        var tiered = new WeightSchedule { AssetWeight = 1m, LiabilityWeight = 1m, Tiers = [new WeightTier(3_000m, 1m), new WeightTier(6_000m, 0.8m), new WeightTier(null, 0.5m)] };
        var imf = new WeightSchedule { AssetWeight = 0.95m, LiabilityWeight = 1.05m, SizePremium = new SizePremium(0.02m) };
        var vol = new WeightSchedule { AssetWeight = 0.9m, LiabilityWeight = 1.1m, VolatilityScaling = new VolatilityScaling(2m, 0.01m) };
        var flat = new WeightSchedule { AssetWeight = 0.9m, LiabilityWeight = 1.1m };
        var one = new WeightSchedule { AssetWeight = 1m, LiabilityWeight = 1m };
        var assets = new[]
        {
            new AssetRiskParameters { Asset = Usd, Initial = one, Maintenance = one, DepthUsd = 1_000_000_000_000m, LotSize = 0.01m, Borrow = new BorrowRequirement(0.10m, 0.05m) },
            new AssetRiskParameters { Asset = Tier, Initial = tiered, Maintenance = tiered, DepthUsd = tierDepth, LotSize = 10m },
            new AssetRiskParameters { Asset = Imf, Initial = imf, Maintenance = imf, DepthUsd = imfDepth, LotSize = 20m },
            new AssetRiskParameters { Asset = Vol, Initial = vol, Maintenance = vol, DepthUsd = volDepth, LotSize = 5m },
            new AssetRiskParameters { Asset = Brw, Initial = flat, Maintenance = flat, DepthUsd = brwDepth, LotSize = 1m, Borrow = new BorrowRequirement(0.2m, 0.1m) },
            new AssetRiskParameters { Asset = Brv, Initial = vol, Maintenance = vol, DepthUsd = brvDepth, LotSize = 2m, Borrow = new BorrowRequirement(0.2m, 0.1m) },
        };
        static UnderlyingRiskParameters Grid(Asset asset, double range) => new()
        {
            Asset = asset,
            Grid = Margin.Engine.Portfolio.ScenarioGridSettings.Create(range, 3, 0.0, 0.3, 0.13, 0.1, []),
        };

        var grids = portfolio ? PortfolioParameters.Create([Grid(Tier, 0.1), Grid(Vol, 0.2), Grid(Brv, 0.2)], initialMultiplier: 1.2m) : null;
        var parameters = RiskParameters.Create("plan-heur-1", Usd, assets, [], new StatusThresholds(0.8m, 0.9m, 0.1m), dependencyMateriality: 0.5m, portfolio: grids);
        var snapshot = PriceSnapshot.Create(
            "plan-heur-snap-1",
            AsOf,
            Usd,
            [
                AssetPrice.Create(Usd, 1m, AsOf),
                AssetPrice.Create(Tier, 100m, AsOf),
                AssetPrice.Create(Imf, 50m, AsOf),
                AssetPrice.Create(Vol, 200m, AsOf, sigmaLong: 0.8),
                AssetPrice.Create(Brw, 1_000m, AsOf),
                AssetPrice.Create(Brv, 500m, AsOf, sigmaLong: 0.8),
            ],
            []);
        return MarginModel.Create(snapshot, parameters);
    }

    /// <summary>
    /// The mixed book for reductions and the incremental evaluator: USD (borrowable), BTC (P 50,000, lot 0.01, depth
    /// 2,000,000, maintenance w 0.9 with tiers 1.0 to 20,000 USD, 0.85 to 60,000, 0.7 beyond; l 1.1; borrow 0.2 / 0.1),
    /// ETH (P 2,000, lot 0.1, depth 1,000,000, w 0.9 and IMF 0.02; l 1.1, borrow 0.2 / 0.1), SOL (P 100, lot 1, depth
    /// 500,000, volatility-scaled w 0.85, z 2, T 0.01, sigma 0.8, not borrowable). Instruments: ETH-PERP linear (lot 0.1,
    /// brackets 20,000: 2 % / 1 %, above 10 % / 5 %, mark 2,000), BTC-INV inverse (lot 100 USD, brackets 20,000: 2 % / 1 %,
    /// above 10 % / 5 %, mark 50,000), BTC-C-55000 and BTC-P-45000 (lot 0.1, multiplier 1, marks 1,500 and 800, short
    /// rules IM 0.15 / 0.10, MM 0.075 / 0.05). Positive PnL counts at 0.9, long options at 0.8 (maintenance).
    /// Thresholds 0.8 / 0.9 / buffer 0.1: r* = 0.8.
    /// </summary>
    /// <remarks>
    /// With <paramref name="portfolio"/>: BTC (+/-15 %, 5 points, a 60 % flat volatility surface for the options) and ETH
    /// (+/-20 %, 5 points) get grids; SOL keeps its weights; IM = 1.3 MM.
    /// </remarks>
    public static MarginModel MixedModel(bool portfolio = false)
    {
        var tiered = new WeightSchedule { AssetWeight = 0.9m, LiabilityWeight = 1.1m, Tiers = [new WeightTier(20_000m, 1m), new WeightTier(60_000m, 0.85m), new WeightTier(null, 0.7m)] };
        var tieredInitial = new WeightSchedule { AssetWeight = 0.8m, LiabilityWeight = 1.2m, Tiers = [new WeightTier(20_000m, 0.9m), new WeightTier(60_000m, 0.75m), new WeightTier(null, 0.6m)] };
        var imf = new WeightSchedule { AssetWeight = 0.9m, LiabilityWeight = 1.1m, SizePremium = new SizePremium(0.02m) };
        var imfInitial = new WeightSchedule { AssetWeight = 0.8m, LiabilityWeight = 1.2m, SizePremium = new SizePremium(0.02m) };
        var vol = new WeightSchedule { AssetWeight = 0.85m, LiabilityWeight = 1.15m, VolatilityScaling = new VolatilityScaling(2m, 0.01m) };
        var one = new WeightSchedule { AssetWeight = 1m, LiabilityWeight = 1m };
        var assets = new[]
        {
            new AssetRiskParameters { Asset = Usd, Initial = one, Maintenance = one, DepthUsd = 1_000_000_000_000m, LotSize = 0.01m, Borrow = new BorrowRequirement(0.10m, 0.05m) },
            new AssetRiskParameters { Asset = Btc, Initial = tieredInitial, Maintenance = tiered, DepthUsd = 2_000_000m, LotSize = 0.01m, Borrow = new BorrowRequirement(0.2m, 0.1m) },
            new AssetRiskParameters { Asset = Eth, Initial = imfInitial, Maintenance = imf, DepthUsd = 1_000_000m, LotSize = 0.1m, Borrow = new BorrowRequirement(0.2m, 0.1m) },
            new AssetRiskParameters { Asset = Sol, Initial = vol, Maintenance = vol, DepthUsd = 500_000m, LotSize = 1m },
        };
        var brackets = RiskParameters.Brackets(new MarginBracket(20_000m, 0.02m, 0.01m), new MarginBracket(null, 0.10m, 0.05m));
        var expiry = AsOf.AddDays(60);
        var instruments = new[]
        {
            new InstrumentRiskParameters { Instrument = new Perpetual("ETH-PERP", Eth, ContractType.Linear, lotSize: 0.1m), Brackets = brackets },
            new InstrumentRiskParameters { Instrument = new Perpetual("BTC-INV", Btc, ContractType.Inverse, lotSize: 100m), Brackets = brackets },
            new InstrumentRiskParameters { Instrument = new EuropeanOption("BTC-C-55000", Btc, OptionRight.Call, 55_000m, expiry), ShortOptionInitial = new ShortOptionRule(0.15m, 0.10m), ShortOptionMaintenance = new ShortOptionRule(0.075m, 0.05m) },
            new InstrumentRiskParameters { Instrument = new EuropeanOption("BTC-P-45000", Btc, OptionRight.Put, 45_000m, expiry), ShortOptionInitial = new ShortOptionRule(0.15m, 0.10m), ShortOptionMaintenance = new ShortOptionRule(0.075m, 0.05m) },
        };
        var grids = portfolio
            ? PortfolioParameters.Create(
                [
                    new UnderlyingRiskParameters { Asset = Btc, Grid = Margin.Engine.Portfolio.ScenarioGridSettings.Create(0.15, 5, 0.3, 0.3, 0.13, 0.1, []), Surface = new VolatilitySurface { AtTheMoney = [new VolatilityPoint(30, 0.6)] } },
                    new UnderlyingRiskParameters { Asset = Eth, Grid = Margin.Engine.Portfolio.ScenarioGridSettings.Create(0.2, 5, 0.3, 0.3, 0.13, 0.1, []) },
                ],
                initialMultiplier: 1.3m)
            : null;
        var parameters = RiskParameters.Create("plan-mixed-1", Usd, assets, instruments, new StatusThresholds(0.8m, 0.9m, 0.1m), new PnlWeights(0.8m, 0.9m, 0.7m, 0.8m), dependencyMateriality: 0.5m, portfolio: grids);
        var snapshot = PriceSnapshot.Create(
            "plan-mixed-snap-1",
            AsOf,
            Usd,
            [
                AssetPrice.Create(Usd, 1m, AsOf),
                AssetPrice.Create(Btc, 50_000m, AsOf),
                AssetPrice.Create(Eth, 2_000m, AsOf),
                AssetPrice.Create(Sol, 100m, AsOf, sigmaLong: 0.8),
            ],
            [InstrumentPrice.Create("ETH-PERP", 2_000m), InstrumentPrice.Create("BTC-INV", 50_000m), InstrumentPrice.Create("BTC-C-55000", 1_500m), InstrumentPrice.Create("BTC-P-45000", 800m)]);
        return MarginModel.Create(snapshot, parameters);
    }

    /// <summary>Volatility-scaled collateral of <see cref="MixedModel"/>.</summary>
    public static readonly Asset Sol = Asset.Of("SOL");

    public static Account AccountOf(IEnumerable<Balance> balances, params Position[] positions) =>
        Account.Create("plan-acct", 3, MarginMode.Standard, balances, positions);

    public static Account AccountIn(MarginMode mode, IEnumerable<Balance> balances) =>
        Account.Create("plan-acct", 3, mode, balances, []);
}
