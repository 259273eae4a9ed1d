using Azure.Core;
using Margin.Infrastructure.Composition;

namespace Margin.Infrastructure.Tests.Composition;

public sealed class MarginStorageTests
{
    [Fact]
    public void Problems_NoConnectionAndNoEndpoints_SaysBothWays()
    {
        var problems = string.Join("\n", new StorageOptions().Problems());

        Assert.Contains("Storage:ConnectionString", problems, StringComparison.Ordinal);
        Assert.Contains("Storage:TableEndpoint", problems, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "", "Storage:Partitions")]
    [InlineData(10_001, "", "Storage:Partitions")]
    [InlineData(8, "Bad", "Storage:Prefix")]
    [InlineData(8, "1abc", "Storage:Prefix")]
    [InlineData(8, "abc-def", "Storage:Prefix")]
    public void Problems_BadValues_AreNamed(int partitions, string prefix, string expected)
    {
        var options = new StorageOptions { ConnectionString = "UseDevelopmentStorage=true", Partitions = partitions, Prefix = prefix };

        Assert.Contains(options.Problems(), p => p.Contains(expected, StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => MarginStorage.Create(options));
    }

    [Fact]
    public void Create_WithEndpointsAndACredential_BuildsEveryStoreWithoutAConnectionString()
    {
        var options = new StorageOptions
        {
            TableEndpoint = new Uri("https://example.table.core.windows.net"),
            QueueEndpoint = new Uri("https://example.queue.core.windows.net"),
            Partitions = 64,
            Prefix = "prod",
        };

        var storage = MarginStorage.Create(options, new NoCredential());

        Assert.Empty(options.Problems());
        Assert.Equal(64, storage.Partitioner.PartitionCount);
        Assert.Equal(new Uri("https://example.table.core.windows.net"), storage.TableService.Uri);
        Assert.Equal("prodaccounts", storage.TableService.GetTableClient("prodaccounts").Name);
    }

    private sealed class NoCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) => throw new InvalidOperationException("no token in a unit test");

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) => throw new InvalidOperationException("no token in a unit test");
    }
}
