using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Margin.Infrastructure.Tests.Azurite;
using Margin.Testing.Functions;
using MarginFunctions.Tests.Packaging;

namespace MarginFunctions.Tests.Processes;

/// <summary>The published handler exports its spans: to Azure Monitor's ingestion API when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set (here a loopback listener stands in for the ingestion endpoint), to the console otherwise.</summary>
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

    [Fact]
    public async Task StartSweep_WithAnApplicationInsightsConnectionString_ExportsItsSpansToTheIngestionEndpoint()
    {
        using var azurite = new AzuriteInstance();
        using var ingestion = new IngestionListener();
        var settings = Settings(azurite.ConnectionString);
        settings["APPLICATIONINSIGHTS_CONNECTION_STRING"] = $"InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint={ingestion.Address}";
        await using var handler = await HandlerProcess.StartPublishedAsync(app.AppRoot, settings);

        var response = await handler.InvokeAsync("StartSweep", HostPayloads.Timer("StartSweep", DateTimeOffset.UtcNow));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // The exporter sends in batches (every few seconds); the StartSweep use case's span and the handler's invocation span arrive.
        var body = await ingestion.WaitForAsync(b => b.Contains("\"StartSweep\"", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        Assert.Contains("00000000-0000-0000-0000-000000000001", body, StringComparison.Ordinal);
        Assert.Contains("faas.invocation_id", ingestion.All(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartSweep_WithoutAConnectionString_WritesItsSpansToTheConsole()
    {
        using var azurite = new AzuriteInstance();
        await using var handler = await HandlerProcess.StartPublishedAsync(app.AppRoot, Settings(azurite.ConnectionString));
        var response = await handler.InvokeAsync("StartSweep", HostPayloads.Timer("StartSweep", DateTimeOffset.UtcNow));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        for (var i = 0; i < 100 && !handler.Output().Contains("Activity.DisplayName:        StartSweep", StringComparison.Ordinal); i++)
        {
            await Task.Delay(50);
        }

        Assert.Contains("Activity.DisplayName:        StartSweep", handler.Output(), StringComparison.Ordinal);
        Assert.Contains("Activity.Kind:               Server", handler.Output(), StringComparison.Ordinal);
    }

    /// <summary>A loopback HTTP listener that answers Azure Monitor's track API (<c>POST /v2.1/track</c>) with success and keeps the bodies.</summary>
    private sealed class IngestionListener : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly ConcurrentQueue<string> _bodies = new();
        private readonly Task _loop;

        public IngestionListener()
        {
            var port = FreePort();
            Address = $"http://127.0.0.1:{port}/";
            _listener.Prefixes.Add(Address);
            _listener.Start();
            _loop = Task.Run(LoopAsync);
        }

        public string Address { get; }

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

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                Stream input = context.Request.InputStream;
                if (string.Equals(context.Request.Headers["Content-Encoding"], "gzip", StringComparison.OrdinalIgnoreCase))
                {
                    input = new GZipStream(input, CompressionMode.Decompress);
                }

                using (var reader = new StreamReader(input, Encoding.UTF8))
                {
                    _bodies.Enqueue(await reader.ReadToEndAsync());
                }

                var count = _bodies.Last().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
                var answer = Encoding.UTF8.GetBytes($$"""{"itemsReceived":{{count}},"itemsAccepted":{{count}},"errors":[]}""");
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(answer);
                context.Response.Close();
            }
        }

        private static int FreePort()
        {
            using var socket = new TcpListener(IPAddress.Loopback, 0);
            socket.Start();
            return ((IPEndPoint)socket.LocalEndpoint).Port;
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
    }
}
