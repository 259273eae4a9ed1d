using System.Collections.Immutable;
using Margin.Engine.Accounts;

namespace Margin.Engine.Results;

/// <summary>An account's full margin result: the summary, the inputs' versions, the breakdown and the reason.</summary>
public sealed record MarginResult
{
    /// <summary>The evaluated account's id.</summary>
    public required string AccountId { get; init; }

    /// <summary>The ledger version of the account evaluated, so a stale result can be recognised.</summary>
    public required long AccountVersion { get; init; }

    /// <summary>The id of the price snapshot used, so the result can be reproduced.</summary>
    public required string SnapshotId { get; init; }

    /// <summary>The version of the risk parameters used, so the result can be reproduced.</summary>
    public required string ParametersVersion { get; init; }

    /// <summary>The margin mode the account was evaluated in.</summary>
    public required MarginMode Mode { get; init; }

    /// <summary>The time the prices describe.</summary>
    public required DateTimeOffset AsOf { get; init; }

    /// <summary>The equities, requirements, ratios, status and flags; money in USD, rounded as <see cref="MarginSummary"/> describes.</summary>
    public required MarginSummary Summary { get; init; }

    /// <summary>The rule that decided <see cref="Status"/> and the figures behind it.</summary>
    public required StatusReason Reason { get; init; }

    /// <summary>One line per asset held, owed or receiving inverse-contract PnL, in order of first appearance.</summary>
    /// <remarks>Line values are rounded for display; the summary rounds the exact sums, so lines may not add up to it exactly.</remarks>
    public required ImmutableArray<AssetLine> Assets { get; init; }

    /// <summary>One line per non-zero position, in the account's order.</summary>
    /// <remarks>Line values are rounded for display; the summary rounds the exact sums, so lines may not add up to it exactly.</remarks>
    public required ImmutableArray<PositionLine> Positions { get; init; }

    /// <summary>The risk-matrix breakdown of a portfolio-mode account; null in standard mode.</summary>
    public PortfolioRisk? Portfolio { get; init; }

    /// <summary>Shortcut to <see cref="MarginSummary.Status"/>.</summary>
    public MarginStatus Status => Summary.Status;

    /// <summary>Shortcut to <see cref="MarginSummary.Flags"/>.</summary>
    public MarginFlags Flags => Summary.Flags;
}
