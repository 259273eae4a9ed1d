using System.Reflection;

namespace Margin.Cli.Tests;

/// <summary>The named historical stress scenarios (scenarios/*.json) are copied beside the CLI, where <c>margin stress</c> looks for a historical NAME for them.</summary>
public sealed class ShippedScenariosTests
{
    private static readonly string s_root = typeof(ShippedScenariosTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    [Fact]
    public void BuildOutput_Scenarios_AreEveryShippedScenarioFileUnchanged()
    {
        var shipped = Directory.GetFiles(Path.Combine(s_root, "scenarios"), "*.json");
        var beside = Path.Combine(AppContext.BaseDirectory, "scenarios");

        Assert.NotEmpty(shipped);
        Assert.Equal(shipped.Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal), Directory.GetFiles(beside).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal));
        Assert.All(shipped, f => Assert.Equal(File.ReadAllBytes(f), File.ReadAllBytes(Path.Combine(beside, Path.GetFileName(f)))));
    }
}
