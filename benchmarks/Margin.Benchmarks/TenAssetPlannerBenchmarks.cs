using BenchmarkDotNet.Attributes;
using Margin.Engine.Accounts;
using Margin.Engine.Domain;
using Margin.Engine.Evaluation;
using Margin.Engine.Instruments;
using Margin.Engine.Liquidation;
using Margin.Engine.Parameters;
using Margin.Engine.Prices;
using Margin.Engine.Results;

namespace Margin.Benchmarks;

/// <summary>
/// The issue's planner target: one plan for a 10-asset account that needs at most 50 lots. The book: USD settlement
/// (borrowed), 8 collateral assets (BTC, ETH, SOL, XRP, DOGE, ADA, AVAX, LINK; flat maintenance weights 0.95 to 0.75,
/// BTC and ETH with marginal tiers from 100,000 USD), DOT borrowed (liability weight 1.05, borrow MMR 0.03), and two
/// linear perpetuals (BTC long at a loss, ETH short); one lot is worth about 5,000 USD everywhere, depth 20,000,000 USD
/// per asset, fee 0.05 %, no minimum order. See <see cref="LotsPerPlan"/> for the lots the plan takes.
/// </summary>
[MemoryDiagnoser]
public class TenAssetPlannerBenchmarks
{
    private static readonly (string Symbol, decimal Price, decimal Weight, decimal Lot, decimal Held)[] s_assets =
    [
        ("BTC", 65_000m, 0.95m, 0.08m, 2.2m), ("ETH", 3_400m, 0.95m, 1.5m, 45m), ("SOL", 150m, 0.85m, 33m, 900m),
        ("XRP", 0.6m, 0.8m, 8_000m, 150_000m), ("DOGE", 0.15m, 0.75m, 33_000m, 500_000m), ("ADA", 0.45m, 0.75m, 11_000m, 200_000m),
        ("AVAX", 30m, 0.8m, 160m, 3_000m), ("LINK", 15m, 0.8m, 330m, 5_000m), ("DOT", 6m, 0.8m, 800m, -20_000m),
    ];

    private MarginModel _model = null!;
    private Account _account = null!;
    private PlannerOptions _options = null!;
    private MarginResult _evaluated = null!;

    /// <summary>The lots of the benchmarked plan, for the per-lot figure.</summary>
    public int LotsPerPlan { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        Setup0();
        var usd = Asset.Of("USD");
        _account = Book(usd, Borrowed);
        _evaluated = _model.Evaluate(_account);
        var plan = LiquidationPlanner.Plan(_model, _account, _options);
        LotsPerPlan = plan.Legs.Sum(l => l.Lots);
        if (plan.Before.Status != MarginStatus.Liquidatable || plan.Outcome != PlanOutcome.ReachesTarget || LotsPerPlan > 50)
        {
            throw new InvalidOperationException($"the benchmark book must be liquidatable and need at most 50 lots: {plan.Before.Status}, {plan.Outcome}, {LotsPerPlan} lots");
        }

        Console.WriteLine($"// plan: {LotsPerPlan} lots in {plan.Legs.Length} legs: {string.Join(", ", plan.Legs.Select(l => $"{l.Target} {l.Lots}"))}; cost {plan.TotalCost.Amount}");
    }

    private void Setup0()
    {
        var usd = Asset.Of("USD");
        var asOf = new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
        var tiers = new WeightTier[] { new(100_000m, 0.95m), new(500_000m, 0.9m), new(null, 0.8m) };
        var assets = new List<AssetRiskParameters>
        {
            new() { Asset = usd, DepthUsd = 1_000_000_000_000m, LotSize = 0.01m, Borrow = new BorrowRequirement(0.05m, 0.03m), Initial = new WeightSchedule { AssetWeight = 1m, LiabilityWeight = 1.05m }, Maintenance = new WeightSchedule { AssetWeight = 1m, LiabilityWeight = 1.03m } },
        };
        foreach (var a in s_assets)
        {
            var tiered = a.Symbol is "BTC" or "ETH";
            assets.Add(new AssetRiskParameters
            {
                Asset = Asset.Of(a.Symbol),
                DepthUsd = 20_000_000m,
                LotSize = a.Lot,
                Borrow = new BorrowRequirement(0.05m, 0.03m),
                Initial = new WeightSchedule { AssetWeight = a.Weight - 0.05m, LiabilityWeight = 1.1m, Tiers = tiered ? [.. tiers.Select(t => t with { Rate = t.Rate - 0.05m })] : default },
                Maintenance = new WeightSchedule { AssetWeight = a.Weight, LiabilityWeight = 1.05m, Tiers = tiered ? [.. tiers] : default },
            });
        }

        var instruments = new[]
        {
            new InstrumentRiskParameters { Instrument = new Perpetual("BTC-PERP", Asset.Of("BTC"), ContractType.Linear, lotSize: 0.08m), Brackets = RiskParameters.Brackets(new MarginBracket(250_000m, 0.02m, 0.01m), new MarginBracket(null, 0.05m, 0.025m)) },
            new InstrumentRiskParameters { Instrument = new Perpetual("ETH-PERP", Asset.Of("ETH"), ContractType.Linear, lotSize: 1.5m), Brackets = RiskParameters.Brackets(new MarginBracket(250_000m, 0.02m, 0.01m), new MarginBracket(null, 0.05m, 0.025m)) },
        };
        var parameters = RiskParameters.Create("bench-plan-10", usd, assets, instruments);
        var prices = s_assets.Select(a => AssetPrice.Create(Asset.Of(a.Symbol), a.Price, asOf)).Append(AssetPrice.Create(usd, 1m, asOf));
        var snapshot = PriceSnapshot.Create("snap-plan-10", asOf, usd, prices, [InstrumentPrice.Create("BTC-PERP", 65_000m), InstrumentPrice.Create("ETH-PERP", 3_400m)]);
        _model = MarginModel.Create(snapshot, parameters);
        _options = PlannerOptions.Create(feeRate: 0.0005m, maxImpact: 0.2m, maxOrderUsd: 5_000_000m);
    }

    /// <summary>The USD borrowed: the largest multiple of 5,000 USD for which the plan needs at most 50 lots (found by planning 400,000 to 720,000 in steps of 5,000).</summary>
    public const decimal Borrowed = 590_000m;

    private static Account Book(Asset usd, decimal borrowed) => Account.Create(
        "bench-plan-acct",
        1,
        MarginMode.Standard,
        s_assets.Select(a => new Balance(Asset.Of(a.Symbol), a.Held)).Append(new Balance(usd, -borrowed)),
        [new Position("BTC-PERP", 4m, 68_000m), new Position("ETH-PERP", -60m, 3_300m)]);

    /// <summary>One plan for the 10-asset account, the planner evaluating the account itself first.</summary>
    [Benchmark]
    public LiquidationPlan PlanTenAssetAccount() => LiquidationPlanner.Plan(_model, _account, _options);

    /// <summary>The sweep's path: the account has just been evaluated (its summary is at hand), then planned.</summary>
    [Benchmark]
    public LiquidationPlan PlanEvaluatedTenAssetAccount() => LiquidationPlanner.Plan(_model, _account, _evaluated, _options);
}
