using System.Collections.Immutable;
using Margin.Engine.Results;

namespace Margin.Engine.Stress;

/// <summary>What one evaluation of a whole book at one set of prices found: accounts per status, shortfall and loss, and, where asked, the ratio distribution and the worst accounts.</summary>
/// <remarks>
/// Money in USD (the settlement currency). <see cref="Shortfall"/> is <c>sum max(0, MM - AE_M)</c> over the accounts:
/// the maintenance margin the book is missing. <see cref="NegativeEquity"/> is <c>sum max(0, -Equity)</c>: the loss
/// beyond the accounts' own equity before any liquidation cost. <see cref="Failed"/> counts accounts the engine refused
/// (an unknown asset, a missing price); <see cref="Closed"/> those an earlier round of a cascade closed at the insurance
/// fund's expense, which are no longer evaluated.
/// </remarks>
public sealed record BookEvaluation
{
    /// <summary>Accounts per status.</summary>
    public required ImmutableSortedDictionary<MarginStatus, int> ByStatus { get; init; }

    /// <summary>Accounts the engine could not evaluate.</summary>
    public required int Failed { get; init; }

    /// <summary>Accounts closed by an earlier round (insurance fund), not evaluated again.</summary>
    public int Closed { get; init; }

    /// <summary>Accounts flagged <c>PriceSuspect</c> (an unusable price: never liquidated).</summary>
    public required int PriceSuspect { get; init; }

    /// <summary>Liquidatable and bankrupt accounts.</summary>
    public int LiquidatableOrWorse => ByStatus.GetValueOrDefault(MarginStatus.Liquidatable) + ByStatus.GetValueOrDefault(MarginStatus.Bankrupt);

    /// <summary><c>sum max(0, MM - AE_M)</c> in USD.</summary>
    public required decimal Shortfall { get; init; }

    /// <summary><c>sum max(0, -Equity)</c> in USD.</summary>
    public required decimal NegativeEquity { get; init; }

    /// <summary>Accounts per <see cref="RatioHistogram"/> bucket, or empty when not collected.</summary>
    public ImmutableArray<int> Ratios { get; init; } = [];

    /// <summary>The accounts with the highest MarginRatio (ties by id), with the reasons for their status; empty when not collected.</summary>
    public ImmutableArray<StressedAccount> Worst { get; init; } = [];

    /// <summary>The first accounts the engine refused, with the problems (at most 100; <see cref="Failed"/> counts them all).</summary>
    public ImmutableArray<AccountProblem> Problems { get; init; } = [];
}

/// <summary>One account's figures in a stress evaluation.</summary>
/// <param name="AccountId">The account.</param>
/// <param name="Status">Its status at the evaluation's prices.</param>
/// <param name="MarginRatio">Its MarginRatio (<c>+inf</c> possible).</param>
/// <param name="Equity">Its equity, USD.</param>
/// <param name="AdjustedEquityMaintenance">Its <c>AE_M</c>, USD.</param>
/// <param name="MaintenanceRequirement">Its MM, USD.</param>
/// <param name="Reason">The engine's reason for the status.</param>
public sealed record StressedAccount(string AccountId, MarginStatus Status, double MarginRatio, decimal Equity, decimal AdjustedEquityMaintenance, decimal MaintenanceRequirement, string Reason);
