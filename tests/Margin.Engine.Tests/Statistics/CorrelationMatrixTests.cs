using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Margin.Engine.Domain;
using Margin.Engine.Statistics;

namespace Margin.Engine.Tests.Statistics;

public sealed class CorrelationMatrixTests
{
    private static readonly Asset[] s_abc = [Asset.Of("A"), Asset.Of("B"), Asset.Of("C")];
    private static readonly Asset[] s_ab = [Asset.Of("A"), Asset.Of("B")];

    public static TheoryData<double[]> InvalidMatrices => new()
    {
        new[] { 1.0, 0.5, 0.5, 0.9 },
        new[] { 1.0, 0.5, 0.4, 1.0 },
        new[] { 1.0, 1.1, 1.1, 1.0 },
        new[] { 1.0, -1.5, -1.5, 1.0 },
        new[] { 1.0, double.NaN, double.NaN, 1.0 },
        new[] { 1.0, 0.0, 0.0 },
    };

    [Fact]
    public void Create_ValidMatrix_IndexesByPositionAndAsset()
    {
        var c = CorrelationMatrix.Create(s_abc, [1, 0.2, -0.3, 0.2, 1, 0.4, -0.3, 0.4, 1]);

        Assert.Equal(3, c.Order);
        Assert.Equal(s_abc, c.Assets.ToArray());
        Assert.Equal(-0.3, c[0, 2]);
        Assert.Equal(0.4, c[Asset.Of("C"), Asset.Of("B")]);
        Assert.Equal(1, c.IndexOf(Asset.Of("B")));
        Assert.Equal(-1, c.IndexOf(Asset.Of("D")));
    }

    [Theory]
    [MemberData(nameof(InvalidMatrices))]
    public void Create_InvariantViolated_Throws(double[] values)
    {
        Assert.Throws<ArgumentException>(() => CorrelationMatrix.Create(s_ab, values));
    }

    [Fact]
    public void Create_DuplicateAsset_Throws()
    {
        Assert.Throws<ArgumentException>(() => CorrelationMatrix.Create([Asset.Of("A"), Asset.Of("A")], [1, 0, 0, 1]));
    }

    [Fact]
    public void Create_CallerArrayChangedAfterwards_MatrixUnchanged()
    {
        double[] values = [1, 0.5, 0.5, 1];
        var c = CorrelationMatrix.Create(s_ab, values);

        values[1] = 0.9;
        var copy = c.ToArray();
        copy[2] = 0.7;

        Assert.Equal(0.5, c[0, 1]);
        Assert.Equal(0.5, c[1, 0]);
    }

    [Fact]
    public void Indexer_UnknownAsset_ThrowsKeyNotFound()
    {
        var c = CorrelationMatrix.Identity(s_ab);

        Assert.Throws<KeyNotFoundException>(() => c[Asset.Of("A"), Asset.Of("Z")]);
    }

    [Fact]
    public void IdentityAndOnes_Values_AreZeroAndOneOffDiagonal()
    {
        Assert.Equal([1.0, 0, 0, 1], CorrelationMatrix.Identity(s_ab).ToArray());
        Assert.Equal([1.0, 1, 1, 1], CorrelationMatrix.Ones(s_ab).ToArray());
    }

    [Fact]
    public void ShrinkTowardOnes_PartialStress_MatchesHandCalculation()
    {
        // (1 - 0.4) * -0.5 + 0.4 = 0.1; (1 - 0.4) * 0.5 + 0.4 = 0.7; (1 - 0.4) * 0 + 0.4 = 0.4.
        var c = CorrelationMatrix.Create(s_abc, [1, -0.5, 0.5, -0.5, 1, 0, 0.5, 0, 1]);

        var shrunk = c.ShrinkTowardOnes(0.4);

        Assert.Equal(0.1, shrunk[0, 1], 1e-15);
        Assert.Equal(0.7, shrunk[2, 0], 1e-15);
        Assert.Equal(0.4, shrunk[1, 2], 1e-15);
        Assert.Equal(1.0, shrunk[1, 1]);
    }

    [Fact]
    public void ShrinkTowardOnes_Extremes_ReturnSameOrAllOnes()
    {
        var c = CorrelationMatrix.Create(s_ab, [1, -0.5, -0.5, 1]);

        Assert.Same(c, c.ShrinkTowardOnes(0));
        Assert.Equal([1.0, 1, 1, 1], c.ShrinkTowardOnes(1).ToArray());
    }

