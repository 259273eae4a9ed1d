using System.Diagnostics;
using System.Diagnostics.Metrics;
using Margin.Sweep.Telemetry;
using Margin.Sweep.UseCases;
using Margin.Sweep.Work;

namespace Margin.Sweep.Tests.Telemetry;

/// <summary>ProcessShard's span (a child of its sweep's StartSweep span, through the work item's traceparent) and its metrics.</summary>
public sealed class ProcessShardTelemetryTests
{
    [Fact]
    public async Task ExecuteAsync_ItemsStartSweepEnqueued_AreChildSpansOfTheStartSweepSpan_OneTracePerSweep()
    {
        using var capture = TelemetryCapture.Start();
        var world = await SweepWorld.CreateAsync(400);
        var started = await world.Start().ExecuteAsync();
        Assert.Equal(StartDecision.Started, started.Decision);

        // Nothing ambient links the two: the StartSweep span has ended, and only the queued items can carry its context.
        Assert.Null(Activity.Current);
        var process = world.Process();
        foreach (var item in world.Queue.Enqueued)
        {
            await process.ExecuteAsync(item);
        }

        var start = Assert.Single(capture.Spans(SweepTelemetry.StartSweepSpan));
        var shards = capture.Spans(SweepTelemetry.ProcessShardSpan);
        Assert.Equal(world.Options.WorkItems, shards.Count);
        Assert.All(world.Queue.Enqueued, i => Assert.Equal(start.Id, i.TraceParent));
        Assert.All(shards, s =>
        {
            Assert.Equal(start.TraceId, s.TraceId);
            Assert.Equal(start.SpanId, s.ParentSpanId);
            Assert.Equal(start.Id, s.ParentId);
            Assert.Equal(ActivityKind.Consumer, s.Kind);
            Assert.Equal(started.Sweep!.SweepId, s.GetTagItem(SweepTelemetry.SweepIdTag));
            Assert.Equal(ActivityStatusCode.Unset, s.Status);
        });
        Assert.Equal(Enumerable.Range(0, world.Options.WorkItems).Cast<object>(), shards.Select(s => s.GetTagItem(SweepTelemetry.WorkItemTag)!).OrderBy(n => (int)n));

        // The stressed book liquidates: each publish is a child of the ProcessShard span that published.
        var publishes = capture.Spans(SweepTelemetry.PublishOrdersSpan);
        Assert.NotEmpty(publishes);
        Assert.All(publishes, p =>
        {
            Assert.Contains(shards, s => s.SpanId == p.ParentSpanId);
            Assert.Equal(start.TraceId, p.TraceId);
            Assert.Equal(ActivityKind.Producer, p.Kind);
        });
        Assert.Equal(world.Publisher.Published.Count, publishes.Sum(p => (int)p.GetTagItem(SweepTelemetry.OrderCountTag)!));
    }

    [Fact]
    public async Task ExecuteAsync_Metrics_AccountsPerStatusAddUpToTheItemsAccounts_OrdersEqualTheReceipts()
    {
        using var capture = TelemetryCapture.Start();
        var world = await SweepWorld.CreateAsync(500, decorate: accounts => new WithUnreadableAccount(accounts, "acct-unreadable"));
        await world.Start().ExecuteAsync();
        var process = world.Process();

        foreach (var item in world.Queue.Enqueued)
        {
            var before = capture.Measurements.Count;
            var outcome = await process.ExecuteAsync(item);
            var mine = capture.Measurements.Skip(before).ToList();

            var accounts = mine.Where(m => m.Instrument.Name == SweepTelemetry.AccountsMetric).ToList();
            Assert.Equal(outcome.Accounts, accounts.Sum(m => m.Value));
            foreach (var (status, count) in outcome.ByStatus)
            {
                Assert.Equal(count, accounts.Where(m => Equals(m.Tag(SweepTelemetry.StatusTag), status.ToString())).Sum(m => m.Value));
            }

            Assert.Equal(outcome.Failed, accounts.Where(m => Equals(m.Tag(SweepTelemetry.StatusTag), SweepTelemetry.FailedStatus)).Sum(m => m.Value));
            Assert.Equal(outcome.Orders, mine.Where(m => m.Instrument.Name == SweepTelemetry.OrdersCreatedMetric).Sum(m => m.Value));
            Assert.Equal(outcome.OrdersPublished, mine.Where(m => m.Instrument.Name == SweepTelemetry.OrdersPublishedMetric).Sum(m => m.Value));

            var duration = Assert.Single(mine, m => m.Instrument.Name == SweepTelemetry.WorkItemDurationMetric);
            Assert.Equal(outcome.Elapsed.TotalSeconds, duration.Value, 9);
            var throughput = Assert.Single(mine, m => m.Instrument.Name == SweepTelemetry.WorkItemThroughputMetric);
            Assert.Equal(outcome.Accounts / outcome.Elapsed.TotalSeconds, throughput.Value, 6);
        }

        // Over the sweep: every account once, the unreadable one as Failed, and the instruments as named.
        Assert.Equal(world.Book.Count + 1, capture.Sum(SweepTelemetry.AccountsMetric));
        Assert.Equal(1, capture.Sum(SweepTelemetry.AccountsMetric, SweepTelemetry.StatusTag, SweepTelemetry.FailedStatus));
        Assert.True(capture.Sum(SweepTelemetry.AccountsMetric, SweepTelemetry.StatusTag, "Liquidatable") > 0);
        Assert.Equal(world.Publisher.Published.Count, capture.Sum(SweepTelemetry.OrdersCreatedMetric));
        Assert.All(capture.Of(SweepTelemetry.AccountsMetric), m =>
        {
            Assert.IsType<Counter<long>>(m.Instrument);
            Assert.Equal("{account}", m.Instrument.Unit);
            Assert.Equal([SweepTelemetry.StatusTag], m.Tags.Select(t => t.Key));
        });
        Assert.All(capture.Of(SweepTelemetry.WorkItemDurationMetric), m => Assert.Equal(("s", typeof(Histogram<double>)), (m.Instrument.Unit, m.Instrument.GetType())));
        Assert.All(capture.Of(SweepTelemetry.WorkItemThroughputMetric), m => Assert.Equal(("{account}/s", typeof(Histogram<double>)), (m.Instrument.Unit, m.Instrument.GetType())));
        Assert.All(capture.Of(SweepTelemetry.OrdersCreatedMetric), m => Assert.Equal(("{order}", typeof(Counter<long>)), (m.Instrument.Unit, m.Instrument.GetType())));
    }

