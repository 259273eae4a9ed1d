using System.Collections.Concurrent;
using Margin.Sweep.Ports;
using Margin.Sweep.Prices;

namespace Margin.Sweep.Tests.Support;

/// <summary>The price history in memory, keyed by (asset, time) as the table is.</summary>
public sealed class InMemoryPriceHistoryStore : IPriceHistoryStore
{
    private readonly ConcurrentDictionary<(string Asset, DateTimeOffset Time), PriceHistoryPoint> _points = new();

    public Task AppendAsync(IReadOnlyList<PriceHistoryPoint> points, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(points);
        foreach (var point in points)
        {
            _points[(point.Asset, point.Time)] = point;
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<PriceHistoryPoint>> ReadAsync(string asset, DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<PriceHistoryPoint>>([.. _points.Values.Where(p => p.Asset == asset && p.Time >= since && p.Time < until).OrderBy(p => p.Time)]);
}
