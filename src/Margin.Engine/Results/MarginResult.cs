using System.Collections.Immutable;
using Margin.Engine.Accounts;

namespace Margin.Engine.Results;

/// <summary>An account's full margin result: the summary, the inputs' versions, the breakdown and the reason.</summary>
public sealed record MarginResult
{
    public required string AccountId { get; init; }

    public required long AccountVersion { get; init; }

    public required string SnapshotId { get; init; }

    public required string ParametersVersion { get; init; }

    public required MarginMode Mode { get; init; }

    /// <summary>The time the prices describe.</summary>
    public required DateTimeOffset AsOf { get; init; }

    public required MarginSummary Summary { get; init; }

    public required StatusReason Reason { get; init; }

    public required ImmutableArray<AssetLine> Assets { get; init; }

    public required ImmutableArray<PositionLine> Positions { get; init; }

    public MarginStatus Status => Summary.Status;

    public MarginFlags Flags => Summary.Flags;
}
