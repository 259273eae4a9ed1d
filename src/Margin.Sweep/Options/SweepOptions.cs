using System.Globalization;

namespace Margin.Sweep.Options;

/// <summary>How sweeps are started and processed (configuration section <c>Sweep</c>).</summary>
/// <remarks>Durations are wall-clock; money in the settlement currency. <see cref="Problems"/> lists every invalid value.</remarks>
public sealed record SweepOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Sweep";

    /// <summary>How many work items (shards) a sweep is split into; at most the partition count.</summary>
    public int WorkItems { get; init; } = 16;

    /// <summary>After this long an unfinished work item counts as abandoned, and a new sweep may start.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>A snapshot older than this runs its sweep in no-liquidation mode (every result <c>PriceSuspect</c>, no orders).</summary>
    public TimeSpan SnapshotMaxAge { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A result is rewritten when its MarginRatio moved more than this (absolute), even with the same status and flags.</summary>
    public double RatioChangeThreshold { get; init; } = 0.01;

    /// <summary>An order nobody has reported on stops counting as open after this long (an accepted or partial fill renews it).</summary>
    public TimeSpan OrderTimeToLive { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>The planner's fee rate (fraction of notional).</summary>
    public decimal PlannerFeeRate { get; init; } = 0.0005m;

    /// <summary>The planner's largest acceptable price impact (fraction).</summary>
    public decimal PlannerMaxImpact { get; init; } = 0.05m;

    /// <summary>The planner's largest order, USD.</summary>
    public decimal PlannerMaxOrderUsd { get; init; } = 5_000_000m;

    /// <summary>The planner's smallest order, USD.</summary>
    public decimal PlannerMinOrderUsd { get; init; } = 10m;

    /// <summary>How many partitions of one work item are processed at once (their storage round trips overlap).</summary>
    public int PartitionConcurrency { get; init; } = 4;

    /// <summary>How many times a partition is re-read and decided again after a concurrent writer won a race.</summary>
    public int MaxCommitAttempts { get; init; } = 5;

    /// <summary>How many status changes per account the history keeps for this long; older ones are pruned when a new one is written.</summary>
    public TimeSpan HistoryRetention { get; init; } = TimeSpan.FromDays(90);

    /// <summary>Every invalid value, naming the option; empty when valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (WorkItems is < 1 or > 100_000)
        {
            problems.Add(Invariant($"{Section}:WorkItems must be in [1, 100000] (got {WorkItems})"));
        }

        Positive(problems, nameof(Deadline), Deadline);
        Positive(problems, nameof(SnapshotMaxAge), SnapshotMaxAge);
        Positive(problems, nameof(OrderTimeToLive), OrderTimeToLive);
        Positive(problems, nameof(HistoryRetention), HistoryRetention);
        if (!double.IsFinite(RatioChangeThreshold) || RatioChangeThreshold < 0)
        {
            problems.Add(Invariant($"{Section}:RatioChangeThreshold must be finite and not negative (got {RatioChangeThreshold})"));
        }

        if (PlannerFeeRate is < 0m or >= 1m)
        {
            problems.Add(Invariant($"{Section}:PlannerFeeRate must be in [0, 1) (got {PlannerFeeRate})"));
        }

        if (PlannerMaxImpact is <= 0m or >= 1m)
        {
            problems.Add(Invariant($"{Section}:PlannerMaxImpact must be in (0, 1) (got {PlannerMaxImpact})"));
        }

        if (PlannerMaxOrderUsd <= 0m || PlannerMinOrderUsd < 0m || PlannerMinOrderUsd > PlannerMaxOrderUsd)
        {
            problems.Add(Invariant($"{Section}:PlannerMinOrderUsd ({PlannerMinOrderUsd}) and PlannerMaxOrderUsd ({PlannerMaxOrderUsd}) must satisfy 0 <= min <= max, max > 0"));
        }

        if (PartitionConcurrency is < 1 or > 64)
        {
            problems.Add(Invariant($"{Section}:PartitionConcurrency must be in [1, 64] (got {PartitionConcurrency})"));
        }

        if (MaxCommitAttempts is < 1 or > 100)
        {
            problems.Add(Invariant($"{Section}:MaxCommitAttempts must be in [1, 100] (got {MaxCommitAttempts})"));
        }

        return problems;
    }

    private static void Positive(List<string> problems, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            problems.Add(Invariant($"{Section}:{name} must be positive (got {value})"));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
