using Margin.Engine.Portfolio;

namespace Margin.Engine.Tests.Portfolio;

public sealed class ScenarioLossTests
{
    [Fact]
    public void Worst_LinearLongPosition_LossAtLowestGridMove()
    {
        // 2 units long at 100: pnl = 200 * move. Grid worst -0.15 -> 30; the -66 % tail: 132 * (0.15 / 0.66) = 30 as well,
        // so the first (grid) scenario decides the tie.
        var scenarios = ScenarioGrid.Build(PortfolioTestSettings.Default());

        var worst = ScenarioLoss.Worst(scenarios, s => 200.0 * s.PriceMove);

        Assert.Equal(30.0, worst.Loss, 1e-12);
        Assert.NotNull(worst.Scenario);
        Assert.Equal(-0.15, worst.Scenario.PriceMove);
        Assert.False(worst.Scenario.IsExtended);
    }

    [Fact]
    public void Worst_ShortConvexPosition_ExtendedMoveWeighted()
    {
        // pnl = -1000 * move^2: grid worst 1000 * 0.0225 = 22.5; +500 % tail: 25000 * 0.03 = 750.
        var scenarios = ScenarioGrid.Build(PortfolioTestSettings.Default());

        var worst = ScenarioLoss.Worst(scenarios, s => -1000.0 * s.PriceMove * s.PriceMove);

        Assert.Equal(750.0, worst.Loss, 1e-9);
        Assert.Equal(5.0, worst.Scenario!.PriceMove);
        Assert.True(worst.Scenario.IsExtended);
    }

    [Fact]
    public void Worst_VolDependentPnl_PicksTheVolState()
    {
        var scenarios = ScenarioGrid.Build(PortfolioTestSettings.Default());

        var worst = ScenarioLoss.Worst(scenarios, s => s.Volatility == VolatilityShift.Up ? -7.0 : 1.0);

        Assert.Equal(7.0, worst.Loss);
        Assert.Equal(VolatilityShift.Up, worst.Scenario!.Volatility);
    }

    [Fact]
    public void Worst_NoScenarioLoses_ZeroWithoutScenario()
    {
        var worst = ScenarioLoss.Worst(ScenarioGrid.Build(PortfolioTestSettings.Default()), _ => 5.0);

        Assert.Equal(0.0, worst.Loss);
        Assert.Null(worst.Scenario);
    }

    [Fact]
    public void Worst_NoScenarios_Zero()
    {
        Assert.Equal(0.0, ScenarioLoss.Worst([], _ => -1.0).Loss);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.NegativeInfinity)]
    public void Worst_RevaluationNotFinite_Throws(double value)
    {
        Assert.Throws<ArgumentException>(() => ScenarioLoss.Worst(ScenarioGrid.Build(PortfolioTestSettings.Default()), _ => value));
    }
}
