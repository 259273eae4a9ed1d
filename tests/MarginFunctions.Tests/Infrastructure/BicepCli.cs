using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;

namespace MarginFunctions.Tests.Infrastructure;

/// <summary>
/// Runs the Bicep CLI that NuGet restored for this project (package Azure.Bicep.CommandLine.linux-x64, binary
/// tools/bicep) against the repository's infra/ folder. Missing pieces fail the test with what to do; nothing is skipped.
/// </summary>
internal static class BicepCli
{
    private const string PackageId = "azure.bicep.commandline.linux-x64";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private static readonly Lazy<Task<JsonObject>> CompiledMain = new(() => BuildAsync(MainBicep));

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string InfraFolder => Path.Combine(RepositoryRoot, "infra");

    public static string MainBicep => Path.Combine(InfraFolder, "main.bicep");

    public static string Executable { get; } = FindExecutable();

    /// <summary>The ARM JSON of infra/main.bicep, built once per test run.</summary>
    public static Task<JsonObject> CompiledMainAsync() => CompiledMain.Value;

    public static async Task<BicepRun> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // No telemetry, no first-run banner: the CLI must not try the network.
        start.Environment["BICEP_TELEMETRY_ENABLED"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Executable}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Our own child only, by its handle.
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish within {Timeout.TotalMinutes} minutes");
        }

        return new BicepRun(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>
    /// <c>bicep build-params</c> of a parameters file for infra/main.bicep with these assignments (one <c>param x = v</c>
    /// per line), written to a folder of its own: a combination the template must accept or refuse at compile time.
    /// </summary>
    public static async Task<BicepRun> BuildParamsAsync(params string[] assignments)
    {
        var folder = Directory.CreateTempSubdirectory("bicep-params-");
        try
        {
            // A .bicepparam file names its template by a relative path only.
            var main = Path.GetRelativePath(folder.FullName, MainBicep).Replace('\\', '/');
            var file = Path.Combine(folder.FullName, "main.bicepparam");
            await File.WriteAllLinesAsync(file, [$"using '{main}'", .. assignments]);
            return await RunAsync("build-params", file, "--stdout");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static async Task<JsonObject> BuildAsync(string bicepFile)
    {
        var run = await RunAsync("build", bicepFile, "--stdout");
        Assert.True(run.ExitCode == 0, $"bicep build {bicepFile} exited with {run.ExitCode}:\n{run.StandardError}");
        return JsonNode.Parse(run.StandardOutput)?.AsObject()
            ?? throw new InvalidOperationException("bicep build printed no JSON");
    }

    private static string FindRepositoryRoot()
    {
        var root = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == "RepositoryRoot")?.Value;
        Assert.False(string.IsNullOrEmpty(root), "the test assembly has no RepositoryRoot metadata (see MarginFunctions.Tests.csproj)");
        Assert.True(File.Exists(Path.Combine(root, "infra", "main.bicep")), $"infra/main.bicep not found under the repository root {root}");
        return root;
    }

    private static string FindExecutable()
    {
        var metadata = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().ToList();
        var version = metadata.SingleOrDefault(a => a.Key == "BicepCliVersion")?.Value;
        Assert.False(string.IsNullOrEmpty(version), "the test assembly has no BicepCliVersion metadata (BicepCliVersion in Directory.Packages.props)");

        // Where this build's restore put packages, then where NuGet puts them by default.
        var candidates = new[]
            {
                metadata.SingleOrDefault(a => a.Key == "NuGetPackageRoot")?.Value,
                Environment.GetEnvironmentVariable("NUGET_PACKAGES"),
                Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
            }
            .Where(root => !string.IsNullOrEmpty(root))
            .Select(root => Path.Combine(root!, PackageId, version, "tools", "bicep"))
            .ToList();

        var found = candidates.FirstOrDefault(File.Exists);
        Assert.True(
            found is not null,
            $"the Bicep CLI {version} is not in the NuGet package folder; run `dotnet restore MarginFunctions.sln` (package Azure.Bicep.CommandLine.linux-x64). Looked at:\n{string.Join('\n', candidates)}");

        // NuGet extracts package files with the owner's execute bit (rwxr--r--, checked on a fresh restore), so the
        // user who restored can run it as it is; anyone else would need the bit.
        if (!OperatingSystem.IsWindows())
        {
            const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            Assert.True(
                (File.GetUnixFileMode(found) & anyExecute) != 0,
                $"{found} is not executable; restore the package as the user who runs the tests");
        }

        return found;
    }
}

/// <summary>What one run of the Bicep CLI returned.</summary>
internal sealed record BicepRun(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Lines of stderr that report a diagnostic of any level (the CLI prints "path(line,col) : Level code: ...").</summary>
    public IReadOnlyList<string> Diagnostics =>
        StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.Contains(" : Warning ", StringComparison.Ordinal)
                || line.Contains(" : Error ", StringComparison.Ordinal)
                || line.Contains(" : Info ", StringComparison.Ordinal))
            .ToList();
}
