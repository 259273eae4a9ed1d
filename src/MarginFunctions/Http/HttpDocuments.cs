using System.Text.Json.Serialization;

namespace MarginFunctions.Http;

/// <summary>An HTTP error: what was wrong and where.</summary>
internal sealed record ErrorBody(string Error, string? Field = null);

/// <summary><c>GET accounts/{id}/margin</c>: the account's latest stored result, its open and recent orders, and its status history, newest first.</summary>
internal sealed record AccountMarginBody(string AccountId, string Partition, AccountLedgerBody? Ledger, string? LedgerProblem, MarginResultBody? Result, IReadOnlyList<OrderBody> Orders, IReadOnlyList<StatusChangeBody> History);

/// <summary>The account as the ledger stored it (null when the row is missing, or malformed: then <c>ledgerProblem</c> says why).</summary>
internal sealed record AccountLedgerBody(long Version, string Mode, IReadOnlyList<BalanceBody> Balances, IReadOnlyList<PositionBody> Positions);

/// <summary>A balance: the quantity as a decimal string.</summary>
internal sealed record BalanceBody(string Asset, string Quantity);

/// <summary>A position: quantity and entry price as decimal strings.</summary>
internal sealed record PositionBody(string Instrument, string Quantity, string EntryPrice);

/// <summary>The latest stored result; money as decimal strings in the quote currency.</summary>
internal sealed record MarginResultBody(
    string? Status,
    string? Problem,
    IReadOnlyList<string> Flags,
    double MarginRatio,
    double InitialRatio,
    double? ProjectedRatio,
    string Equity,
    string AdjustedEquityMaintenance,
    string MaintenanceRequirement,
    string InitialRequirement,
    string? ReasonRule,
    string? Reason,
    DateTimeOffset EvaluatedAt,
    string SweepId,
    string SnapshotId,
    DateTimeOffset SnapshotAsOf,
    string ParamsVersion,
    long AccountVersion,
    int Episode,
    string? OpenOrderId);

/// <summary>An order of the account's outbox.</summary>
internal sealed record OrderBody(string OrderId, int Episode, string State, bool Sent, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? SentAt, string SweepId);

/// <summary>A status change, with the versions of the inputs that decided it.</summary>
internal sealed record StatusChangeBody(DateTimeOffset At, string? From, string? To, IReadOnlyList<string> Flags, double MarginRatio, string Reason, string? OrderId, string SweepId, string SnapshotId, string ParamsVersion, long AccountVersion);

/// <summary><c>GET sweeps/{id}</c>: the sweep, its work items done and the accounts per status over its receipts.</summary>
internal sealed record SweepBody(
    string SweepId,
    string SnapshotId,
    string ParamsVersion,
    DateTimeOffset StartedAt,
    DateTimeOffset Deadline,
    bool NoLiquidation,
    int WorkItems,
    int WorkItemsDone,
    bool Complete,
    int Partitions,
    int Receipts,
    int Accounts,
    int Written,
    int Unchanged,
    int Superseded,
    int Failed,
    int Orders,
    IReadOnlyDictionary<string, int> ByStatus);

/// <summary><c>GET health</c>: healthy when every check is.</summary>
internal sealed record HealthBody(bool Healthy, DateTimeOffset At, IReadOnlyList<HealthCheckBody> Checks);

/// <summary>One dependency's check.</summary>
internal sealed record HealthCheckBody(string Name, bool Healthy, string Detail, double ElapsedMs);

/// <summary><c>POST stress</c> accepted a run: it is queued on <c>margin-stress</c>; <c>statusUrl</c> (also the Location header) reads it.</summary>
internal sealed record StressAcceptedBody(string RunId, string Status, string StatusUrl);

/// <summary><c>POST stress</c> refused a request: every problem, each naming its field; nothing was written. <c>error</c> joins them, as the other endpoints' errors.</summary>
internal sealed record StressRefusedBody(string Error, IReadOnlyList<string> Errors);

/// <summary><c>GET stress</c>: the newest runs first.</summary>
internal sealed record StressRunsBody(IReadOnlyList<StressRunListItem> Runs);

/// <summary>A listed run: its record (the <c>run</c> object of <c>GET stress/{id}</c>) and where to read it whole.</summary>
internal sealed record StressRunListItem(Margin.Infrastructure.Stress.StressRecordJson Run, string StatusUrl);

/// <summary>The HTTP API's serializer (camelCase, like the evaluate document).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(AccountMarginBody))]
[JsonSerializable(typeof(SweepBody))]
[JsonSerializable(typeof(HealthBody))]
[JsonSerializable(typeof(StressAcceptedBody))]
[JsonSerializable(typeof(StressRefusedBody))]
[JsonSerializable(typeof(StressRunsBody))]
internal sealed partial class HttpJsonContext : JsonSerializerContext;
