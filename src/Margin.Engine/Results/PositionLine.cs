namespace Margin.Engine.Results;

/// <summary>How one position counted: its requirements and its contribution to equity.</summary>
/// <remarks>
/// Money in the settlement currency; requirements rounded up and contributions down, for display. For inverse contracts
/// <see cref="PnlCoin"/> is the PnL in the base coin, which counts as a balance of that coin (see the asset lines) and so
/// adds nothing here.
/// </remarks>
public sealed record PositionLine
{
    public required string InstrumentId { get; init; }

    /// <summary><c>LinearPerpetual</c>, <c>InversePerpetual</c>, <c>LinearFuture</c>, <c>InverseFuture</c> or <c>Option</c>.</summary>
    public required string Kind { get; init; }

    public required decimal Quantity { get; init; }

    public required decimal EntryPrice { get; init; }

    public required decimal Mark { get; init; }

    /// <summary>The underlying's oracle price (used by the short-option rule).</summary>
    public required decimal UnderlyingPrice { get; init; }

    /// <summary>USD notional: <c>|q| * mark</c> (linear), <c>|q|</c> face value (inverse), <c>|q| * multiplier * S</c> (options).</summary>
    public required decimal Notional { get; init; }

    /// <summary>The bracket index (0-based), or null for options.</summary>
    public int? Bracket { get; init; }

    public decimal? InitialRate { get; init; }

    public decimal? MaintenanceRate { get; init; }

    public required decimal InitialRequirement { get; init; }

    public required decimal MaintenanceRequirement { get; init; }

    /// <summary>Unrealised PnL in USD (linear contracts).</summary>
    public required decimal UnrealisedPnl { get; init; }

    /// <summary>Unrealised PnL in the base coin (inverse contracts).</summary>
    public required decimal PnlCoin { get; init; }

    /// <summary>The signed option value at its mark (long +, short -).</summary>
    public required decimal OptionValue { get; init; }

    /// <summary>The contribution to equity (unweighted).</summary>
    public required decimal EquityContribution { get; init; }

    public required decimal AdjustedMaintenance { get; init; }

    public required decimal AdjustedInitial { get; init; }

    /// <summary>Why the mark or underlying price is unusable, or null.</summary>
    public string? PriceUnusableReason { get; init; }
}
