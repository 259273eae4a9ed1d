using System.Diagnostics;
using System.Diagnostics.Metrics;
using MarginFunctions.Hosting;
using MarginFunctions.Invocations;

namespace MarginFunctions.Functions;

/// <summary>What every non-HTTP function does around its use case: read the host's payload, time it, log it, and answer 200 or 500.</summary>
internal static class Invocation
{
    /// <summary>The handler's telemetry name (ActivitySource and Meter).</summary>
    public const string TelemetryName = "MarginFunctions";

    private static readonly Meter s_meter = new(TelemetryName);
    private static readonly Counter<long> s_failures = s_meter.CreateCounter<long>("margin.handler.failures", "{invocation}", "Function invocations the handler answered with a failure (the host retries or dead-letters them)");

    /// <summary>The handler's activity source (one span per invocation).</summary>
    public static readonly ActivitySource Source = new(TelemetryName);

    /// <summary>Runs one function invocation.</summary>
    /// <param name="context">The host's request.</param>
    /// <param name="function">The function's name (its folder).</param>
    /// <param name="run">The function: returns the lines for the host's log; throws on a failure the host should retry.</param>
    public static async Task<IResult> RunAsync(HttpContext context, string function, Func<MarginApp, HostInvocation, ILogger, CancellationToken, Task<IReadOnlyList<string>>> run)
    {
        var app = context.RequestServices.GetRequiredService<MarginApp>();
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(function);
        var invocationId = context.Request.Headers["X-Azure-Functions-InvocationId"].ToString() is { Length: > 0 } id ? id : null;
        var started = Stopwatch.GetTimestamp();
        using var activity = Source.StartActivity(function, ActivityKind.Internal);
        activity?.SetTag("faas.invocation_id", invocationId);
        activity?.SetTag("faas.name", function);
        var (invocation, problem) = await HostInvocation.ReadAsync(context.Request.Body, context.RequestAborted).ConfigureAwait(false);
        if (invocation is null)
        {
            return Fail(logger, activity, null, function, invocationId, started, problem!);
        }

        using (invocation)
        {
            try
            {
                var logs = await run(app, invocation, logger, context.RequestAborted).ConfigureAwait(false);
                var elapsedMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                var summary = string.Join(" | ", logs);
                Log.Succeeded(logger, function, invocationId, elapsedMs, summary);
                return InvocationResult.Success([.. logs]);
            }
            catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested)
            {
                return Fail(logger, activity, ex, function, invocationId, started, $"{ex.GetType().Name}: {ex.Message}");
            }
        }
    }

    private static IResult Fail(ILogger logger, Activity? activity, Exception? exception, string function, string? invocationId, long started, string problem)
    {
        s_failures.Add(1, new KeyValuePair<string, object?>("margin.function", function));
        activity?.SetStatus(ActivityStatusCode.Error, problem);
        if (exception is not null)
        {
            activity?.AddException(exception);
        }

        // The exception is on the span; the log line carries its type and message, so it stays a trace row (AppTraces).
        Log.Failed(logger, function, invocationId, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds, problem);
        return InvocationResult.Failure($"{function} failed: {problem}");
    }
}
