using Margin.Engine.Domain;

namespace Margin.Engine.Parameters;

/// <summary>Everything the engine needs to know about one collateral asset.</summary>
/// <remarks>
/// <see cref="DepthUsd"/> is the USD sale size that would move the price by 100 % under linear impact, strictly positive.
/// <see cref="Borrow"/> is null for an asset that cannot be borrowed. <see cref="LotSize"/> is in asset units.
/// </remarks>
public sealed record AssetRiskParameters
{
    /// <summary>The asset.</summary>
    public required Asset Asset { get; init; }

    /// <summary>A free label such as <c>stablecoin</c>, <c>bluechip</c> or <c>altcoin</c>.</summary>
    public string AssetClass { get; init; } = "unclassified";

    /// <summary>Initial weights (never more generous than maintenance).</summary>
    public required WeightSchedule Initial { get; init; }

    /// <summary>Maintenance weights.</summary>
    public required WeightSchedule Maintenance { get; init; }

    /// <summary>Market depth in USD for liquidation costing and volatility scaling.</summary>
    public required decimal DepthUsd { get; init; }

    /// <summary>Borrow requirement rates, or null when the asset is not borrowable.</summary>
    public BorrowRequirement? Borrow { get; init; }

    /// <summary>The smallest quantity a liquidation may sell, in asset units.</summary>
    public decimal LotSize { get; init; } = 0.00000001m;

    /// <summary>Pauses liquidations of accounts that hold or owe this asset.</summary>
    public bool KillSwitch { get; init; }
}
