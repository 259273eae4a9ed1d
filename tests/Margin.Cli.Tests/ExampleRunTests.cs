namespace Margin.Cli.Tests;

/// <summary>Every shipped example runs: the top-level inputs on their own, each preset example with its preset.</summary>
public sealed class ExampleRunTests
{
    private static string[] PresetExampleNames =>
        [.. Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "examples", "presets"), "*.json").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal)];

    public static TheoryData<string> TopLevelExamples =>
        [.. Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "examples"), "*.json").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    public static TheoryData<string> PresetExamples => [.. PresetExampleNames];

    [Theory]
    [MemberData(nameof(TopLevelExamples))]
    public async Task Evaluate_TopLevelExample_ExitsZeroWithoutErrors(string example)
    {
        var run = await CliRunner.RunAsync("evaluate", "--input", Examples.PathOf(example), "--output", "json");

        Assert.Equal(0, run.ExitCode);
        Assert.Empty(run.Errors);
        Assert.NotEmpty(run.Results);
    }

    [Theory]
    [MemberData(nameof(PresetExamples))]
    public async Task Evaluate_PresetExample_RunsWithItsPresetInBothOutputs(string preset)
    {
        var json = await CliRunner.RunAsync("evaluate", "--preset", preset, "--input", Examples.PathOf($"presets/{preset}.json"), "--output", "json");
        var table = await CliRunner.RunAsync("evaluate", "--preset", preset, "--input", Examples.PathOf($"presets/{preset}.json"), "--output", "table");

        Assert.Equal(0, json.ExitCode);
        Assert.Empty(json.Errors);
        Assert.All(json.Results, r => Assert.NotNull(r!["methodology"]));
        Assert.Equal(0, table.ExitCode);
        Assert.Equal(string.Empty, table.Stderr);
    }

    [Fact]
    public void PresetExamples_ExistForEveryPreset()
    {
        Assert.Equal(Presets.PresetCatalog.Names, PresetExampleNames);
    }
}
