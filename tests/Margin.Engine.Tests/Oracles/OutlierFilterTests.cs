using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Margin.Engine.Oracles;
using static Margin.Engine.Tests.Oracles.OracleTestData;

namespace Margin.Engine.Tests.Oracles;

public sealed class OutlierFilterTests
{
    [Fact]
    public void Apply_OneSpikeOfThree_DropsOnlyTheSpike()
    {
        // Median 101; 150 is 48.5 % away, 100 is 0.99 % away.
        var decisions = OutlierFilter.Apply([Quote("a", 100m), Quote("b", 101m), Quote("c", 150m)], 0.05m, out var median);

        Assert.Equal(101m, median);
        Assert.Equal([true, true, false], decisions.Select(d => d.Used));
        Assert.Equal(QuoteRejectionReason.Outlier, decisions[2].Rejection?.Reason);
    }

    [Fact]
    public void Apply_TwoDisagreeing_DropsBoth()
    {
        // Median 110 (mean of the two); each is 10 / 110 = 9.1 % away.
        var decisions = OutlierFilter.Apply([Quote("a", 100m), Quote("b", 120m)], 0.05m, out var median);

        Assert.Equal(110m, median);
        Assert.All(decisions, d => Assert.Equal(QuoteRejectionReason.Outlier, d.Rejection?.Reason));
    }

    [Fact]
    public void Apply_TwoAgreeing_KeepsBoth()
    {
        var decisions = OutlierFilter.Apply([Quote("a", 100m), Quote("b", 104m)], 0.05m, out var median);

        Assert.Equal(102m, median);
        Assert.All(decisions, d => Assert.True(d.Used));
    }

    [Fact]
    public void Apply_EvenCount_UsesMeanOfMiddleTwo()
    {
        // Sorted 100, 102, 104, 130: median (102 + 104) / 2 = 103; limit 2 % of 103 = 2.06.
        var decisions = OutlierFilter.Apply([Quote("a", 130m), Quote("b", 102m), Quote("c", 100m), Quote("d", 104m)], 0.02m, out var median);

        Assert.Equal(103m, median);
        Assert.Equal([false, true, false, true], decisions.Select(d => d.Used));
    }

    [Fact]
    public void Apply_ExactlyOnTheBand_Keeps()
    {
        var decisions = OutlierFilter.Apply([Quote("a", 95m), Quote("b", 100m), Quote("c", 105m)], 0.05m, out _);

        Assert.All(decisions, d => Assert.True(d.Used));
    }

    [Fact]
    public void Apply_SpikeShiftsMedian_JudgesAgainstMedianOfAllUsableInOnePass()
    {
        // With the spike the median is (101 + 105) / 2 = 103 and 100 is 2.9 % away: dropped in the single pass,
        // although against the median of the others (101) it would be within 2 %.
        var decisions = OutlierFilter.Apply([Quote("a", 100m), Quote("b", 101m), Quote("c", 105m), Quote("d", 1000m)], 0.02m, out var median);

        Assert.Equal(103m, median);
        Assert.Equal([false, true, true, false], decisions.Select(d => d.Used));
        Assert.Equal("the price 100 is 0.029126 from the median 103 of 4 usable quotes; the band is 0.02", decisions[0].Rejection?.Message);
    }

    [Fact]
    public void Apply_SingleQuote_KeepsIt()
    {
        var decisions = OutlierFilter.Apply([Quote("a", 100m)], 0.01m, out var median);

        Assert.Equal(100m, median);
        Assert.True(decisions[0].Used);
    }

    [Property(MaxTest = 200)]
    public Property Apply_AnyQuotes_KeepsExactlyThoseWithinTheBandOfTheMedian()
    {
        var prices = Gen.Choose(1, 100_000).Select(i => i / 100m).NonEmptyListOf();
        return Prop.ForAll(prices.ToArbitrary(), list =>
        {
            var quotes = list.Select((p, i) => Quote($"s{i}", p)).ToArray();
            var decisions = OutlierFilter.Apply(quotes, 0.05m, out var median);
            var sorted = list.Order().ToArray();
            return decisions.Length == quotes.Length
                && median >= sorted[0] && median <= sorted[^1]
                && decisions.All(d => d.Used == (Math.Abs(d.Quote.Price - median) <= 0.05m * median));
        });
    }
}
