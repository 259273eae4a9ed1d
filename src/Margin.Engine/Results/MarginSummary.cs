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
    /// <summary>The pre-emptive MarginRatio (MARGIN-MODEL.md section 5): <c>MM / AE_M</c> after every asset moves adversely by <c>z_p * sigma_short * sqrt(h)</c>.</summary>
    /// <remarks>
    /// Null when it was not computed because it cannot reach 1 (a rigorous bound showed it; see docs/margin-model.md) or
    /// when the account is already liquidatable or bankrupt. <see cref="MarginFlags.AtRisk"/> is set exactly when it
    /// reaches 1 on the rounded decimal figures.
    /// </remarks>
    public double? ProjectedRatio { get; init; }

    /// <summary>Whether a liquidation order may be issued: liquidatable or bankrupt, and no suppressing flag.</summary>
    public bool ShouldLiquidate => Status >= MarginStatus.Liquidatable && !Flags.SuppressesLiquidation();
}
