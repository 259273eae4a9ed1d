using MarginFunctions.Hosting;

namespace MarginFunctions.Tests.Hosting;

public sealed class TelemetryTests
{
    [Theory]
    [InlineData("auto", null, "console")]
    [InlineData("auto", "", "console")]
    [InlineData("auto", "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://example.invalid/", "azuremonitor")]
    [InlineData("console", "InstrumentationKey=x", "console")]
    [InlineData("None", "InstrumentationKey=x", "none")]
    [InlineData("AzureMonitor", null, "azuremonitor")]
    public void ExporterFor_SettingAndConnectionString_Chooses(string configured, string? connectionString, string expected) =>
        Assert.Equal(expected, Telemetry.ExporterFor(configured, connectionString));
}
