using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Margin.Engine.Statistics;

namespace Margin.Engine.Tests.Statistics;

public sealed class MedianTests
{
    public static TheoryData<decimal[], decimal> Cases => new()
    {
        { new[] { 7m }, 7m },
        { new[] { 3m, 1m, 2m }, 2m },
        { new[] { 4m, 1m, 3m, 2m }, 2.5m },
        { new[] { 100m, 101m }, 100.5m },
        { new[] { 1m, 1m, 1m, 9m }, 1m },
        { new[] { -3m, 5m }, 1m },
        { new[] { decimal.MaxValue, decimal.MaxValue }, decimal.MaxValue },
        { new[] { decimal.MinValue, decimal.MaxValue }, 0m },
        { new[] { decimal.MinValue, decimal.MinValue }, decimal.MinValue },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Of_Values_ReturnsMiddleOrMeanOfMiddleTwo(decimal[] values, decimal expected)
    {
        Assert.Equal(expected, Median.Of(values));
    }

    [Fact]
    public void Of_NoValues_Throws()
    {
        Assert.Throws<ArgumentException>(() => Median.Of([]));
    }

    [Property(MaxTest = 200)]
    public Property Of_AnyValues_HalfAreAtMostAndHalfAtLeastTheMedian()
    {
        var values = Gen.Choose(-1_000_000, 1_000_000).Select(i => i / 1000m).NonEmptyListOf();
        return Prop.ForAll(values.ToArbitrary(), list =>
        {
            var median = Median.Of(list);
            return 2 * list.Count(v => v <= median) >= list.Count && 2 * list.Count(v => v >= median) >= list.Count;
        });
    }
}
