using Margin.Sweep.Orders;

namespace Margin.Sweep.Tests.Orders;

public sealed class OrderIdsTests
{
    [Fact]
    public void For_SameAccountAndEpisode_IsTheSameId_AndFitsAMessageIdAndARowKey()
    {
        var id = OrderIds.For("acct-000042", 1);

        Assert.Equal(id, OrderIds.For("acct-000042", 1));
        Assert.Matches("^ord-[0-9a-f]{32}$", id);
    }

    [Fact]
    public void For_AnotherEpisodeOrAccount_IsAnotherId()
    {
        var ids = new[] { OrderIds.For("a", 1), OrderIds.For("a", 2), OrderIds.For("b", 1), OrderIds.For("a1", 1), OrderIds.For("a", 11) };

        Assert.Equal(ids.Length, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void For_PinnedValue_DoesNotDriftBetweenReleases()
    {
        // The id is a contract with the broker's duplicate detection: changing the derivation would re-issue open orders.
        Assert.Equal("ord-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("liquidatable\u001f1"u8.ToArray()), 0, 16), OrderIds.For("liquidatable", 1));
    }

    [Theory]
    [InlineData("", 1)]
    [InlineData("a", 0)]
    public void For_InvalidInput_Throws(string account, int episode) =>
        Assert.ThrowsAny<ArgumentException>(() => OrderIds.For(account, episode));
}
