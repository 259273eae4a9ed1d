using System.Collections.Immutable;
using System.Globalization;

namespace Margin.Engine.Statistics;

/// <summary>Exponentially weighted (RiskMetrics) volatility of a regularly sampled price series.</summary>
/// <remarks>
/// Log returns <c>r_t = ln(p_t / p_{t-1})</c>, zero mean assumed. Recursion <c>var_t = lambda * var_{t-1} + (1 - lambda) * r_t^2</c>
/// for <c>t = 1..n</c>, seeded with <c>var_0 = (1/n) * sum r_t^2</c> (the equally weighted mean square of the same returns,
/// so a short series is not dominated by its first return; the seed's weight decays as <c>lambda^n</c>). The result is
/// annualised: <c>sigma = sqrt(var_n * periodsPerYear)</c>, an annualised fraction (0.6 = 60 %). <c>lambda</c> in (0, 1):
/// a short-window and a long-window estimate are the same function with two lambdas (<see cref="LambdaForHalfLife"/>).
/// Prices are USD per unit, strictly positive, oldest first; the sampling interval is <c>1 / periodsPerYear</c> years.
/// </remarks>
public static class EwmaVolatility
{
    /// <summary>The annualised EWMA volatility of <paramref name="prices"/>; null when there are fewer than two prices.</summary>
    /// <param name="prices">Regularly sampled prices, oldest first, strictly positive.</param>
    /// <param name="lambda">The decay factor, in (0, 1).</param>
    /// <param name="periodsPerYear">Samples per year (365 for daily, 8760 for hourly), finite and positive.</param>
    /// <exception cref="ArgumentException">A price is not positive, or a parameter is out of range.</exception>
    public static double? Estimate(IReadOnlyList<decimal> prices, double lambda, double periodsPerYear)
    {
        CheckLambda(lambda);
        if (!double.IsFinite(periodsPerYear) || periodsPerYear <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(periodsPerYear), periodsPerYear, "the number of periods per year must be finite and positive");
        }

        var returns = LogReturns(prices);
        if (returns.Length == 0)
        {
            return null;
        }

        return Math.Sqrt(Covariance(returns.AsSpan(), returns.AsSpan(), lambda) * periodsPerYear);
    }

    /// <summary>The log returns <c>ln(p_t / p_{t-1})</c> of a price series, one fewer than the prices.</summary>
    /// <exception cref="ArgumentException">A price is not positive.</exception>
    public static ImmutableArray<double> LogReturns(IReadOnlyList<decimal> prices)
    {
        ArgumentNullException.ThrowIfNull(prices);
        for (var i = 0; i < prices.Count; i++)
        {
            if (prices[i] <= 0m)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"price {i} is {prices[i]}; log returns need positive prices"), nameof(prices));
            }
        }

        if (prices.Count < 2)
        {
            return [];
        }

        var returns = new double[prices.Count - 1];
        for (var i = 1; i < prices.Count; i++)
        {
            returns[i - 1] = Math.Log((double)prices[i] / (double)prices[i - 1]);
        }

        return [.. returns];
    }

    /// <summary>The decay factor whose weights halve every <paramref name="halfLifePeriods"/> periods: <c>0.5^(1 / h)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The half-life is not finite and positive.</exception>
    public static double LambdaForHalfLife(double halfLifePeriods)
    {
        if (!double.IsFinite(halfLifePeriods) || halfLifePeriods <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(halfLifePeriods), halfLifePeriods, "the half-life must be finite and positive");
        }

        return Math.Pow(0.5, 1.0 / halfLifePeriods);
    }

    /// <summary>The per-period EWMA co-moment of two aligned, non-empty return series, seeded with their mean product.</summary>
    /// <remarks>With <paramref name="x"/> and <paramref name="y"/> the same series this is the EWMA variance.</remarks>
    internal static double Covariance(ReadOnlySpan<double> x, ReadOnlySpan<double> y, double lambda)
    {
        var seed = 0.0;
        for (var t = 0; t < x.Length; t++)
        {
            seed += x[t] * y[t];
        }

        var value = seed / x.Length;
        for (var t = 0; t < x.Length; t++)
        {
            value = (lambda * value) + ((1 - lambda) * x[t] * y[t]);
        }

        return value;
    }

    internal static void CheckLambda(double lambda)
    {
        if (!(lambda > 0 && lambda < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "the EWMA decay factor must lie strictly between 0 and 1");
        }
    }
}
