namespace Margin.Engine.Oracles;

/// <summary>A time-weighted average price and how much of its window the series actually covered.</summary>
/// <remarks>
/// <see cref="Price"/> is USD per unit. <see cref="Covered"/> is at most the window; it is shorter when the series starts
/// inside the window, and zero when the only price in force was published exactly at the evaluation time.
/// </remarks>
public readonly record struct TimeWeightedPrice(decimal Price, TimeSpan Covered);
