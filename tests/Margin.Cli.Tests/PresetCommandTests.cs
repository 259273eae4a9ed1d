using System.Text.Json.Nodes;

namespace Margin.Cli.Tests;

/// <summary><c>margin evaluate --preset</c>, <c>margin presets</c>, and the methodology figure in both outputs.</summary>
public sealed class PresetCommandTests
{
    private static Task<CliRun> EvaluatePresetAsync(string preset, string output = "json") =>
        CliRunner.RunAsync("evaluate", "--preset", preset, "--input", Examples.PathOf($"presets/{preset}.json"), "--output", output);

    public static TheoryData<string, string, string, double, bool> ExampleFigures => new()
    {
        // preset, account, our status, the methodology's figure, the methodology says liquidatable (see each $comment)
        { "binance-unified", "faq-6000-btc", "Healthy", double.PositiveInfinity, false },
        { "binance-unified", "between-105-and-100", "MarginCall", 1.025, true },
        { "binance-unified", "ordi-tiers-usdt-loan", "Healthy", 130_000d / 30_000d, false },
        { "binance-unified", "bracket-4-short", "MarginCall", 14_000d / 13_700d, true },
        { "drift-spot", "docs-2000-sol", "Healthy", double.PositiveInfinity, false },
        { "drift-spot", "sol-big-borrow", "ReduceOnly", 20_000_000d / 19_128_000d, false },
        { "drift-spot", "sol-borrower-underwater", "Liquidatable", 10_000d / 10_065d, true },
        { "aave-v3", "weth-usdc", "Healthy", 8_600d / 6_000d, false },
        { "aave-v3", "hf-exactly-one", "Liquidatable", 1d, false },
        { "aave-v3", "underwater", "Liquidatable", 0.99375, true },
        { "aave-v3", "no-debt", "Healthy", double.PositiveInfinity, false },
    };

    [Theory]
    [MemberData(nameof(ExampleFigures))]
    public async Task Evaluate_PresetExample_ReportsOurStatusAndTheMethodologyFigure(string preset, string account, string status, double figure, bool liquidatable)
    {
        var run = await EvaluatePresetAsync(preset);

        var result = run.Result(account);
        Assert.Equal(status, (string?)result["status"]);
        var methodology = result["methodology"]!;
        if (double.IsPositiveInfinity(figure))
        {
            Assert.Equal("Infinity", (string?)methodology["value"]);
        }
        else
        {
            Assert.Equal(figure, (double)methodology["value"]!, 12);
        }

        Assert.Equal(liquidatable, (bool)methodology["liquidatable"]!);
    }

    [Theory]
    [InlineData("aave-v3", "aave-health-factor", "1", "strictlyBelow")]
    [InlineData("binance-unified", "binance-unimmr", "1.05", "atOrBelow")]
    [InlineData("drift-spot", "drift-spot-weights", "1", "strictlyBelow")]
    public async Task Evaluate_Preset_DocumentNamesThePresetItsSourcesAndTheThreshold(string preset, string kind, string threshold, string boundary)
    {
        var run = await EvaluatePresetAsync(preset);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(string.Empty, run.Stderr);
        Assert.Empty(run.Errors);
        Assert.Equal(preset, (string?)run.Json["preset"]);
        var metadata = run.Json["parametersMetadata"]!;
        Assert.Equal(preset, (string?)metadata["name"]);
        Assert.Equal(kind, (string?)metadata["methodology"]);
        Assert.Equal("2026-11-24", (string?)metadata["takenOn"]);
        Assert.NotEmpty(metadata["sources"]!.AsArray());
        Assert.All(run.Results, r =>
        {
            Assert.Equal(kind, (string?)r!["methodology"]!["kind"]);
            Assert.Equal(threshold, (string?)r["methodology"]!["liquidationThreshold"]);
            Assert.Equal(boundary, (string?)r["methodology"]!["boundary"]);
        });
    }

    [Fact]
    public async Task Evaluate_DriftPreset_ReportsDriftsIntegerWeightsPerBalance()
    {
        var run = await EvaluatePresetAsync("drift-spot");

        var weights = run.Result("sol-big-borrow")["methodology"]!["driftWeights"]!.AsArray();
        Assert.Equal(2, weights.Count);
        var sol = weights.Single(w => (string?)w!["asset"] == "SOL")!;
        Assert.Equal("borrow", (string?)sol["side"]);
        Assert.Equal(13_552, (long)sol["initialWeight"]!);
        Assert.Equal(12_752, (long)sol["maintenanceWeight"]!);
        Assert.Equal(1_250, (long)sol["initialImfFactor"]!);
        Assert.Equal("100000000000000", (string?)sol["size"]);
        var whale = run.Result("sol-whale")["methodology"]!["driftWeights"]![0]!;
        Assert.Equal((4_888L, 4_888L), ((long)whale["initialWeight"]!, (long)whale["maintenanceWeight"]!));
    }

