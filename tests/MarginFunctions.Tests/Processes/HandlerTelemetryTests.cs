using System.Collections.Concurrent;
using System.IO.Compression;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using System.Text;
using Margin.Infrastructure.Tests.Azurite;
using Margin.Testing.Functions;
using MarginFunctions.Tests.Packaging;

namespace MarginFunctions.Tests.Processes;

/// <summary>With <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> set, the published handler exports to Azure Monitor's ingestion API (a loopback stand-in here).</summary>
public sealed class HandlerTelemetryTests(PackagedFunctionApp app) : IClassFixture<PackagedFunctionApp>
{
    private static Dictionary<string, string?> Settings(string storage) => new(StringComparer.Ordinal)
    {
        ["AzureWebJobsStorage"] = storage,
        ["ServiceBusConnection"] = null,
        ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = null,
        ["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] = null,
        ["MARGIN_Functions__Telemetry"] = null,
    };

    // What this proves: with APPLICATIONINSIGHTS_CONNECTION_STRING set, the handler's telemetry goes to that ingestion
    // endpoint with its instrumentation key and role, and log messages arrive formatted (the runbook's KQL filters on
    // them). Spans are asserted through the console exporter (HandlerConsoleTelemetryTests): here the request's spans
    // and logs reached the stand-in in manual runs and most test runs, but in some test runs only the start-up logs and
    // the metrics did, and the cause was not found (docs/observability.md says so).
    [Fact]
    public async Task Start_WithAnApplicationInsightsConnectionString_ExportsFormattedLogsToTheIngestionEndpoint()
    {
        using var azurite = new AzuriteInstance();
        await using var ingestion = await IngestionListener.StartAsync();
        var settings = Settings(azurite.ConnectionString);
        settings["APPLICATIONINSIGHTS_STATSBEAT_DISABLED"] = "true";
        settings["APPLICATIONINSIGHTS_CONNECTION_STRING"] = $"InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint={ingestion.Address}";
        await using var handler = await HandlerProcess.StartPublishedAsync(app.AppRoot, settings);

        string body;
        try
        {
            body = await ingestion.WaitForAsync(b => b.Contains("MarginFunctions listening on 127.0.0.1:" + handler.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException(ex.Message + Environment.NewLine + "handler output:" + Environment.NewLine + handler.Output(), ex);
        }

        Assert.Contains("\"iKey\":\"00000000-0000-0000-0000-000000000001\"", body, StringComparison.Ordinal);
        Assert.Contains("\"ai.cloud.role\":\"MarginFunctions\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("listening on 127.0.0.1:{Port}", body, StringComparison.Ordinal);
    }

    /// <summary>A loopback stand-in for Azure Monitor's ingestion endpoint (<c>POST /v2.1/track</c>, served by Kestrel): answers every batch with success and keeps the bodies.</summary>
    private sealed class IngestionListener : IAsyncDisposable
    {
        private readonly ConcurrentQueue<string> _bodies = new();
        private readonly WebApplication _app;

        private IngestionListener(WebApplication app) => _app = app;

        public string Address => _app.Urls.First() + "/";

        public static async Task<IngestionListener> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var listener = new IngestionListener(app);
            app.MapPost("/v2.1/track", async (HttpContext context) =>
            {
                Stream input = context.Request.Body;
                if (string.Equals(context.Request.Headers.ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase))
                {
                    input = new GZipStream(input, CompressionMode.Decompress);
                }

                using var reader = new StreamReader(input, Encoding.UTF8);
                var text = await reader.ReadToEndAsync();
                listener._bodies.Enqueue(text);
                var count = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
                return Results.Text($$"""{"itemsReceived":{{count}},"itemsAccepted":{{count}},"errors":[]}""", "application/json");
            });
            await app.StartAsync();
            return listener;
        }

        public string All() => string.Join('\n', _bodies);

        public async Task<string> WaitForAsync(Func<string, bool> match, TimeSpan timeout)
        {
            var until = DateTime.UtcNow + timeout;
            while (DateTime.UtcNow < until)
            {
                if (_bodies.FirstOrDefault(match) is { } body)
                {
                    return body;
                }

                await Task.Delay(100);
            }

            throw new TimeoutException($"no matching telemetry within {timeout}; received {_bodies.Count} request(s):{Environment.NewLine}{All()}");
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
