namespace Margin.Infrastructure.Documents.Evaluation;

// The `margin evaluate --output json` contract, schemaVersion 1 (docs/evaluate.md). Within a schema version the
// document only grows: properties and enum values may be added, none is removed, renamed or retyped. Money, quantities,
// prices, weights and rates are exact decimals written as strings; ratios are JSON numbers, +inf written "Infinity".

/// <summary>The whole output document.</summary>
public sealed record EvaluateDocument
{
    public int SchemaVersion { get; init; } = 1;

    public string? SnapshotId { get; init; }

    public DateTimeOffset? AsOf { get; init; }

    public string? ParametersVersion { get; init; }

    public string? Settlement { get; init; }

    /// <summary>The preset whose parameters were used (<c>--preset</c>), or null.</summary>
    public string? Preset { get; init; }

    /// <summary>The parameters' metadata block (name, methodology, sources, date, notes), or null when they carry none.</summary>
    public ParametersMetadataDocument? ParametersMetadata { get; init; }

    public required CountsDocument Counts { get; init; }

    public required IReadOnlyList<AccountResultDocument> Results { get; init; }

    public required IReadOnlyList<ErrorDocument> Errors { get; init; }
}

/// <summary>How many accounts the input had, were evaluated, failed, and reached each status.</summary>
public sealed record CountsDocument
{
    public required int Accounts { get; init; }

    public required int Evaluated { get; init; }

    public required int Failed { get; init; }

    /// <summary>Every status name, with zero where no account has it.</summary>
    public required IReadOnlyDictionary<string, int> ByStatus { get; init; }
}

/// <summary>One evaluated account.</summary>
public sealed record AccountResultDocument
{
    public required string AccountId { get; init; }

    public required long AccountVersion { get; init; }

    public required string MarginMode { get; init; }

    public required string Status { get; init; }

    public required IReadOnlyList<string> Flags { get; init; }

    public required bool ShouldLiquidate { get; init; }

    public required ReasonDocument Reason { get; init; }

    public required SummaryDocument Summary { get; init; }

    public required IReadOnlyList<AssetLineDocument> Assets { get; init; }

    public required IReadOnlyList<PositionLineDocument> Positions { get; init; }

    /// <summary>The liquidation plan, or null when the account was not planned (no <c>planner</c> input, or not Liquidatable or Bankrupt).</summary>
    public LiquidationPlanDocument? LiquidationPlan { get; init; }

    /// <summary>The risk matrix; null for standard-mode accounts.</summary>
    public PortfolioDocument? Portfolio { get; init; }

    /// <summary>The methodology's own figure beside ours, or null when the parameters name no methodology.</summary>
    public MethodologyDocument? Methodology { get; init; }
}

/// <summary>Where the parameters come from.</summary>
public sealed record ParametersMetadataDocument
{
    public required string Name { get; init; }

    public required string Methodology { get; init; }

    public string? Description { get; init; }

    /// <summary>The date the numbers were taken from the sources, yyyy-MM-dd.</summary>
    public required string TakenOn { get; init; }

    public required IReadOnlyList<SourceDocument> Sources { get; init; }

    public required IReadOnlyList<string> Notes { get; init; }
}

/// <summary>One public source.</summary>
public sealed record SourceDocument(string Title, string Url);

/// <summary>A methodology's own figure for one account: the ratio, its threshold, and Drift's weights when it is Drift.</summary>
public sealed record MethodologyDocument
{
    /// <summary>The methodology's input name (<c>aave-health-factor</c>, <c>binance-unimmr</c>, ...).</summary>
    public required string Kind { get; init; }

    /// <summary>What the figure is, for people (<c>Aave V3 health factor</c>).</summary>
    public required string Figure { get; init; }

    /// <summary>Numerator / denominator; "Infinity" when the denominator is zero.</summary>
    public required double Value { get; init; }

    public required string Numerator { get; init; }

    public required string Denominator { get; init; }

    public required string LiquidationThreshold { get; init; }

    /// <summary><c>strictlyBelow</c> (Aave, Drift) or <c>atOrBelow</c> (Binance).</summary>
    public required string Boundary { get; init; }

    public required bool Liquidatable { get; init; }

    /// <summary>Drift's weights per balance (Drift only; empty otherwise).</summary>
    public required IReadOnlyList<DriftWeightsDocument> DriftWeights { get; init; }

    /// <summary>Deribit's figures per underlying, in coin (Deribit only; empty otherwise).</summary>
    public required IReadOnlyList<DeribitRiskDocument> Deribit { get; init; }

    /// <summary>Parts of the account the figure does not cover, with the reason.</summary>
    public required IReadOnlyList<string> Omitted { get; init; }
}

/// <summary>One balance's weights in Drift's integers: weights at 1e4 (10000 = 100 %), IMF factors at 1e6, size at 1e9.</summary>
public sealed record DriftWeightsDocument
{
    public required string Asset { get; init; }

    public required string Quantity { get; init; }

    /// <summary><c>deposit</c> (asset weights) or <c>borrow</c> (liability weights).</summary>
    public required string Side { get; init; }

