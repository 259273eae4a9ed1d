using Margin.Infrastructure.Composition;

namespace Margin.Infrastructure.Tests.Composition;

public sealed class MarginConfigurationTests
{
    [Fact]
    public void Read_MarginPrefixedSettings_OverrideTheHostsAndOverridesWinLast()
    {
        var environment = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["MARGIN_Storage__Partitions"] = "64",
            ["margin_Sweep__WorkItems"] = "8",
            ["MARGIN_ServiceBus__FullyQualifiedNamespace"] = "ns.servicebus.windows.net",
            ["UNRELATED"] = "x",
        };
        var configuration = MarginConfiguration.Build(null, environment, new Dictionary<string, string?> { ["Storage:Partitions"] = "32", ["Sweep:Deadline"] = null });
        var settings = MarginConfiguration.Read(configuration, out var problems);
        Assert.Empty(problems);
        Assert.Equal("UseDevelopmentStorage=true", settings.Storage.ConnectionString);
        Assert.Equal(32, settings.Storage.Partitions);
        Assert.Equal(8, settings.Sweep.WorkItems);
        Assert.Equal("ns.servicebus.windows.net", settings.ServiceBus.FullyQualifiedNamespace);
    }

    [Fact]
    public void Read_InvalidValues_ListEveryProblemBySetting()
    {
        var configuration = MarginConfiguration.Build(null, new Dictionary<string, string?> { ["MARGIN_Storage__Partitions"] = "0" });
        MarginConfiguration.Read(configuration, out var problems);
        Assert.Contains(problems, p => p.Contains("Storage:Partitions", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Storage:ConnectionString", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_UnconvertibleValue_ThrowsNamingTheSetting()
    {
        var configuration = MarginConfiguration.Build(null, new Dictionary<string, string?> { ["MARGIN_Storage__Partitions"] = "many" });
        var ex = Assert.Throws<ArgumentException>(() => MarginConfiguration.Read(configuration, out _));
        Assert.Contains("Partitions", ex.Message, StringComparison.Ordinal);
    }
}
