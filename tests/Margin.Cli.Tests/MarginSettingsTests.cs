using System.Text.Json;
using Margin.Cli.Hosting;
using Margin.Infrastructure.ServiceBus;

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

    [Fact]
    public void Load_ServiceBusDefaults_FromAppSettings_AreTheOptionsDefaultsAndNotConfigured()
    {
        var settings = MarginSettings.Load(new Dictionary<string, string?> { ["Storage:ConnectionString"] = "UseDevelopmentStorage=true" });

        var defaults = new ServiceBusOptions();
        Assert.False(settings.ServiceBus.IsConfigured);
        Assert.Equal(defaults, settings.ServiceBus);
        Assert.Equal("liquidation-orders", settings.ServiceBus.OrdersQueue);
        Assert.True(settings.ServiceBus.OrdersQueueSessions);
        Assert.Null(settings.ServiceBus.UseTls);
        Assert.Null(settings.ServiceBus.Port);
        Assert.Equal(TimeSpan.FromMilliseconds(200), settings.ServiceBus.ReconnectMinDelay);
    }

    [Fact]
    public void AppSettings_ServiceBusSection_ListsEveryOption()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "appsettings.json")));
        var listed = json.RootElement.GetProperty("ServiceBus").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal);

        var settable = typeof(ServiceBusOptions).GetProperties().Where(p => p.CanWrite).Select(p => p.Name).Order(StringComparer.Ordinal);
        Assert.Equal(settable, listed);
    }

    [Fact]
    public void Load_ServiceBusOverrides_AreBound()
    {
        var settings = MarginSettings.Load(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = "UseDevelopmentStorage=true",
            ["ServiceBus:ConnectionString"] = "Endpoint=sb://localhost;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;",
            ["ServiceBus:OrdersQueue"] = "orders-test",
            ["ServiceBus:UseTls"] = "false",
            ["ServiceBus:MaxBatchBytes"] = "1048576",
        });

        Assert.True(settings.ServiceBus.IsConfigured);
        Assert.Equal("orders-test", settings.ServiceBus.OrdersQueue);
        Assert.False(settings.ServiceBus.UseTls);
        Assert.Equal(1_048_576, settings.ServiceBus.MaxBatchBytes);
    }

    [Fact]
    public void Load_BadServiceBusValues_AreAllNamed()
    {
        var ex = Assert.Throws<ArgumentException>(() => MarginSettings.Load(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = "UseDevelopmentStorage=true",
            ["ServiceBus:ConnectionString"] = "Endpoint=sb://ns.servicebus.windows.net/",
            ["ServiceBus:EventsQueue"] = "no spaces",
            ["ServiceBus:MaxBatchBytes"] = "10",
            ["ServiceBus:SaslUser"] = "guest",
        }));

        foreach (var key in new[] { "ServiceBus:ConnectionString: give SharedAccessKeyName", "ServiceBus:EventsQueue", "ServiceBus:MaxBatchBytes", "ServiceBus:SaslUser" })
        {
            Assert.Contains(key, ex.Message, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("Storage:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadServiceBus_NoStorageConfigured_StillLoads()
    {
        var options = MarginSettings.LoadServiceBus(new Dictionary<string, string?> { ["ServiceBus:FullyQualifiedNamespace"] = "ns.servicebus.windows.net" });

        Assert.True(options.IsConfigured);
        Assert.Equal("ns.servicebus.windows.net", options.FullyQualifiedNamespace);
    }
}
