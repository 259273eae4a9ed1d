namespace Margin.Testing.Functions;

/// <summary>How <see cref="HandlerProcess"/> starts, polls and stops the handler; the defaults are the Functions host's.</summary>
public sealed record HandlerProcessOptions
{
    /// <summary>Arguments after the executable (host.json <c>customHandler.description.arguments</c>; none by default).</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>How long readiness is polled before giving up: the host's <c>WorkerInitTimeoutSeconds</c>, 30 s.</summary>
    public TimeSpan ReadinessTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Between two readiness polls: the host's <c>WorkerReadyCheckPollingIntervalMilliseconds</c>, 25 ms.</summary>
    public TimeSpan ReadinessPollInterval { get; init; } = TimeSpan.FromMilliseconds(25);

    /// <summary>How long one invocation may take before the client gives up (host.json <c>functionTimeout</c>).</summary>
    public TimeSpan InvocationTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>After SIGTERM, how long <see cref="HandlerProcess.DisposeAsync"/> waits before SIGKILL.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How many output lines are kept (the oldest are dropped past this).</summary>
    public int MaxOutputLines { get; init; } = 20_000;
}
