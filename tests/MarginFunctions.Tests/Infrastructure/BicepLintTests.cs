namespace MarginFunctions.Tests.Infrastructure;

/// <summary><c>bicep lint</c> with infra/bicepconfig.json, whose rules are all at level error.</summary>
public sealed class BicepLintTests
{
    [Fact]
    public async Task Lint_EveryBicepFile_ReportsNothing()
    {
        var files = Directory.GetFiles(BicepCli.InfraFolder, "*.bicep", SearchOption.AllDirectories);
        Assert.True(files.Length >= 2, "expected infra/main.bicep and at least one module");

        foreach (var file in files)
        {
            var run = await BicepCli.RunAsync("lint", file);

            Assert.True(run.ExitCode == 0, $"bicep lint {file} exited with {run.ExitCode}:\n{run.StandardError}");
            Assert.Empty(run.Diagnostics);
            Assert.Equal(string.Empty, run.StandardError.Trim());
        }
    }

    [Fact]
    public async Task Lint_UnusedParameter_FailsWithTheRepositoryConfigOnly()
    {
        // A file with one unused parameter, in a folder of its own. Bicep finds bicepconfig.json by walking up from
        // the file, so without a copy of the repository's config the default level (warning) applies.
        var folder = Directory.CreateTempSubdirectory("bicep-lint-");
        try
        {
            var file = Path.Combine(folder.FullName, "main.bicep");
            await File.WriteAllTextAsync(file, "@description('Never used.')\nparam unused string = 'x'\n");

            var withoutConfig = await BicepCli.RunAsync("lint", file);
            File.Copy(Path.Combine(BicepCli.InfraFolder, "bicepconfig.json"), Path.Combine(folder.FullName, "bicepconfig.json"));
            var withConfig = await BicepCli.RunAsync("lint", file);

            // The CLI's own default: a warning, and exit code 0. This is why the levels are raised.
            Assert.Equal(0, withoutConfig.ExitCode);
            Assert.Contains(withoutConfig.Diagnostics, d => d.Contains("Warning no-unused-params", StringComparison.Ordinal));
            // With the repository's config the same finding is an error and the exit code says so.
            Assert.NotEqual(0, withConfig.ExitCode);
            Assert.Contains(withConfig.Diagnostics, d => d.Contains("Error no-unused-params", StringComparison.Ordinal));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