    [Theory]
    [InlineData(-0.01)]
    [InlineData(1.01)]
    [InlineData(double.NaN)]
    public void ShrinkTowardOnes_StressOutOfRange_Throws(double stress)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CorrelationMatrix.Identity(s_ab).ShrinkTowardOnes(stress));
    }

    [Fact]
    public void MinimumEigenvalue_KnownMatrices_MatchesHandCalculation()
    {
        Assert.Equal(1.0, CorrelationMatrix.Identity(s_abc).MinimumEigenvalue(), 1e-15);
        Assert.Equal(0.0, CorrelationMatrix.Ones(s_abc).MinimumEigenvalue(), 1e-15);

        // (1 + a) I - a u u^T with u = (1, -1, 1), a = 0.9: the eigenvalue along u is 1 - 2a = -0.8.
        Assert.Equal(-0.8, NonPsd().MinimumEigenvalue(), 1e-14);
    }

    [Fact]
    public void RepairToPositiveSemidefinite_NonPsd_MatchesHandCalculation()
    {
        // Clipping -0.8 leaves (1 + a)(I - u u^T / 3) with diagonal 2(1 + a)/3; rescaled, R_ij = -u_i u_j / 2.
        var repaired = NonPsd().RepairToPositiveSemidefinite();

        double[] expected = [1, 0.5, -0.5, 0.5, 1, 0.5, -0.5, 0.5, 1];
        Assert.All(repaired.ToArray().Zip(expected), pair => Assert.Equal(pair.Second, pair.First, 1e-14));
        Assert.True(repaired.MinimumEigenvalue() >= -1e-12);
    }

    [Fact]
    public void RepairToPositiveSemidefinite_AlreadyPsd_ReturnsSameInstance()
    {
        var c = CorrelationMatrix.Create(s_ab, [1, 0.3, 0.3, 1]);

        Assert.Same(c, c.RepairToPositiveSemidefinite());
    }

    [Fact]
    public void QuadraticForm_Vector_MatchesHandCalculation()
    {
        // 1 * 1 + 4 * 1 + 2 * (0.5 * 1 * 2) = 7
        var c = CorrelationMatrix.Create(s_ab, [1, 0.5, 0.5, 1]);

        Assert.Equal(7.0, c.QuadraticForm([1, 2]), 1e-15);
        Assert.Throws<ArgumentException>(() => c.QuadraticForm([1]));
    }

    [Property(MaxTest = 200)]
    public Property RepairToPositiveSemidefinite_RandomSymmetric_IsPsdWithUnitDiagonal()
    {
        var matrices = Gen.Choose(2, 8).SelectMany(n => Gen.Choose(-100, 100).Select(i => i / 100.0).ArrayOf(n * n).Select(raw => (Raw: raw, Order: n)));
        return Prop.ForAll(matrices.ToArbitrary(), m =>
        {
            var n = m.Order;
            var values = new double[n * n];
            for (var i = 0; i < n; i++)
            {
                values[(i * n) + i] = 1;
                for (var j = i + 1; j < n; j++)
                {
                    values[(i * n) + j] = m.Raw[(i * n) + j];
                    values[(j * n) + i] = m.Raw[(i * n) + j];
                }
            }

            var assets = Enumerable.Range(0, n).Select(i => Asset.Of($"X{i}"));
            var repaired = CorrelationMatrix.Create(assets, values).RepairToPositiveSemidefinite();
            var diagonal = Enumerable.Range(0, n).All(i => repaired[i, i] == 1.0);
            var bounded = repaired.ToArray().All(v => v is >= -1 and <= 1);
            return repaired.MinimumEigenvalue() >= -1e-12 && diagonal && bounded;
        });
    }

    [Property(MaxTest = 200)]
    public Property ShrinkTowardOnes_RepairedMatrix_StaysPsd()
    {
        var inputs = Gen.Choose(-100, 100).Select(i => i / 100.0).ArrayOf(3).Zip(Gen.Choose(0, 100).Select(i => i / 100.0));
        return Prop.ForAll(inputs.ToArbitrary(), input =>
        {
            var (r, s) = input;
            var c = CorrelationMatrix.Create(s_abc, [1, r[0], r[1], r[0], 1, r[2], r[1], r[2], 1]).RepairToPositiveSemidefinite();
            return c.ShrinkTowardOnes(s).MinimumEigenvalue() >= -1e-12;
        });
    }

    private static CorrelationMatrix NonPsd() => CorrelationMatrix.Create(s_abc, [1, 0.9, -0.9, 0.9, 1, 0.9, -0.9, 0.9, 1]);
}
