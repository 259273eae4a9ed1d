using Margin.Engine.Methodologies;

namespace Margin.Engine.Tests.Methodologies;

public class BinanceCrossMarginLevelTests
{
    private static MethodologyFigure Level(decimal assetsUsd, decimal liabilitiesUsd, decimal interestUsd) =>
        BinanceCrossMarginLevel.Compute(CrossMarginLevelInput.Create(assetsUsd, liabilitiesUsd, interestUsd));

    [Fact]
    public void Compute_HandExampleFromThePublishedFormula_IncludesInterest()
    {
        // Formula from "Binance Margin Level and Margin Call": Total Asset Value / (Total Liabilities + Outstanding Interest).
        // Hand example: 1,000 USDT own funds, 2,000 USDT borrowed, all 3,000 in BTC now worth 2,600; interest
        // 2,000 * 0.001 % per hour * 50 hours = 1. Level = 2,600 / (2,000 + 1) = 1.29935...: margin call band
        // (1.1 < level <= 1.3), not liquidation.
        var figure = Level(2_600m, 2_000m, 1m);

        Assert.Equal(MethodologyKind.BinanceCrossMarginLevel, figure.Methodology);
        Assert.Equal(2_001m, figure.Denominator);
        Assert.Equal(2_600d / 2_001d, figure.Value, precision: 12);
        Assert.True(figure.Value <= (double)BinanceCrossMarginLevel.MarginCallThreshold3X);
        Assert.False(figure.IsLiquidatable);
    }

    public static TheoryData<decimal, decimal, bool> BoundaryCases => new()
    {
        // Liabilities 9,990 + interest 10 = 10,000; liquidation at Margin Level <= 1.1, inclusive.
        { 11_000.01m, 10m, false },  // 1.100001
        { 11_000m, 10m, true },      // 1.1 exactly: liquidation
        { 10_999.99m, 10m, true },   // 1.099999
        { 11_000m, 0m, false },      // the same assets without the interest: 11,000 / 9,990 = 1.1011
    };

    [Theory]
    [MemberData(nameof(BoundaryCases))]
    public void Compute_AssetsAroundTheThreshold_LiquidatesAtOrBelowOnePointOne(decimal assetsUsd, decimal interestUsd, bool liquidatable)
    {
        var figure = Level(assetsUsd, 9_990m, interestUsd);

        Assert.Equal(liquidatable, figure.IsLiquidatable);
        Assert.Equal(1.1m, figure.LiquidationThreshold);
        Assert.Equal(LiquidationBoundary.AtOrBelow, figure.Boundary);
    }

    [Fact]
    public void Compute_NoLiabilitiesNoInterest_IsInfiniteAndNotLiquidatable()
    {
        var figure = Level(5_000m, 0m, 0m);

        Assert.Equal(double.PositiveInfinity, figure.Value);
        Assert.True(figure.IsUnbounded);
        Assert.False(figure.IsLiquidatable);
    }

    [Fact]
    public void Compute_InterestOnly_CountsAsLiability()
    {
        // 1 / (0 + 1) = 1 <= 1.1.
        var figure = Level(1m, 0m, 1m);

        Assert.Equal(1d, figure.Value);
        Assert.True(figure.IsLiquidatable);
    }

    [Theory]
    [InlineData(-1, 0, 0)]
    [InlineData(0, -1, 0)]
    [InlineData(0, 0, -1)]
    public void InputCreate_NegativeAmount_Throws(int assets, int liabilities, int interest) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => CrossMarginLevelInput.Create(assets, liabilities, interest));
}
