using Margin.Engine.Methodologies;

namespace Margin.Engine.Tests.Methodologies;

public class BinanceUniMmrTests
{
    private static MethodologyFigure UniMmr(decimal adjustedEquityUsd, decimal maintenanceMarginUsd) =>
        BinanceUniMmr.Compute(UniMmrInput.Create(adjustedEquityUsd, maintenanceMarginUsd));

    [Fact]
    public void Compute_HandExampleFromThePublishedFormula_IsTheRatio()
    {
        // Formula from the Binance uniMMR FAQ: uniMMR = sum(adjustedEquity) / sum(MM).
        // Hand example: futures MM = |0.005 * 0.5 BTC * 40,000| = 100; margin MM = 2,000 loan * 0.10 MMR = 200;
        // sum(MM) = 300. Adjusted equity 450 -> uniMMR = 450 / 300 = 1.5: above 1.05, no liquidation.
        var figure = UniMmr(450m, 300m);

        Assert.Equal(MethodologyKind.BinanceUniMmr, figure.Methodology);
        Assert.Equal(1.5, figure.Value, precision: 12);
        Assert.False(figure.IsLiquidatable);
    }

    public static TheoryData<decimal, bool> BoundaryCases => new()
    {
        // MM 10,000; the published table liquidates at 100 % < uniMMR <= 105 % and below: inclusive at 1.05.
        { 10_500.01m, false },  // 1.050001
        { 10_500m, true },      // 1.05 exactly: liquidation
        { 10_499.99m, true },   // 1.049999
        { 10_000m, true },      // 1.00: liquidation and a possible claim for loss
        { -500m, true },        // negative adjusted equity: -0.05
    };

    [Theory]
    [MemberData(nameof(BoundaryCases))]
    public void Compute_EquityAroundTheThreshold_LiquidatesAtOrBelowOnePointZeroFive(decimal adjustedEquityUsd, bool liquidatable)
    {
        var figure = UniMmr(adjustedEquityUsd, 10_000m);

        Assert.Equal(liquidatable, figure.IsLiquidatable);
        Assert.Equal(1.05m, figure.LiquidationThreshold);
        Assert.Equal(LiquidationBoundary.AtOrBelow, figure.Boundary);
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(0)]
    [InlineData(-1_000)]
    public void Compute_ZeroMaintenanceMargin_IsInfiniteAndNotLiquidatable(int adjustedEquityUsd)
    {
        // No positions or loans: nothing to liquidate, whatever the equity.
        var figure = UniMmr(adjustedEquityUsd, 0m);

        Assert.Equal(double.PositiveInfinity, figure.Value);
        Assert.True(figure.IsUnbounded);
        Assert.False(figure.IsLiquidatable);
    }

    [Fact]
    public void Compute_CustomThreshold_UsesIt()
    {
        // 1.10 <= 1.20 with the order-restriction level as threshold; 1.10 > 1.05 with the default.
        Assert.True(BinanceUniMmr.Compute(UniMmrInput.Create(110m, 100m), BinanceUniMmr.OrderRestrictionThreshold).IsLiquidatable);
        Assert.False(UniMmr(110m, 100m).IsLiquidatable);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(11)]
    public void Compute_ThresholdOutOfRange_Throws(int threshold) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => BinanceUniMmr.Compute(UniMmrInput.Create(1m, 1m), threshold));

    [Fact]
    public void InputCreate_NegativeMaintenanceMargin_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => UniMmrInput.Create(1m, -1m));
}
