using System.Text.Json.Nodes;

namespace Margin.Cli.Tests;

/// <summary>Runs the <c>margin</c> command line in-process and captures what it writes.</summary>
internal static class CliRunner
{
    public static async Task<CliRun> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await Cli.RunAsync(args, stdout, stderr, CancellationToken.None);
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs <c>evaluate</c> on a document written to a temporary file.</summary>
    public static async Task<CliRun> EvaluateAsync(string json, string output = "json")
    {
        var path = Path.Combine(Path.GetTempPath(), $"margin-cli-test-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, json);
        try
        {
            return await RunAsync("evaluate", "--input", path, "--output", output);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Runs <c>evaluate</c> on a shipped example changed by <paramref name="mutate"/>.</summary>
    public static Task<CliRun> EvaluateMutatedAsync(string example, Action<JsonNode> mutate, string output = "json")
    {
        var node = JsonNode.Parse(File.ReadAllText(Examples.PathOf(example)))!;
        mutate(node);
        return EvaluateAsync(node.ToJsonString(), output);
    }
}

/// <summary>What one in-process run returned and wrote.</summary>
internal sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public JsonNode Json => JsonNode.Parse(Stdout) ?? throw new InvalidOperationException("stdout is JSON null");

    public JsonArray Results => Json["results"]!.AsArray();

    public JsonArray Errors => Json["errors"]!.AsArray();

    public JsonNode Result(string accountId) =>
        Results.Single(r => (string?)r!["accountId"] == accountId)!;

    public IReadOnlyList<JsonNode> ErrorsOf(string? accountId) =>
        Errors.Where(e => (string?)e!["accountId"] == accountId && (string?)e["scope"] == "account").Select(e => e!).ToList();
}

/// <summary>The shipped examples, copied beside the test assembly by the CLI project.</summary>
internal static class Examples
{
    public const string Book = "evaluate-book.json";
    public const string Minimal = "evaluate-minimal.json";
    public const string Portfolio = "evaluate-portfolio.json";

    public static string PathOf(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "examples", name);
        return File.Exists(path) ? path : throw new FileNotFoundException($"example {name} was not copied to the test output", path);
    }
}
