using Margin.Engine.Methodologies;

namespace Margin.Engine.Tests.Methodologies;

public class AaveHealthFactorTests
{
    private static MethodologyFigure Hf(decimal debtUsd, params (decimal Value, decimal Lt)[] collateral) =>
        AaveHealthFactor.Compute(AaveHealthFactorInput.Create(
            collateral.Select(c => AaveCollateral.Create(c.Value, c.Lt)),
            debtUsd));

    [Fact]
    public void Compute_AaveHelpWorkedExample_IsOnePointThreeThree()
    {
        // Aave Help, "Liquidations" (https://aave.com/help/borrowing/liquidations): USD 10,000 of ETH at an 80 %
        // liquidation threshold, USD 6,000 of GHO borrowed, "your health factor would be 1.333".
        // HF = 10,000 * 0.80 / 6,000 = 8,000 / 6,000 = 1.3333...
        var figure = Hf(6_000m, (10_000m, 0.80m));

        Assert.Equal(MethodologyKind.AaveHealthFactor, figure.Methodology);
        Assert.Equal(8_000m, figure.Numerator);
        Assert.Equal(6_000m, figure.Denominator);
        Assert.Equal(4d / 3d, figure.Value, precision: 12);
        Assert.Equal(1.333, Math.Round(figure.Value, 3));
        Assert.False(figure.IsLiquidatable);
        Assert.False(figure.IsUnbounded);
    }

    [Fact]
    public void Compute_TwoCollateralReserves_SumsTheWeightedValues()
    {
        // By hand: 10,000 * 0.825 + 5,000 * 0.78 = 8,250 + 3,900 = 12,150; HF = 12,150 / 13,500 = 0.9.
        var figure = Hf(13_500m, (10_000m, 0.825m), (5_000m, 0.78m));

        Assert.Equal(12_150m, figure.Numerator);
        Assert.Equal(0.9, figure.Value, precision: 12);
        Assert.True(figure.IsLiquidatable);
    }

    public static TheoryData<decimal, bool> BoundaryCases => new()
    {
        // Collateral 10,000 at LT 0.80 weighs 8,000; HF = 8,000 / debt. Aave liquidates strictly below 1.
        { 7_999.99m, false },  // HF = 1.00000125
        { 8_000m, false },     // HF = 1 exactly: not liquidatable
        { 8_000.01m, true },   // HF = 0.99999875
    };

    [Theory]
    [MemberData(nameof(BoundaryCases))]
    public void Compute_DebtAroundTheThreshold_LiquidatesStrictlyBelowOne(decimal debtUsd, bool liquidatable)
    {
        var figure = Hf(debtUsd, (10_000m, 0.80m));

        Assert.Equal(liquidatable, figure.IsLiquidatable);
        Assert.Equal(1m, figure.LiquidationThreshold);
        Assert.Equal(LiquidationBoundary.StrictlyBelow, figure.Boundary);
    }

    [Fact]
    public void Compute_NoDebt_IsInfiniteAndNotLiquidatable()
    {
        var figure = Hf(0m, (10_000m, 0.80m));

        Assert.Equal(double.PositiveInfinity, figure.Value);
        Assert.True(figure.IsUnbounded);
        Assert.False(figure.IsLiquidatable);
    }

    [Fact]
    public void Compute_NoCollateralAndNoDebt_IsInfiniteAndNotLiquidatable()
    {
        var figure = Hf(0m);

        Assert.Equal(double.PositiveInfinity, figure.Value);
        Assert.False(figure.IsLiquidatable);
    }

    [Fact]
    public void Compute_DebtWithoutCollateral_IsZeroAndLiquidatable()
    {
        // 0 / 100 = 0 < 1.
        var figure = Hf(100m);

        Assert.Equal(0d, figure.Value);
        Assert.True(figure.IsLiquidatable);
    }

    public static TheoryData<decimal, decimal> InvalidCollateral => new()
    {
        { -1m, 0.8m },
        { 1m, -0.01m },
        { 1m, 1.01m },
        { MethodologyFigure.MaxAmountUsd + 1m, 0.8m },
    };

    [Theory]
    [MemberData(nameof(InvalidCollateral))]
    public void CollateralCreate_OutOfRange_Throws(decimal valueUsd, decimal threshold) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => AaveCollateral.Create(valueUsd, threshold));

    [Fact]
    public void InputCreate_NegativeDebt_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => AaveHealthFactorInput.Create([], -1m));

    [Fact]
    public void InputCreate_NullCollateralItem_Throws() =>
        Assert.Throws<ArgumentNullException>(() => AaveHealthFactorInput.Create([null!], 1m));
}
