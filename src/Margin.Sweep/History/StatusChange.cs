using Margin.Engine.Results;

namespace Margin.Sweep.History;

/// <summary>One change of an account's status (a <c>marginhistory</c> row): answers "why was I liquidated?" with the inputs' versions.</summary>
/// <param name="AccountId">The account.</param>
/// <param name="At">The snapshot time the new status was evaluated at (rows are newest first by it).</param>
/// <param name="SweepId">The sweep.</param>
/// <param name="SnapshotId">The price snapshot.</param>
/// <param name="ParamsVersion">The risk parameter version.</param>
/// <param name="AccountVersion">The ledger version of the account.</param>
/// <param name="From">The previous status, or null for the first result or after a failure.</param>
/// <param name="To">The new status, or null when the account could not be evaluated.</param>
/// <param name="Flags">The new flags.</param>
/// <param name="MarginRatio">The new MarginRatio.</param>
/// <param name="Reason">The rule and words that decided it, or the problem.</param>
/// <param name="OrderId">The liquidation order started with it, or null.</param>
public sealed record StatusChange(string AccountId, DateTimeOffset At, string SweepId, string SnapshotId, string ParamsVersion, long AccountVersion, MarginStatus? From, MarginStatus? To, MarginFlags Flags, double MarginRatio, string Reason, string? OrderId);
