using System.Globalization;
using Margin.Engine.Domain;

namespace Margin.Engine.Statistics;

/// <summary>The EWMA correlation matrix of several assets' returns (MARGIN-MODEL.md section 4), repaired to positive semi-definite.</summary>
/// <remarks>
/// Input: one price series per asset, sampled on one common grid and aligned at the end (the last price of every series is
/// the latest sample); a shorter series simply starts later. For a pair the overlap is the last <c>min(n_i, n_j) - 1</c>
/// log returns of both. Over the overlap the EWMA co-moments <c>cov_ij</c>, <c>var_i</c>, <c>var_j</c> use the recursion and the
/// mean-square seed of <see cref="EwmaVolatility"/>, and <c>rho_ij = cov_ij / sqrt(var_i * var_j)</c> (in [-1, 1] by
/// Cauchy-Schwarz, the weights being positive; clamped against rounding). Conservative fallbacks give <c>rho = 1</c>: an
/// overlap shorter than <c>minimumReturns</c> (missing or too short history) and a zero variance (a constant price carries
/// no information). The pairwise matrix may not be positive semi-definite; the result is
/// <see cref="CorrelationMatrix.RepairToPositiveSemidefinite"/> of it. Pure, deterministic and thread-safe.
/// </remarks>
public static class EwmaCorrelation
{
    /// <summary>The repaired EWMA correlation matrix of <paramref name="assets"/>, in that order.</summary>
    /// <param name="assets">Distinct assets.</param>
    /// <param name="prices">One end-aligned series per asset (oldest first, strictly positive; empty when there is no history).</param>
    /// <param name="lambda">The decay factor, in (0, 1).</param>
    /// <param name="minimumReturns">The fewest overlapping returns that give an estimate, at least 2.</param>
    /// <exception cref="ArgumentException">The counts differ, an asset repeats, a price is not positive, or a parameter is out of range.</exception>
    public static CorrelationMatrix Estimate(IReadOnlyList<Asset> assets, IReadOnlyList<IReadOnlyList<decimal>> prices, double lambda, int minimumReturns) =>
        Pairwise(assets, prices, lambda, minimumReturns).RepairToPositiveSemidefinite();

    /// <summary>The pairwise EWMA correlations before the positive semi-definite repair.</summary>
    internal static CorrelationMatrix Pairwise(IReadOnlyList<Asset> assets, IReadOnlyList<IReadOnlyList<decimal>> prices, double lambda, int minimumReturns)
    {
        ArgumentNullException.ThrowIfNull(assets);
        ArgumentNullException.ThrowIfNull(prices);
        EwmaVolatility.CheckLambda(lambda);
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumReturns, 2);
        if (assets.Count != prices.Count)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{assets.Count} assets but {prices.Count} price series"), nameof(prices));
        }

        var returns = new double[assets.Count][];
        for (var i = 0; i < assets.Count; i++)
        {
            returns[i] = [.. EwmaVolatility.LogReturns(prices[i] ?? throw new ArgumentException($"the price series of {assets[i]} is null; pass an empty one", nameof(prices)))];
        }

        var n = assets.Count;
        var values = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            values[(i * n) + i] = 1.0;
            for (var j = i + 1; j < n; j++)
            {
                var rho = Correlation(returns[i], returns[j], lambda, minimumReturns);
                values[(i * n) + j] = rho;
                values[(j * n) + i] = rho;
            }
        }

        return CorrelationMatrix.Create(assets, values);
    }

    private static double Correlation(double[] x, double[] y, double lambda, int minimumReturns)
    {
        var overlap = Math.Min(x.Length, y.Length);
        if (overlap < minimumReturns)
        {
            return 1.0;
        }

        var xs = x.AsSpan(x.Length - overlap);
        var ys = y.AsSpan(y.Length - overlap);
        var varX = EwmaVolatility.Covariance(xs, xs, lambda);
        var varY = EwmaVolatility.Covariance(ys, ys, lambda);
        if (!(varX > 0.0 && varY > 0.0))
        {
            return 1.0;
        }

        return Math.Clamp(EwmaVolatility.Covariance(xs, ys, lambda) / Math.Sqrt(varX * varY), -1.0, 1.0);
    }
}
