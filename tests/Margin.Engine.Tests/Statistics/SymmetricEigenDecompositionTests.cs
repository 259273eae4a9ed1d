using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Margin.Engine.Statistics;

namespace Margin.Engine.Tests.Statistics;

public sealed class SymmetricEigenDecompositionTests
{
    [Fact]
    public void Compute_Tridiagonal3x3_MatchesKnownEigenpairs()
    {
        // [[2,-1,0],[-1,2,-1],[0,-1,2]]: eigenvalues 2 - sqrt2, 2, 2 + sqrt2 with eigenvectors
        // (1, sqrt2, 1)/2, (1, 0, -1)/sqrt2 and (-1, sqrt2, -1)/2 (signs: largest component positive).
        var e = SymmetricEigenDecomposition.Compute([2, -1, 0, -1, 2, -1, 0, -1, 2], 3);

        var s = Math.Sqrt(2);
        Assert.Equal(2 - s, e.Eigenvalues[0], 1e-14);
        Assert.Equal(2.0, e.Eigenvalues[1], 1e-14);
        Assert.Equal(2 + s, e.Eigenvalues[2], 1e-14);
        double[][] expected = [[0.5, s / 2, 0.5], [1 / s, 0, -1 / s], [-0.5, s / 2, -0.5]];
        for (var k = 0; k < 3; k++)
        {
            for (var row = 0; row < 3; row++)
            {
                Assert.Equal(expected[k][row], e.Vector(row, k), 1e-14);
            }
        }
    }

    [Fact]
    public void Compute_DiagonalMatrix_ReturnsSortedDiagonalAndPermutation()
    {
        var e = SymmetricEigenDecomposition.Compute([3, 0, 0, 0, -1, 0, 0, 0, 2], 3);

        Assert.Equal([-1.0, 2.0, 3.0], e.Eigenvalues.ToArray());
        Assert.Equal([0.0, 0, 1, 1, 0, 0, 0, 1, 0], e.Eigenvectors.ToArray());
    }

    [Fact]
    public void Compute_Correlation2x2_HasEigenvaluesOneMinusAndPlusRho()
    {
        var e = SymmetricEigenDecomposition.Compute([1, 0.6, 0.6, 1], 2);

        Assert.Equal(0.4, e.Eigenvalues[0], 1e-15);
        Assert.Equal(1.6, e.Eigenvalues[1], 1e-15);
    }

    [Fact]
    public void Compute_EmptyMatrix_HasNoEigenvalues()
    {
        var e = SymmetricEigenDecomposition.Compute([], 0);

        Assert.Empty(e.Eigenvalues);
        Assert.Equal(0, e.Order);
    }

    [Fact]
    public void Compute_NotSymmetric_Throws()
    {
        Assert.Throws<ArgumentException>(() => SymmetricEigenDecomposition.Compute([1, 2, 2.0000001, 1], 2));
    }

    [Fact]
    public void Compute_WrongSize_Throws()
    {
        Assert.Throws<ArgumentException>(() => SymmetricEigenDecomposition.Compute([1, 0, 0], 2));
    }

    [Fact]
    public void Compute_NotFinite_Throws()
    {
        Assert.Throws<ArgumentException>(() => SymmetricEigenDecomposition.Compute([double.NaN, 0, 0, 1], 2));
    }

    [Fact]
    public void Vector_IndexOutOfRange_Throws()
    {
        var e = SymmetricEigenDecomposition.Compute([1, 0, 0, 1], 2);

        Assert.Throws<ArgumentOutOfRangeException>(() => e.Vector(2, 0));
    }

    [Property(MaxTest = 200)]
    public Property Compute_RandomSymmetric_ReconstructsWithOrthonormalVectors()
    {
        var matrices = Gen.Choose(1, 7).SelectMany(n => Gen.Choose(-1000, 1000).Select(i => i / 100.0).ArrayOf(n * n).Select(raw => Symmetrise(raw, n)));
        return Prop.ForAll(matrices.ToArbitrary(), m =>
        {
            var (a, n) = m;
            var e = SymmetricEigenDecomposition.Compute(a, n);
            var ok = true;
            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    var reconstructed = 0.0;
                    var dot = 0.0;
                    for (var k = 0; k < n; k++)
                    {
                        reconstructed += e.Vector(i, k) * e.Eigenvalues[k] * e.Vector(j, k);
                        dot += e.Vector(k, i) * e.Vector(k, j);
                    }

                    ok &= Math.Abs(reconstructed - a[(i * n) + j]) < 1e-10;
                    ok &= Math.Abs(dot - (i == j ? 1 : 0)) < 1e-12;
                }
            }

            for (var k = 1; k < n; k++)
            {
                ok &= e.Eigenvalues[k - 1] <= e.Eigenvalues[k];
            }

            return ok;
        });
    }

    private static (double[] Matrix, int Order) Symmetrise(double[] raw, int n)
    {
        var a = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = i; j < n; j++)
            {
                a[(i * n) + j] = raw[(i * n) + j];
                a[(j * n) + i] = raw[(i * n) + j];
            }
        }

        return (a, n);
    }
}
