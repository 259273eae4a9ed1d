namespace Margin.Engine.Methodologies;

/// <summary>One spot balance's weights as Drift's program computes them: integers at Drift's precisions, floor divisions.</summary>
/// <remarks>
/// <para>
/// Weights are at <see cref="WeightPrecision"/> (10,000 = 100 %): for a deposit they are asset weights
/// (<c>calculate_size_discount_asset_weight</c>), for a borrow liability weights
/// (<c>calculate_size_premium_liability_weight</c>). <see cref="InitialImfFactor"/> and <see cref="MaintenanceImfFactor"/> are at <see cref="ImfPrecision"/>
/// (1,000,000 = 1), per level. <see cref="SizeAtReservePrecision"/> is <c>floor(|quantity| * 1e9)</c>, Drift's
/// <c>AMM_RESERVE_PRECISION</c>.
/// </para>
/// <para>Source: drift-labs/protocol-v2, <c>programs/drift/src/math/margin.rs</c> and <c>state/spot_market.rs</c>
/// (https://github.com/drift-labs/protocol-v2).</para>
/// </remarks>
public sealed record DriftAssetWeights
{
    /// <summary>Drift's <c>SPOT_WEIGHT_PRECISION</c>: a weight of 10,000 is 100 %.</summary>
    public const int WeightPrecision = 10_000;

    /// <summary>Drift's <c>SPOT_IMF_PRECISION</c>: an IMF factor of 1,000,000 is 1.</summary>
    public const int ImfPrecision = 1_000_000;

    /// <summary>The asset.</summary>
    public required Domain.Asset Asset { get; init; }

    /// <summary>The signed balance in asset units; negative is a borrow.</summary>
    public required decimal Quantity { get; init; }

    /// <summary>The balance at Drift's 1e9 size precision, <c>floor(|Quantity| * 1e9)</c>.</summary>
    public required decimal SizeAtReservePrecision { get; init; }

    /// <summary>Whether the balance is a borrow, so the weights are liability weights.</summary>
    public bool IsLiability => Quantity < 0m;

    /// <summary>The initial weight at <see cref="WeightPrecision"/>.</summary>
    public required long InitialWeight { get; init; }

    /// <summary>The maintenance weight at <see cref="WeightPrecision"/>.</summary>
    public required long MaintenanceWeight { get; init; }

    /// <summary>The initial level's IMF factor at <see cref="ImfPrecision"/>.</summary>
    public required long InitialImfFactor { get; init; }

    /// <summary>The maintenance level's IMF factor at <see cref="ImfPrecision"/>.</summary>
    public required long MaintenanceImfFactor { get; init; }
}
