using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Margin.Engine.Oracles;

namespace Margin.Engine.Tests.Oracles;

public sealed class StablePriceTests
{
    // Stable 100, 10 s at 0.1 %/s: the band is [99, 101].
    public static TheoryData<decimal, decimal> ClampCases => new()
    {
        { 100.5m, 100.5m },
        { 101m, 101m },
        { 105m, 101m },
        { 99.5m, 99.5m },
        { 99m, 99m },
        { 90m, 99m },
        { 100m, 100m },
    };

    public static TheoryData<decimal, decimal, int, decimal> InvalidArguments => new()
    {
        { 0m, 1m, 1, 0.001m },
        { 1m, 0m, 1, 0.001m },
        { 1m, 1m, -1, 0.001m },
        { 1m, 1m, 1, -0.001m },
    };

    [Theory]
    [MemberData(nameof(ClampCases))]
    public void Next_OraclePrice_IsClampedToTheRateBand(decimal oracle, decimal expected)
    {
        Assert.Equal(expected, StablePrice.Next(100m, oracle, TimeSpan.FromSeconds(10), 0.001m));
    }

    [Fact]
    public void Next_BandAtLeastOne_FollowsAFallAtOnceButLimitsARise()
    {
        // 0.1 %/s for 2000 s: band 2, lower bound negative, upper bound 300.
        Assert.Equal(10m, StablePrice.Next(100m, 10m, TimeSpan.FromSeconds(2000), 0.001m));
        Assert.Equal(300m, StablePrice.Next(100m, 1000m, TimeSpan.FromSeconds(2000), 0.001m));
    }

    [Fact]
    public void Next_NoElapsedTime_StaysPut()
    {
        Assert.Equal(100m, StablePrice.Next(100m, 150m, TimeSpan.Zero, 0.001m));
    }

    [Fact]
    public void Next_ZeroRate_StaysPut()
    {
        Assert.Equal(100m, StablePrice.Next(100m, 50m, TimeSpan.FromHours(1), 0m));
    }

    [Fact]
    public void Next_SubSecondElapsed_UsesFractionalSeconds()
    {
        // 250 ms at 0.4 %/s: band 0.1 %.
        Assert.Equal(100.1m, StablePrice.Next(100m, 120m, TimeSpan.FromMilliseconds(250), 0.004m));
    }

    [Theory]
    [MemberData(nameof(InvalidArguments))]
    public void Next_InvalidArgument_Throws(decimal stable, decimal oracle, int seconds, decimal rate)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => StablePrice.Next(stable, oracle, TimeSpan.FromSeconds(seconds), rate));
    }

    [Fact]
    public void Track_Series_MatchesHandCalculation()
    {
        var t0 = new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var points = new[]
        {
            new PricePoint(t0, 100m),
            new PricePoint(t0.AddSeconds(10), 110m),
            new PricePoint(t0.AddSeconds(20), 110m),
            new PricePoint(t0.AddSeconds(30), 90m),
        };

        // 100 -> min(110, 101) = 101 -> min(110, 102.01) = 102.01 -> max(90, 102.01 * 0.99) = 100.9899
        Assert.Equal(100.9899m, StablePrice.Track(points, 0.001m));
    }

    [Fact]
    public void Track_EmptySeries_Throws()
    {
        Assert.Throws<ArgumentException>(() => StablePrice.Track([], 0.001m));
    }

    [Fact]
    public void Track_OutOfOrder_Throws()
    {
        var t0 = new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);

        Assert.Throws<ArgumentException>(() => StablePrice.Track([new PricePoint(t0, 1m), new PricePoint(t0.AddSeconds(-1), 1m)], 0.001m));
    }

    [Property(MaxTest = 200)]
    public Property Next_AnyStep_MovesTowardTheOracleByAtMostTheBand()
    {
        var price = Gen.Choose(1, 1_000_000).Select(i => i / 100m);
        var seconds = Gen.Choose(0, 5_000);
        return Prop.ForAll(price.ToArbitrary(), price.ToArbitrary(), seconds.ToArbitrary(), (stable, oracle, s) =>
        {
            var next = StablePrice.Next(stable, oracle, TimeSpan.FromSeconds(s), 0.0003m);
            var band = 0.0003m * s;
            return next >= Math.Min(stable, oracle)
                && next <= Math.Max(stable, oracle)
                && Math.Abs(next - stable) <= (band * stable) + 0.0000000001m;
        });
    }
}
