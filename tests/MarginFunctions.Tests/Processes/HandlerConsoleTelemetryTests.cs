using System.Net;
using Margin.Infrastructure.Tests.Azurite;
using Margin.Testing.Functions;
using MarginFunctions.Tests.Packaging;

namespace MarginFunctions.Tests.Processes;

/// <summary>Without <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c>, the published handler writes its spans to the console (its standard output, which the host collects).</summary>
public sealed class HandlerConsoleTelemetryTests(PackagedFunctionApp app) : IClassFixture<PackagedFunctionApp>
{
    [Fact]
    public async Task StartSweep_WithoutAConnectionString_WritesItsSpansToTheConsole()
    {
        using var azurite = new AzuriteInstance();
        await using var handler = await HandlerProcess.StartPublishedAsync(app.AppRoot, new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["ServiceBusConnection"] = null,
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = null,
            ["MARGIN_Functions__Telemetry"] = null,
        });
        var response = await handler.InvokeAsync("StartSweep", HostPayloads.Timer("StartSweep", DateTimeOffset.UtcNow));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // The request span ends after its response is written: wait for it too.
        for (var i = 0; i < 100 && !(handler.Output().Contains("Activity.DisplayName:        StartSweep", StringComparison.Ordinal) && handler.Output().Contains("Activity.Kind:               Server", StringComparison.Ordinal)); i++)
        {
            await Task.Delay(50);
        }

        Assert.Contains("Activity.DisplayName:        StartSweep", handler.Output(), StringComparison.Ordinal);
        Assert.Contains("Activity.Kind:               Server", handler.Output(), StringComparison.Ordinal);
    }
}
