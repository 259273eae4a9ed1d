using System.Diagnostics;
using Margin.Engine.Liquidation;
using Margin.Infrastructure.Storage;
using Margin.Sweep.Options;
using Margin.Sweep.UseCases;
using Margin.Sweep.Work;

namespace Margin.SweepHarness;

/// <summary>The sweep's computation without storage: every account of the book evaluated on the first sweep's model, and every liquidatable one planned as ProcessShard plans it, each plan timed.</summary>
/// <remarks>Shows how much of a sweep is the engine's CPU, and which accounts' plans dominate it. Single-threaded.</remarks>
internal static class EnginePass
{
    public static EngineFigures Run(SweepModel model, DemoVenue venue, HarnessOptions options, SweepOptions sweep, CancellationToken cancellationToken)
    {
        var planner = PlannerOptions.Create(sweep.PlannerFeeRate, sweep.PlannerMaxImpact, sweep.PlannerMaxOrderUsd, sweep.PlannerMinOrderUsd);
        var evaluate = TimeSpan.Zero;
        var plans = new List<PlanTime>();
        var clock = Stopwatch.StartNew();
        foreach (var account in venue.Book().Generate(options.Accounts, options.Seed))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var start = Stopwatch.GetTimestamp();
            var result = model.Model.Evaluate(account, default);
            evaluate += Stopwatch.GetElapsedTime(start);
            if (!result.Summary.ShouldLiquidate)
            {
                continue;
            }

            start = Stopwatch.GetTimestamp();
            var plan = LiquidationPlanner.Plan(model.Model, account, result, planner, default);
            plans.Add(new PlanTime(account.Id, account.Mode.ToString(), Stopwatch.GetElapsedTime(start).TotalMilliseconds, plan.Legs.Length, plan.Outcome.ToString()));
        }

        // Where the slowest accounts sit in a sweep: their partition and the work item that covers it.
        var partitioner = new AccountPartitioner(options.Partitions);
        var record = new SweepRecord("engine-pass", "engine-pass", "engine-pass", default, default, Math.Min(options.WorkItems, options.Partitions), NoLiquidation: false, options.Partitions);
        var items = StartSweep.WorkItemsOf(record);
        PlanTime Located(PlanTime p)
        {
            var partition = partitioner.PartitionOf(p.AccountId);
            return p with { Partition = partition, WorkItem = items.Select((w, k) => (w, k)).First(x => x.w.PartitionFrom <= partition && partition <= x.w.PartitionTo).k };
        }

        var ms = plans.Select(p => p.Milliseconds).Order().ToArray();
        return new EngineFigures(
            options.Accounts,
            clock.Elapsed.TotalSeconds,
            evaluate.TotalSeconds,
            plans.Count,
            ms.Sum() / 1_000,
            SweepFigures.Percentile(ms, 0.5),
            SweepFigures.Percentile(ms, 0.99),
            [.. plans.OrderByDescending(p => p.Milliseconds).Take(5).Select(Located)]);
    }
}

/// <summary>One plan's time.</summary>
internal sealed record PlanTime(string AccountId, string Mode, double Milliseconds, int Legs, string Outcome, int Partition = -1, int WorkItem = -1);

/// <summary>The engine pass: seconds in all, evaluating, planning; plan count and time percentiles; the slowest plans.</summary>
internal sealed record EngineFigures(int Accounts, double Seconds, double EvaluateSeconds, int Plans, double PlanSeconds, double PlanP50Ms, double PlanP99Ms, IReadOnlyList<PlanTime> Slowest);
