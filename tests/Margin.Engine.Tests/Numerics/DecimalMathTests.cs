using Margin.Engine.Numerics;

namespace Margin.Engine.Tests.Numerics;

public class DecimalMathTests
{
    public static TheoryData<decimal, int, decimal, decimal> RoundingCases => new()
    {
        // value, places, up, down
        { 1.2345m, 2, 1.24m, 1.23m },
        { -1.2345m, 2, -1.23m, -1.24m },   // down is towards -infinity: away from zero for negatives
        { 1.23m, 2, 1.23m, 1.23m },         // exact values are untouched
        { 1.2300001m, 2, 1.24m, 1.23m },
        { 0.000000001m, 8, 0.00000001m, 0m },
        { -0.000000001m, 8, 0m, -0.00000001m },
        { 7.5m, 0, 8m, 7m },
    };

    [Theory]
    [MemberData(nameof(RoundingCases))]
    public void RoundUpAndDown_Value_RoundTowardsPlusAndMinusInfinity(decimal value, int places, decimal up, decimal down)
    {
        Assert.Equal(up, DecimalMath.RoundUp(value, places));
        Assert.Equal(down, DecimalMath.RoundDown(value, places));
    }

    public static TheoryData<decimal, decimal> IntegerSqrtCases => new()
    {
        { 0m, 0m },
        { 1m, 1m },
        { 3m, 1m },
        { 4m, 2m },
        { 12_345_678_000_001m, 3_513_641m },        // 3,513,641^2 = 12,345,673,076,881
        { 12_345_680_104_163m, 3_513_641m },        // one below 3,513,642^2
        { 12_345_680_104_164m, 3_513_642m },
        { 10_000_000_001m, 100_000m },
    };

    [Theory]
    [MemberData(nameof(IntegerSqrtCases))]
    public void IntegerSqrt_Value_IsTheFloorOfTheRoot(decimal value, decimal expected) =>
        Assert.Equal(expected, DecimalMath.IntegerSqrt(value));

    [Fact]
    public void Sqrt_Value_IsAccurateToTheLastDigits()
    {
        Assert.Equal(100m, DecimalMath.Sqrt(10_000m));
        Assert.Equal(0m, DecimalMath.Sqrt(0m));
        var root = DecimalMath.Sqrt(2m);
        Assert.InRange((root * root) - 2m, -1e-26m, 1e-26m);
        Assert.Throws<ArgumentOutOfRangeException>(() => DecimalMath.Sqrt(-1m));
    }

    [Fact]
    public void FromDouble_OutOfRange_SaturatesAndRejectsNaN()
    {
        Assert.Equal(decimal.MaxValue, DecimalMath.FromDouble(double.PositiveInfinity));
        Assert.Equal(decimal.MinValue, DecimalMath.FromDouble(-1e300));
        Assert.Equal(0.16m, DecimalMath.FromDouble(0.16));
        Assert.Throws<ArgumentOutOfRangeException>(() => DecimalMath.FromDouble(double.NaN));
    }
}
