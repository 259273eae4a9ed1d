using Margin.Engine.Portfolio;

namespace Margin.Engine.Tests.Portfolio;

public sealed class ScenarioGridSettingsTests
{
    public static TheoryData<double, int, double, double, double, double, double[]> InvalidSettings => new()
    {
        { 0.0, 5, 0.45, 0.3, 0.13, 0.05, [] },
        { 1.0, 5, 0.45, 0.3, 0.13, 0.05, [] },
        { double.NaN, 5, 0.45, 0.3, 0.13, 0.05, [] },
        { 0.15, 1, 0.45, 0.3, 0.13, 0.05, [] },
        { 0.15, 5, -0.01, 0.3, 0.13, 0.05, [] },
        { 0.15, 5, double.PositiveInfinity, 0.3, 0.13, 0.05, [] },
        { 0.15, 5, 0.45, -0.3, 0.13, 0.05, [] },
        { 0.15, 5, 0.45, 0.3, double.NaN, 0.05, [] },
        { 0.15, 5, 0.45, 0.3, 0.13, 0.0, [] },
        { 0.15, 5, 0.45, 0.3, 0.13, 0.05, [0.15] },
        { 0.15, 5, 0.45, 0.3, 0.13, 0.05, [-0.1] },
        { 0.15, 5, 0.45, 0.3, 0.13, 0.05, [-1.0] },
        { 0.15, 5, 0.45, 0.3, 0.13, 0.05, [double.PositiveInfinity] },
        { 0.15, 5, 0.45, 0.3, 0.13, 0.05, [5.0, 5.0] },
    };

    [Fact]
    public void Create_ValidArguments_KeepsThem()
    {
        var settings = PortfolioTestSettings.Default();

        Assert.Equal(0.15, settings.Range);
        Assert.Equal(5, settings.PointCount);
        Assert.Equal(0.45, settings.VolatilityShiftFraction);
        Assert.Equal(0.3, settings.ShortDatedExponent);
        Assert.Equal(0.13, settings.LongDatedExponent);
        Assert.Equal(0.05, settings.MinimumVolatility);
        Assert.Equal([-0.66, 5.0], settings.ExtendedMoves.ToArray());
    }

    [Fact]
    public void Create_CallerListChangedAfterwards_SettingsUnchanged()
    {
        var moves = new List<double> { -0.66 };
        var settings = ScenarioGridSettings.Create(0.15, 2, 0.45, 0.3, 0.13, 0.05, moves);

        moves.Add(5.0);

        Assert.Equal([-0.66], settings.ExtendedMoves.ToArray());
    }

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void Create_ParameterOutOfRange_Throws(double range, int n, double shift, double pShort, double pLong, double minVol, double[] extended)
    {
        Assert.ThrowsAny<ArgumentException>(() => ScenarioGridSettings.Create(range, n, shift, pShort, pLong, minVol, extended));
    }
}
