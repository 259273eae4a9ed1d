using System.Collections.Immutable;
using System.Globalization;

namespace Margin.Engine.Statistics;

/// <summary>The eigenvalues and orthonormal eigenvectors of a real symmetric matrix, by the cyclic Jacobi method.</summary>
/// <remarks>
/// <c>A = V * diag(Eigenvalues) * V^T</c>. Eigenvalues are in ascending order; <see cref="Eigenvectors"/> is <c>V</c> in
/// row-major order, column <c>k</c> being the eigenvector of eigenvalue <c>k</c>. Each eigenvector's sign is fixed so that
/// its largest-magnitude component (the first one within a relative 1e-9 of the largest, so that near-ties are stable) is positive, which makes the result deterministic. Sweeps of
/// rotations over every off-diagonal pair run until the off-diagonal Frobenius norm is below <c>1e-15</c> times the
/// matrix's norm (at most 100 sweeps; Jacobi converges quadratically, a few sweeps suffice for small matrices).
/// </remarks>
public sealed class SymmetricEigenDecomposition
{
    private const int MaxSweeps = 100;
    private const double Tolerance = 1e-15;
    private const double SignTieTolerance = 1e-9;

    private SymmetricEigenDecomposition(int order, ImmutableArray<double> eigenvalues, ImmutableArray<double> eigenvectors)
    {
        Order = order;
        Eigenvalues = eigenvalues;
        Eigenvectors = eigenvectors;
    }

    /// <summary>The dimension <c>n</c> of the decomposed matrix.</summary>
    public int Order { get; }

    /// <summary>The <c>n</c> eigenvalues, ascending.</summary>
    public ImmutableArray<double> Eigenvalues { get; }

    /// <summary>The eigenvector matrix <c>V</c>, <c>n * n</c> values in row-major order; column <c>k</c> belongs to eigenvalue <c>k</c>.</summary>
    public ImmutableArray<double> Eigenvectors { get; }

    /// <summary>Component <paramref name="row"/> of eigenvector <paramref name="k"/>.</summary>
    public double Vector(int row, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Order);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(k, Order);
        return Eigenvectors[(row * Order) + k];
    }

    /// <summary>Decomposes the symmetric <paramref name="order"/> x <paramref name="order"/> matrix given in row-major order.</summary>
    /// <exception cref="ArgumentException">The size does not match, a value is not finite, or the matrix is not exactly symmetric.</exception>
    /// <exception cref="InvalidOperationException">The iteration did not converge (not expected for finite input).</exception>
    public static SymmetricEigenDecomposition Compute(ReadOnlySpan<double> matrix, int order)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(order);
        if (matrix.Length != order * order)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"a {order} x {order} matrix needs {order * order} values, not {matrix.Length}"), nameof(matrix));
        }

        for (var i = 0; i < order; i++)
        {
            for (var j = 0; j < order; j++)
            {
                var value = matrix[(i * order) + j];
                if (!double.IsFinite(value))
                {
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"element ({i}, {j}) is {value}"), nameof(matrix));
                }

                if (j > i && value != matrix[(j * order) + i])
                {
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"the matrix is not symmetric at ({i}, {j})"), nameof(matrix));
                }
            }
        }

        var a = matrix.ToArray();
        var v = new double[order * order];
        for (var i = 0; i < order; i++)
        {
            v[(i * order) + i] = 1.0;
        }

        Diagonalise(a, v, order);
        return Sorted(a, v, order);
    }

    private static void Diagonalise(double[] a, double[] v, int n)
    {
        var norm = 0.0;
        foreach (var x in a)
        {
            norm += x * x;
        }

        var threshold = Tolerance * Tolerance * norm;
        for (var sweep = 0; sweep < MaxSweeps; sweep++)
        {
            var off = 0.0;
            for (var p = 0; p < n; p++)
            {
                for (var q = p + 1; q < n; q++)
                {
                    off += 2 * a[(p * n) + q] * a[(p * n) + q];
                }
            }

            if (off <= threshold)
            {
                return;
            }

            for (var p = 0; p < n; p++)
            {
                for (var q = p + 1; q < n; q++)
                {
                    Rotate(a, v, n, p, q);
                }
            }
        }

        throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"the Jacobi iteration did not converge in {MaxSweeps} sweeps"));
    }

    // One rotation A' = J^T A J that zeroes a[p, q] (Numerical Recipes, section 11.1), accumulated into V' = V J.
    private static void Rotate(double[] a, double[] v, int n, int p, int q)
    {
        var apq = a[(p * n) + q];
        if (apq == 0.0)
        {
            return;
        }

        var theta = (a[(q * n) + q] - a[(p * n) + p]) / (2 * apq);
        var t = Math.Abs(theta) > 1e150
            ? 1 / (2 * theta)
            : Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt((theta * theta) + 1));
        var c = 1 / Math.Sqrt((t * t) + 1);
        var s = t * c;
        for (var k = 0; k < n; k++)
        {
            var akp = a[(k * n) + p];
            var akq = a[(k * n) + q];
            a[(k * n) + p] = (c * akp) - (s * akq);
            a[(k * n) + q] = (s * akp) + (c * akq);
        }

        for (var k = 0; k < n; k++)
        {
            var apk = a[(p * n) + k];
            var aqk = a[(q * n) + k];
            a[(p * n) + k] = (c * apk) - (s * aqk);
            a[(q * n) + k] = (s * apk) + (c * aqk);
        }

        a[(p * n) + q] = 0.0;
        a[(q * n) + p] = 0.0;
        for (var k = 0; k < n; k++)
        {
            var vkp = v[(k * n) + p];
            var vkq = v[(k * n) + q];
            v[(k * n) + p] = (c * vkp) - (s * vkq);
            v[(k * n) + q] = (s * vkp) + (c * vkq);
        }
    }

    private static SymmetricEigenDecomposition Sorted(double[] a, double[] v, int n)
    {
        var indexes = Enumerable.Range(0, n).OrderBy(k => a[(k * n) + k]).ThenBy(k => k).ToArray();
        var values = new double[n];
        var vectors = new double[n * n];
        for (var column = 0; column < n; column++)
        {
            var k = indexes[column];
            values[column] = a[(k * n) + k];
            var largest = 0.0;
            for (var row = 0; row < n; row++)
            {
                largest = Math.Max(largest, Math.Abs(v[(row * n) + k]));
            }

            // The first component within rounding of the largest magnitude decides the sign, so near-ties are stable.
            var pivot = 0;
            while (Math.Abs(v[(pivot * n) + k]) < largest * (1 - SignTieTolerance))
            {
                pivot++;
            }

            var sign = v[(pivot * n) + k] < 0 ? -1.0 : 1.0;
            for (var row = 0; row < n; row++)
            {
                vectors[(row * n) + column] = sign * v[(row * n) + k];
            }
        }

        return new SymmetricEigenDecomposition(n, [.. values], [.. vectors]);
    }
}
