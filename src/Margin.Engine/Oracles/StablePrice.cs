using System.Globalization;

namespace Margin.Engine.Oracles;

/// <summary>A rate-limited stable price that follows the oracle price by at most a fraction per second (Mango-style).</summary>
/// <remarks>
/// One step over an elapsed time <c>dt</c> in seconds with the limit <c>rate</c> (a fraction per second, e.g. 0.0003 = 0.03 %/s):
/// <c>stable' = clamp(P, stable * (1 - rate * dt), stable * (1 + rate * dt))</c>. When <c>rate * dt &gt;= 1</c> the lower
/// bound is not positive and a falling price is followed at once; the stable price is always strictly positive. A rate of
/// 0 freezes the stable price. Computed in <see cref="decimal"/> without intermediate overflow (a bound is only formed when
/// it binds).
/// </remarks>
public static class StablePrice
{
    /// <summary>The stable price after <paramref name="elapsed"/> has passed and the oracle shows <paramref name="oraclePrice"/>.</summary>
    /// <param name="stablePrice">The current stable price, USD per unit, strictly positive.</param>
    /// <param name="oraclePrice">The new oracle price, USD per unit, strictly positive.</param>
    /// <param name="elapsed">Time since the last update, not negative.</param>
    /// <param name="maxMovePerSecond">The largest relative move per second, not negative.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of its range.</exception>
    public static decimal Next(decimal stablePrice, decimal oraclePrice, TimeSpan elapsed, decimal maxMovePerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stablePrice);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(oraclePrice);
        ArgumentOutOfRangeException.ThrowIfNegative(maxMovePerSecond);
        if (elapsed < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(elapsed), elapsed, "the elapsed time must not be negative");
        }

        var band = maxMovePerSecond * ((decimal)elapsed.Ticks / TimeSpan.TicksPerSecond);
        if (oraclePrice > stablePrice)
        {
            var rise = (oraclePrice - stablePrice) / stablePrice;
            return rise > band ? stablePrice * (1m + band) : oraclePrice;
        }

        var fall = (stablePrice - oraclePrice) / stablePrice;
        return fall > band ? stablePrice * (1m - band) : oraclePrice;
    }

    /// <summary>The stable price after following a whole series, starting at its first price.</summary>
    /// <exception cref="ArgumentException">The series is empty, out of time order or has a non-positive price.</exception>
    public static decimal Track(IReadOnlyList<PricePoint> observations, decimal maxMovePerSecond)
    {
        ArgumentNullException.ThrowIfNull(observations);
        if (observations.Count == 0)
        {
            throw new ArgumentException("a stable price needs at least one observation", nameof(observations));
        }

        var stable = observations[0].Price;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stable);
        for (var i = 1; i < observations.Count; i++)
        {
            var elapsed = observations[i].Time - observations[i - 1].Time;
            if (elapsed < TimeSpan.Zero)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"observation {i} is earlier than the one before it"), nameof(observations));
            }

            stable = Next(stable, observations[i].Price, elapsed, maxMovePerSecond);
        }

        return stable;
    }
}
