using Azure.Data.Tables;
using Azure.Storage.Queues;
using Margin.Infrastructure.Composition;
using Margin.Infrastructure.Stress;
using Margin.Infrastructure.Tests.Azurite;
using Margin.Sweep.Options;

namespace Margin.Infrastructure.Tests.Composition;

[Collection(AzuriteGroup.Name)]
public sealed class MarginStorageStressTests(AzuriteInstance azurite)
{
    [Fact]
    public async Task EnsureCreated_MakesTheStressRunsTableAndTheStressQueues_UnderThePrefix()
    {
        var prefix = "m" + Guid.NewGuid().ToString("N")[..10];
        var storage = MarginStorage.Create(new StorageOptions { ConnectionString = azurite.ConnectionString, Partitions = 4, Prefix = prefix });

        await storage.EnsureCreatedAsync(CancellationToken.None);

        var tables = new List<string>();
        await foreach (var t in new TableServiceClient(azurite.ConnectionString).QueryAsync(t => t.Name == prefix + "stressruns"))
        {
            tables.Add(t.Name);
        }

        Assert.Equal([prefix + "stressruns"], tables);
        Assert.True(await new QueueClient(azurite.ConnectionString, prefix + "margin-stress").ExistsAsync());
        Assert.True(await new QueueClient(azurite.ConnectionString, prefix + "margin-stress-poison").ExistsAsync());
        Assert.Equal(prefix + "margin-stress", storage.StressQueue.Name);
        Assert.Empty(await storage.StressRuns.ListAsync(10, CancellationToken.None));
    }

    [Fact]
    public async Task StressServices_AcceptsNothingOnAnEmptyDeployment_AndCannotEnqueueWhenBuiltWithoutTheQueue()
    {
        var prefix = "m" + Guid.NewGuid().ToString("N")[..10];
        var storage = MarginStorage.Create(new StorageOptions { ConnectionString = azurite.ConnectionString, Partitions = 4, Prefix = prefix });
        await storage.EnsureCreatedAsync(CancellationToken.None);
        var inProcess = StressServices.Create(storage, new SweepOptions(), new FileScenarioCatalog(), TimeProvider.System, enqueue: false);

        var start = await inProcess.Start.ExecuteAsync(new Margin.Sweep.Stress.StressRequest { Scenario = "BTC=-10%" }, enqueue: false, CancellationToken.None);

        Assert.False(start.Accepted);
        Assert.Contains(start.Problems, p => p.StartsWith("paramsVersion: no parameter version is active", StringComparison.Ordinal));
        await Assert.ThrowsAsync<InvalidOperationException>(() => inProcess.Start.ExecuteAsync(new Margin.Sweep.Stress.StressRequest { Scenario = "BTC=-10%" }, enqueue: true, CancellationToken.None));
        Assert.Empty(await storage.StressRuns.ListAsync(10, CancellationToken.None));
    }
}
