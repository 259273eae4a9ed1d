using Margin.Cli.Hosting;

namespace Margin.Cli.Tests;

public sealed class MarginSettingsTests
{
    [Fact]
    public void Load_Defaults_FromAppSettings_AreValid()
    {
        var settings = MarginSettings.Load(new Dictionary<string, string?> { ["Storage:ConnectionString"] = "UseDevelopmentStorage=true" });

        Assert.Equal(256, settings.Storage.Partitions);
        Assert.Equal(16, settings.Sweep.WorkItems);
        Assert.Equal(5, settings.Drain.MaxDequeueCount);
        Assert.Equal("demo-market", settings.Oracles.GetSection("Sources").GetChildren().Single()["Type"]);
    }

    [Fact]
    public void Load_BadValues_AreAllNamed()
    {
        var ex = Assert.Throws<ArgumentException>(() => MarginSettings.Load(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = "UseDevelopmentStorage=true",
            ["Storage:Partitions"] = "0",
            ["Sweep:WorkItems"] = "0",
            ["Prices:OutlierBand"] = "-1",
            ["Drain:MaxDequeueCount"] = "0",
            ["Drain:Workers"] = "100",
        }));

        foreach (var key in new[] { "Storage:Partitions", "Sweep:WorkItems", "Prices:", "Drain:MaxDequeueCount", "Drain:Workers" })
        {
            Assert.Contains(key, ex.Message, StringComparison.Ordinal);
        }
    }
}
