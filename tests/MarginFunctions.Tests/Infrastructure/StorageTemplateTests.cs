using Margin.Infrastructure.Margins;
using Margin.Infrastructure.Parameters;
using Margin.Infrastructure.Prices;
using Margin.Infrastructure.Queues;
using Margin.Infrastructure.Storage;
using Margin.Infrastructure.Sweeps;

namespace MarginFunctions.Tests.Infrastructure;

/// <summary>The storage account, its tables, queues and deployment container in the ARM JSON of infra/main.bicep.</summary>
public sealed class StorageTemplateTests
{
    [Fact]
    public async Task Account_Access_IsEntraIdOnlyOverTls12()
    {
        var storage = ArmTemplate.Resource(await BicepCli.CompiledMainAsync(), "storage");
        var properties = storage["properties"];

        Assert.Equal("StorageV2", (string?)storage["kind"]);
        Assert.False((bool?)properties?["allowSharedKeyAccess"]);
        Assert.False((bool?)properties?["allowBlobPublicAccess"]);
        Assert.Equal("TLS1_2", (string?)properties?["minimumTlsVersion"]);
        Assert.True((bool?)properties?["supportsHttpsTrafficOnly"]);
    }

    [Fact]
    public async Task Tables_Names_CoverEveryTableTheAppOpens()
    {
        var template = await BicepCli.CompiledMainAsync();
        var declared = template["variables"]?["tableNames"]?.AsArray().Select(n => (string?)n).ToList();
        string[] used =
        [
            TableAccountStore.TableName,
            TableMarginStore.TableName,
            TableMarginHistoryStore.TableName,
            TablePriceSnapshotStore.TableName,
            TablePriceHistoryStore.TableName,
            TableRiskParameterStore.TableName,
            TableSweepStore.TableName,
        ];

        Assert.NotNull(declared);
        Assert.All(used, table => Assert.Contains(table, declared));
        Assert.Contains("stressruns", declared);
        Assert.Equal(8, declared.Count);
        Assert.Contains("variables('tableNames')", (string?)ArmTemplate.Resource(template, "tables")["name"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Queues_Names_AreTheWorkQueueItsPoisonQueueAndTheStressQueue()
    {
        var template = await BicepCli.CompiledMainAsync();
        var appQueues = template["variables"]?["appQueueNames"]?.AsArray().Select(n => (string?)n).ToList();

        Assert.Equal([StorageWorkQueue.QueueName, StorageWorkQueue.PoisonQueueName], appQueues);
        Assert.Equal("[concat(variables('appQueueNames'), createArray('margin-stress'))]", (string?)template["variables"]?["queueNames"]);
        Assert.Contains("variables('queueNames')", (string?)ArmTemplate.Resource(template, "queues")["name"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeploymentContainer_Access_IsPrivate()
    {
        var container = ArmTemplate.Resource(await BicepCli.CompiledMainAsync(), "deploymentContainer");

        Assert.Equal("None", (string?)container["properties"]?["publicAccess"]);
    }
}
