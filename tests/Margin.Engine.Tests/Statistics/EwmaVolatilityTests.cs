using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Margin.Engine.Statistics;

namespace Margin.Engine.Tests.Statistics;

public sealed class EwmaVolatilityTests
{
    public static TheoryData<double> LambdasOutOfRange => new() { 0.0, 1.0, -0.5, 1.5, double.NaN };

    [Fact]
    public void Estimate_ShortSeries_MatchesHandCalculation()
    {
        // r = ln 1.1, ln 0.9, 0; seed = mean r^2; three steps of var = 0.9 var + 0.1 r^2; annualised daily.
        double[] r = [Math.Log(1.1), Math.Log(0.9), 0.0];
        var variance = ((r[0] * r[0]) + (r[1] * r[1])) / 3;
        variance = (0.9 * variance) + (0.1 * r[0] * r[0]);
        variance = (0.9 * variance) + (0.1 * r[1] * r[1]);
        variance = 0.9 * variance;

        var sigma = EwmaVolatility.Estimate([100m, 110m, 99m, 99m], 0.9, 365);

        Assert.NotNull(sigma);
        Assert.Equal(Math.Sqrt(variance * 365), sigma.Value, 1e-15);
        Assert.Equal(1.5567687106123915, sigma.Value, 1e-12);
    }

    [Fact]
    public void Estimate_OneReturn_IsItsAbsoluteValueAnnualised()
    {
        // Seed r^2, then lambda r^2 + (1 - lambda) r^2 = r^2.
        var sigma = EwmaVolatility.Estimate([100m, 101m], 0.94, 365);

        Assert.Equal(Math.Abs(Math.Log(1.01)) * Math.Sqrt(365), sigma!.Value, 1e-15);
    }

    [Fact]
    public void Estimate_ConstantPrices_IsZero()
    {
        Assert.Equal(0.0, EwmaVolatility.Estimate([5m, 5m, 5m, 5m], 0.94, 365));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Estimate_FewerThanTwoPrices_IsNull(int count)
    {
        Assert.Null(EwmaVolatility.Estimate(Enumerable.Repeat(100m, count).ToArray(), 0.94, 365));
    }

    [Fact]
    public void Estimate_ShockAfterCalm_ShortLambdaReactsMoreThanLong()
    {
        var prices = Enumerable.Range(0, 60).Select(i => 100m + (i % 2 == 0 ? 0m : 0.1m)).Append(90m).Append(99m).ToArray();

        var sigmaShort = EwmaVolatility.Estimate(prices, 0.7, 365)!.Value;
        var sigmaLong = EwmaVolatility.Estimate(prices, 0.97, 365)!.Value;

        Assert.True(sigmaShort > 2 * sigmaLong, $"short {sigmaShort}, long {sigmaLong}");
    }

    [Theory]
    [MemberData(nameof(LambdasOutOfRange))]
    public void Estimate_LambdaOutOfRange_Throws(double lambda)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EwmaVolatility.Estimate([1m, 2m], lambda, 365));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.PositiveInfinity)]
    public void Estimate_PeriodsPerYearInvalid_Throws(double periods)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EwmaVolatility.Estimate([1m, 2m], 0.94, periods));
    }

    [Fact]
    public void Estimate_NonPositivePrice_Throws()
    {
        Assert.Throws<ArgumentException>(() => EwmaVolatility.Estimate([1m, 0m, 2m], 0.94, 365));
    }

    [Fact]
    public void LogReturns_Prices_AreLogRatios()
    {
        var returns = EwmaVolatility.LogReturns([100m, 200m, 50m]);

        Assert.Equal([Math.Log(2), Math.Log(0.25)], returns.ToArray());
    }

    [Theory]
    [InlineData(1.0, 0.5)]
    [InlineData(2.0, 0.70710678118654757)]
    [InlineData(10.0, 0.93303299153680741)]
    public void LambdaForHalfLife_HalfLife_WeightsHalveOverIt(double halfLife, double expected)
    {
        var lambda = EwmaVolatility.LambdaForHalfLife(halfLife);

        Assert.Equal(expected, lambda, 1e-15);
        Assert.Equal(0.5, Math.Pow(lambda, halfLife), 1e-15);
    }

    [Fact]
    public void LambdaForHalfLife_NonPositive_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EwmaVolatility.LambdaForHalfLife(0));
    }

    [Property(MaxTest = 200)]
    public Property Estimate_PricesScaled_VolatilityUnchanged()
    {
        var prices = Gen.Choose(1_000, 100_000).Select(i => i / 100m).ListOf().Where(l => l.Count >= 2);
        var scale = Gen.Choose(1, 1000).Select(i => i / 10m);
        return Prop.ForAll(prices.ToArbitrary(), scale.ToArbitrary(), (list, k) =>
        {
            var plain = EwmaVolatility.Estimate(list.ToArray(), 0.94, 365)!.Value;
            var scaled = EwmaVolatility.Estimate(list.Select(p => p * k).ToArray(), 0.94, 365)!.Value;
            return plain >= 0 && Math.Abs(plain - scaled) <= 1e-9 * Math.Max(1, plain);
        });
    }
}
