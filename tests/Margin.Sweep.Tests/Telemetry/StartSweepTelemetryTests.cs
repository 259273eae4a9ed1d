using System.Diagnostics;
using System.Diagnostics.Metrics;
using Margin.Sweep.Telemetry;
using Margin.Sweep.UseCases;
using Margin.Sweep.Work;

namespace Margin.Sweep.Tests.Telemetry;

/// <summary>StartSweep's span, the trace context it gives the work items, and the previous sweep's overrun or duration.</summary>
public sealed class StartSweepTelemetryTests
{
    private const string Previous = "sw-s20261130T235500000Z";

    // The previous sweep, started 5 minutes before the world's clock, with its deadline 10 minutes after its start.
    private static async Task<SweepRecord> PreviousSweepAsync(SweepWorld world, params double[] doneAfterSeconds)
    {
        var startedAt = world.Time.Now.AddMinutes(-5);
        var (sweep, _) = await world.Stores.Sweeps.CreateOrGetAsync(new SweepRecord(Previous, "s20261130T235500000Z", DemoVersion, startedAt, startedAt + world.Options.Deadline, 4, NoLiquidation: false, 8, startedAt));
        await world.Stores.Sweeps.SetLatestAsync(sweep.SweepId);
        for (var k = 0; k < doneAfterSeconds.Length; k++)
        {
            await world.Stores.Sweeps.MarkDoneAsync(sweep.SweepId, k, startedAt.AddSeconds(doneAfterSeconds[k]));
        }

        return sweep;
    }

    private static string DemoVersion => Support.DemoMarket.Parameters.Version;

    [Fact]
    public async Task ExecuteAsync_Started_TheSpanNamesTheSweep_AndEveryWorkItemCarriesItsTraceParent()
    {
        var world = await SweepWorld.CreateAsync(50);
        using var capture = TelemetryCapture.Start();

        var outcome = await world.Start().ExecuteAsync();

        var span = Assert.Single(capture.Spans(SweepTelemetry.StartSweepSpan));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        Assert.Equal(outcome.Sweep!.SweepId, span.GetTagItem(SweepTelemetry.SweepIdTag));
        Assert.Equal(SweepWorld.SnapshotId, span.GetTagItem(SweepTelemetry.SnapshotIdTag));
        Assert.Equal(DemoVersion, span.GetTagItem(SweepTelemetry.ParamsVersionTag));
        Assert.Equal(world.Options.WorkItems, span.GetTagItem(SweepTelemetry.WorkItemCountTag));
        Assert.Equal(nameof(StartDecision.Started), span.GetTagItem("margin.start.decision"));
        Assert.Equal(world.Options.WorkItems, world.Queue.Enqueued.Count);
        Assert.All(world.Queue.Enqueued, i =>
        {
            Assert.Equal(span.Id, i.TraceParent);
            Assert.True(ActivityContext.TryParse(i.TraceParent, null, out var context));
            Assert.Equal(span.SpanId, context.SpanId);
        });

        // The items are the sweep's ranges whatever they carry.
        Assert.Equal(StartSweep.WorkItemsOf(outcome.Sweep), world.Queue.Enqueued.Select(i => i with { TraceParent = null }));
    }

    [Fact]
    public async Task ExecuteAsync_PreviousSweepUnfinishedPastItsDeadline_CountsOneOverrunAndStarts()
    {
        var world = await SweepWorld.CreateAsync(10);
        await PreviousSweepAsync(world, 40, 50);
        world.Time.Now = world.Time.Now.AddMinutes(6); // the previous sweep's deadline has passed
        using var capture = TelemetryCapture.Start();

        var outcome = await world.Start().ExecuteAsync();

        Assert.Equal(StartDecision.Started, outcome.Decision);
        var overrun = Assert.Single(capture.Of(SweepTelemetry.SweepOverrunsMetric));
        Assert.Equal(1, overrun.Value);
        Assert.IsType<Counter<long>>(overrun.Instrument);
        Assert.Equal("{sweep}", overrun.Instrument.Unit);
        Assert.Empty(capture.Of(SweepTelemetry.SweepDurationMetric));
        var span = Assert.Single(capture.Spans(SweepTelemetry.StartSweepSpan));
        Assert.Contains(span.Events, e => e.Name == "margin.sweep.overrun" && Equals(e.Tags.Single().Value, Previous));

        // The next start looks at the new sweep, not the overrun one again.
        world.Time.Now = world.Time.Now.AddMinutes(1);
        await world.Start().ExecuteAsync();
        Assert.Single(capture.Of(SweepTelemetry.SweepOverrunsMetric));
    }

    [Fact]
    public async Task ExecuteAsync_PreviousSweepUnfinishedWithinItsDeadline_BusyAndRecordsNothing()
    {
        var world = await SweepWorld.CreateAsync(10);
        await PreviousSweepAsync(world, 40, 50, 60);
        using var capture = TelemetryCapture.Start();

        var outcome = await world.Start().ExecuteAsync();

        Assert.Equal(StartDecision.Busy, outcome.Decision);
        Assert.Empty(capture.Measurements);
        Assert.Empty(world.Queue.Enqueued);
        Assert.Equal(nameof(StartDecision.Busy), Assert.Single(capture.Spans(SweepTelemetry.StartSweepSpan)).GetTagItem("margin.start.decision"));
    }

    [Fact]
    public async Task ExecuteAsync_PreviousSweepComplete_RecordsItsDurationToItsLastCompletionMarker()
    {
        var world = await SweepWorld.CreateAsync(10);
        await PreviousSweepAsync(world, 40, 75.5, 12, 61);
        using var capture = TelemetryCapture.Start();

        var outcome = await world.Start().ExecuteAsync();

        Assert.Equal(StartDecision.Started, outcome.Decision);
        var duration = Assert.Single(capture.Of(SweepTelemetry.SweepDurationMetric));
        Assert.Equal(75.5, duration.Value, 9);
        Assert.IsType<Histogram<double>>(duration.Instrument);
        Assert.Equal("s", duration.Instrument.Unit);
        Assert.Empty(capture.Of(SweepTelemetry.SweepOverrunsMetric));
    }

    [Fact]
    public async Task ExecuteAsync_TheSweepWasAlreadyStarted_RecordsNoDurationAgain()
    {
        var world = await SweepWorld.CreateAsync(10);
        await PreviousSweepAsync(world, 40, 75.5, 12, 61);
        await world.Start().ExecuteAsync();
        using var capture = TelemetryCapture.Start();

        var outcome = await world.Start().ExecuteAsync();

        Assert.Equal(StartDecision.AlreadyStarted, outcome.Decision);
        Assert.Empty(capture.Measurements);
    }

    [Fact]
    public async Task ExecuteAsync_TheStoreFails_TheSpanFailsWithTheMessage()
    {
        var world = await SweepWorld.CreateAsync(10);
        await world.Stores.Snapshots.SetLatestAsync("s-not-stored");
        using var capture = TelemetryCapture.Start();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => world.Start().ExecuteAsync());

        var span = Assert.Single(capture.Spans(SweepTelemetry.StartSweepSpan));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(ex.Message, span.StatusDescription);
    }
}
