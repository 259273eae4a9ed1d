using System.Reflection;
using System.Text.Json;
using MarginFunctions.Hosting;

namespace MarginFunctions.Tests.Hosting;

/// <summary>`func start` cannot run here (no Functions Core Tools): the example's values go through the app's own validation instead.</summary>
public sealed class LocalSettingsExampleTests
{
    private static string Root => typeof(LocalSettingsExampleTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    private static Dictionary<string, string?> Values()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "src", "MarginFunctions", "local.settings.json.example")));
        return document.RootElement.GetProperty("Values").EnumerateObject().ToDictionary(p => p.Name, p => (string?)p.Value.GetString(), StringComparer.Ordinal);
    }

    [Fact]
    public async Task Create_ExampleValues_PassValidationAndConfigureEverything()
    {
        var values = Values();
        await using var app = MarginApp.Create(values, TimeProvider.System);
        Assert.Equal("UseDevelopmentStorage=true", app.Settings.Storage.ConnectionString);
        Assert.Equal(256, app.Settings.Storage.Partitions);
        Assert.Equal(1, app.OracleSourceCount);
        Assert.NotNull(app.Bus);
        Assert.Equal("localhost", app.Bus.Namespace);
        Assert.Equal("console", Telemetry.ExporterFor(app.Functions.Telemetry, values.GetValueOrDefault("APPLICATIONINSIGHTS_CONNECTION_STRING")));
    }

    [Fact]
    public void Example_DeclaresEveryScheduleTheFunctionsName()
    {
        var values = Values();
        foreach (var folder in Directory.GetDirectories(Path.Combine(Root, "src", "MarginFunctions", "functions")))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "function.json")));
            foreach (var binding in document.RootElement.GetProperty("bindings").EnumerateArray())
            {
                if (binding.TryGetProperty("schedule", out var schedule) && schedule.GetString() is { } text && text.StartsWith('%'))
                {
                    Assert.True(values.ContainsKey(text.Trim('%')), $"{Path.GetFileName(folder)} needs the setting {text.Trim('%')}");
                }
            }
        }
    }

    [Fact]
    public void Create_ExampleWithAPrefix_IsRefusedNamingTheSetting()
    {
        var values = Values();
        values["MARGIN_Storage__Prefix"] = "dev";
        var ex = Assert.Throws<ArgumentException>(() => MarginApp.Create(values, TimeProvider.System));
        Assert.Contains("Storage:Prefix", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_NoStorage_IsRefusedNamingTheSetting()
    {
        var values = Values();
        values.Remove("AzureWebJobsStorage");
        var ex = Assert.Throws<ArgumentException>(() => MarginApp.Create(values, TimeProvider.System));
        Assert.Contains("Storage:ConnectionString", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MARGIN_Functions__MaxRequestBytes", "many", "MaxRequestBytes")]
    [InlineData("MARGIN_Functions__Telemetry", "azuremonitor", "APPLICATIONINSIGHTS_CONNECTION_STRING")]
    public void Create_BadHandlerSetting_IsRefusedNamingIt(string name, string value, string named)
    {
        var values = Values();
        values[name] = value;
        var ex = Assert.Throws<ArgumentException>(() => MarginApp.Create(values, TimeProvider.System));
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }
}
