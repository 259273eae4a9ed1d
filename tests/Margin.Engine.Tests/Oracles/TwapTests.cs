using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Margin.Engine.Oracles;

namespace Margin.Engine.Tests.Oracles;

public sealed class TwapTests
{
    private static readonly DateTimeOffset s_t0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_window = TimeSpan.FromMinutes(10);
    private static readonly DateTimeOffset s_now = s_t0 + s_window;

    [Fact]
    public void Compute_StepFunction_MatchesHandCalculation()
    {
        // 100 for 4 min, 110 for 3 min, 120 for the last 3 min: (400 + 330 + 360) / 10 = 109.
        var points = new[] { At(0, 100m), At(4, 110m), At(7, 120m) };

        var twap = Twap.Compute(points, s_window, s_now);

        Assert.Equal(new TimeWeightedPrice(109m, s_window), twap);
    }

    [Fact]
    public void Compute_PointBeforeWindow_CountsFromWindowStart()
    {
        // 200 is in force from the window start for 5 min, then 100 for 5 min; the 500 before it is outside the window.
        var points = new[] { At(-8, 500m), At(-5, 200m), At(5, 100m) };

        var twap = Twap.Compute(points, s_window, s_now);

        Assert.Equal(new TimeWeightedPrice(150m, s_window), twap);
    }

    [Fact]
    public void Compute_SeriesStartsInsideWindow_AveragesOnlyTheCoveredPart()
    {
        // 100 for 2 min, 200 for 2 min: (200 + 400) / 4 = 150 over 4 of the 10 minutes.
        var twap = Twap.Compute([At(6, 100m), At(8, 200m)], s_window, s_now);

        Assert.Equal(new TimeWeightedPrice(150m, TimeSpan.FromMinutes(4)), twap);
    }

    [Fact]
    public void Compute_LastPointAtNow_HoldsForZeroTime()
    {
        var twap = Twap.Compute([At(0, 100m), At(10, 500m)], s_window, s_now);

        Assert.Equal(new TimeWeightedPrice(100m, s_window), twap);
    }

    [Fact]
    public void Compute_OnlyPointAtNow_ReturnsItWithZeroCoverage()
    {
        var twap = Twap.Compute([At(10, 500m)], s_window, s_now);

        Assert.Equal(new TimeWeightedPrice(500m, TimeSpan.Zero), twap);
    }

    [Fact]
    public void Compute_PointsAtTheSameTime_LastListedIsInForce()
    {
        var twap = Twap.Compute([At(0, 100m), At(0, 300m)], s_window, s_now);

        Assert.Equal(300m, twap?.Price);
    }

    [Fact]
    public void Compute_EmptySeries_ReturnsNull()
    {
        Assert.Null(Twap.Compute([], s_window, s_now));
    }

    [Fact]
    public void Compute_PointsOutOfOrder_Throws()
    {
        Assert.Throws<ArgumentException>(() => Twap.Compute([At(5, 100m), At(4, 100m)], s_window, s_now));
    }

    [Fact]
    public void Compute_PointAfterNow_Throws()
    {
        Assert.Throws<ArgumentException>(() => Twap.Compute([At(11, 100m)], s_window, s_now));
    }

    [Fact]
    public void Compute_NonPositivePrice_Throws()
    {
        Assert.Throws<ArgumentException>(() => Twap.Compute([At(1, 0m)], s_window, s_now));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Compute_NonPositiveWindow_Throws(int minutes)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Twap.Compute([At(1, 1m)], TimeSpan.FromMinutes(minutes), s_now));
    }

    [Property(MaxTest = 200)]
    public Property Compute_AnySeries_LiesWithinThePricesInForce()
    {
        var point = Gen.Choose(-30, 600).Zip(Gen.Choose(1, 1_000_000));
        return Prop.ForAll(point.NonEmptyListOf().ToArbitrary(), raw =>
        {
            var points = raw.OrderBy(p => p.Item1).Select(p => new PricePoint(s_t0.AddSeconds(p.Item1), p.Item2 / 100m)).ToArray();
            var twap = Twap.Compute(points, s_window, s_now)!.Value;

            // The prices in force are those of the points in the window plus the last one at or before its start.
            var firstInForce = Array.FindLastIndex(points, p => p.Time <= s_t0);
            var inForce = points.Skip(Math.Max(firstInForce, 0)).Select(p => p.Price).ToArray();
            return twap.Price >= inForce.Min() && twap.Price <= inForce.Max() && twap.Covered <= s_window;
        });
    }

    private static PricePoint At(int minutes, decimal price) => new(s_t0.AddMinutes(minutes), price);
}
