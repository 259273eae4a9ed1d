using System.Collections.Immutable;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Margin.Engine.Results;
using Margin.Sweep.Options;
using Margin.Sweep.Orders;
using Margin.Sweep.Ports;
using Margin.Sweep.Results;
using Margin.Sweep.Telemetry;
using Margin.Sweep.Tests.Support;
using Margin.Sweep.Tests.UseCases;
using Margin.Sweep.UseCases;

namespace Margin.Sweep.Tests.Telemetry;

/// <summary>margin.poison counts the messages ConsumeLiquidationEvents dead-letters; each applied event is a RecordLiquidationEvent span.</summary>
public sealed class ConsumeLiquidationEventsTelemetryTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly ConsumeEventsOptions Drain = new() { MaxPerBatch = 10, MaxWait = TimeSpan.FromSeconds(1) };

    private readonly InMemoryEventInbox _inbox = new();
    private readonly InMemoryMarginStore _store = new InMemoryStores(4).Margin;
    private readonly ConsumeLiquidationEvents _consume;
    private readonly string _orderId = OrderIds.For("acct-1", 1);

    public ConsumeLiquidationEventsTelemetryTests()
    {
        _consume = new ConsumeLiquidationEvents(_inbox, new RecordLiquidationEvent(_store, new SweepOptions(), new ManualTime(Now)));
        var result = new StoredResult
        {
            AccountId = "acct-1",
            AccountVersion = 7,
            SweepId = "sw-1",
            SnapshotId = "snap-1",
            SnapshotAsOf = Now.AddMinutes(-1),
            ParamsVersion = "p1",
            EvaluatedAt = Now.AddMinutes(-1),
            Status = MarginStatus.Liquidatable,
            Flags = MarginFlags.LiquidationInFlight,
            Episode = 1,
            OpenOrderId = _orderId,
        };
        var order = new StoredOrder(_orderId, "acct-1", 1, "sw-1", OrderState.Open, Sent: true, Now.AddMinutes(-1), Now.AddMinutes(14), Now.AddMinutes(-1), Now.AddMinutes(-1), "{}");
        _store.CommitAsync(new MarginPartitionWrite(_store.PartitionOf("acct-1"), [result], [order], Receipt: null)).GetAwaiter().GetResult();
    }

    private static string Event(string orderId, OrderState state) =>
        LiquidationEventJson.Write(new LiquidationEvent(LiquidationEvent.SchemaVersion, orderId, "acct-1", state, Now, ImmutableArray<FilledLeg>.Empty));

    [Fact]
    public async Task ExecuteAsync_DeadLettersAMalformedAndAnUnknownOrderEvent_CountsTwoPoisonOnTheEventsQueue()
    {
        _inbox.Send("{not json");
        _inbox.Send(Event("ord-nobody", OrderState.Accepted));
        _inbox.Send(Event(_orderId, OrderState.Accepted));
        using var capture = TelemetryCapture.Start();

        var outcome = await _consume.ExecuteAsync(Drain);

        Assert.Equal(2, outcome.DeadLettered);
        var poison = capture.Of(SweepTelemetry.PoisonMetric);
        Assert.Equal(2, poison.Sum(m => m.Value));
        Assert.All(poison, m =>
        {
            Assert.Equal(SweepTelemetry.EventsQueue, m.Tag(SweepTelemetry.QueueTag));
            Assert.IsType<Counter<long>>(m.Instrument);
            Assert.Equal("{message}", m.Instrument.Unit);
        });

        // The two events that were read are each a RecordLiquidationEvent span with the order and the state.
        var spans = capture.Spans(SweepTelemetry.RecordLiquidationEventSpan);
        Assert.Equal(["ord-nobody", _orderId], spans.Select(s => s.GetTagItem(SweepTelemetry.OrderIdTag)));
        Assert.All(spans, s => Assert.Equal(nameof(OrderState.Accepted), s.GetTagItem(SweepTelemetry.OrderStateTag)));
        Assert.Equal([nameof(EventOutcome.UnknownOrder), nameof(EventOutcome.Applied)], spans.Select(s => s.GetTagItem("margin.event.outcome")));
    }

    [Fact]
    public async Task HandleAsync_TheDeadLetterFails_CountsNoPoison()
    {
        _inbox.Send("{not json");
        _inbox.FailNext["deadletter"] = new TimeoutException("the broker did not answer");
        var message = Assert.Single(await _inbox.ReceiveAsync(1, TimeSpan.FromSeconds(1)));
        using var capture = TelemetryCapture.Start();

        var handled = await _consume.HandleAsync(message);

        Assert.False(handled.Settled);
        Assert.Empty(capture.Of(SweepTelemetry.PoisonMetric));
    }

    [Fact]
    public async Task ExecuteAsync_ApplyingFails_TheSpanFailsAndNothingIsPoisoned()
    {
        var failing = new ConsumeLiquidationEvents(_inbox, new RecordLiquidationEvent(new FlakyMarginStore(_store) { FailReadsOf = _ => new TimeoutException("the table did not answer") }, new SweepOptions(), new ManualTime(Now)));
        _inbox.Send(Event(_orderId, OrderState.Filled));
        using var capture = TelemetryCapture.Start();

        var outcome = await failing.ExecuteAsync(Drain);

        Assert.Equal(1, outcome.Abandoned);
        var span = Assert.Single(capture.Spans(SweepTelemetry.RecordLiquidationEventSpan));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("the table did not answer", span.StatusDescription);
        Assert.Empty(capture.Of(SweepTelemetry.PoisonMetric));
    }
}
