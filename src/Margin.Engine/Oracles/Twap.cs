using System.Globalization;

namespace Margin.Engine.Oracles;

/// <summary>The time-weighted average price of a series over a trailing window.</summary>
/// <remarks>
/// Convention: the series is a step function. Each point's price holds from its time until the next point's time; the
/// last point's price holds until <c>now</c>. The window is <c>[now - window, now]</c>. A point before the window start
/// contributes the part of its step inside the window (its price is the one in force at the window start); when no
/// point precedes the window start the average covers only <c>[first point, now]</c> and <see cref="TimeWeightedPrice.Covered"/>
/// says so. Weights are exact tick counts and the average is computed in <see cref="decimal"/>. Points must be in
/// non-decreasing time order, not after <c>now</c>; of several points at the same time the last one listed is in force.
/// </remarks>
public static class Twap
{
    /// <summary>The TWAP of <paramref name="points"/> over the <paramref name="window"/> ending at <paramref name="now"/>; null for an empty series.</summary>
    /// <remarks>If every step in force has zero length (the last point is at <c>now</c> and the window holds no other step), the TWAP is that point's price with zero coverage.</remarks>
    /// <exception cref="ArgumentException">The window is not positive, or a point is out of order, after <paramref name="now"/>, or not positive.</exception>
    public static TimeWeightedPrice? Compute(IReadOnlyList<PricePoint> points, TimeSpan window, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (window <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(window), window, "the TWAP window must be positive");
        }

        if (points.Count == 0)
        {
            return null;
        }

        Validate(points, now);
        var start = now - window;
        var weighted = 0m;
        var totalTicks = 0L;
        for (var i = 0; i < points.Count; i++)
        {
            var from = points[i].Time > start ? points[i].Time : start;
            var to = i + 1 < points.Count ? points[i + 1].Time : now;
            if (to <= from)
            {
                continue;
            }

            var ticks = (to - from).Ticks;
            weighted += points[i].Price * ticks;
            totalTicks += ticks;
        }

        if (totalTicks == 0)
        {
            return new TimeWeightedPrice(points[^1].Price, TimeSpan.Zero);
        }

        return new TimeWeightedPrice(weighted / totalTicks, TimeSpan.FromTicks(totalTicks));
    }

    private static void Validate(IReadOnlyList<PricePoint> points, DateTimeOffset now)
    {
        for (var i = 0; i < points.Count; i++)
        {
            var point = points[i];
            if (point.Price <= 0m)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"point {i} has the non-positive price {point.Price}"), nameof(points));
            }

            if (point.Time > now)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"point {i} at {point.Time:O} is after the evaluation time {now:O}"), nameof(points));
            }

            if (i > 0 && point.Time < points[i - 1].Time)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"point {i} at {point.Time:O} is earlier than the point before it"), nameof(points));
            }
        }
    }
}
