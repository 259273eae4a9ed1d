namespace Margin.Infrastructure.ServiceBus;

/// <summary>Reconnect delays: exponential backoff with full jitter between a minimum and a maximum.</summary>
/// <remarks>
/// Attempt n (1 for the first reconnect) waits a uniformly random time in [min, min(max, min * 2^(n-1))]: the ceiling doubles per
/// attempt up to the maximum, and the jitter spreads many processes that lost the same broker over the whole window
/// ("full jitter", AWS Architecture Blog, "Exponential Backoff And Jitter"), never under the minimum.
/// </remarks>
public sealed class ReconnectBackoff
{
    private readonly Func<double> _unit;

    /// <summary>Creates the backoff.</summary>
    /// <param name="min">The first delay's floor and ceiling.</param>
    /// <param name="max">The largest delay.</param>
    /// <param name="unit">A source of uniform numbers in [0, 1) (e.g. <c>Random.Shared.NextDouble</c>; a seeded one in tests).</param>
    public ReconnectBackoff(TimeSpan min, TimeSpan max, Func<double> unit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(min, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, min);
        Min = min;
        Max = max;
        _unit = unit ?? throw new ArgumentNullException(nameof(unit));
    }

    /// <summary>The minimum delay.</summary>
    public TimeSpan Min { get; }

    /// <summary>The maximum delay.</summary>
    public TimeSpan Max { get; }

    /// <summary>The ceiling of attempt <paramref name="attempt"/>: min(max, min * 2^(attempt-1)).</summary>
    /// <param name="attempt">1 for the first reconnect.</param>
    public TimeSpan Ceiling(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var doublings = Math.Min(attempt - 1, 40);
        var ticks = Min.Ticks * Math.Pow(2, doublings);
        return ticks >= Max.Ticks ? Max : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>The delay before attempt <paramref name="attempt"/>.</summary>
    /// <param name="attempt">1 for the first reconnect.</param>
    public TimeSpan Delay(int attempt)
    {
        var ceiling = Ceiling(attempt);
        var u = Math.Clamp(_unit(), 0.0, 1.0);
        return Min + TimeSpan.FromTicks((long)((ceiling - Min).Ticks * u));
    }
}
