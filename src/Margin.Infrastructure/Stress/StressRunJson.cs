using System.Text.Json.Serialization;
using Margin.Sweep.Stress;

namespace Margin.Infrastructure.Stress;

// The stress run contract, schemaVersion 1 (docs/storage.md, "stressruns"): the body of GET api/stress/{id}, of
// `margin stress show --output json`, and, in parts, the JSON stored in the stressruns rows. Within a schema version the
// document only grows: properties may be added, none is removed, renamed or retyped. Money, prices and moves are exact
// decimals written as strings (moves as fractions: "-0.25" is -25 %); ratios are JSON numbers, +inf written "Infinity";
// times are ISO 8601; durations are TimeSpan text ("00:00:01.2345678"). Properties marked "derived" are computed from the
// others when written and ignored when read.

/// <summary>The whole document: a run's record and, once it completed, its result.</summary>
public sealed record StressRunJson
{
    /// <summary>The version of this shape.</summary>
    public int SchemaVersion { get; init; } = StressRunDocument.SchemaVersion;

    /// <summary>The run's record.</summary>
    public required StressRecordJson Run { get; init; }

    /// <summary>The result, or null while the run is queued or running, or after it failed.</summary>
    public StressResultJson? Result { get; init; }
}

/// <summary>A run's record: its request, the inputs pinned when it was accepted, and its status.</summary>
public sealed record StressRecordJson
{
    public required string RunId { get; init; }

    /// <summary><c>Queued</c>, <c>Running</c>, <c>Completed</c> or <c>Failed</c>.</summary>
    public required string Status { get; init; }

    /// <summary>The request as accepted (the shape of <c>POST api/stress</c>), with the parameter version, snapshot and curve asset pinned.</summary>
    public required StressRequest Request { get; init; }

    public required string SnapshotId { get; init; }

    public required string ParamsVersion { get; init; }

    public required bool Candidate { get; init; }

    public required string ScenarioName { get; init; }

    public required DateTimeOffset RequestedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }

    public required int Attempts { get; init; }

    public string? Error { get; init; }
}

/// <summary>A completed run's result: the summary, the book before and after the cascade, each round, and the curve.</summary>
public sealed record StressResultJson
{
    public required StressSummaryJson Summary { get; init; }

    /// <summary>The shocked book before any liquidation (round 1's evaluation).</summary>
    public required BookEvaluationJson Initial { get; init; }

    /// <summary>The book at the prices after the cascade.</summary>
    public required BookEvaluationJson Final { get; init; }

    public required IReadOnlyList<CascadeRoundJson> Rounds { get; init; }

    public required IReadOnlyList<CurvePointJson> Curve { get; init; }
}

/// <summary>What a result says apart from its evaluations, rounds and curve points (the stored <c>summary</c> row).</summary>
public sealed record StressSummaryJson
{
    public required string RunId { get; init; }

    public required ScenarioJson Scenario { get; init; }

    /// <summary>Per asset symbol, the price move applied (a fraction).</summary>
    public required IReadOnlyDictionary<string, string> PriceMoves { get; init; }

    /// <summary>Per asset symbol, the volatility move applied (a fraction).</summary>
    public required IReadOnlyDictionary<string, string> VolatilityMoves { get; init; }

    public required string SnapshotId { get; init; }

    public required DateTimeOffset SnapshotAsOf { get; init; }

    public required string ParamsVersion { get; init; }

    public required bool Candidate { get; init; }

    /// <summary>The book's readable accounts.</summary>
    public required int Accounts { get; init; }

    public required int UnreadableAccounts { get; init; }

    /// <summary>The first unreadable accounts (at most 100), with their problems.</summary>
    public required IReadOnlyList<AccountProblemJson> Unreadable { get; init; }

    /// <summary>The compact book's estimated size in bytes.</summary>
    public required long BookBytes { get; init; }

    /// <summary>Derived: bytes per readable account.</summary>
    public double BytesPerAccount { get; init; }

    public required CascadeSummaryJson Cascade { get; init; }

    /// <summary>The curve's asset, or null when no curve was asked.</summary>
    public string? CurveAsset { get; init; }

    /// <summary>How many curve points the result has.</summary>
    public required int CurvePoints { get; init; }

