using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MarginFunctions.Tests.Infrastructure;

/// <summary>
/// The Service Bus namespace and its two queues in the ARM JSON of infra/main.bicep, checked against the tables of
/// docs/servicebus.md (the contract the app relies on), so the two cannot drift apart.
/// </summary>
public sealed partial class ServiceBusTemplateTests
{
    [Fact]
    public async Task Namespace_Tier_IsStandardWithLocalAuthOff()
    {
        var serviceBus = ArmTemplate.Resource(await BicepCli.CompiledMainAsync(), "serviceBus");

        Assert.Equal("Standard", (string?)serviceBus["sku"]?["name"]);
        Assert.True((bool?)serviceBus["properties"]?["disableLocalAuth"]);
        Assert.Equal("1.2", (string?)serviceBus["properties"]?["minimumTlsVersion"]);
    }

    [Theory]
    [InlineData("ordersQueue", "liquidation-orders")]
    [InlineData("eventsQueue", "liquidation-events")]
    public async Task Queue_Properties_AreExactlyThoseOfDocsServiceBus(string symbolicName, string queueName)
    {
        var queue = ArmTemplate.Resource(await BicepCli.CompiledMainAsync(), symbolicName);
        var properties = queue["properties"]!.AsObject();
        var documented = await DocumentedPropertiesAsync(queueName);

        Assert.Contains($"'{queueName}'", (string?)queue["name"], StringComparison.Ordinal);
        Assert.True(documented.Count == 10, $"read {documented.Count} properties of {queueName} from docs/servicebus.md, expected its 10 rows");
        Assert.Equal(documented.Keys.Order(StringComparer.Ordinal), properties.Select(p => p.Key).Order(StringComparer.Ordinal));
        foreach (var (name, value) in documented)
        {
            Assert.True(
                string.Equals(value, Literal(properties[name]), StringComparison.Ordinal),
                $"{queueName}.{name}: docs/servicebus.md says {value}, the template has {Literal(properties[name])}");
        }
    }

    [Fact]
    public async Task Queues_Sessions_OnlyOnTheOrdersQueue()
    {
        var template = await BicepCli.CompiledMainAsync();

        Assert.True((bool?)ArmTemplate.Resource(template, "ordersQueue")["properties"]?["requiresSession"]);
        Assert.False((bool?)ArmTemplate.Resource(template, "eventsQueue")["properties"]?["requiresSession"]);
    }

    // The rows "| `property` | `value` | why |" of the queue's section ("## `liquidation-orders`").
    private static async Task<Dictionary<string, string>> DocumentedPropertiesAsync(string queueName)
    {
        var text = await File.ReadAllTextAsync(Path.Combine(BicepCli.RepositoryRoot, "docs", "servicebus.md"));
        var start = text.IndexOf($"## `{queueName}`", StringComparison.Ordinal);
        Assert.True(start >= 0, $"docs/servicebus.md has no section for {queueName}");
        var end = text.IndexOf("\n## ", start + 3, StringComparison.Ordinal);
        var section = end < 0 ? text[start..] : text[start..end];

        return PropertyRow().Matches(section).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["value"].Value);
    }

    private static string? Literal(JsonNode? node) => node switch
    {
        JsonValue value when value.TryGetValue<bool>(out var flag) => flag ? "true" : "false",
        JsonValue value => value.ToString(),
        _ => null,
    };

    [GeneratedRegex(@"^\| `(?<name>[a-zA-Z]+)` \| `(?<value>[^`]+)` \|", RegexOptions.Multiline)]
    private static partial Regex PropertyRow();
}
