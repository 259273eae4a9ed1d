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
    /// <summary>The asset held or owed.</summary>
    public required Asset Asset { get; init; }

    /// <summary>The ledger balance in asset units, negative when borrowed.</summary>
    public required decimal LedgerQuantity { get; init; }

    /// <summary>Unrealised PnL of inverse contracts on this coin, in asset units; zero for assets no inverse contract settles in.</summary>
    public required decimal PnlQuantity { get; init; }

    /// <summary>The net quantity valued, in asset units: <see cref="LedgerQuantity"/> plus <see cref="PnlQuantity"/>.</summary>
    /// <remarks>When it is zero the line is reported with zero values and requirements, as the two cancel.</remarks>
    public required decimal Quantity { get; init; }

    /// <summary>The oracle price <c>P</c> (maintenance).</summary>
    public required decimal Price { get; init; }

    /// <summary>The conservative price used for the initial level: <c>min(P, P_ref)</c> for holdings, <c>max(P, P_ref)</c> for liabilities.</summary>
    public required decimal InitialPrice { get; init; }

    /// <summary>The signed USD value at <see cref="Price"/>: <c>Quantity * P</c>, negative for a liability; not rounded.</summary>
    public required decimal ValueMaintenance { get; init; }

    /// <summary>The effective maintenance weight as a fraction: in [0, 1] for a holding, at least 1 for a liability.</summary>
    /// <remarks>Exact, not rounded; at a value of zero, the limit of <c>adjusted / value</c> rather than a division by zero.</remarks>
    public required decimal WeightMaintenance { get; init; }

    /// <summary>This asset's contribution to the maintenance adjusted equity, in USD, rounded down.</summary>
    public required decimal AdjustedMaintenance { get; init; }

    /// <summary>The signed USD value at <see cref="InitialPrice"/>, negative for a liability; not rounded.</summary>
    public required decimal ValueInitial { get; init; }

    /// <summary>The effective initial weight as a fraction: in [0, 1] for a holding, at least 1 for a liability.</summary>
    /// <remarks>Exact, not rounded; at a value of zero, the limit of <c>adjusted / value</c>.</remarks>
    public required decimal WeightInitial { get; init; }

    /// <summary>This asset's contribution to the initial adjusted equity, in USD, rounded down.</summary>
    public required decimal AdjustedInitial { get; init; }

    /// <summary>The initial requirement on a borrowed balance, in USD, rounded up; zero unless <see cref="Quantity"/> is negative.</summary>
    public required decimal BorrowInitialRequirement { get; init; }

    /// <summary>The maintenance requirement on a borrowed balance, in USD, rounded up; zero unless <see cref="Quantity"/> is negative.</summary>
    public required decimal BorrowMaintenanceRequirement { get; init; }

    /// <summary>Why the price is unusable, or null.</summary>
    public string? PriceUnusableReason { get; init; }
}