    [Fact]
    public async Task Evaluate_BinancePreset_OurAdjustedEquityIsTheFaqCollateralValue()
    {
        var run = await EvaluatePresetAsync("binance-unified");

        Assert.Equal("119500000", (string?)run.Result("faq-6000-btc")["summary"]!["adjustedEquityMaintenance"]);
        Assert.Equal("119500000", (string?)run.Result("faq-6000-btc")["methodology"]!["numerator"]);
    }

    [Fact]
    public async Task Evaluate_PresetTable_ShowsTheFigureBesideOurs()
    {
        var run = await EvaluatePresetAsync("aave-v3", "table");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("preset aave-v3: aave-v3, numbers taken 2026-11-24", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("Aave V3 health factor (aave-health-factor): 1.4333 = 8,600.00 / 6,000.00; liquidation below 1: not liquidatable", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("Aave V3 health factor (aave-health-factor): 0.9938 = 25,837.50 / 26,000.00; liquidation below 1: liquidatable", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_DriftPresetTable_ShowsTheWeightsTable()
    {
        var run = await EvaluatePresetAsync("drift-spot", "table");

        Assert.Contains("Drift weights (Drift's integers: 10000 = 100 %; IMF factor at 1e6)", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("| SOL   | borrow  |   -100,000 |   13552 |       12752 |  1250 |  1250 |", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_UnknownPreset_ExitsOneListingTheAvailablePresets()
    {
        var run = await CliRunner.RunAsync("evaluate", "--preset", "okx", "--input", Examples.PathOf("presets/aave-v3.json"), "--output", "json");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("unknown preset 'okx'; the available presets are: aave-v3, binance-unified, deribit-portfolio, drift-spot", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("\"results\"", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_PresetExampleWithoutPreset_ExitsTwoBecauseItHasNoParameters()
    {
        var run = await CliRunner.RunAsync("evaluate", "--input", Examples.PathOf("presets/aave-v3.json"), "--output", "json");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(run.Errors, e => (string?)e!["field"] == "parameters");
    }

    [Fact]
    public async Task Evaluate_PresetAndParametersSection_PresetReplacesThemAndStderrSaysSo()
    {
        // The rule (docs/evaluate.md, "Presets"): --preset replaces the document's parameters, which are not read at all
        // (here they are even invalid), and stderr names the replacement.
        var run = await CliRunner.EvaluateMutatedAsync("presets/aave-v3.json", doc => doc["parameters"] = new JsonObject { ["version"] = "ignored", ["bogus"] = true }, output: "json");
        var path = Path.GetTempFileName();
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(Examples.PathOf("presets/aave-v3.json")))!;
            node["parameters"] = new JsonObject { ["version"] = "ignored", ["bogus"] = true };
            await File.WriteAllTextAsync(path, node.ToJsonString());

            var replaced = await CliRunner.RunAsync("evaluate", "--preset", "aave-v3", "--input", path, "--output", "json");

            Assert.Equal(0, replaced.ExitCode);
            Assert.Equal("aave-v3-2026-11-24", (string?)replaced.Json["parametersVersion"]);
            Assert.Contains("margin evaluate: preset aave-v3 replaced the parameters section of", replaced.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }

        // Without --preset the same document's invalid parameters are an error, as always.
        Assert.Equal(2, run.ExitCode);
    }

    [Fact]
    public async Task Evaluate_PresetWhoseSettlementDiffersFromTheSnapshot_NamesThePreset()
    {
        var run = await CliRunner.RunAsync("evaluate", "--preset", "drift-spot", "--input", Examples.PathOf("presets/aave-v3.json"), "--output", "json");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(run.Errors, e => (string?)e!["field"] == "snapshot.quote" && ((string?)e["problem"])!.Contains("preset drift-spot settles in USDC", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Evaluate_OlderInputWithoutMetadata_HasNullMetadataAndNoFigure()
    {
        var run = await CliRunner.RunAsync("evaluate", "--input", Examples.PathOf(Examples.Minimal), "--output", "json");

        Assert.Equal(0, run.ExitCode);
        Assert.Null(run.Json["preset"]);
        Assert.Null(run.Json["parametersMetadata"]);
        Assert.All(run.Results, r => Assert.Null(r!["methodology"]));
    }

    [Fact]
    public async Task PresetsList_NamesEveryPresetWithMethodologyAndSources()
    {
        var run = await CliRunner.RunAsync("presets", "list");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("aave-v3  (aave-health-factor, numbers taken 2026-11-24, parameters aave-v3-2026-11-24)", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("binance-unified  (binance-unimmr,", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("drift-spot  (drift-spot-weights,", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("source: Drift docs: Cross-collateral deposits", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PresetsShow_PrintsTheParametersFile_UnknownNameExitsOne()
    {
        var shown = await CliRunner.RunAsync("presets", "show", "binance-unified");
        var unknown = await CliRunner.RunAsync("presets", "show", "okx");

        Assert.Equal(0, shown.ExitCode);
        Assert.Equal("binance-unified", (string?)JsonNode.Parse(shown.Stdout)!["metadata"]!["name"]);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("unknown preset 'okx'", unknown.Stderr, StringComparison.Ordinal);
    }
}
