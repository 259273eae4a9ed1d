using Margin.Cli.Commands;
using Margin.Cli.Output;
using Margin.Cli.Output.Table;

namespace Margin.Cli.Tests;

public sealed class TableReportWriterTests
{
    [Fact]
    public async Task Write_RedirectedOutput_IsPlainAsciiAtTheFixedWidth()
    {
        var report = await EvaluateCommand.EvaluateFileAsync(new FileInfo(Examples.PathOf(Examples.Book)));
        using var output = new StringWriter();

        TableReportWriter.Write(report, output, TerminalProfile.Redirected);

        var text = output.ToString();
        Assert.All(text, c => Assert.True(c is '\n' or '\r' || (c >= ' ' && c <= '~'), $"non-ASCII or control character U+{(int)c:X4}"));
        Assert.Contains(text.Split('\n'), line => line.TrimEnd('\r').Length == TerminalProfile.RedirectedWidth);
    }

    [Fact]
    public async Task Write_Terminal_RendersAtTheTerminalWidth()
    {
        var report = await EvaluateCommand.EvaluateFileAsync(new FileInfo(Examples.PathOf(Examples.Book)));
        using var output = new StringWriter();

        TableReportWriter.Write(report, output, new TerminalProfile(true, 200));

        Assert.Contains("borrower-call", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("MarginCall", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Write_AccountIdWithMarkupCharacters_IsPrintedVerbatim()
    {
        var run = await CliRunner.EvaluateMutatedAsync(Examples.Minimal, doc => doc["accounts"]![0]!["id"] = "[red]alice[/]", output: "table");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("[red]alice[/]", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Write_UnusableInput_WritesNothingToStdout()
    {
        var run = await CliRunner.RunAsync("evaluate", "--input", Examples.PathOf("bad/parameters.json"));

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(string.Empty, run.Stdout);
        Assert.Contains("nothing was evaluated", run.Stderr, StringComparison.Ordinal);
    }
}