    public required DateTimeOffset CompletedAt { get; init; }

    public required TimingsJson Timings { get; init; }
}

/// <summary>A scenario: its shocks and, for a historical one, where it comes from.</summary>
public sealed record ScenarioJson
{
    public required string Name { get; init; }

    public string? Title { get; init; }

    /// <summary>Derived: whether it was read from a shipped scenario file (it has sources).</summary>
    public bool Historical { get; init; }

    public string? Date { get; init; }

    public string? Window { get; init; }

    public string? Description { get; init; }

    public required IReadOnlyList<SourceJson> Sources { get; init; }

    /// <summary>The price shocks, in the order written.</summary>
    public required IReadOnlyList<ShockJson> Shocks { get; init; }

    /// <summary>The volatility shocks, in the order written.</summary>
    public required IReadOnlyList<ShockJson> VolatilityShocks { get; init; }

    /// <summary>Derived: the price shocks' text form (<c>BTC=-25%,alts=-45%</c>).</summary>
    public string? Text { get; init; }

    /// <summary>Derived: the volatility shocks' text form.</summary>
    public string? VolatilityText { get; init; }
}

/// <summary>A public source of a historical scenario.</summary>
public sealed record SourceJson(string Title, string Url);

/// <summary>One shock: a selector (asset, asset class, alias or <c>*</c>) and its move (a fraction).</summary>
public sealed record ShockJson(string Selector, string Move);

/// <summary>An account and what is wrong with it.</summary>
public sealed record AccountProblemJson(string AccountId, string Problem);

/// <summary>A liquidation order a stress round would issue; money as invariant decimal strings in USD.</summary>
public sealed record StressOrderJson(string AccountId, string Status, string Outcome, string Value, string Cost, string Shortfall, IReadOnlyList<StressOrderLegJson> Legs);

/// <summary>One leg of a <see cref="StressOrderJson"/>.</summary>
public sealed record StressOrderLegJson(string Kind, string Target, string Side, string Quantity, string LimitPrice, string Value);

/// <summary>How the cascade ended, the prices before and after it, and its totals.</summary>
public sealed record CascadeSummaryJson
{
    /// <summary>How many rounds the result has.</summary>
    public required int Rounds { get; init; }

    /// <summary><c>NoNewLiquidation</c> or <c>RoundLimit</c>.</summary>
    public required string Stop { get; init; }

    /// <summary>Per asset symbol, the price at the start of round 1 (after the shock), USD.</summary>
    public required IReadOnlyDictionary<string, string> StartPrices { get; init; }

    /// <summary>Per asset symbol, the price after the last round's impact, USD.</summary>
    public required IReadOnlyDictionary<string, string> FinalPrices { get; init; }

    /// <summary>Derived: liquidation plans issued over all rounds.</summary>
    public int Liquidations { get; init; }

    /// <summary>Derived: the insurance fund's loss over all rounds, USD.</summary>
    public string? InsuranceFundLoss { get; init; }

    /// <summary>Derived: the liquidations' expected cost over all rounds, USD.</summary>
    public string? LiquidationCost { get; init; }

    /// <summary>Derived: per asset, every round's sales and purchases against its depth, from the start price to the final one.</summary>
    public IReadOnlyList<AssetFlowJson> Assets { get; init; } = [];
}

/// <summary>How long each part of the run took.</summary>
public sealed record TimingsJson(TimeSpan Read, TimeSpan Cascade, TimeSpan Curve);

/// <summary>One evaluation of the whole book at one set of prices.</summary>
public sealed record BookEvaluationJson
{
    /// <summary>Accounts per status, every status in order (zero where none).</summary>
    public required IReadOnlyDictionary<string, int> ByStatus { get; init; }

    /// <summary>Derived: liquidatable and bankrupt accounts.</summary>
    public int LiquidatableOrWorse { get; init; }

    public required int Failed { get; init; }

    public required int Closed { get; init; }

    public required int PriceSuspect { get; init; }

    /// <summary><c>sum max(0, MM - AE_M)</c>, USD.</summary>
    public required string Shortfall { get; init; }

    /// <summary><c>sum max(0, -Equity)</c>, USD.</summary>
    public required string NegativeEquity { get; init; }

