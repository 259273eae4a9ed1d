namespace MarginFunctions.Tests.Infrastructure;

/// <summary><c>bicep build</c> of infra/main.bicep (and through it infra/modules/*.bicep).</summary>
public sealed class BicepBuildTests
{
    [Fact]
    public async Task Build_MainBicep_ExitsZeroWithoutWarnings()
    {
        var run = await BicepCli.RunAsync("build", BicepCli.MainBicep, "--stdout");

        Assert.True(run.ExitCode == 0, $"bicep build exited with {run.ExitCode}:\n{run.StandardError}");
        // Compiler warnings (BCP081 unknown API version, BCP036 wrong property type, ...) are not linter rules:
        // no bicepconfig.json level turns them into errors, so they are caught here.
        Assert.Empty(run.Diagnostics);
        Assert.DoesNotContain("Warning", run.StandardError, StringComparison.Ordinal);
        Assert.StartsWith("{", run.StandardOutput.TrimStart(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_EveryBicepFile_ExitsZeroWithoutWarnings()
    {
        var files = Directory.GetFiles(BicepCli.InfraFolder, "*.bicep", SearchOption.AllDirectories);
        Assert.Contains(files, f => f.EndsWith(Path.Combine("modules", "alerts.bicep"), StringComparison.Ordinal));

        foreach (var file in files)
        {
            var run = await BicepCli.RunAsync("build", file, "--stdout");

            Assert.True(run.ExitCode == 0, $"bicep build {file} exited with {run.ExitCode}:\n{run.StandardError}");
            Assert.DoesNotContain("Warning", run.StandardError, StringComparison.Ordinal);
        }
    }
}
