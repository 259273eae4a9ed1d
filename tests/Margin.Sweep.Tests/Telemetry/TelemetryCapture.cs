using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Margin.Sweep.Telemetry;

namespace Margin.Sweep.Tests.Telemetry;

/// <summary>The Margin.Sweep spans and measurements recorded in the current test's async flow, and in no other test's.</summary>
/// <remarks>
/// <para>The activity source and the instruments are static, and xUnit runs test classes in parallel in one process, so a
/// listener hears every test that runs a use case. Metrics carry no sweep id to filter on (it would make a time series per
/// sweep), so the capture is by async flow instead: one process-wide <see cref="ActivityListener"/> and
/// <see cref="MeterListener"/> (filtered to <see cref="SweepTelemetry.SourceName"/>) hand every stopped span and every
/// measurement to the capture in an <see cref="AsyncLocal{T}"/>. Their callbacks run synchronously on the thread that stops
/// the span or records the measurement, inside the use case's async flow, which inherited the test's execution context
/// (await, <c>Parallel.ForEachAsync</c> and <c>Task.Run</c> all carry it); a flow started by another test has another
/// (or no) capture.</para>
/// <para><see cref="Start"/> is synchronous, so the value it sets stays for the rest of the calling test method.</para>
/// </remarks>
public sealed class TelemetryCapture : IDisposable
{
    private static readonly AsyncLocal<TelemetryCapture?> s_current = new();
    private static readonly Lazy<(ActivityListener Activities, MeterListener Meters)> s_listeners = new(Listen);

    private readonly ConcurrentQueue<Activity> _activities = new();
    private readonly ConcurrentQueue<Recorded> _measurements = new();

    private TelemetryCapture()
    {
    }

    /// <summary>Spans stopped in this flow, in the order they stopped.</summary>
    public IReadOnlyList<Activity> Activities => [.. _activities];

    /// <summary>Measurements recorded in this flow, in order.</summary>
    public IReadOnlyList<Recorded> Measurements => [.. _measurements];

    /// <summary>Starts capturing in the calling flow.</summary>
    public static TelemetryCapture Start()
    {
        _ = s_listeners.Value;
        var capture = new TelemetryCapture();
        s_current.Value = capture;
        return capture;
    }

    /// <summary>The spans of a name.</summary>
    public IReadOnlyList<Activity> Spans(string name) => [.. _activities.Where(a => a.OperationName == name)];

    /// <summary>The measurements of an instrument.</summary>
    public IReadOnlyList<Recorded> Of(string instrument) => [.. _measurements.Where(m => m.Instrument.Name == instrument)];

    /// <summary>The sum of an instrument's measurements, optionally of those with one tag value.</summary>
    public double Sum(string instrument, string? tag = null, string? value = null) =>
        Of(instrument).Where(m => tag is null || Equals(m.Tag(tag), value)).Sum(m => m.Value);

    public void Dispose()
    {
        if (ReferenceEquals(s_current.Value, this))
        {
            s_current.Value = null;
        }
    }

    private static (ActivityListener, MeterListener) Listen()
    {
        var activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == SweepTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => s_current.Value?._activities.Enqueue(activity),
        };
        ActivitySource.AddActivityListener(activities);

        var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == SweepTelemetry.SourceName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        meters.Start();
        return (activities, meters);
    }

    private static void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        s_current.Value?._measurements.Enqueue(new Recorded(instrument, value, tags.ToArray()));

    /// <summary>One measurement, with its instrument (name, unit, kind) and tags.</summary>
    public sealed record Recorded(Instrument Instrument, double Value, IReadOnlyList<KeyValuePair<string, object?>> Tags)
    {
        public object? Tag(string key) => Tags.FirstOrDefault(t => t.Key == key).Value;
    }
}
