using Margin.Infrastructure.Margins;
using Margin.Infrastructure.Parameters;
using Margin.Infrastructure.Prices;
using Margin.Infrastructure.Queues;
using Margin.Infrastructure.Storage;
using Margin.Infrastructure.Stress;
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
            TableStressRunStore.TableName,
        ];

        Assert.NotNull(declared);
        Assert.Equal(used.Order(StringComparer.Ordinal), declared.Order(StringComparer.Ordinal));
        Assert.Contains("variables('tableNames')", (string?)ArmTemplate.Resource(template, "tables")["name"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Queues_Names_AreTheWorkQueueTheStressQueueAndTheirPoisonQueues()
    {
        var template = await BicepCli.CompiledMainAsync();
        var appQueues = template["variables"]?["appQueueNames"]?.AsArray().Select(n => (string?)n).ToList();

        Assert.Equal([StorageWorkQueue.QueueName, StorageWorkQueue.PoisonQueueName, StorageStressQueue.QueueName, StorageStressQueue.PoisonQueueName], appQueues);
        Assert.Null(template["variables"]?["queueNames"]);
        Assert.Contains("variables('appQueueNames')", (string?)ArmTemplate.Resource(template, "queues")["name"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Queues_EveryQueueTrigger_ReadsADeclaredQueue()
    {
        // A function.json naming a queue this template does not create (or the identity has no role on) fails in Azure only.
        var template = await BicepCli.CompiledMainAsync();
        var appQueues = template["variables"]?["appQueueNames"]?.AsArray().Select(n => (string?)n).ToList();
        var triggered = Directory.EnumerateFiles(Path.Combine(BicepCli.RepositoryRoot, "src", "MarginFunctions", "functions"), "function.json", SearchOption.AllDirectories)
            .SelectMany(f => System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(f))!["bindings"]!.AsArray().Select(b => b!))
            .Where(b => (string?)b["type"] == "queueTrigger")
            .Select(b => (string?)b["queueName"])
            .ToList();

        Assert.Equal([StorageWorkQueue.QueueName, StorageStressQueue.QueueName], triggered.Order(StringComparer.Ordinal));
        Assert.NotNull(appQueues);
        Assert.All(triggered, q => Assert.Contains(q, appQueues));
        Assert.All(triggered, q => Assert.Contains(q + "-poison", appQueues));
    }

    [Fact]
    public async Task DeploymentContainer_Access_IsPrivate()
    {
        var container = ArmTemplate.Resource(await BicepCli.CompiledMainAsync(), "deploymentContainer");

        Assert.Equal("None", (string?)container["properties"]?["publicAccess"]);
    }
}