    /// <summary>Accounts per MarginRatio bucket (docs/storage.md); empty when not collected for this evaluation.</summary>
    public required IReadOnlyList<RatioBucketJson> RatioHistogram { get; init; }

    /// <summary>The accounts with the highest MarginRatio; empty when not collected.</summary>
    public required IReadOnlyList<StressedAccountJson> Worst { get; init; }

    /// <summary>The first accounts the engine refused, with the problems.</summary>
    public required IReadOnlyList<AccountProblemJson> Problems { get; init; }
}

/// <summary>One bucket of the MarginRatio distribution: ratios in [from, to).</summary>
public sealed record RatioBucketJson(string Label, double From, double To, int Accounts);

/// <summary>One account in an evaluation.</summary>
public sealed record StressedAccountJson
{
    public required string AccountId { get; init; }

    public required string Status { get; init; }

    public required double MarginRatio { get; init; }

    public required string Equity { get; init; }

    public required string AdjustedEquityMaintenance { get; init; }

    public required string MaintenanceRequirement { get; init; }

    public required string Reason { get; init; }
}

/// <summary>One round of the cascade (a stored <c>round-NNN</c> row).</summary>
public sealed record CascadeRoundJson
{
    public required int Round { get; init; }

    public required int NewLiquidations { get; init; }

    public required int WithoutOrder { get; init; }

    /// <summary>Of newLiquidations, the accounts liquidated for the first time; absent in documents written before it existed.</summary>
    public int? NewAccounts { get; init; }

    /// <summary>The first accounts (at most 20) without an order, with the planner's reason; absent in documents written before it existed.</summary>
    public IReadOnlyList<AccountProblemJson>? Unplanned { get; init; }

    /// <summary>The round's largest orders by value, largest first; absent in documents written before it existed.</summary>
    public IReadOnlyList<StressOrderJson>? LargestOrders { get; init; }

    public required string InsuranceFundLoss { get; init; }

    public required string LiquidationCost { get; init; }

    /// <summary>Derived: USD sold this round, all assets.</summary>
    public string? SoldUsd { get; init; }

    /// <summary>Derived: USD bought this round, all assets.</summary>
    public string? BoughtUsd { get; init; }

    public required BookEvaluationJson Evaluation { get; init; }

    public required IReadOnlyList<AssetFlowJson> Assets { get; init; }
}

/// <summary>One asset's forced sales and purchases against its depth, and its price before and after their impact.</summary>
public sealed record AssetFlowJson
{
    public required string Asset { get; init; }

    public required string SoldUsd { get; init; }

    public required string BoughtUsd { get; init; }

    public required int Legs { get; init; }

    public required string DepthUsd { get; init; }

    public required string PriceBefore { get; init; }

    public required string PriceAfter { get; init; }

    public required bool Floored { get; init; }

    /// <summary>Derived: net sales as a fraction of depth.</summary>
    public string? NetOfDepth { get; init; }
}

/// <summary>One point of the sensitivity curve (a stored <c>curve-NN</c> row).</summary>
public sealed record CurvePointJson
{
    /// <summary>The curve asset's move, a fraction.</summary>
    public required string Move { get; init; }

    public required string Price { get; init; }

    public required int Liquidatable { get; init; }

    public required int Bankrupt { get; init; }

    /// <summary>Derived: liquidatable and bankrupt accounts.</summary>
    public int LiquidatableOrWorse { get; init; }

    public required string Shortfall { get; init; }

    public required string NegativeEquity { get; init; }

    public required int PriceSuspect { get; init; }

    public required int Failed { get; init; }
}

/// <summary>Source-generated serialization of the stress run contract (STYLE.md convention 11): no reflection.</summary>
/// <remarks>Named floating-point literals are allowed so that an infinite ratio or bound is written as <c>"Infinity"</c>.</remarks>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    RespectRequiredConstructorParameters = true,
    RespectNullableAnnotations = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(StressRunJson))]
[JsonSerializable(typeof(StressSummaryJson))]
[JsonSerializable(typeof(BookEvaluationJson))]
[JsonSerializable(typeof(CascadeRoundJson))]
[JsonSerializable(typeof(CurvePointJson))]
[JsonSerializable(typeof(StressRequest))]
public sealed partial class StressRunJsonContext : JsonSerializerContext;
