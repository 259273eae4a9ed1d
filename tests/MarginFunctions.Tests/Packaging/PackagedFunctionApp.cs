using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace MarginFunctions.Tests.Packaging;

/// <summary>
/// The function app as scripts/package-functions.sh builds it (artifacts/functions/app and margin-functions.zip), built once
/// per test run however many test classes use it: the script is idempotent, and a second run within the process would
/// replace the app folder under a handler another test is running.
/// </summary>
public sealed class PackagedFunctionApp : IAsyncLifetime
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(15);
    private static readonly Lazy<Task<Build>> s_build = new(() => Task.Run(RunScriptAsync));

    private Build? _build;

    /// <summary>The repository this test assembly was built from.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>artifacts/functions/app: the function app root.</summary>
    public string AppRoot { get; } = Path.Combine(RepositoryRoot, "artifacts", "functions", "app");

    /// <summary>artifacts/functions/margin-functions.zip.</summary>
    public string ZipPath { get; } = Path.Combine(RepositoryRoot, "artifacts", "functions", "margin-functions.zip");

    /// <summary>How long the script took in this run (a publish, or an up-to-date check and a zip).</summary>
    public TimeSpan ScriptDuration => Built.Duration;

    /// <summary>What the script printed.</summary>
    public string ScriptOutput => Built.Output;

    private Build Built => _build ?? throw new InvalidOperationException("the fixture is not initialized");

    public async Task InitializeAsync() => _build = await s_build.Value.ConfigureAwait(false);

    public Task DisposeAsync() => Task.CompletedTask;

    private static async Task<Build> RunScriptAsync()
    {
        var script = Path.Combine(RepositoryRoot, "scripts", "package-functions.sh");
        var start = new ProcessStartInfo("bash", [script])
        {
            WorkingDirectory = RepositoryRoot,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        // dotnet test's MSBuild variables would point the nested dotnet publish at the test run's MSBuild.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        var clock = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(s_timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} did not finish within {s_timeout.TotalMinutes} min; its output:{Environment.NewLine}{Text(output)}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} exited with {process.ExitCode}; its output:{Environment.NewLine}{Text(output)}");
        }

        return new Build(clock.Elapsed, Text(output));
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private static string FindRepositoryRoot()
    {
        var built = typeof(PackagedFunctionApp).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
        if (built is not null && File.Exists(Path.Combine(built, "MarginFunctions.sln")))
        {
            return built;
        }

        throw new InvalidOperationException($"the RepositoryRoot metadata ({built ?? "none"}) does not name a folder with MarginFunctions.sln");
    }

    private sealed record Build(TimeSpan Duration, string Output);
}
