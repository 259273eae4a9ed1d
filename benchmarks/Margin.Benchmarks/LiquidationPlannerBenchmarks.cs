using BenchmarkDotNet.Attributes;
using Margin.Engine.Accounts;
using Margin.Engine.Domain;
using Margin.Engine.Evaluation;
using Margin.Engine.Liquidation;
using Margin.Engine.Results;

namespace Margin.Benchmarks;

/// <summary>
/// Plans for liquidatable accounts of the standard shape: the benchmark book's accounts with their collateral cut to
/// 4 %, keeping those that come out Liquidatable (not bankrupt): 5 accounts of 2 to 16 legs, moves of 1,000 USD (tiny
/// lot sizes), one of which cannot reach its target and so runs the exchange fallback.
/// </summary>
[MemoryDiagnoser]
public class LiquidationPlannerBenchmarks
{
    private MarginModel _model = null!;
    private Account[] _accounts = null!;
    private PlannerOptions _options = null!;

    [GlobalSetup]
    public void Setup()
    {
        _model = MarginModel.Create(BenchmarkBook.Snapshot(), BenchmarkBook.Parameters());
        _options = PlannerOptions.Create(feeRate: 0.0005m, maxImpact: 0.2m, maxOrderUsd: 5_000_000m, minOrderUsd: 10m, settlementAsset: Asset.Of("USDT"), moveUsd: 1_000m);
        _accounts = BenchmarkBook.Accounts(2_048, seed: 7)
            .Select(a => Account.Create(a.Id, a.Version, a.Mode, a.Balances.Select(b => b with { Quantity = decimal.Round(b.Quantity * 0.04m, 6) }), a.Positions))
            .Where(a => _model.EvaluateSummary(a).Status == MarginStatus.Liquidatable)
            .Take(64)
            .ToArray();
        if (_accounts.Length == 0)
        {
            throw new InvalidOperationException("the generated book has no liquidatable account; adjust the collateral cut");
        }
    }

    /// <summary>One plan per liquidatable account.</summary>
    [Benchmark]
    public int PlanLiquidatableAccounts()
    {
        var legs = 0;
        foreach (var account in _accounts)
        {
            legs += LiquidationPlanner.Plan(_model, account, _options).Legs.Length;
        }

        return legs;
    }
}
