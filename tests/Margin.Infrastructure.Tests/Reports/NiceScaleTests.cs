using Margin.Infrastructure.Reports;

namespace Margin.Infrastructure.Tests.Reports;

public sealed class NiceScaleTests
{
    public static TheoryData<double, double, bool, double, double, double> Cases => new()
    {
        { 0, 9_654 * 1.08, true, 0, 12_500, 2_500 },
        { 0, 4_295, true, 0, 5_000, 1_000 },
        { 0, 7, true, 0, 8, 2 },
        { 0, 3, true, 0, 3, 1 },
        { 0, 24, true, 0, 25, 5 },
        { 0, 110, true, 0, 125, 25 },
        { 0, 0, true, 0, 1, 1 },
        { 0, 0.9, false, 0, 1, 0.2 },
        { -15.77, 0, false, -20, 0, 5 },
        { 0, 61_042_000, false, 0, 80_000_000, 20_000_000 },
        { 5, 5, false, 0, 5, 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Of_Range_CoversItWithRoundSteps(double min, double max, bool wholeNumbers, double low, double high, double step)
    {
        var scale = NiceScale.Of(min, max, wholeNumbers);

        Assert.Equal((low, high, step), (scale.Low, scale.High, scale.Step));
        Assert.True(scale.Low <= min && scale.High >= max);
        Assert.Equal(scale.Low, scale.Ticks().First());
        Assert.Equal(scale.High, scale.Ticks().Last());
    }

    [Fact]
    public void Of_NotFinite_Throws()
    {
        Assert.Throws<ArgumentException>(() => NiceScale.Of(0, double.PositiveInfinity, integer: false));
    }
}
