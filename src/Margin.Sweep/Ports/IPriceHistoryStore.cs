using Margin.Sweep.Prices;

namespace Margin.Sweep.Ports;

/// <summary>The <c>pricehistory</c> table: accepted aggregate prices per asset and day.</summary>
public interface IPriceHistoryStore
{
    /// <summary>Writes points. Idempotent: a point is keyed by (asset, time), so writing it again replaces it.</summary>
    /// <param name="points">The points.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    Task AppendAsync(IReadOnlyList<PriceHistoryPoint> points, CancellationToken cancellationToken = default);

    /// <summary>An asset's points with <c>since &lt;= Time &lt; until</c>, oldest first.</summary>
    /// <param name="asset">The asset symbol.</param>
    /// <param name="since">The first time, inclusive.</param>
    /// <param name="until">The end, exclusive.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    Task<IReadOnlyList<PriceHistoryPoint>> ReadAsync(string asset, DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken = default);
}
