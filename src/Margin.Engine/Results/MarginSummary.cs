using Margin.Engine.Domain;

namespace Margin.Engine.Results;

/// <summary>The figures that decide an account's status, without the breakdown.</summary>
/// <remarks>
/// Money in the settlement currency, rounded: requirements up and equities down at the parameters' precision.
/// Ratios are dimensionless; lower is safer; <see cref="double.PositiveInfinity"/> when the adjusted equity is not positive
/// and something is required.
/// </remarks>
public readonly record struct MarginSummary(
    Money Equity,
    Money AdjustedEquityMaintenance,
    Money AdjustedEquityInitial,
    Money InitialRequirement,
    Money MaintenanceRequirement,
    double MarginRatio,
    double InitialRatio,
    MarginStatus Status,
    MarginFlags Flags)
{
    /// <summary>Whether a liquidation order may be issued: liquidatable or bankrupt, and no suppressing flag.</summary>
    public bool ShouldLiquidate => Status >= MarginStatus.Liquidatable && !Flags.SuppressesLiquidation();
}
