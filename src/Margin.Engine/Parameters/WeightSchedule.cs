using System.Collections.Immutable;

namespace Margin.Engine.Parameters;

/// <summary>The weight forms of one asset at one level (initial or maintenance).</summary>
/// <remarks>
/// <see cref="AssetWeight"/> in [0, 1] and <see cref="LiabilityWeight"/> &gt;= 1 are the flat form and always apply.
/// Tiers, size premium and volatility scaling apply when configured. The effective asset weight is the minimum over the
/// configured forms, the liability weight the maximum. Tiers apply to holdings only: a liability's value is weighted by
/// the flat, size-premium and volatility forms.
/// </remarks>
public sealed record WeightSchedule
{
    /// <summary>The flat asset weight <c>w</c>.</summary>
    public required decimal AssetWeight { get; init; }

    /// <summary>The flat liability weight <c>l</c>.</summary>
    public required decimal LiabilityWeight { get; init; }

    /// <summary>Marginal bands of USD value; empty when not used.</summary>
    public ImmutableArray<WeightTier> Tiers { get; init; } = [];

    /// <summary>The IMF size premium, or null.</summary>
    public SizePremium? SizePremium { get; init; }

    /// <summary>Volatility and depth scaling, or null.</summary>
    public VolatilityScaling? VolatilityScaling { get; init; }
}
