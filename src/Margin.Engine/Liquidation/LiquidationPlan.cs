using System.Collections.Immutable;
using Margin.Engine.Accounts;
using Margin.Engine.Domain;
using Margin.Engine.Results;

namespace Margin.Engine.Liquidation;

/// <summary>The legs that bring an account to the target ratio, with their cost and the projected result.</summary>
/// <remarks>
/// <see cref="TargetRatio"/> is <c>r* = MarginCall - TargetBuffer</c>. <see cref="After"/> is the evaluation of
/// <see cref="ProjectedAccount"/>, the account with every leg filled at its limit price (proceeds and realised PnL
/// credited to <see cref="SettlementAsset"/>), so fills at or better than the limits reach at least that result.
/// Money in USD. <see cref="Shortfall"/> is <c>max(0, -After.Equity)</c>: what the insurance fund covers when even the
/// plan leaves the account below zero (a full close of a bankrupt account, or a plan whose costs exceed the equity).
/// </remarks>
public sealed record LiquidationPlan
{
    /// <summary>The account's id.</summary>
    public required string AccountId { get; init; }

    /// <summary>The account version planned on.</summary>
    public required long AccountVersion { get; init; }

    /// <summary>The price snapshot planned on.</summary>
    public required string SnapshotId { get; init; }

    /// <summary>The risk parameter version planned on.</summary>
    public required string ParametersVersion { get; init; }

    /// <summary>The target MarginRatio r*.</summary>
    public required decimal TargetRatio { get; init; }

    /// <summary>The asset credited with proceeds and debited for repays.</summary>
    public required Asset SettlementAsset { get; init; }

    /// <summary>The orders, in the order they were first chosen.</summary>
    public required ImmutableArray<LiquidationLeg> Legs { get; init; }

    /// <summary>The sum of the legs' costs.</summary>
    public required Money TotalCost { get; init; }

    /// <summary>The account's summary before the plan.</summary>
    public required MarginSummary Before { get; init; }

    /// <summary>The projected summary with every leg filled at its limit price.</summary>
    public required MarginSummary After { get; init; }

    /// <summary>The projected account with every leg filled at its limit price.</summary>
    public required Account ProjectedAccount { get; init; }

    /// <summary>How the plan ended.</summary>
    public required PlanOutcome Outcome { get; init; }

    /// <summary>Whether the projected account meets the target: <c>r* * AE_M - MM &gt;= 0</c>.</summary>
    public bool ReachesTarget => Outcome is PlanOutcome.ReachesTarget or PlanOutcome.AlreadyAtTarget;

    /// <summary>Why the plan does not reach the target, or null when it does.</summary>
    public string? Reason { get; init; }

    /// <summary>Whether the insurance fund is involved: a bankrupt account's full close, or a plan that leaves negative equity.</summary>
    public bool InsuranceFund => Outcome == PlanOutcome.FullClose || Shortfall.Amount > 0m;

    /// <summary>The negative equity left after the plan, which the insurance fund covers.</summary>
    public required Money Shortfall { get; init; }
}