    public required string Size { get; init; }

    public required long InitialWeight { get; init; }

    public required long MaintenanceWeight { get; init; }

    public required long InitialImfFactor { get; init; }

    public required long MaintenanceImfFactor { get; init; }
}

/// <summary>One underlying in Deribit's terms, in coin: worst case, shocks, risk-matrix margin and Deribit's MM (0.8 of it).</summary>
public sealed record DeribitRiskDocument
{
    public required string Underlying { get; init; }

    public required string Index { get; init; }

    public required double WorstCase { get; init; }

    public required double RollShock { get; init; }

    public required double DeltaShock { get; init; }

    public required double RiskMatrixMargin { get; init; }

    public required double MaintenanceMargin { get; init; }
}

/// <summary>The legs that bring an account to the target ratio, what they cost, and the projected figures after them.</summary>
public sealed record LiquidationPlanDocument
{
    public required string Outcome { get; init; }

    public required bool ReachesTarget { get; init; }

    public string? Reason { get; init; }

    /// <summary>r* = marginCall - targetBuffer; the target is met when the MarginRatio after is at most r*.</summary>
    public required double TargetRatio { get; init; }

    public required string SettlementAsset { get; init; }

    public required string TotalCost { get; init; }

    public required bool InsuranceFund { get; init; }

    public required string Shortfall { get; init; }

    /// <summary>The projected summary with every leg filled at its limit price.</summary>
    public required SummaryDocument After { get; init; }

    public required IReadOnlyList<LiquidationLegDocument> Legs { get; init; }
}

/// <summary>One order of a liquidation plan.</summary>
public sealed record LiquidationLegDocument
{
    public required string Kind { get; init; }

    public required string Target { get; init; }

    public required string Side { get; init; }

    public required string Quantity { get; init; }

    public required int Lots { get; init; }

    public required string LotSize { get; init; }

    public required string ReferencePrice { get; init; }

    public required string LimitPrice { get; init; }

    public required string Value { get; init; }

    public required string Cost { get; init; }

    public required string Reason { get; init; }
}

/// <summary>The rule that decided the status and a sentence with its figures.</summary>
public sealed record ReasonDocument(string Rule, string Message);

/// <summary>The figures that decide the status; money rounded at the parameters' precision (requirements up, equities down).</summary>
public sealed record SummaryDocument
{
    public required string Currency { get; init; }

    public required string Equity { get; init; }

    public required string AdjustedEquityMaintenance { get; init; }

    public required string MaintenanceRequirement { get; init; }

    public required double MarginRatio { get; init; }

    public required string AdjustedEquityInitial { get; init; }

    public required string InitialRequirement { get; init; }

    public required double InitialRatio { get; init; }

    /// <summary>The pre-emptive MarginRatio (section 5), or null when not projected (already liquidatable, no volatilities, or a plan's after-state).</summary>
    public double? ProjectedRatio { get; init; }
}

/// <summary>How one asset counted.</summary>
public sealed record AssetLineDocument
{
    public required string Asset { get; init; }

    public required string LedgerQuantity { get; init; }

    public required string PnlQuantity { get; init; }

    public required string Quantity { get; init; }

    public required AssetLevelDocument Maintenance { get; init; }

    public required AssetLevelDocument Initial { get; init; }

    public string? PriceUnusableReason { get; init; }
}

/// <summary>An asset at one level: the price used, the value, the effective weight, the adjusted value and any borrow requirement.</summary>
public sealed record AssetLevelDocument
{
    public required string Price { get; init; }

    public required string Value { get; init; }

    public required string Weight { get; init; }

    public required string Adjusted { get; init; }

    public required string BorrowRequirement { get; init; }
}

/// <summary>How one position counted.</summary>
public sealed record PositionLineDocument
{
    public required string Instrument { get; init; }

    public required string Kind { get; init; }

    public required string Underlying { get; init; }

    public required string Quantity { get; init; }

    public required string EntryPrice { get; init; }

    public required string Mark { get; init; }

    public required string UnderlyingPrice { get; init; }

    public required string Notional { get; init; }

    public int? Bracket { get; init; }

    public required string UnrealisedPnl { get; init; }

    public required string PnlCoin { get; init; }

    public required string OptionValue { get; init; }

    public required string EquityContribution { get; init; }

    public required PositionLevelDocument Maintenance { get; init; }

    public required PositionLevelDocument Initial { get; init; }

    public string? PriceUnusableReason { get; init; }
}

/// <summary>A position at one level: the bracket rate (null for options), the requirement and the contribution to adjusted equity.</summary>
public sealed record PositionLevelDocument
{
    public string? Rate { get; init; }

    public required string Requirement { get; init; }

    public required string Adjusted { get; init; }
}

/// <summary>Something that could not be evaluated: the whole input (<c>scope</c> "input") or one account ("account").</summary>
public sealed record ErrorDocument
{
    public required string Scope { get; init; }

    public int? AccountIndex { get; init; }

    public string? AccountId { get; init; }

    public string? Field { get; init; }

    public required string Problem { get; init; }
}
