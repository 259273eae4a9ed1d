using System.Collections.Immutable;

namespace Margin.Engine.Parameters;

/// <summary>A per-underlying implied-volatility surface: at-the-money volatility by days to expiry plus a linear skew in log-moneyness.</summary>
/// <remarks>
/// <para>
/// <c>sigma(T, K) = atm(T) + Skew * ln(K / F)</c>, floored at the grid's minimum volatility by the engine. <c>atm(T)</c> is
/// interpolated linearly in total variance <c>atm^2 * T</c> between the points (the standard arbitrage-friendly choice) and
/// held flat in volatility beyond the first and last point.
/// </para>
/// <para>
/// A quoted implied volatility in the snapshot (<see cref="Prices.InstrumentPrice.ImpliedVolatility"/>) takes precedence
/// over the surface. Points are validated by <see cref="RiskParameters.Create"/>: days positive and strictly increasing,
/// volatilities finite and positive, the skew finite.
/// </para>
/// </remarks>
public sealed record VolatilitySurface
{
    /// <summary>The at-the-money volatility points, by ascending days to expiry.</summary>
    public required ImmutableArray<VolatilityPoint> AtTheMoney { get; init; }

    /// <summary>The change of volatility per unit of <c>ln(K / F)</c> (negative: puts richer than calls), finite.</summary>
    public double Skew { get; init; }

    /// <summary>The volatility at <paramref name="days"/> to expiry and log-moneyness <paramref name="logMoneyness"/> (before any floor).</summary>
    /// <param name="days">Days to expiry, positive.</param>
    /// <param name="logMoneyness"><c>ln(K / F)</c>.</param>
    public double VolatilityAt(double days, double logMoneyness)
    {
        var points = AtTheMoney;
        double atm;
        if (days <= points[0].Days)
        {
            atm = points[0].Volatility;
        }
        else if (days >= points[^1].Days)
        {
            atm = points[^1].Volatility;
        }
        else
        {
            var i = 1;
            while (points[i].Days < days)
            {
                i++;
            }

            var (d0, v0) = (points[i - 1].Days, points[i - 1].Volatility);
            var (d1, v1) = (points[i].Days, points[i].Volatility);
            var w0 = v0 * v0 * d0;
            var w1 = v1 * v1 * d1;
            var w = w0 + ((w1 - w0) * (days - d0) / (d1 - d0));
            atm = Math.Sqrt(Math.Max(w, 0.0) / days);
        }

        return atm + (Skew * logMoneyness);
    }
}

/// <summary>One at-the-money point of a <see cref="VolatilitySurface"/>.</summary>
/// <param name="Days">Days to expiry, positive.</param>
/// <param name="Volatility">The annualised at-the-money volatility, positive (0.6 = 60 %).</param>
public readonly record struct VolatilityPoint(double Days, double Volatility);
