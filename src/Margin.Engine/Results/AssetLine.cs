using Margin.Engine.Domain;

namespace Margin.Engine.Results;

/// <summary>How one asset counted in an account's adjusted equities.</summary>
/// <remarks>
/// <see cref="Quantity"/> is the net quantity valued: the ledger balance plus any inverse-contract PnL in this coin.
/// Values, adjusted values and borrow requirements are in the settlement currency; adjusted values are rounded down and
/// requirements up, line by line, for display (totals round the exact sums). Weights are <c>adjusted / value</c>.
/// </remarks>
public sealed record AssetLine
{
    public required Asset Asset { get; init; }

    public required decimal LedgerQuantity { get; init; }

    public required decimal PnlQuantity { get; init; }

    public required decimal Quantity { get; init; }

    /// <summary>The oracle price <c>P</c> (maintenance).</summary>
    public required decimal Price { get; init; }

    /// <summary>The conservative price used for the initial level: <c>min(P, P_ref)</c> for holdings, <c>max(P, P_ref)</c> for liabilities.</summary>
    public required decimal InitialPrice { get; init; }

    public required decimal ValueMaintenance { get; init; }

    public required decimal WeightMaintenance { get; init; }

    public required decimal AdjustedMaintenance { get; init; }

    public required decimal ValueInitial { get; init; }

    public required decimal WeightInitial { get; init; }

    public required decimal AdjustedInitial { get; init; }

    public required decimal BorrowInitialRequirement { get; init; }

    public required decimal BorrowMaintenanceRequirement { get; init; }

    /// <summary>Why the price is unusable, or null.</summary>
    public string? PriceUnusableReason { get; init; }
}
