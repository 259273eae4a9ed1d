namespace Margin.Engine.Parameters;

/// <summary>One band of a marginal collateral schedule: the part of the USD value up to <see cref="UpToUsd"/> counts at <see cref="Rate"/>.</summary>
/// <remarks>
/// Bands are ordered by ascending <see cref="UpToUsd"/>; a band starts where the previous one ends (the first at 0).
/// A null <see cref="UpToUsd"/> (last band only) is unbounded; value beyond a bounded last band counts nothing, as on
/// Binance. <see cref="Rate"/> is a weight in [0, 1].
/// </remarks>
public readonly record struct WeightTier(decimal? UpToUsd, decimal Rate);
