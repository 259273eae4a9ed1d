using System.Collections.Immutable;

namespace Margin.Sweep.Orders;

/// <summary>The liquidation order message downstream executors consume (schema version 1; docs/storage.md, "Liquidation orders").</summary>
/// <remarks>
/// Money, quantities and prices are invariant decimal strings (exact; JSON numbers are doubles to most readers).
/// <see cref="Severity"/> is the status that caused it (<c>Liquidatable</c> or <c>Bankrupt</c>).
/// </remarks>
/// <param name="V">The schema version, <see cref="SchemaVersion"/>.</param>
/// <param name="OrderId">Deterministic from (account, episode): the broker's duplicate detection key.</param>
/// <param name="AccountId">The account (the broker's session id: one executor per account, in order).</param>
/// <param name="Episode">The liquidation episode.</param>
/// <param name="SweepId">The sweep that issued it.</param>
/// <param name="SnapshotId">The price snapshot it was planned on.</param>
/// <param name="ParamsVersion">The risk parameter version it was planned with.</param>
/// <param name="AccountVersion">The ledger version of the account it was planned on.</param>
/// <param name="Severity">The status that caused it.</param>
/// <param name="Outcome">The plan's outcome (reaches target, full close, ...).</param>
/// <param name="CreatedAt">When it was issued.</param>
/// <param name="ExpiresAt">Its time to live: an executor must not start it after this.</param>
/// <param name="SettlementAsset">The currency of every USD figure.</param>
/// <param name="TargetRatio">The MarginRatio the plan brings the account to.</param>
/// <param name="MarginRatio">The MarginRatio when it was issued.</param>
/// <param name="TotalCost">The plan's expected liquidation cost.</param>
/// <param name="Shortfall">The loss beyond equity, for the insurance fund.</param>
/// <param name="InsuranceFund">Whether the insurance fund is involved.</param>
/// <param name="Legs">The orders to execute, in the plan's order.</param>
public sealed record LiquidationOrder(
    int V,
    string OrderId,
    string AccountId,
    int Episode,
    string SweepId,
    string SnapshotId,
    string ParamsVersion,
    long AccountVersion,
    string Severity,
    string Outcome,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    string SettlementAsset,
    string TargetRatio,
    string MarginRatio,
    string TotalCost,
    string Shortfall,
    bool InsuranceFund,
    ImmutableArray<LiquidationOrderLeg> Legs)
{
    /// <summary>The schema version this code writes.</summary>
    public const int SchemaVersion = 1;
}
