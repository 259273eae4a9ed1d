using System.Net;
using System.Text.Json;
using Margin.Infrastructure.Tests.Azurite;
using Margin.Testing.Functions;
using MarginFunctions.Tests.Packaging;

namespace MarginFunctions.Tests.Processes;

/// <summary>The published handler with settings the host could give it: bad ones stop it with a clear line; an unreachable Service Bus shows in its health.</summary>
public sealed class HandlerStartupTests(PackagedFunctionApp app) : IClassFixture<PackagedFunctionApp>
{
    [Theory]
    [InlineData("AzureWebJobsStorage", "not a connection string", "cannot start")]
    [InlineData("MARGIN_Storage__Partitions", "0", "Storage:Partitions")]
    [InlineData("MARGIN_Functions__MaxRequestBytes", "lots", "MaxRequestBytes")]
    [InlineData("APPLICATIONINSIGHTS_CONNECTION_STRING", "IngestionEndpoint=https://example.invalid/", "cannot start")]
    public async Task Start_BadSetting_ExitsSayingWhatIsWrong(string name, string value, string expected)
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["ServiceBusConnection"] = null,
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = null,
            [name] = value,
        };
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => HandlerProcess.StartPublishedAsync(app.AppRoot, settings));
        Assert.Contains("MarginFunctions cannot start", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_ServiceBusUnreachable_Is503NamingTheCheck()
    {
        using var azurite = new AzuriteInstance();
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            // Port 9 on loopback: nothing listens there, so the connection is refused at once.
            ["ServiceBusConnection"] = "Endpoint=sb://127.0.0.1:9/;SharedAccessKeyName=k;SharedAccessKey=c2VjcmV0;UseDevelopmentEmulator=true",
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = null,
            ["MARGIN_Functions__Telemetry"] = "none",
        };
        await using var handler = await HandlerProcess.StartPublishedAsync(app.AppRoot, settings);
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/health");
        using var response = await handler.SendAsync(request);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var checks = body.RootElement.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c);
        Assert.False(checks["serviceBus"].GetProperty("healthy").GetBoolean());
        Assert.DoesNotContain("c2VjcmV0", checks["serviceBus"].GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(checks["storage"].GetProperty("healthy").GetBoolean());
        Assert.False(body.RootElement.GetProperty("healthy").GetBoolean());
    }
}
