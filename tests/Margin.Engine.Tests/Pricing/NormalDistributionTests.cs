using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Margin.Engine.Pricing;

namespace Margin.Engine.Tests.Pricing;

public sealed class NormalDistributionTests
{
    /// <summary>Phi(x) to double precision, computed with mpmath.ncdf at 40 digits; the +-0.663 and +-5.657 rows are Cody's interval boundaries.</summary>
    public static TheoryData<double, double> ReferenceValues => new()
    {
        { -37.0, 5.725571222524577e-300 },
        { -30.0, 4.906713927148187e-198 },
        { -20.0, 2.7536241186062337e-89 },
        { -10.0, 7.6198530241605260e-24 },
        { -8.0, 6.220960574271784e-16 },
        { -5.656854249492381, 7.708628950139992e-09 },
        { -5.0, 2.8665157187919391e-07 },
        { -3.0, 0.0013498980316300946 },
        { -1.0, 0.15865525393145705 },
        { -0.6629126073623883, 0.253693263391031 },
        { -0.1, 0.460172162722971 },
        { 0.0, 0.5 },
        { 0.1, 0.539827837277029 },
        { 0.6629126073623883, 0.746306736608969 },
        { 1.0, 0.8413447460685429 },
        { 1.96, 0.9750021048517795 },
        { 3.0, 0.9986501019683699 },
        { 5.0, 0.9999997133484281 },
        { 5.656854249492381, 0.999999992291371 },
        { 8.0, 0.9999999999999993 },
    };

    [Theory]
    [MemberData(nameof(ReferenceValues))]
    public void Cdf_ReferencePoint_WithinAbsoluteAndRelativeTolerance(double x, double expected)
    {
        var actual = NormalDistribution.Cdf(x);

        Assert.True(Math.Abs(actual - expected) < 1e-12, $"Phi({x}) = {actual:R}, expected {expected:R}");
        Assert.True(Math.Abs(actual - expected) <= 1e-9 * expected, $"Phi({x}) = {actual:R}, relative error {Math.Abs(actual - expected) / expected:E2}");
    }

    [Fact]
    public void Cdf_Grid_SymmetricAndNonDecreasing()
    {
        var previous = 0.0;
        for (var i = -4000; i <= 4000; i++)
        {
            var x = i / 100.0;
            var value = NormalDistribution.Cdf(x);

            Assert.True(Math.Abs(value + NormalDistribution.Cdf(-x) - 1.0) <= 2e-16, $"Phi({x}) + Phi({-x}) != 1");
            Assert.True(value >= previous, $"Phi decreases at {x}");
            Assert.InRange(value, 0.0, 1.0);
            previous = value;
        }
    }

    [Property(MaxTest = 500)]
    public Property Cdf_AnyArgument_SymmetricAboutOneHalf()
    {
        var xs = Gen.Choose(-4_000_000, 4_000_000).Select(i => i / 100_000.0);
        return Prop.ForAll(xs.ToArbitrary(), x => Math.Abs(NormalDistribution.Cdf(x) + NormalDistribution.Cdf(-x) - 1.0) <= 2e-16);
    }

    [Theory]
    [InlineData(double.NegativeInfinity, 0.0)]
    [InlineData(-40.0, 0.0)]
    [InlineData(9.0, 1.0)]
    [InlineData(double.PositiveInfinity, 1.0)]
    public void Cdf_BeyondRepresentableTail_IsExactlyZeroOrOne(double x, double expected)
    {
        Assert.Equal(expected, NormalDistribution.Cdf(x));
    }

    [Fact]
    public void Cdf_NaN_IsNaN()
    {
        Assert.True(double.IsNaN(NormalDistribution.Cdf(double.NaN)));
    }

    [Theory]
    [InlineData(0.0, 0.3989422804014327)]
    [InlineData(1.0, 0.24197072451914334)]
    [InlineData(-2.5, 0.017528300493568537)]
    [InlineData(10.0, 7.694598626706419e-23)]
    public void Pdf_ReferencePoint_MatchesToDoublePrecision(double x, double expected)
    {
        Assert.Equal(expected, NormalDistribution.Pdf(x), 1e-15 * expected);
    }

    [Theory]
    [InlineData(-6.0)]
    [InlineData(-1.3)]
    [InlineData(0.0)]
    [InlineData(0.7)]
    [InlineData(2.4)]
    public void Pdf_Argument_IsDerivativeOfCdf(double x)
    {
        const double h = 1e-5;
        var slope = (NormalDistribution.Cdf(x + h) - NormalDistribution.Cdf(x - h)) / (2 * h);

        Assert.Equal(NormalDistribution.Pdf(x), slope, 1e-9 * Math.Max(NormalDistribution.Pdf(x), 1e-3));
    }

    [Fact]
    public void Pdf_InfiniteArgument_IsZero()
    {
        Assert.Equal(0.0, NormalDistribution.Pdf(double.NegativeInfinity));
        Assert.Equal(0.0, NormalDistribution.Pdf(double.PositiveInfinity));
    }
}
