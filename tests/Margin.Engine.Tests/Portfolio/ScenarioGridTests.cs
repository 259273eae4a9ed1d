using Margin.Engine.Portfolio;

namespace Margin.Engine.Tests.Portfolio;

public sealed class ScenarioGridTests
{
    // 0.6 * (1 + 0.45 * (30 / 1)^0.3), the DTE-1 value (computed independently).
    private const double OneDayUp = 1.3490316009614889;

    public static TheoryData<VolatilityShift, double, double> ByHandVolatilities => new()
    {
        // 0.45 * (30 / 7)^0.3 = 0.6963370097448659; 0.45 * (30 / 60)^0.13 = 0.41122415260323025.
        { VolatilityShift.Up, 7.0, 1.0178022058469196 },
        { VolatilityShift.Down, 7.0, 0.18219779415308046 },
        { VolatilityShift.Same, 7.0, 0.6 },
        { VolatilityShift.Up, 60.0, 0.8467344915619381 },
        { VolatilityShift.Down, 60.0, 0.3532655084380618 },
        { VolatilityShift.Up, 30.0, 0.6 * 1.45 },
        { VolatilityShift.Down, 30.0, 0.6 * 0.55 },
    };

    public static TheoryData<double> DaysBelowOne => new() { 0.0, 0.25, 0.999, 1.0 };

    [Fact]
    public void Build_FivePointsRangeFifteenPercent_GridByHand()
    {
        var scenarios = ScenarioGrid.Build(PortfolioTestSettings.Default());

        double[] moves = [-0.15, -0.075, 0.0, 0.075, 0.15];
        Assert.Equal(17, scenarios.Length);
        for (var i = 0; i < moves.Length; i++)
        {
            Assert.Equal([VolatilityShift.Up, VolatilityShift.Same, VolatilityShift.Down], scenarios.Skip(3 * i).Take(3).Select(s => s.Volatility));
            Assert.All(scenarios.Skip(3 * i).Take(3), s =>
            {
                Assert.Equal(moves[i], s.PriceMove);
                Assert.Equal(1.0, s.LossWeight);
                Assert.False(s.IsExtended);
            });
        }
    }

    [Fact]
    public void Build_ExtendedMoves_SameVolWithWeightRangeOverMove()
    {
        var scenarios = ScenarioGrid.Build(PortfolioTestSettings.Default());

        var down = scenarios[15];
        var up = scenarios[16];
        Assert.True(down.IsExtended && up.IsExtended);
        Assert.Equal(-0.66, down.PriceMove);
        Assert.Equal(0.15 / 0.66, down.LossWeight, 1e-15);
        Assert.Equal(5.0, up.PriceMove);
        Assert.Equal(0.03, up.LossWeight, 1e-15);
        Assert.Equal(VolatilityShift.Same, down.Volatility);
        Assert.Equal(VolatilityShift.Same, up.Volatility);
    }

    [Fact]
    public void Build_EvenPointCount_SymmetricWithoutZero()
    {
        var settings = ScenarioGridSettings.Create(0.15, 4, 0.45, 0.3, 0.13, 0.05, []);

        var moves = ScenarioGrid.Build(settings).Where(s => s.Volatility == VolatilityShift.Same).Select(s => s.PriceMove).ToArray();

        Assert.Equal([-0.15, -0.05, 0.05, 0.15], moves, (a, b) => Math.Abs(a - b) < 1e-15);
        Assert.DoesNotContain(0.0, moves);
    }

    [Theory]
    [MemberData(nameof(ByHandVolatilities))]
    public void ShockedVolatility_Dte_ByHand(VolatilityShift direction, double days, double expected)
    {
        Assert.Equal(expected, ScenarioGrid.ShockedVolatility(0.6, direction, days, PortfolioTestSettings.Default()), 1e-14);
    }

    [Theory]
    [MemberData(nameof(DaysBelowOne))]
    public void ShockedVolatility_DteBelowOne_ClampedToOneDay(double days)
    {
        Assert.Equal(OneDayUp, ScenarioGrid.ShockedVolatility(0.6, VolatilityShift.Up, days, PortfolioTestSettings.Default()), 1e-14);
    }

    [Fact]
    public void ShockedVolatility_DownBelowFloor_ReturnsMinimumVolatility()
    {
        // 0.1 * (1 - 0.45 * 30^0.3) = -0.0248: the floor of 0.05 applies.
        Assert.Equal(0.05, ScenarioGrid.ShockedVolatility(0.1, VolatilityShift.Down, 1.0, PortfolioTestSettings.Default()));
    }

    [Fact]
    public void ShockedVolatility_SameBelowFloor_ReturnsMinimumVolatility()
    {
        Assert.Equal(0.05, ScenarioGrid.ShockedVolatility(0.02, VolatilityShift.Same, 60.0, PortfolioTestSettings.Default()));
    }

    [Theory]
    [InlineData(-0.1, 7.0)]
    [InlineData(double.NaN, 7.0)]
    [InlineData(0.6, -1.0)]
    [InlineData(0.6, double.PositiveInfinity)]
    public void ShockedVolatility_InvalidInput_Throws(double volatility, double days)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ScenarioGrid.ShockedVolatility(volatility, VolatilityShift.Up, days, PortfolioTestSettings.Default()));
    }
}
