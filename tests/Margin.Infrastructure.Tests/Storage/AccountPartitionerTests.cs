using Azure.Data.Tables;
using Margin.Infrastructure.Storage;

namespace Margin.Infrastructure.Tests.Storage;

public sealed class AccountPartitionerTests
{
    [Theory]
    // xxHash64 (seed 0) of the UTF-8 bytes, reference values from System.IO.Hashing, mod N: the ledger must agree.
    [InlineData("alice", 256)]
    [InlineData("bob", 256)]
    [InlineData("账户-7", 10_000)]
    public void PartitionOf_IsXxHash64OfTheUtf8IdModN(string id, int n)
    {
        var expected = (int)(System.IO.Hashing.XxHash64.HashToUInt64(System.Text.Encoding.UTF8.GetBytes(id)) % (ulong)n);

        Assert.Equal(expected, new AccountPartitioner(n).PartitionOf(id));
        Assert.Equal($"p{expected:D4}", new AccountPartitioner(n).KeyOfAccount(id));
    }

    [Theory]
    // Pinned: changing the hash would move every account, and the ledger computes the same keys.
    // xxHash64("alice") = 0x73A3EA485F2E6049, xxHash64("bob") = 0x92878A3B42BAD03B (seed 0).
    [InlineData("alice", 73)]
    [InlineData("bob", 59)]
    public void PartitionOf_PinnedValues_AreStableAcrossVersions(string id, int partition)
    {
        Assert.Equal(partition, new AccountPartitioner(256).PartitionOf(id));
        Assert.Equal($"p{partition:D4}", new AccountPartitioner(256).KeyOfAccount(id));
    }

    [Fact]
    public void Batches_SplitAt100Entities()
    {
        var entities = Enumerable.Range(0, 250).Select(i => new TableEntity("p0000", $"r{i}")).ToList();

        var batches = TableAccountStore.Batches(entities).ToList();

        Assert.Equal([100, 100, 50], batches.Select(b => b.Count));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10_001)]
    public void PartitionCount_OutOfRange_IsRefused(int n) => Assert.Throws<ArgumentOutOfRangeException>(() => new AccountPartitioner(n));
}
