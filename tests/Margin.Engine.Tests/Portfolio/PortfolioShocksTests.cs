using Margin.Engine.Portfolio;

namespace Margin.Engine.Tests.Portfolio;

public sealed class PortfolioShocksTests
{
    public static TheoryData<double, double, double, double, double> DeltaShocks => new()
    {
        // net delta, spot, threshold, pct, expected
        { -3.0, 20_000.0, 25_000.0, 0.01, 350.0 },
        { 3.0, 20_000.0, 25_000.0, 0.01, 350.0 },
        { 1.0, 20_000.0, 25_000.0, 0.01, 0.0 },
        { 1.25, 20_000.0, 25_000.0, 0.01, 0.0 },
        { 0.0, 20_000.0, 0.0, 0.01, 0.0 },
    };

    [Theory]
    [MemberData(nameof(DeltaShocks))]
    public void DeltaShock_ByHand_ExcessNotionalTimesPct(double delta, double spot, double threshold, double pct, double expected)
    {
        Assert.Equal(expected, PortfolioShocks.DeltaShock(delta, spot, threshold, pct), 1e-9);
    }

    [Fact]
    public void RollShock_CalendarSpreadAndPerpetual_ByHand()
    {
        // 20000 * (2 * max(0.1 * 0.25, 0.005) + 2 * max(0.1 * 0.5, 0.005) + 1 * max(0.1 / 365, 0.005)) = 20000 * 0.155.
        (double, double)[] expiries = [(2.0, 0.25), (-2.0, 0.5), (1.0, PortfolioShocks.PerpetualYears)];

        Assert.Equal(3100.0, PortfolioShocks.RollShock(20_000.0, expiries, 0.1, 0.005), 1e-9);
    }

    [Fact]
    public void RollShock_NoExpiries_Zero()
    {
        Assert.Equal(0.0, PortfolioShocks.RollShock(20_000.0, [], 0.1, 0.005));
    }

    [Theory]
    [InlineData(double.NaN, 20_000.0, 0.0, 0.01)]
    [InlineData(1.0, 0.0, 0.0, 0.01)]
    [InlineData(1.0, 20_000.0, -1.0, 0.01)]
    [InlineData(1.0, 20_000.0, 0.0, -0.01)]
    public void DeltaShock_InvalidArgument_Throws(double delta, double spot, double threshold, double pct)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PortfolioShocks.DeltaShock(delta, spot, threshold, pct));
    }

    [Theory]
    [InlineData(1.0, -0.25)]
    [InlineData(double.PositiveInfinity, 0.25)]
    public void RollShock_InvalidExpiry_Throws(double delta, double years)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PortfolioShocks.RollShock(20_000.0, [(delta, years)], 0.1, 0.005));
    }
}
