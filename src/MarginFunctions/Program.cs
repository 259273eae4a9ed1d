using System.Globalization;
using Margin.Infrastructure.Composition;
using MarginFunctions.Functions;
using MarginFunctions.Hosting;
using MarginFunctions.Http;

// The Azure Functions custom handler: the host starts this executable, waits until 127.0.0.1:%FUNCTIONS_CUSTOMHANDLER_PORT%
// answers (GET /, polled for 30 s), and then POSTs one request per invocation (ARCHITECTURE.md "Hosting").
var environment = MarginConfiguration.ProcessEnvironment();
var port = HandlerPort.From(environment);
MarginApp app;
try
{
    if (port.Problem is { } problem)
    {
        throw new ArgumentException(problem);
    }

    app = MarginApp.Create(environment, TimeProvider.System);
}
catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException or IOException)
{
    // The host shows the handler's output in its log: say what is wrong and exit, rather than answer every invocation with it.
    await Console.Error.WriteLineAsync($"MarginFunctions cannot start: {ex.Message}").ConfigureAwait(false);
    return 2;
}

await using (app.ConfigureAwait(false))
{
    WebApplication web;
    try
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(System.Net.IPAddress.Loopback, port.Port);
            kestrel.Limits.MaxRequestBodySize = app.Functions.MaxRequestBytes;
        });

        // One line per invocation comes from the handler itself; ASP.NET Core's per-request lines would double the host's log.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.AddSingleton(app);
        Telemetry.Add(builder, app.Functions, environment);
        web = builder.Build();
    }
    catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException)
    {
        // A malformed APPLICATIONINSIGHTS_CONNECTION_STRING, for one, is found when the exporters are built.
        await Console.Error.WriteLineAsync($"MarginFunctions cannot start: {ex.Message}").ConfigureAwait(false);
        return 2;
    }

    // Readiness: any answer counts for the host; this one says what it is.
    web.MapGet("/", () => Results.Text("MarginFunctions custom handler", "text/plain"));
    TriggerFunctions.Map(web);
    HttpApi.Map(web);
    var logger = web.Services.GetRequiredService<ILoggerFactory>().CreateLogger("MarginFunctions");
    web.Lifetime.ApplicationStarted.Register(() => Log.Started(logger, port.Port, app.OracleSourceCount, app.Bus is null ? "not configured (orders stay in the outbox)" : $"{app.Bus.Namespace}"));
    await web.RunAsync().ConfigureAwait(false);
    return 0;
}

/// <summary>The port the host gave the handler.</summary>
internal readonly record struct HandlerPort(int Port, string? Problem)
{
    /// <summary>From <c>FUNCTIONS_CUSTOMHANDLER_PORT</c> (or the older <c>FUNCTIONS_HTTPWORKER_PORT</c>).</summary>
    public static HandlerPort From(IReadOnlyDictionary<string, string?> environment)
    {
        var text = environment.GetValueOrDefault("FUNCTIONS_CUSTOMHANDLER_PORT") ?? environment.GetValueOrDefault("FUNCTIONS_HTTPWORKER_PORT");
        if (string.IsNullOrWhiteSpace(text))
        {
            return new HandlerPort(0, "FUNCTIONS_CUSTOMHANDLER_PORT is not set: the Functions host sets it; to run the handler on its own, set it to a free port");
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? new HandlerPort(port, null)
            : new HandlerPort(0, $"FUNCTIONS_CUSTOMHANDLER_PORT must be a TCP port from 1 to 65535 (got '{text}')");
    }
}
