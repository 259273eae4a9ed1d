using System.Text.Json.Nodes;

namespace Margin.Cli.Tests;

/// <summary>The optional <c>parameters.metadata</c> block: read and validated in any input, and it names the figure to report.</summary>
public sealed class ParametersMetadataTests
{
    private static JsonObject Metadata(string methodology = "aave-health-factor") => new()
    {
        ["name"] = "my-aave",
        ["methodology"] = methodology,
        ["takenOn"] = "2026-11-24",
        ["sources"] = new JsonArray(new JsonObject { ["title"] = "Aave Help", ["url"] = "https://aave.com/help/borrowing/liquidations" }),
        ["notes"] = new JsonArray("a note"),
    };

    private static Task<CliRun> MinimalWithMetadataAsync(Action<JsonObject> change)
    {
        var metadata = Metadata();
        change(metadata);
        return CliRunner.EvaluateMutatedAsync(Examples.Minimal, doc => doc["parameters"]!["metadata"] = metadata);
    }

    [Fact]
    public async Task Evaluate_InputWithMetadata_ReportsTheNamedFigureWithoutAPreset()
    {
        var run = await MinimalWithMetadataAsync(_ => { });

        Assert.Equal(0, run.ExitCode);
        Assert.Null(run.Json["preset"]);
        Assert.Equal("my-aave", (string?)run.Json["parametersMetadata"]!["name"]);
        // alice: 10,000 USD + 0.5 BTC at 50,000 (maintenance weight 0.9 is the LT), no debt: HF Infinity; the perpetual is left out.
        var alice = run.Result("alice")["methodology"]!;
        Assert.Equal("Infinity", (string?)alice["value"]);
        Assert.Single(alice["omitted"]!.AsArray());
    }

    [Fact]
    public async Task Evaluate_MethodologyNone_ReportsNoFigure()
    {
        var run = await MinimalWithMetadataAsync(m => m["methodology"] = "none");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("none", (string?)run.Json["parametersMetadata"]!["methodology"]);
        Assert.All(run.Results, r => Assert.Null(r!["methodology"]));
    }

    [Fact]
    public async Task Evaluate_FigureBeyondItsRange_FailsThatAccountsFigureOnly()
    {
        // 1e21 BTC at 50,000 is 5e25 USD: our model evaluates it, but methodology inputs stop at 1e24 USD.
        var metadata = Metadata();
        var run = await CliRunner.EvaluateMutatedAsync(Examples.Minimal, doc =>
        {
            doc["parameters"]!["metadata"] = metadata;
            doc["accounts"]![0]!["balances"]![1]!["quantity"] = "1000000000000000000000";
        });

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(2, run.Results.Count);
        Assert.Null(run.Result("alice")["methodology"]);
        Assert.NotNull(run.Result("bob")["methodology"]);
        var error = Assert.Single(run.ErrorsOf("alice"));
        Assert.Equal("methodology", (string?)error["field"]);
        Assert.StartsWith("no aave-health-factor figure: ", (string?)error["problem"], StringComparison.Ordinal);
        Assert.Equal(0, (int)run.Json["counts"]!["failed"]!);
    }

    public static TheoryData<string, string, string> BadMetadata => new()
    {
        { "methodology", "\"okx-discount\"", "parameters.metadata.methodology: 'okx-discount' is not one of 'aave-health-factor', 'binance-unimmr', 'binance-cross-margin-level', 'drift-spot-weights', 'deribit-portfolio-margin', 'none'" },
        { "takenOn", "\"24/11/2026\"", "parameters.metadata.takenOn: '24/11/2026' is not a date in the form yyyy-MM-dd" },
        { "name", "\"My Preset\"", "parameters.metadata.name: 'My Preset' must be 1 to 64 lower-case ASCII letters, digits or '-'" },
        { "sources", "[]", "parameters.metadata.sources: must name at least one public source" },
        { "sources", "[{\"title\": \"t\", \"url\": \"ftp://example.org/x\"}]", "parameters.metadata.sources[0].url: 'ftp://example.org/x' is not an absolute http(s) URL" },
        { "sources", "[{\"title\": \"t\"}]", "parameters.metadata.sources[0].url" },
        { "notes", "[\"\"]", "parameters.metadata.notes[0]: a note must be a non-empty string" },
        { "author", "\"me\"", "parameters.metadata.author: unknown property" },
    };

    [Theory]
    [MemberData(nameof(BadMetadata))]
    public async Task Evaluate_BadMetadata_ExitsTwoNamingTheField(string property, string json, string problem)
    {
        var run = await MinimalWithMetadataAsync(m => m[property] = JsonNode.Parse(json));

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Results);
        Assert.Contains(run.Errors, e => $"{(string?)e!["field"]}: {(string?)e["problem"]}".StartsWith(problem, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("name")]
    [InlineData("methodology")]
    [InlineData("takenOn")]
    [InlineData("sources")]
    public async Task Evaluate_MetadataMissingARequiredProperty_ExitsTwo(string property)
    {
        var run = await MinimalWithMetadataAsync(m => m.Remove(property));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(run.Errors, e => (string?)e!["field"] == $"parameters.metadata.{property}");
    }
}
