using System.Text.Json.Nodes;
using MarginFunctions.Hosting;
using MarginFunctions.Tests.Infrastructure;

namespace MarginFunctions.Tests.Hosting;

/// <summary>The handler's defaults for the host's retry limits agree with what host.json and infra/main.bicep configure (they drive its poison count and "last attempt" logs).</summary>
public sealed class FunctionsOptionsDeploymentTests
{
    [Fact]
    public void MaxDequeueCount_Default_IsHostJsons()
    {
        var host = JsonNode.Parse(File.ReadAllText(Path.Combine(BicepCli.RepositoryRoot, "src", "MarginFunctions", "host.json")))!;
        Assert.Equal((int)host["extensions"]!["queues"]!["maxDequeueCount"]!, new FunctionsOptions().MaxDequeueCount);
    }

    [Fact]
    public async Task MaxDeliveryCount_Default_IsTheEventsQueuesInTheTemplate()
    {
        var template = await BicepCli.CompiledMainAsync();
        var events = ArmTemplate.Resource(template, "eventsQueue");
        Assert.Equal((int)events["properties"]!["maxDeliveryCount"]!, new FunctionsOptions().MaxDeliveryCount);
    }
}
