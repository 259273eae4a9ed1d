namespace Margin.Cli.Tests;

public sealed class DemoCommandTests
{
    [Fact]
    public async Task Demo_ShippedBook_PrintsEveryAccountAndExitsZero()
    {
        var run = await CliRunner.RunAsync("demo");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("margin demo: examples/evaluate-book.json", run.Stdout, StringComparison.Ordinal);
        foreach (var id in new[] { "healthy-multi", "warning-eth", "borrower-call", "reduce-only", "liquidatable", "bankrupt", "tiered-sol", "inverse-hedge", "short-call", "suspect-avax", "killswitch-doge", "in-flight", "empty" })
        {
            Assert.Contains($" {id} ", run.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Demo_JsonOutput_IsTheEvaluateDocument()
    {
        var run = await CliRunner.RunAsync("demo", "--output", "json");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(1, (int)run.Json["schemaVersion"]!);
        Assert.Equal(13, run.Results.Count);
    }
}
