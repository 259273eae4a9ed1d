namespace Margin.Sweep.Prices;

/// <summary>One accepted aggregate price of one asset (a <c>pricehistory</c> row): the input of EWMA volatility, correlations and the TWAP.</summary>
/// <param name="Asset">The asset symbol.</param>
/// <param name="Time">The refresh time it was accepted at.</param>
/// <param name="Price">The aggregate price, USD per unit, positive.</param>
/// <param name="Confidence">The aggregate's confidence half-width, USD.</param>
/// <param name="Sources">How many sources the aggregate used.</param>
/// <param name="SnapshotId">The snapshot it was published in.</param>
public sealed record PriceHistoryPoint(string Asset, DateTimeOffset Time, decimal Price, decimal Confidence, int Sources, string SnapshotId);
