using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Margin.Infrastructure.Queues;

namespace MarginFunctions.Tests.Infrastructure;

/// <summary>The role assignments in the ARM JSON of infra/main.bicep: data roles only, on the narrowest scope.</summary>
public sealed partial class RoleAssignmentTemplateTests
{
    private const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string ServiceBusDataSender = "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39";
    private const string ServiceBusDataReceiver = "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0";
    private const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";

    private static readonly string[] LeastPrivilege =
    [
        StorageBlobDataOwner,
        StorageQueueDataContributor,
        StorageTableDataContributor,
        ServiceBusDataSender,
        ServiceBusDataReceiver,
        MonitoringMetricsPublisher,
    ];

    [Fact]
    public async Task RoleAssignments_EveryRole_IsOneOfTheLeastPrivilegeDataRoles()
    {
        var template = await BicepCli.CompiledMainAsync();
        var assignments = ArmTemplate.OfType(template, "Microsoft.Authorization/roleAssignments").ToList();

        Assert.Equal(10, assignments.Count);
        foreach (var assignment in assignments)
        {
            var role = RoleOf(template, assignment);
            Assert.Contains(role, LeastPrivilege);
        }
    }

    [Theory]
    [InlineData("8e3af657-a8ff-443c-a75c-2fe8c4bcb635")] // Owner
    [InlineData("b24988ac-6180-42a0-ab88-20f7382ad24c")] // Contributor
    [InlineData("18d7d88d-d35e-4fb5-a5c3-7773c20a72d9")] // User Access Administrator
    [InlineData("090c5cfd-751d-490a-894a-3ce6f1109419")] // Azure Service Bus Data Owner
    [InlineData("17d1049b-9a84-46fb-8f53-869881c3d3ab")] // Storage Account Contributor
    public async Task RoleAssignments_BroadRole_IsNeverAssigned(string role)
    {
        var json = ArmTemplate.Text(await BicepCli.CompiledMainAsync());

        Assert.DoesNotContain(role, json, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("serviceBusSender", ServiceBusDataSender, "Microsoft.ServiceBus/namespaces/queues", "'liquidation-orders'")]
    [InlineData("serviceBusReceiver", ServiceBusDataReceiver, "Microsoft.ServiceBus/namespaces/queues", "'liquidation-events'")]
    [InlineData("storageBlobDataOwner", StorageBlobDataOwner, "Microsoft.Storage/storageAccounts", "")]
    [InlineData("storageQueueDataContributor", StorageQueueDataContributor, "Microsoft.Storage/storageAccounts/queueServices/queues", "variables('appQueueNames')[copyIndex()]")]
    [InlineData("storageTableDataContributor", StorageTableDataContributor, "Microsoft.Storage/storageAccounts", "")]
    [InlineData("metricsPublisher", MonitoringMetricsPublisher, "Microsoft.Insights/components", "")]
    public async Task AppIdentity_Role_IsAssignedOnItsScope(string symbolicName, string role, string scopeType, string entity)
    {
        var template = await BicepCli.CompiledMainAsync();
        var assignment = ArmTemplate.Resource(template, symbolicName);
        var scope = (string?)assignment["scope"];

        Assert.Equal(role, RoleOf(template, assignment));
        Assert.Contains($"resourceId('{scopeType}'", scope, StringComparison.Ordinal);
        Assert.Contains(entity, scope, StringComparison.Ordinal);
        Assert.Equal("[reference('identity').principalId]", (string?)assignment["properties"]?["principalId"]);
        Assert.Equal("ServicePrincipal", (string?)assignment["properties"]?["principalType"]);
    }

    [Fact]
    public async Task AppIdentity_QueueRole_IsOnTheWorkQueueTheStressQueueAndTheirPoisonQueuesOnly()
    {
        // The host's queue triggers, the host's poison moves and the handler use these four queues and no other; the
        // Functions host needs no queue of its own without blob triggers or Durable Functions (comment in main.bicep).
        var template = await BicepCli.CompiledMainAsync();
        var assignment = ArmTemplate.Resource(template, "storageQueueDataContributor");
        var appQueues = template["variables"]?["appQueueNames"]?.AsArray().Select(n => (string?)n).ToList();

        Assert.Equal([StorageWorkQueue.QueueName, StorageWorkQueue.PoisonQueueName, StorageStressQueue.QueueName, StorageStressQueue.PoisonQueueName], appQueues);
        Assert.Equal("[length(variables('appQueueNames'))]", (string?)assignment["copy"]?["count"]);
        Assert.Equal(
            "[resourceId('Microsoft.Storage/storageAccounts/queueServices/queues', format('st{0}', variables('resourceToken')), 'default', variables('appQueueNames')[copyIndex()])]",
            (string?)assignment["scope"]);
        Assert.StartsWith($"[guid({((string?)assignment["scope"])![1..^1]}, ", (string?)assignment["name"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AppIdentity_AccountScope_HasNoQueueRole()
    {
        var template = await BicepCli.CompiledMainAsync();
        var onTheAccount = ArmTemplate.OfType(template, "Microsoft.Authorization/roleAssignments")
            .Where(a => (string?)a["properties"]?["principalId"] == "[reference('identity').principalId]")
            .Where(a => (string?)a["scope"] == "[resourceId('Microsoft.Storage/storageAccounts', format('st{0}', variables('resourceToken')))]")
            .Select(a => RoleOf(template, a))
            .ToList();

        Assert.Equal([StorageTableDataContributor, StorageBlobDataOwner], onTheAccount.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task RoleAssignments_Name_IsAGuidOfScopePrincipalAndRole()
    {
        var template = await BicepCli.CompiledMainAsync();

        foreach (var assignment in ArmTemplate.OfType(template, "Microsoft.Authorization/roleAssignments"))
        {
            var name = (string?)assignment["name"];
            Assert.StartsWith("[guid(", name, StringComparison.Ordinal);
            Assert.Contains("variables('roles').", name, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task OperatorRoles_WithoutAPrincipal_AreNotCreated()
    {
        var template = await BicepCli.CompiledMainAsync();
        var operatorAssignments = ArmTemplate.OfType(template, "Microsoft.Authorization/roleAssignments")
            .Where(a => ((string?)a["properties"]?["principalId"])?.Contains("operatorPrincipalId", StringComparison.Ordinal) == true)
            .ToList();

        Assert.Equal(4, operatorAssignments.Count);
        Assert.All(operatorAssignments, a => Assert.Equal("[variables('hasOperator')]", (string?)a["condition"]));
        Assert.Equal(string.Empty, (string?)ArmTemplate.DefaultOf(template, "operatorPrincipalId"));
    }

    private static string RoleOf(JsonObject template, JsonObject assignment)
    {
        var expression = ArmTemplate.ResolveVariableMembers(template, (string?)assignment["properties"]?["roleDefinitionId"] ?? string.Empty);
        var match = RoleDefinition().Match(expression);
        Assert.True(match.Success, $"role definition is not a built-in role id: {expression}");
        return match.Groups["guid"].Value;
    }

    [GeneratedRegex(@"^\[subscriptionResourceId\('Microsoft\.Authorization/roleDefinitions', '(?<guid>[0-9a-f-]{36})'\)\]$")]
    private static partial Regex RoleDefinition();
}
