using Margin.Engine.Results;

namespace Margin.Sweep.Results;

/// <summary>An account's latest stored margin result (the <c>margin</c> table's <c>r:{account}</c> row), with its liquidation episode.</summary>
/// <remarks>
/// Money in the settlement currency. <see cref="Status"/> is null exactly when the account could not be evaluated; then
/// <see cref="Problem"/> says why (malformed, unknown asset) and the figures are zero. <see cref="Episode"/> counts the
/// liquidation episodes the account has started; <see cref="OpenOrderId"/> names the order of the current one while it
/// is open. <see cref="ConcurrencyToken"/> is the store's opaque version (an ETag): null for a result not yet stored, so
/// that writing it inserts; otherwise the write succeeds only if nobody changed the row since it was read.
/// </remarks>
public sealed record StoredResult
{
    /// <summary>The account.</summary>
    public required string AccountId { get; init; }

    /// <summary>The ledger version of the account that was evaluated.</summary>
    public required long AccountVersion { get; init; }

    /// <summary>The sweep that wrote it.</summary>
    public required string SweepId { get; init; }

    /// <summary>The snapshot it was evaluated with.</summary>
    public required string SnapshotId { get; init; }

    /// <summary>The snapshot's time; with <see cref="SweepId"/> it orders results (a result never overwrites a newer one).</summary>
    public required DateTimeOffset SnapshotAsOf { get; init; }

    /// <summary>The risk parameter version.</summary>
    public required string ParamsVersion { get; init; }

    /// <summary>When it was evaluated.</summary>
    public required DateTimeOffset EvaluatedAt { get; init; }

    /// <summary>The status, or null when the account could not be evaluated.</summary>
    public MarginStatus? Status { get; init; }

    /// <summary>The flags.</summary>
    public MarginFlags Flags { get; init; }

    /// <summary>MM / AE_M; <see cref="double.PositiveInfinity"/> when nothing backs a requirement.</summary>
    public double MarginRatio { get; init; }

    /// <summary>IM / AE_I.</summary>
    public double InitialRatio { get; init; }

    /// <summary>The pre-emptive projected ratio, when computed.</summary>
    public double? ProjectedRatio { get; init; }

    /// <summary>Equity, rounded down.</summary>
    public decimal Equity { get; init; }

    /// <summary>Adjusted equity for maintenance, rounded down.</summary>
    public decimal AdjustedEquityMaintenance { get; init; }

    /// <summary>Maintenance requirement, rounded up.</summary>
    public decimal MaintenanceRequirement { get; init; }

    /// <summary>Initial requirement, rounded up.</summary>
    public decimal InitialRequirement { get; init; }

    /// <summary>The rule that decided the status, e.g. <c>ratio.liquidation</c>.</summary>
    public string? ReasonRule { get; init; }

    /// <summary>Why, in words.</summary>
    public string? Reason { get; init; }

    /// <summary>Why the account could not be evaluated, or null.</summary>
    public string? Problem { get; init; }

    /// <summary>How many liquidation episodes the account has started (0 before the first).</summary>
    public int Episode { get; init; }

    /// <summary>The order of the current episode while it is open, else null.</summary>
    public string? OpenOrderId { get; init; }

    /// <summary>After an order closed with fills: the ledger version it was planned on. No new episode starts until the account's version is greater (the ledger has booked the fills), or a second order would sell what is already sold.</summary>
    public long? AwaitingLedgerVersion { get; init; }

    /// <summary>The store's opaque row version, or null when the row is not stored yet.</summary>
    public string? ConcurrencyToken { get; init; }
}
