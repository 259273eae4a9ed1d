using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Globalization;
using Margin.Engine.Domain;

namespace Margin.Engine.Statistics;

/// <summary>An immutable correlation matrix over a fixed, ordered list of assets.</summary>
/// <remarks>
/// Invariants checked by <see cref="Create"/>: distinct assets, every value finite and in [-1, 1], exactly symmetric, the
/// diagonal exactly 1. Positive semi-definiteness is not an invariant (an estimate may violate it); see
/// <see cref="RepairToPositiveSemidefinite"/> and <see cref="MinimumEigenvalue"/>. Values are stored row-major in the
/// order of <see cref="Assets"/>.
/// </remarks>
public sealed class CorrelationMatrix
{
    private readonly double[] _values;
    private readonly FrozenDictionary<Asset, int> _indexes;

    private CorrelationMatrix(ImmutableArray<Asset> assets, FrozenDictionary<Asset, int> indexes, double[] values)
    {
        Assets = assets;
        _indexes = indexes;
        _values = values;
    }

    /// <summary>The assets, in row and column order.</summary>
    public ImmutableArray<Asset> Assets { get; }

    /// <summary>The number of assets (rows and columns).</summary>
    public int Order => Assets.Length;

    /// <summary>The correlation between the assets at <paramref name="row"/> and <paramref name="column"/>.</summary>
    public double this[int row, int column]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(row);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Order);
            ArgumentOutOfRangeException.ThrowIfNegative(column);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(column, Order);
            return _values[(row * Order) + column];
        }
    }

    /// <summary>The correlation between two assets of the matrix.</summary>
    /// <exception cref="KeyNotFoundException">An asset is not in the matrix.</exception>
    public double this[Asset row, Asset column] => this[RequireIndex(row), RequireIndex(column)];

    /// <summary>Validates and creates a matrix from <c>n * n</c> row-major values.</summary>
    /// <exception cref="ArgumentException">An invariant is violated; the message names the element.</exception>
    public static CorrelationMatrix Create(IEnumerable<Asset> assets, ReadOnlySpan<double> values)
    {
        var (ordered, indexes) = Index(assets);
        var n = ordered.Length;
        if (values.Length != n * n)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{n} assets need {n * n} correlations, not {values.Length}"), nameof(values));
        }

        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var value = values[(i * n) + j];
                if (!double.IsFinite(value) || value < -1.0 || value > 1.0)
                {
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"the correlation of {ordered[i]} and {ordered[j]} is {value}, outside [-1, 1]"), nameof(values));
                }

                if (i == j && value != 1.0)
                {
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"the diagonal element of {ordered[i]} is {value}, not 1"), nameof(values));
                }

                if (j > i && value != values[(j * n) + i])
                {
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"the correlation of {ordered[i]} and {ordered[j]} is not symmetric"), nameof(values));
                }
            }
        }

        return new CorrelationMatrix(ordered, indexes, values.ToArray());
    }

    /// <summary>The identity matrix: every pair uncorrelated.</summary>
    public static CorrelationMatrix Identity(IEnumerable<Asset> assets) => Filled(assets, 0.0);

    /// <summary>The all-ones matrix <c>1 1^T</c>: every pair perfectly correlated (the conservative default for missing history).</summary>
    public static CorrelationMatrix Ones(IEnumerable<Asset> assets) => Filled(assets, 1.0);

    /// <summary>The position of <paramref name="asset"/> in <see cref="Assets"/>, or -1.</summary>
    public int IndexOf(Asset asset) => _indexes.TryGetValue(asset, out var index) ? index : -1;

    /// <summary>A copy of the values, row-major.</summary>
    public double[] ToArray() => (double[])_values.Clone();

    /// <summary>The stress-shrunk matrix <c>C_s = (1 - s) * C + s * 1 1^T</c>.</summary>
    /// <remarks><paramref name="stress"/> in [0, 1]: 0 returns this matrix, 1 the all-ones matrix. Shrinkage keeps a positive semi-definite matrix so (a convex combination of two).</remarks>
    /// <exception cref="ArgumentOutOfRangeException">The stress is outside [0, 1] or NaN.</exception>
    public CorrelationMatrix ShrinkTowardOnes(double stress)
    {
        if (!(stress >= 0.0 && stress <= 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(stress), stress, "the stress shrinkage must lie in [0, 1]");
        }

        if (stress == 0.0)
        {
            return this;
        }

        var n = Order;
        var shrunk = new double[_values.Length];
        for (var i = 0; i < n; i++)
        {
            for (var j = i; j < n; j++)
            {
                var value = i == j ? 1.0 : Math.Clamp(((1.0 - stress) * _values[(i * n) + j]) + stress, -1.0, 1.0);
                shrunk[(i * n) + j] = value;
                shrunk[(j * n) + i] = value;
            }
        }

        return new CorrelationMatrix(Assets, _indexes, shrunk);
    }

    /// <summary>The eigen-decomposition of this matrix.</summary>
    public SymmetricEigenDecomposition Decompose() => SymmetricEigenDecomposition.Compute(_values, Order);

    /// <summary>The smallest eigenvalue; negative when the matrix is not positive semi-definite. 1 for an empty matrix.</summary>
    public double MinimumEigenvalue() => Order == 0 ? 1.0 : Decompose().Eigenvalues[0];

    /// <summary>The nearest-by-construction positive semi-definite correlation matrix: eigenvalues clipped at 0, then rescaled to a unit diagonal.</summary>
    /// <remarks>
    /// <c>A+ = V * diag(max(lambda_k, 0)) * V^T</c>, then <c>R_ij = A+_ij / sqrt(A+_ii * A+_jj)</c>, symmetrised, the diagonal set to
    /// exactly 1 and values clamped to [-1, 1] against rounding. The rescaling is well defined: for a unit diagonal
    /// <c>A+_ii = 1 + sum over negative lambda_k of |lambda_k| * v_ik^2 &gt;= 1</c>. A matrix whose smallest eigenvalue is already
    /// not negative is returned unchanged. The result's eigenvalues are non-negative up to rounding (about <c>n * 1e-16</c>).
    /// </remarks>
    public CorrelationMatrix RepairToPositiveSemidefinite()
    {
        if (Order == 0)
        {
            return this;
        }

        var decomposition = Decompose();
        if (decomposition.Eigenvalues[0] >= 0.0)
        {
            return this;
        }

        var n = Order;
        var clipped = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = i; j < n; j++)
            {
                var sum = 0.0;
                for (var k = 0; k < n; k++)
                {
                    var lambda = decomposition.Eigenvalues[k];
                    if (lambda > 0.0)
                    {
                        sum += lambda * decomposition.Vector(i, k) * decomposition.Vector(j, k);
                    }
                }

                clipped[(i * n) + j] = sum;
                clipped[(j * n) + i] = sum;
            }
        }

        var repaired = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            repaired[(i * n) + i] = 1.0;
            for (var j = i + 1; j < n; j++)
            {
                var value = Math.Clamp(clipped[(i * n) + j] / Math.Sqrt(clipped[(i * n) + i] * clipped[(j * n) + j]), -1.0, 1.0);
                repaired[(i * n) + j] = value;
                repaired[(j * n) + i] = value;
            }
        }

        return new CorrelationMatrix(Assets, _indexes, repaired);
    }

    /// <summary>The quadratic form <c>x^T C x</c> with <paramref name="x"/> in asset order, e.g. <c>L^T C_s L</c> of section 4.</summary>
    /// <remarks>Not clamped: for a positive semi-definite matrix rounding may give a value just below 0; take <c>Math.Max(0, ...)</c> before a square root.</remarks>
    /// <exception cref="ArgumentException">The vector's length is not <see cref="Order"/>.</exception>
    public double QuadraticForm(ReadOnlySpan<double> x)
    {
        if (x.Length != Order)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"the vector has {x.Length} elements; the matrix has {Order} assets"), nameof(x));
        }

        var sum = 0.0;
        for (var i = 0; i < Order; i++)
        {
            var row = 0.0;
            for (var j = 0; j < Order; j++)
            {
                row += _values[(i * Order) + j] * x[j];
            }

            sum += x[i] * row;
        }

        return sum;
    }

    private static CorrelationMatrix Filled(IEnumerable<Asset> assets, double offDiagonal)
    {
        var (ordered, indexes) = Index(assets);
        var n = ordered.Length;
        var values = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                values[(i * n) + j] = i == j ? 1.0 : offDiagonal;
            }
        }

        return new CorrelationMatrix(ordered, indexes, values);
    }

    private static (ImmutableArray<Asset> Ordered, FrozenDictionary<Asset, int> Indexes) Index(IEnumerable<Asset> assets)
    {
        ArgumentNullException.ThrowIfNull(assets);
        var ordered = assets.ToImmutableArray();
        var indexes = new Dictionary<Asset, int>(ordered.Length);
        for (var i = 0; i < ordered.Length; i++)
        {
            if (ordered[i].IsDefault)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"asset {i} is missing"), nameof(assets));
            }

            if (!indexes.TryAdd(ordered[i], i))
            {
                throw new ArgumentException($"asset {ordered[i]} appears twice", nameof(assets));
            }
        }

        return (ordered, indexes.ToFrozenDictionary());
    }

    private int RequireIndex(Asset asset) =>
        _indexes.TryGetValue(asset, out var index) ? index : throw new KeyNotFoundException($"asset {asset} is not in the correlation matrix");
}
