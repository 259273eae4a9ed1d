using Margin.Sweep.UseCases;
using Margin.Sweep.Work;

namespace Margin.Sweep.Tests.UseCases;

public sealed class StartSweepTests
{
    private static SweepRecord Sweep(int workItems, int partitions) =>
        new("sw-1", "s1", "p1", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddMinutes(10), workItems, NoLiquidation: false, partitions);

    [Theory]
    [InlineData(1, 1)]
    [InlineData(16, 256)]
    [InlineData(7, 256)]
    [InlineData(3, 10)]
    [InlineData(256, 256)]
    public void WorkItemsOf_CoverEveryPartitionExactlyOnce_InContiguousNearlyEqualRanges(int workItems, int partitions)
    {
        var sweep = Sweep(workItems, partitions);
        var items = StartSweep.WorkItemsOf(sweep);

        Assert.Equal(workItems, items.Count);
        Assert.Equal(Enumerable.Range(0, partitions), items.SelectMany(i => Enumerable.Range(i.PartitionFrom, i.PartitionTo - i.PartitionFrom + 1)));
        var sizes = items.Select(i => i.PartitionTo - i.PartitionFrom + 1).ToArray();
        Assert.True(sizes.Max() - sizes.Min() <= 1);
        Assert.All(items, i => Assert.Empty(i.Problems()));
        for (var k = 0; k < items.Count; k++)
        {
            Assert.Equal(k, StartSweep.NumberOf(sweep, items[k]));
        }
    }

    [Fact]
    public void NumberOf_ARangeThatIsNotAWorkItem_Throws()
    {
        var sweep = Sweep(4, 16);
        var ex = Assert.Throws<ArgumentException>(() => StartSweep.NumberOf(sweep, new WorkItem("sw-1", "s1", "p1", 0, 5)));
        Assert.Contains("0..5", ex.Message, StringComparison.Ordinal);
    }
}
