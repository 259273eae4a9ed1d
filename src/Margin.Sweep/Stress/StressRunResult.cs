using System.Collections.Immutable;
using Margin.Engine.Stress;

namespace Margin.Sweep.Stress;

/// <summary>A completed stress run: the scenario as applied, the cascade, the curve, and what it cost to compute.</summary>
/// <remarks>Money in USD; moves as fractions. Stored in the <c>stressruns</c> table (summary, one row per round, one per curve point).</remarks>
public sealed record StressRunResult
{
    /// <summary>The run's id.</summary>
    public required string RunId { get; init; }

    /// <summary>The scenario.</summary>
    public required StressScenario Scenario { get; init; }

    /// <summary>Per asset, the price move applied (fractions), by symbol.</summary>
    public required ImmutableSortedDictionary<string, decimal> PriceMoves { get; init; }

    /// <summary>Per asset, the volatility move applied (fractions), by symbol.</summary>
    public required ImmutableSortedDictionary<string, decimal> VolatilityMoves { get; init; }

    /// <summary>The snapshot shocked.</summary>
    public required string SnapshotId { get; init; }

    /// <summary>The snapshot's time.</summary>
    public required DateTimeOffset SnapshotAsOf { get; init; }

    /// <summary>The parameter version run under.</summary>
    public required string ParamsVersion { get; init; }

    /// <summary>Whether it was a candidate (not the active version when accepted).</summary>
    public required bool Candidate { get; init; }

    /// <summary>The book's readable accounts.</summary>
    public required int Accounts { get; init; }

    /// <summary>Accounts that could not be read (never evaluated), and the first of them with their problems.</summary>
    public required int UnreadableAccounts { get; init; }

    /// <summary>The first unreadable accounts, at most 100.</summary>
    public required ImmutableArray<AccountProblem> Unreadable { get; init; }

    /// <summary>The compact book's estimated size in bytes.</summary>
    public required long BookBytes { get; init; }

    /// <summary>The cascade.</summary>
    public required CascadeResult Cascade { get; init; }

    /// <summary>The curve's asset, or null when no curve was asked.</summary>
    public string? CurveAsset { get; init; }

    /// <summary>The curve.</summary>
    public ImmutableArray<CurvePoint> Curve { get; init; } = [];

    /// <summary>When the run completed.</summary>
    public required DateTimeOffset CompletedAt { get; init; }

    /// <summary>Time to read the book.</summary>
    public required TimeSpan ReadTime { get; init; }

    /// <summary>Time for the cascade.</summary>
    public required TimeSpan CascadeTime { get; init; }

    /// <summary>Time for the curve.</summary>
    public required TimeSpan CurveTime { get; init; }

    /// <summary>Bytes per readable account of the compact book.</summary>
    public double BytesPerAccount => Accounts == 0 ? 0 : (double)BookBytes / Accounts;
}
