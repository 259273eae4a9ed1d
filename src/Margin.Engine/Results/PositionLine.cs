namespace Margin.Engine.Results;

/// <summary>How one position counted: its requirements and its contribution to equity.</summary>
/// <remarks>
/// Money in the settlement currency; requirements rounded up and contributions down, for display. For inverse contracts
/// <see cref="PnlCoin"/> is the PnL in the base coin, which counts as a balance of that coin (see the asset lines) and so
/// adds nothing here.
/// </remarks>
public sealed record PositionLine
{
    /// <summary>The instrument, as the account's position names it.</summary>
    public required string InstrumentId { get; init; }

    /// <summary><c>LinearPerpetual</c>, <c>InversePerpetual</c>, <c>LinearFuture</c>, <c>InverseFuture</c> or <c>Option</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>The signed position (negative = short): base units (linear), USD face value (inverse) or contracts (options).</summary>
    public required decimal Quantity { get; init; }

    /// <summary>The average entry price in USD per base unit, as the ledger reports it; ignored for options.</summary>
    public required decimal EntryPrice { get; init; }

    /// <summary>The instrument's mark from the snapshot, in USD per base unit (per coin for inverse contracts).</summary>
    public required decimal Mark { get; init; }

    /// <summary>The underlying's oracle price (used by the short-option rule).</summary>
    public required decimal UnderlyingPrice { get; init; }

    /// <summary>USD notional: <c>|q| * mark</c> (linear), <c>|q|</c> face value (inverse), <c>|q| * multiplier * S</c> (options).</summary>
    public required decimal Notional { get; init; }

    /// <summary>The bracket index (0-based), or null for options.</summary>
    public int? Bracket { get; init; }

    /// <summary>The initial rate of <see cref="Bracket"/>, as a fraction of notional; null for options.</summary>
    public decimal? InitialRate { get; init; }

    /// <summary>The maintenance rate of <see cref="Bracket"/>, as a fraction of notional; null for options.</summary>
    public decimal? MaintenanceRate { get; init; }

    /// <summary>The position's initial requirement in USD, rounded up; zero for a long option.</summary>
    /// <remarks>Bracketed notional minus the bracket's cumulative amount for perpetuals and futures; the short-option rule for short options.</remarks>
    public required decimal InitialRequirement { get; init; }

    /// <summary>The position's maintenance requirement in USD, rounded up; zero for a long option.</summary>
    public required decimal MaintenanceRequirement { get; init; }

    /// <summary>Unrealised PnL in USD (linear contracts).</summary>
    public required decimal UnrealisedPnl { get; init; }

    /// <summary>Unrealised PnL in the base coin (inverse contracts).</summary>
    public required decimal PnlCoin { get; init; }

    /// <summary>The signed option value at its mark (long +, short -).</summary>
    public required decimal OptionValue { get; init; }

    /// <summary>The contribution to equity (unweighted).</summary>
    public required decimal EquityContribution { get; init; }

    /// <summary>The contribution to the maintenance adjusted equity in USD, after PnL or long-option weights, rounded down.</summary>
    public required decimal AdjustedMaintenance { get; init; }

    /// <summary>The contribution to the initial adjusted equity in USD, after PnL or long-option weights, rounded down.</summary>
    public required decimal AdjustedInitial { get; init; }

    /// <summary>Why the mark or underlying price is unusable, or null.</summary>
    public string? PriceUnusableReason { get; init; }
}
