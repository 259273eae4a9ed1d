using System.Text.Json.Nodes;

namespace MarginFunctions.Tests.Infrastructure;

/// <summary>infra/main.parameters.json, the parameters azd passes to infra/main.bicep.</summary>
public sealed class ParametersFileTests
{
    [Fact]
    public async Task Parameters_EveryName_IsAParameterOfMainBicep()
    {
        var template = await BicepCli.CompiledMainAsync();
        var declared = template["parameters"]!.AsObject().Select(p => p.Key).ToHashSet(StringComparer.Ordinal);

        foreach (var (name, _) in await ReadParametersAsync())
        {
            Assert.Contains(name, declared);
        }
    }

    [Theory]
    [InlineData("environmentName", "${AZURE_ENV_NAME}")]
    [InlineData("location", "${AZURE_LOCATION}")]
    [InlineData("operatorPrincipalId", "${AZURE_PRINCIPAL_ID=}")]
    public async Task Parameters_AzdValue_ComesFromTheEnvironment(string name, string value)
    {
        Assert.Equal(value, (string?)(await ReadParametersAsync())[name]?["value"]);
    }

    [Fact]
    public async Task Parameters_OracleSources_AreFlatSettingsOfTheFirstSource()
    {
        var sources = (await ReadParametersAsync())["oracleSources"]?["value"]?.AsObject();

        Assert.NotNull(sources);
        Assert.All(sources, s => Assert.Matches(@"^\d+__\w+(__\w+)*$", s.Key));
        Assert.Equal("pyth", (string?)sources["0__Type"]);
    }

    private static async Task<JsonObject> ReadParametersAsync()
    {
        var text = await File.ReadAllTextAsync(Path.Combine(BicepCli.InfraFolder, "main.parameters.json"));
        return JsonNode.Parse(text)?["parameters"]?.AsObject()
            ?? throw new InvalidOperationException("main.parameters.json has no parameters");
    }
}