    [Fact]
    public async Task ExecuteAsync_AnItemDeliveredTwice_CountsItsAccountsAndOrdersOnce()
    {
        var world = await SweepWorld.CreateAsync(300);
        await world.Start().ExecuteAsync();
        var item = world.Queue.Enqueued[0];
        var process = world.Process();
        var first = await process.ExecuteAsync(item);
        using var capture = TelemetryCapture.Start();

        var again = await process.ExecuteAsync(item);

        Assert.Equal(again.Receipts.Count, again.PartitionsAlreadyDone);
        Assert.True(first.Accounts > 0);
        Assert.Empty(capture.Of(SweepTelemetry.AccountsMetric));
        Assert.Empty(capture.Of(SweepTelemetry.OrdersCreatedMetric));
        Assert.Empty(capture.Of(SweepTelemetry.WorkItemThroughputMetric));
        Assert.Single(capture.Of(SweepTelemetry.WorkItemDurationMetric));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not a trace context")]
    [InlineData("00-00000000000000000000000000000000-b7ad6b7169203331-01")]
    public async Task ExecuteAsync_NoOrAMalformedTraceParent_ProcessesTheItemInANewTrace(string? traceParent)
    {
        var world = await SweepWorld.CreateAsync(100);
        await world.Start().ExecuteAsync();
        using var capture = TelemetryCapture.Start();
        var item = world.Queue.Enqueued[1] with { TraceParent = traceParent };

        var outcome = await world.Process().ExecuteAsync(item);

        var span = Assert.Single(capture.Spans(SweepTelemetry.ProcessShardSpan));
        Assert.Equal(default, span.ParentSpanId);
        Assert.Null(span.ParentId);
        Assert.Equal(outcome.Accounts, capture.Sum(SweepTelemetry.AccountsMetric));
    }

    [Fact]
    public async Task ExecuteAsync_WithAHostSpanAround_ParentIsStillTheSweepAndTheHostSpanIsLinked()
    {
        var world = await SweepWorld.CreateAsync(100);
        using var capture = TelemetryCapture.Start();
        await world.Start().ExecuteAsync();
        var start = Assert.Single(capture.Spans(SweepTelemetry.StartSweepSpan));
        using var host = new Activity("host invocation").SetIdFormat(ActivityIdFormat.W3C).Start();

        await world.Process().ExecuteAsync(world.Queue.Enqueued[0]);

        var span = Assert.Single(capture.Spans(SweepTelemetry.ProcessShardSpan));
        Assert.Equal(start.SpanId, span.ParentSpanId);
        var link = Assert.Single(span.Links);
        Assert.Equal(host.SpanId, link.Context.SpanId);
    }

    [Fact]
    public async Task ExecuteAsync_ItsSweepIsNotStored_TheSpanFailsWithTheExceptionMessage()
    {
        var world = await SweepWorld.CreateAsync(10);
        using var capture = TelemetryCapture.Start();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => world.Process().ExecuteAsync(new WorkItem("sw-missing", "s1", "p1", 0, 1)));

        var span = Assert.Single(capture.Spans(SweepTelemetry.ProcessShardSpan));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(ex.Message, span.StatusDescription);
        Assert.Contains(span.Events, e => e.Name == "exception");
        Assert.Empty(capture.Of(SweepTelemetry.WorkItemDurationMetric));
    }
}
