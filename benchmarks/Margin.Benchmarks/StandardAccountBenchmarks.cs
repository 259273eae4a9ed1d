using BenchmarkDotNet.Attributes;
using Margin.Engine.Accounts;
using Margin.Engine.Evaluation;
using Margin.Engine.Results;

namespace Margin.Benchmarks;

/// <summary>
/// One core, one account at a time, cycling through 1,024 distinct standard accounts
/// (8 tiered collateral assets, 10 bracketed linear perpetuals) so that the caches see a book, not one hot account.
/// </summary>
[MemoryDiagnoser]
public class StandardAccountBenchmarks
{
    private const int BookSize = 1024;
    private MarginModel _model = null!;
    private Account[] _accounts = null!;

    [GlobalSetup]
    public void Setup()
    {
        _model = MarginModel.Create(BenchmarkBook.Snapshot(), BenchmarkBook.Parameters());
        _accounts = BenchmarkBook.Accounts(BookSize);
    }

    private static readonly EvaluationContext StatusOnly = new(SkipProjection: true);

    /// <summary>Ratios, status and flags without the pre-emptive projection (issue 2's measure; the planner's trial evaluations).</summary>
    [Benchmark(OperationsPerInvoke = BookSize)]
    public double RatioAndStatus()
    {
        var sum = 0d;
        foreach (var account in _accounts)
        {
            var s = _model.EvaluateSummary(account, StatusOnly);
            sum += s.MarginRatio + (int)s.Status;
        }

        return sum;
    }

    /// <summary>Ratios, status and every flag, AtRisk included: the sweep's hot path (the projection is a second evaluation at moved prices).</summary>
    [Benchmark(OperationsPerInvoke = BookSize)]
    public double RatioStatusAndProjection()
    {
        var sum = 0d;
        foreach (var account in _accounts)
        {
            var s = _model.EvaluateSummary(account);
            sum += s.MarginRatio + (int)s.Status + (s.ProjectedRatio ?? 0d);
        }

        return sum;
    }

    /// <summary>The full result: breakdown per asset and position, versions and the reason.</summary>
    [Benchmark(OperationsPerInvoke = BookSize)]
    public int FullBreakdown()
    {
        var n = 0;
        foreach (var account in _accounts)
        {
            MarginResult r = _model.Evaluate(account);
            n += r.Assets.Length;
        }

        return n;
    }

    /// <summary>Building the per-(snapshot, parameters) model, reported separately as the spec asks.</summary>
    [Benchmark]
    public MarginModel BuildModel() => MarginModel.Create(_model.Snapshot, _model.Parameters);
}
