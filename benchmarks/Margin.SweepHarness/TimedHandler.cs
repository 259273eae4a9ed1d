using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Margin.Testing.Functions;

namespace Margin.SweepHarness;

/// <summary>Times every invocation the queue trigger sends to the handler, reads the handler's own ProcessShard time from its answer, and says when the expected number of work items has succeeded.</summary>
/// <remarks>
/// The handler's first log line for a work item ends in "...; N ms": ProcessShard's own elapsed time
/// (<c>ShardOutcome.Elapsed</c>, the figure <c>margin sweep</c> reports per work item). The round trip less that is what
/// the HTTP hop and the handler's invocation plumbing (reading the host's JSON, decoding the work item, logging, writing
/// the answer) cost per invocation, at 1 ms resolution.
/// </remarks>
internal sealed partial class TimedHandler : ICustomHandler
{
    private readonly ICustomHandler _inner;
    private readonly Stopwatch _clock;
    private readonly int _expected;
    private readonly List<TimedInvocation> _invocations = [];
    private readonly TaskCompletionSource<double> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _successes;

    /// <param name="inner">The handler process.</param>
    /// <param name="clock">The drain's clock (started at the first receive).</param>
    /// <param name="expected">Successful invocations after which <see cref="AllSucceeded"/> completes.</param>
    public TimedHandler(ICustomHandler inner, Stopwatch clock, int expected)
    {
        _inner = inner;
        _clock = clock;
        _expected = expected;
    }

    /// <summary>Completes with the drain clock's seconds at the answer of the <c>expected</c>-th successful invocation.</summary>
    public Task<double> AllSucceeded => _done.Task;

    public bool HasExited => _inner.HasExited;

    public IReadOnlyList<TimedInvocation> Invocations()
    {
        lock (_invocations)
        {
            return [.. _invocations];
        }
    }

    public async Task<HandlerResponse> InvokeAsync(string functionName, string payloadJson, CancellationToken cancellationToken = default)
    {
        var start = _clock.Elapsed.TotalSeconds;
        var started = Stopwatch.GetTimestamp();
        var response = await _inner.InvokeAsync(functionName, payloadJson, cancellationToken).ConfigureAwait(false);
        var roundTrip = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var end = _clock.Elapsed.TotalSeconds;
        var (workItem, handlerMs) = FirstLog(response.Body);
        var invocation = new TimedInvocation(start, end, roundTrip, response.IsSuccessStatusCode, workItem, handlerMs, payloadJson.Length, response.Body.Length);
        lock (_invocations)
        {
            _invocations.Add(invocation);
        }

        if (response.IsSuccessStatusCode && Interlocked.Increment(ref _successes) == _expected)
        {
            _done.TrySetResult(end);
        }

        return response;
    }

    /// <summary>The work item and the "; N ms" at the end of the answer's first log line ("sweep S work item K: ...; N ms"), or nulls.</summary>
    private static (int? WorkItem, double? HandlerMs) FirstLog(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.TryGetProperty("Logs", out var logs) && logs.ValueKind == JsonValueKind.Array && logs.GetArrayLength() > 0
                && logs[0].GetString() is { } first)
            {
                var item = WorkItemNumber().Match(first) is { Success: true } w ? int.Parse(w.Groups[1].Value, CultureInfo.InvariantCulture) : (int?)null;
                var ms = ElapsedSuffix().Match(first) is { Success: true } m ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : (double?)null;
                return (item, ms);
            }
        }
        catch (JsonException)
        {
            // Not the handler's answer shape: no figure.
        }

        return (null, null);
    }

    /// <summary>The handler's own log line for a ProcessShard invocation: "ProcessShard invocation ID succeeded in N ms: sweep S work item K: ..." (its whole invocation, from reading the body to the answer).</summary>
    public static (int WorkItem, double InvocationMs)? InvocationLine(string line) =>
        SucceededLine().Match(line) is { Success: true } m
            ? (int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
            : null;

    [GeneratedRegex(@"work item (\d+):")]
    private static partial Regex WorkItemNumber();

    [GeneratedRegex(@"ProcessShard invocation \S+ succeeded in (\d+) ms: sweep \S+ work item (\d+):")]
    private static partial Regex SucceededLine();

    [GeneratedRegex(@"; (\d+) ms$")]
    private static partial Regex ElapsedSuffix();
}

/// <summary>One invocation: drain-clock seconds at send and answer, the round trip in ms, success, the work item and ProcessShard's own ms from the answer, request and answer sizes.</summary>
internal sealed record TimedInvocation(double StartSeconds, double EndSeconds, double RoundTripMs, bool Succeeded, int? WorkItem, double? HandlerMs, int RequestChars, int AnswerChars);
