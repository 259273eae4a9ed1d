using System.Text.Json;
using System.Text.Json.Nodes;

namespace MarginFunctions.Tests.Infrastructure;

/// <summary>infra/bicepconfig.json: no linter rule may stay at a level that lets lint exit 0.</summary>
public sealed class BicepConfigTests
{
    // The only rules switched off, each for the reason given in the file.
    private static readonly string[] RulesOff =
    [
        "use-description-vars",
        "use-recent-api-versions",
        "use-recent-az-powershell-version",
        "use-recent-module-versions",
    ];

    [Fact]
    public async Task Rules_EveryLevel_IsErrorOrAnExplainedOff()
    {
        var rules = await ReadRulesAsync();

        Assert.True(rules.Count >= 50, $"expected every rule of the CLI to be listed, found {rules.Count}");
        foreach (var (name, rule) in rules)
        {
            var level = (string?)rule?["level"];
            Assert.True(level is "error" or "off", $"rule {name} has level '{level}': lint would exit 0 on its findings");
        }

        var off = rules.Where(r => (string?)r.Value?["level"] == "off").Select(r => r.Key).Order(StringComparer.Ordinal);
        Assert.Equal(RulesOff, off);
    }

    [Fact]
    public async Task Rules_AnalyzersSection_IsEnabled()
    {
        var config = await ReadConfigAsync();

        Assert.True((bool?)config["analyzers"]?["core"]?["enabled"]);
        Assert.Equal("error", (string?)config["analyzers"]?["core"]?["rules"]?["no-unused-params"]?["level"]);
        Assert.Equal("error", (string?)config["analyzers"]?["core"]?["rules"]?["no-hardcoded-env-urls"]?["level"]);
    }

    private static async Task<JsonObject> ReadConfigAsync()
    {
        var text = await File.ReadAllTextAsync(Path.Combine(BicepCli.InfraFolder, "bicepconfig.json"));
        var options = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = false };
        return JsonNode.Parse(text, documentOptions: options)!.AsObject();
    }

    private static async Task<JsonObject> ReadRulesAsync() =>
        (await ReadConfigAsync())["analyzers"]?["core"]?["rules"]?.AsObject()
            ?? throw new InvalidOperationException("bicepconfig.json has no analyzers.core.rules");
}
