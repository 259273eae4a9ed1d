using Margin.Engine.Domain;
using Margin.Engine.Parameters;

namespace Margin.Sweep.Seeding;

/// <summary>An asset the generator may hold or borrow: configured, priced usably in the snapshot, with what sizing needs.</summary>
internal sealed record SeedAsset
{
    public required Asset Asset { get; init; }

    public required AssetRiskParameters Parameters { get; init; }

    /// <summary>The oracle price, USD per unit.</summary>
    public required decimal Price { get; init; }

    /// <summary>The volatility its weights use (<c>sigmaLong</c>, 0 when not estimated).</summary>
    public required double Sigma { get; init; }

    /// <summary>How often accounts pick it, relative to its class (the fourth root of its depth).</summary>
    public required double Popularity { get; init; }

    /// <summary>The scenario grid's range when the parameters give it a grid (portfolio mode counts it without haircut but shocks it by the range), else 0.</summary>
    public required double GridRange { get; init; }

    /// <summary>The maintenance liability weight at a small borrow (flat and volatility forms).</summary>
    public required double LiabilityWeight { get; init; }

    /// <summary>The maintenance asset weight at a small holding (flat and volatility forms).</summary>
    public required double AssetWeight { get; init; }
}
