using BenchmarkDotNet.Attributes;
using Margin.Engine.Accounts;
using Margin.Engine.Domain;
using Margin.Engine.Evaluation;
using Margin.Engine.Instruments;
using Margin.Engine.Parameters;
using Margin.Engine.Portfolio;
using Margin.Engine.Prices;
using Margin.Engine.Statistics;

namespace Margin.Benchmarks;

/// <summary>
/// Portfolio mode on the shape: 3 underlyings (BTC, ETH, SOL), each with a 21-point grid times vol Up / Same /
/// Down plus 8 extended moves (71 scenarios); 30 options (10 per underlying, 2 expiries, calls and puts across strikes)
/// and 4 futures; a book of 256 accounts drawn from that shape with random sizes. The scenario cache is built once in
/// setup (warm), and its build is measured separately by <see cref="BuildModelWithScenarioCache"/>.
/// </summary>
[MemoryDiagnoser]
public class PortfolioAccountBenchmarks
{
    private const int BookSize = 256;
    private static readonly DateTimeOffset AsOf = new(2026, 1, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly (string Symbol, decimal Price)[] Underlyings = [("BTC", 90_000m), ("ETH", 3_000m), ("SOL", 150m)];

    private MarginModel _model = null!;
    private Account[] _accounts = null!;

    /// <summary>The snapshot of the benchmark.</summary>
    public static PriceSnapshot Snapshot()
    {
        var assets = new List<AssetPrice> { AssetPrice.Create(Asset.Of("USDT"), 1m, AsOf) };
        var marks = new List<InstrumentPrice>();
        foreach (var (symbol, price) in Underlyings)
        {
            assets.Add(AssetPrice.Create(Asset.Of(symbol), price, AsOf, sigmaShort: 0.7, sigmaLong: 0.6));
            foreach (var (id, _, _, _) in Options(symbol, price))
            {
                marks.Add(InstrumentPrice.Create(id, price * 0.05m, 0.55));
            }
        }

        marks.Add(InstrumentPrice.Create("BTC-PERP", 90_010m));
        marks.Add(InstrumentPrice.Create("BTC-FUT-A", 90_500m));
        marks.Add(InstrumentPrice.Create("ETH-PERP", 3_001m));
        marks.Add(InstrumentPrice.Create("SOL-PERP", 150.1m));
        var correlation = CorrelationMatrix.Create([Asset.Of("BTC"), Asset.Of("ETH"), Asset.Of("SOL")], [1.0, 0.8, 0.7, 0.8, 1.0, 0.75, 0.7, 0.75, 1.0]);
        return PriceSnapshot.Create("pm-bench", AsOf, Asset.Of("USD"), assets, marks, correlations: correlation);
    }

    /// <summary>The parameters of the benchmark.</summary>
    public static RiskParameters Parameters()
    {
        var flat = new WeightSchedule { AssetWeight = 1m, LiabilityWeight = 1m };
        var assets = new List<AssetRiskParameters> { new() { Asset = Asset.Of("USDT"), Initial = flat, Maintenance = flat, DepthUsd = 1_000_000_000m } };
        var instruments = new List<InstrumentRiskParameters>();
        var grid = ScenarioGridSettings.Create(0.15, 21, 0.3, 0.3, 0.13, 0.1, [-0.66, -0.5, -0.33, -0.25, 0.25, 0.5, 1.0, 5.0]);
        var underlyings = new List<UnderlyingRiskParameters>();
        var brackets = RiskParameters.Brackets(new MarginBracket(null, 0.02m, 0.01m));
        foreach (var (symbol, price) in Underlyings)
        {
            var asset = Asset.Of(symbol);
            assets.Add(new AssetRiskParameters { Asset = asset, Initial = flat, Maintenance = flat, DepthUsd = 100_000_000m });
            underlyings.Add(new UnderlyingRiskParameters { Asset = asset, Grid = grid, DeltaShockThresholdUsd = 1_000_000m, DeltaShockFraction = 0.01, RollAnnualMove = 0.075, RollMinimumMove = 0.01 });
            foreach (var (id, right, strike, expiry) in Options(symbol, price))
            {
                instruments.Add(new InstrumentRiskParameters { Instrument = new EuropeanOption(id, asset, right, strike, expiry), ShortOptionInitial = new(0.15m, 0.1m), ShortOptionMaintenance = new(0.075m, 0.05m) });
            }

            instruments.Add(new InstrumentRiskParameters { Instrument = new Perpetual($"{symbol}-PERP", asset, ContractType.Linear), Brackets = brackets });
        }

        instruments.Add(new InstrumentRiskParameters { Instrument = new Future("BTC-FUT-A", Asset.Of("BTC"), ContractType.Linear, AsOf.AddDays(30)), Brackets = brackets });
        return RiskParameters.Create("pm-bench-1", Asset.Of("USD"), assets, instruments, portfolio: PortfolioParameters.Create(underlyings, correlationStress: 0.2, sumFloorFraction: 0.5, initialMultiplier: 1.3m));
    }

    /// <summary>Ten options per underlying: five strikes, a call and a put, over two expiries.</summary>
    private static IEnumerable<(string Id, OptionRight Right, decimal Strike, DateTimeOffset Expiry)> Options(string symbol, decimal price)
    {
        for (var k = 0; k < 5; k++)
        {
            var strike = price * (0.8m + (0.1m * k));
            var expiry = AsOf.AddDays(k % 2 == 0 ? 7 : 35);
            yield return ($"{symbol}-C-{k}", OptionRight.Call, strike, expiry);
            yield return ($"{symbol}-P-{k}", OptionRight.Put, strike, expiry);
        }
    }

    /// <summary>A book of portfolio accounts: every option, the three perpetuals and the future, random signed sizes, USDT and coin collateral.</summary>
    public static Account[] Accounts(int count, int seed = 11)
    {
        var random = new Random(seed);
        var accounts = new Account[count];
        for (var i = 0; i < count; i++)
        {
            var positions = new List<Position>();
            foreach (var (symbol, price) in Underlyings)
            {
                var unit = 100_000m / price;
                foreach (var (id, _, _, _) in Options(symbol, price))
                {
                    positions.Add(new Position(id, decimal.Round(unit * (random.Next(-20, 21) / 10m), 4), 0m));
                }

                positions.Add(new Position($"{symbol}-PERP", decimal.Round(unit * (random.Next(-20, 21) / 10m), 4), price));
            }

            positions.Add(new Position("BTC-FUT-A", decimal.Round(random.Next(-20, 21) / 10m, 4), 90_000m));
            accounts[i] = Account.Create(
                $"pm-{i}",
                1,
                MarginMode.Portfolio,
                [new Balance(Asset.Of("USDT"), 2_000_000m + random.Next(0, 1_000_000)), new Balance(Asset.Of("BTC"), random.Next(0, 10))],
                positions);
        }

        return accounts;
    }

    [GlobalSetup]
    public void Setup()
    {
        _model = MarginModel.Create(Snapshot(), Parameters());
        _accounts = Accounts(BookSize);
    }

    /// <summary>Ratios, status and flags with the projection, the cache warm.</summary>
    [Benchmark(OperationsPerInvoke = BookSize)]
    public double PortfolioSummary()
    {
        var sum = 0d;
        foreach (var account in _accounts)
        {
            var s = _model.EvaluateSummary(account);
            sum += s.MarginRatio + (s.ProjectedRatio ?? 0d);
        }

        return sum;
    }

    /// <summary>The full result with the risk-matrix breakdown per underlying.</summary>
    [Benchmark(OperationsPerInvoke = BookSize)]
    public int PortfolioFullBreakdown()
    {
        var n = 0;
        foreach (var account in _accounts)
        {
            n += _model.Evaluate(account).Portfolio!.Underlyings.Length;
        }

        return n;
    }

    /// <summary>Building the model with its scenario cache (71 scenarios x 30 options, plus the projected grids).</summary>
    [Benchmark]
    public MarginModel BuildModelWithScenarioCache() => MarginModel.Create(_model.Snapshot, _model.Parameters);
}
