using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Margin.Sweep.Telemetry;
using MarginFunctions.Functions;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace MarginFunctions.Hosting;

/// <summary>OpenTelemetry for the handler: the use cases' and the handler's spans and metrics (docs/observability.md), to Azure Monitor when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set, else to the console.</summary>
internal static class Telemetry
{
    /// <summary>The app setting with the Application Insights connection string.</summary>
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>The app setting that turns on Entra ID authentication for ingestion (<c>Authorization=AAD</c>, with <c>ClientId=</c> for a user-assigned identity).</summary>
    public const string AuthenticationSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    /// <summary>Where telemetry goes for these settings: <c>azuremonitor</c>, <c>console</c> or <c>none</c>.</summary>
    public static string ExporterFor(string configured, string? connectionString) => configured.ToUpperInvariant() switch
    {
        "AUTO" => string.IsNullOrWhiteSpace(connectionString) ? "console" : "azuremonitor",
        var other => other.ToLowerInvariant(),
    };

    /// <summary>Adds the providers to the app's services.</summary>
    public static void Add(WebApplicationBuilder builder, FunctionsOptions options, IReadOnlyDictionary<string, string?> environment)
    {
        var connectionString = environment.GetValueOrDefault(ConnectionStringSetting);
        var exporter = ExporterFor(options.Telemetry, connectionString);
        if (exporter == "none")
        {
            return;
        }

        var credential = Credential(environment.GetValueOrDefault(AuthenticationSetting));
        void Monitor(AzureMonitorExporterOptions o)
        {
            o.ConnectionString = connectionString;
            o.Credential = credential;
        }

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("MarginFunctions", serviceInstanceId: Environment.MachineName))
            .WithTracing(t =>
            {
                // The request span (ASP.NET Core's, continuing the host's traceparent) is the parent of the invocation's span;
                // without it recorded, the parent-based sampler would drop every span under an unrecorded request activity.
                t.AddAspNetCoreInstrumentation(o => o.Filter = context => context.Request.Path != "/");

                // Every invocation is recorded, whatever the caller's traceparent says: a host that sampled its own span out
                // would otherwise drop ours and, with the Azure Monitor exporter, the invocation's logs (errors included).
                // The volume is a few spans per invocation; thin it at ingestion if needed, not here.
                t.SetSampler(new AlwaysOnSampler());
                t.AddSource(SweepTelemetry.SourceName, Invocation.TelemetryName);
                if (exporter == "azuremonitor")
                {
                    t.AddAzureMonitorTraceExporter(Monitor);
                }
                else
                {
                    t.AddConsoleExporter();
                }
            })
            .WithMetrics(m =>
            {
                m.AddMeter(SweepTelemetry.SourceName, Invocation.TelemetryName);
                if (exporter == "azuremonitor")
                {
                    m.AddAzureMonitorMetricExporter(Monitor);
                }
                else
                {
                    m.AddConsoleExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 60_000);
                }
            });
        if (exporter == "azuremonitor")
        {
            // Logs go to Application Insights through the same exporter; on the console they are already printed.
            // Formatted messages, so that AppTraces.Message reads as the console does (KQL in docs/runbook.md filters on it);
            // the console keeps warnings and errors only, since the host collects the handler's output as well.
            otel.WithLogging(l => l.AddAzureMonitorLogExporter(Monitor), o => o.IncludeFormattedMessage = true);
            builder.Logging.AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>(null, LogLevel.Warning);
        }
    }

    // "Authorization=AAD" (system-assigned identity) or "ClientId=<id>;Authorization=AAD" (user-assigned); none: the connection string's key.
    private static ManagedIdentityCredential? Credential(string? authentication)
    {
        if (string.IsNullOrWhiteSpace(authentication) || !authentication.Contains("Authorization=AAD", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var clientId = authentication.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2))
            .FirstOrDefault(kv => kv.Length == 2 && kv[0].Equals("ClientId", StringComparison.OrdinalIgnoreCase))?[1];
        return clientId is null ? new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned) : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
    }
}
