using System.Diagnostics;
using System.Diagnostics.Metrics;
using Margin.Sweep.Orders;
using Margin.Sweep.Ports;
using Margin.Sweep.Telemetry;
using Margin.Sweep.Tests.Support;
using Margin.Sweep.UseCases;

namespace Margin.Sweep.Tests.Telemetry;

/// <summary>RelayOutbox's span and the margin.outbox.backlog gauge.</summary>
public sealed class RelayOutboxTelemetryTests
{
    private static async Task<ContractSweep> OutboxFullAsync() =>
        await ContractSweep.RunAsync(400, seed: 5, ContractSweep.Stressed, partitions: 4, OutboxOnlyPublisher.Instance);

    private static RelayOutbox Relay(ContractSweep run, IOrderPublisher publisher) =>
        new(run.Stores.Margin, publisher, new MarginModelCache(run.Stores.Snapshots, run.Stores.Parameters), run.Time);

    [Fact]
    public async Task ExecuteAsync_RecordsThePendingOrdersAsTheBacklog_AndPublishesUnderItsSpan()
    {
        var run = await OutboxFullAsync();
        var pending = (await run.Stores.Margin.ReadOrdersAsync(unsentOnly: true).ToListAsync()).Count;
        Assert.True(pending > 0, "the stressed book should leave orders in the outbox");
        var publisher = new CapturingPublisher();
        using var capture = TelemetryCapture.Start();

        var outcome = await Relay(run, publisher).ExecuteAsync();

        var backlog = Assert.Single(capture.Of(SweepTelemetry.OutboxBacklogMetric));
        Assert.Equal(pending, backlog.Value);
        Assert.Equal(outcome.Pending, backlog.Value);
        Assert.IsType<Gauge<long>>(backlog.Instrument);
        Assert.Equal("{order}", backlog.Instrument.Unit);

        var relay = Assert.Single(capture.Spans(SweepTelemetry.RelayOutboxSpan));
        var publishes = capture.Spans(SweepTelemetry.PublishOrdersSpan);
        Assert.NotEmpty(publishes);
        Assert.All(publishes, p => Assert.Equal(relay.SpanId, p.ParentSpanId));
        Assert.Equal(pending, capture.Sum(SweepTelemetry.OrdersPublishedMetric));
        Assert.Equal(pending, relay.GetTagItem("margin.orders.sent"));
    }

    [Fact]
    public async Task ExecuteAsync_NothingPending_RecordsABacklogOfZero()
    {
        var run = await ContractSweep.RunAsync(100, seed: 5, ContractSweep.Stressed, partitions: 4);
        using var capture = TelemetryCapture.Start();

        await Relay(run, new CapturingPublisher()).ExecuteAsync();

        Assert.Equal(0, Assert.Single(capture.Of(SweepTelemetry.OutboxBacklogMetric)).Value);
        Assert.Empty(capture.Spans(SweepTelemetry.PublishOrdersSpan));
    }

    [Fact]
    public async Task ExecuteAsync_NoBrokerConfigured_StillRecordsTheBacklog()
    {
        var run = await OutboxFullAsync();
        using var capture = TelemetryCapture.Start();

        var outcome = await Relay(run, OutboxOnlyPublisher.Instance).ExecuteAsync();

        Assert.True(outcome.Pending > 0);
        Assert.Equal(outcome.Pending, Assert.Single(capture.Of(SweepTelemetry.OutboxBacklogMetric)).Value);
    }

    [Fact]
    public async Task ExecuteAsync_BrokerUnreachable_TheSpanFailsWithTheMessage()
    {
        var run = await OutboxFullAsync();
        using var capture = TelemetryCapture.Start();

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => Relay(run, new UnreachablePublisher()).ExecuteAsync());

        var relay = Assert.Single(capture.Spans(SweepTelemetry.RelayOutboxSpan));
        Assert.Equal(ActivityStatusCode.Error, relay.Status);
        Assert.Equal(ex.Message, relay.StatusDescription);
    }

    private sealed class UnreachablePublisher : IOrderPublisher
    {
        public bool IsConfigured => true;

        public Task PublishAsync(IReadOnlyList<StoredOrder> orders, CancellationToken cancellationToken = default) => throw new TimeoutException("the broker did not answer");
    }
}
