using Margin.Engine.Domain;
using Margin.Engine.Statistics;

namespace Margin.Engine.Tests.Statistics;

public sealed class EwmaCorrelationTests
{
    private static readonly Asset s_a = Asset.Of("A");
    private static readonly Asset s_b = Asset.Of("B");
    private static readonly Asset s_c = Asset.Of("C");
    private static readonly decimal[] s_pricesA = [100m, 102m, 101m, 105m, 104m];
    private static readonly decimal[] s_pricesB = [50m, 50.5m, 50.2m, 51m, 51.5m];

    [Fact]
    public void Estimate_TwoAssets_MatchesHandCalculation()
    {
        // Independent computation: EWMA (lambda 0.8, mean-square seed) of r_A r_B, r_A^2, r_B^2 over the four returns.
        var c = EwmaCorrelation.Estimate([s_a, s_b], [s_pricesA, s_pricesB], 0.8, 2);

        Assert.Equal(0.7346807173115095, c[s_a, s_b], 1e-12);
        Assert.Equal(c[0, 1], c[1, 0]);
        Assert.Equal(1.0, c[0, 0]);
    }

    [Fact]
    public void Estimate_ShorterSeries_UsesTheEndAlignedOverlap()
    {
        // B has only its last three prices: the overlap is A's last two returns and B's two.
        var c = EwmaCorrelation.Estimate([s_a, s_b], [s_pricesA, s_pricesB[2..]], 0.8, 2);

        Assert.Equal(0.6807945611491429, c[s_a, s_b], 1e-12);
    }

    [Fact]
    public void Estimate_ProportionalPrices_CorrelationOne()
    {
        var c = EwmaCorrelation.Estimate([s_a, s_b], [s_pricesA, s_pricesA.Select(p => p * 3m).ToArray()], 0.94, 2);

        Assert.Equal(1.0, c[0, 1], 1e-12);
    }

    [Fact]
    public void Estimate_InversePrices_CorrelationMinusOne()
    {
        var c = EwmaCorrelation.Estimate([s_a, s_b], [s_pricesA, s_pricesA.Select(p => 10_000m / p).ToArray()], 0.94, 2);

        Assert.Equal(-1.0, c[0, 1], 1e-12);
    }

    [Fact]
    public void Estimate_MissingOrShortHistory_CorrelationOne()
    {
        var c = EwmaCorrelation.Estimate([s_a, s_b, s_c], [s_pricesA, [], [7m, 7.5m, 7.2m]], 0.94, 3);

        Assert.Equal(1.0, c[s_a, s_b]);
        Assert.Equal(1.0, c[s_a, s_c]);
        Assert.Equal(1.0, c[s_b, s_c]);
    }

    [Fact]
    public void Estimate_ConstantPrice_CorrelationOne()
    {
        var c = EwmaCorrelation.Estimate([s_a, s_b], [s_pricesA, [5m, 5m, 5m, 5m, 5m]], 0.94, 2);

        Assert.Equal(1.0, c[0, 1]);
    }

    [Fact]
    public void Estimate_MissingHistoryBesideAnticorrelatedPair_RepairsToHandCalculation()
    {
        // Pairwise [[1,-1,1],[-1,1,1],[1,1,1]] = 2I - u u^T with u = (1, 1, -1): eigenvalues 2, 2, -1.
        // Clipped and rescaled: R_ij = -u_i u_j / 2.
        var inverse = s_pricesA.Select(p => 10_000m / p).ToArray();
        IReadOnlyList<decimal>[] series = [s_pricesA, inverse, []];

        var pairwise = EwmaCorrelation.Pairwise([s_a, s_b, s_c], series, 0.94, 2);
        var repaired = EwmaCorrelation.Estimate([s_a, s_b, s_c], series, 0.94, 2);

        Assert.Equal(-1.0, pairwise.MinimumEigenvalue(), 1e-12);
        Assert.Equal(-0.5, repaired[s_a, s_b], 1e-12);
        Assert.Equal(0.5, repaired[s_a, s_c], 1e-12);
        Assert.Equal(0.5, repaired[s_b, s_c], 1e-12);
        Assert.True(repaired.MinimumEigenvalue() >= -1e-12);
    }

    [Fact]
    public void Estimate_NoAssets_ReturnsEmptyMatrix()
    {
        Assert.Equal(0, EwmaCorrelation.Estimate([], [], 0.94, 2).Order);
    }

    [Fact]
    public void Estimate_CountsDiffer_Throws()
    {
        Assert.Throws<ArgumentException>(() => EwmaCorrelation.Estimate([s_a, s_b], [s_pricesA], 0.94, 2));
    }

    [Fact]
    public void Estimate_DuplicateAsset_Throws()
    {
        Assert.Throws<ArgumentException>(() => EwmaCorrelation.Estimate([s_a, s_a], [s_pricesA, s_pricesB], 0.94, 2));
    }

    [Theory]
    [InlineData(0.94, 1)]
    [InlineData(1.0, 2)]
    [InlineData(0.0, 2)]
    public void Estimate_ParameterOutOfRange_Throws(double lambda, int minimumReturns)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EwmaCorrelation.Estimate([s_a, s_b], [s_pricesA, s_pricesB], lambda, minimumReturns));
    }
}
