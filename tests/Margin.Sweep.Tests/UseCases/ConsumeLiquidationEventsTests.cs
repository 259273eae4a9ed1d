using System.Collections.Immutable;
using Margin.Engine.Results;
using Margin.Sweep.Options;
using Margin.Sweep.Orders;
using Margin.Sweep.Ports;
using Margin.Sweep.Results;
using Margin.Sweep.Tests.Support;
using Margin.Sweep.UseCases;

namespace Margin.Sweep.Tests.UseCases;

public sealed class ConsumeLiquidationEventsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly ConsumeEventsOptions Drain = new() { MaxPerBatch = 10, MaxWait = TimeSpan.FromSeconds(1) };

    private readonly InMemoryEventInbox _inbox = new();
    private readonly FlakyMarginStore _store = new(new InMemoryStores(4).Margin);
    private readonly ConsumeLiquidationEvents _consume;

    public ConsumeLiquidationEventsTests()
    {
        _consume = new ConsumeLiquidationEvents(_inbox, new RecordLiquidationEvent(_store, new SweepOptions(), new FixedTime(Now)));
        foreach (var account in new[] { "acct-1", "acct-2" })
        {
            var orderId = OrderIds.For(account, 1);
            var result = new StoredResult
            {
                AccountId = account,
                AccountVersion = 7,
                SweepId = "sw-1",
                SnapshotId = "snap-1",
                SnapshotAsOf = Now.AddMinutes(-1),
                ParamsVersion = "p1",
                EvaluatedAt = Now.AddMinutes(-1),
                Status = MarginStatus.Liquidatable,
                Flags = MarginFlags.LiquidationInFlight,
                Episode = 1,
                OpenOrderId = orderId,
            };
            var order = new StoredOrder(orderId, account, 1, "sw-1", OrderState.Open, Sent: true, Now.AddMinutes(-1), Now.AddMinutes(14), Now.AddMinutes(-1), Now.AddMinutes(-1), Body(orderId, account));
            _store.CommitAsync(new MarginPartitionWrite(_store.PartitionOf(account), [result], [order], Receipt: null)).GetAwaiter().GetResult();
        }
    }

    private StoredOrder OrderOf(string account) => _store.ReadAccountAsync(account).GetAwaiter().GetResult().Orders.Single();

    private StoredResult ResultOf(string account) => _store.ReadAccountAsync(account).GetAwaiter().GetResult().Result!;

    private static string Order(string account) => OrderIds.For(account, 1);

    private static string Body(string orderId, string account) => LiquidationOrderJson.Write(new LiquidationOrder(
        LiquidationOrder.SchemaVersion, orderId, account, 1, "sw-1", "snap-1", "p1", 7, "Liquidatable", "Restored", Now.AddMinutes(-1), Now.AddMinutes(14),
        "USD", "0.9", "1.05", "12.5", "0", false, [new LiquidationOrderLeg("Spot", "BTC", "Sell", "0.1", "94000", "95000", "9500", "4.75")]));

    private static string Event(string account, OrderState state, string? orderId = null) =>
        LiquidationEventJson.Write(new LiquidationEvent(LiquidationEvent.SchemaVersion, orderId ?? Order(account), account, state, Now, ImmutableArray<FilledLeg>.Empty));

    [Fact]
    public async Task ExecuteAsync_Accepted_AppliesAndCompletes()
    {
        _inbox.Send(Event("acct-1", OrderState.Accepted));

        var outcome = await _consume.ExecuteAsync(Drain);

        var m = Assert.Single(outcome.Messages);
        Assert.Equal(EventDisposition.Completed, m.Disposition);
        Assert.Equal(EventOutcome.Applied, m.Outcome);
        Assert.Equal(OrderState.Accepted, m.Event!.State);
        Assert.True(m.Settled);
        Assert.Equal(OrderState.Accepted, OrderOf("acct-1").State);
        Assert.Single(_inbox.Completed);
        Assert.Equal(0, _inbox.Available);
        Assert.Equal(0, _inbox.Locked);
        Assert.Equal(ConsumeStop.Empty, outcome.StoppedBecause);
    }

    [Fact]
    public async Task ExecuteAsync_Filled_ClosesTheOrderAndClearsTheFlag()
    {
        _inbox.Send(Event("acct-1", OrderState.Filled));

        var m = Assert.Single((await _consume.ExecuteAsync(Drain)).Messages);

        Assert.Equal(EventOutcome.Closed, m.Outcome);
        Assert.Equal(OrderState.Filled, OrderOf("acct-1").State);
        var result = ResultOf("acct-1");
        Assert.False(result.Flags.HasFlag(MarginFlags.LiquidationInFlight));
        Assert.Null(result.OpenOrderId);
        Assert.Equal(OrderState.Open, OrderOf("acct-2").State);
    }

    [Fact]
    public async Task ExecuteAsync_RepeatedReport_IsIgnoredAndStillCompleted()
    {
        _inbox.Send(Event("acct-1", OrderState.Accepted));
        _inbox.Send(Event("acct-1", OrderState.Accepted));

        var outcome = await _consume.ExecuteAsync(Drain);

        Assert.Equal([EventOutcome.Applied, EventOutcome.Ignored], outcome.Messages.Select(m => m.Outcome));
        Assert.Equal(2, _inbox.Completed.Count);
    }

    [Fact]
    public async Task ExecuteAsync_UnknownOrder_IsDeadLetteredNamingBothIds()
    {
        _inbox.Send(Event("acct-1", OrderState.Accepted, orderId: "ord-nobody"));

        var m = Assert.Single((await _consume.ExecuteAsync(Drain)).Messages);

        Assert.Equal(EventDisposition.DeadLettered, m.Disposition);
        Assert.Equal(EventOutcome.UnknownOrder, m.Outcome);
        Assert.Empty(_inbox.Completed);
        var (_, reason, description) = Assert.Single(_inbox.DeadLettered);
        Assert.Equal(ConsumeLiquidationEvents.UnknownOrderReason, reason);
        Assert.Contains("ord-nobody", description, StringComparison.Ordinal);
        Assert.Contains("acct-1", description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("""{"v":1,"orderId":"o","accountId":"a","state":"Exploded","at":"2026-12-01T12:00:00Z"}""")]
    [InlineData("""{"v":1,"orderId":"o","accountId":"a","state":"filled","at":"2026-12-01T12:00:00Z"}""")]
    [InlineData("""{"v":1,"orderId":"o","accountId":"a","state":"Filled","at":"2026-12-01T12:00:00"}""")]
    [InlineData("""{"v":1,"orderId":"o","accountId":"a","state":"Filled","at":"2026-12-01T12:00:00Z","filledLeg":[]}""")]
    [InlineData("""[1,2]""")]
    public async Task ExecuteAsync_NotAnEvent_IsDeadLetteredAsMalformed(string body)
    {
        var sent = _inbox.Send(body);

        var m = Assert.Single((await _consume.ExecuteAsync(Drain)).Messages);

        Assert.Equal(EventDisposition.DeadLettered, m.Disposition);
        Assert.Equal("MalformedEvent", m.DeadLetterReason);
        var (message, reason, description) = Assert.Single(_inbox.DeadLettered);
        Assert.Equal(sent.MessageId, message.MessageId);
        Assert.Equal("MalformedEvent", reason);
        Assert.StartsWith("not a liquidation event", description, StringComparison.Ordinal);
        Assert.Equal(description, m.Problem);
        Assert.Empty(_inbox.Completed);
        Assert.Equal(0, _inbox.Available);
    }

    [Theory]
    [InlineData("""{"v":1,"orderId":"o","accountId":"acct-1","state":"Open","at":"2026-12-01T12:00:00Z"}""", "state: Open is not an executor state")]
    [InlineData("""{"v":2,"orderId":"o","accountId":"acct-1","state":"Filled","at":"2026-12-01T12:00:00Z"}""", "v: schema version 2")]
    [InlineData("""{"v":1,"orderId":"","accountId":"acct-1","state":"Filled","at":"2026-12-01T12:00:00Z"}""", "orderId is empty")]
    [InlineData("""{"v":1,"orderId":"o","accountId":"acct-1","state":"Filled"}""", "at is missing")]
    public async Task ExecuteAsync_InvalidEvent_IsDeadLetteredNamingTheField(string body, string expected)
    {
        _inbox.Send(body);

        var m = Assert.Single((await _consume.ExecuteAsync(Drain)).Messages);

        Assert.Equal(EventDisposition.DeadLettered, m.Disposition);
        var (_, reason, description) = Assert.Single(_inbox.DeadLettered);
        Assert.Equal("InvalidEvent", reason);
        Assert.Contains(expected, description, StringComparison.Ordinal);
        Assert.Null(m.Outcome);
        Assert.Equal(OrderState.Open, OrderOf("acct-1").State);
    }

    [Fact]
    public async Task ExecuteAsync_StorageFailure_AbandonsTheMessageForRedelivery()
    {
        _store.FailReadsOf = _ => new TimeoutException("the table service did not answer within 5 s");
        _inbox.Send(Event("acct-1", OrderState.Accepted));

        var outcome = await _consume.ExecuteAsync(Drain);

        var m = Assert.Single(outcome.Messages);
        Assert.Equal(EventDisposition.Abandoned, m.Disposition);
        Assert.Equal("TimeoutException: the table service did not answer within 5 s", m.Error);
        Assert.Null(m.Outcome);
        Assert.Single(_inbox.Abandoned);
        Assert.Empty(_inbox.DeadLettered);
        Assert.Equal(1, _inbox.Available);
        Assert.Equal(ConsumeStop.Failure, outcome.StoppedBecause);
        Assert.Single(_inbox.Receives);

        // The outage passes: the redelivery (one more delivery) applies it.
        _store.FailReadsOf = null;
        var again = Assert.Single((await _consume.ExecuteAsync(Drain)).Messages);
        Assert.Equal(1, again.DeliveryCount);
        Assert.Equal(EventOutcome.Applied, again.Outcome);
    }

    [Fact]
    public async Task ExecuteAsync_MixedBatch_EveryMessageIsHandledInOrder()
    {
        _store.FailReadsOf = account => account == "acct-2" ? new IOException("connection reset") : null;
        _inbox.Send("{oops", "m1");
        _inbox.Send(Event("acct-1", OrderState.Accepted), "m2");
        _inbox.Send(Event("acct-2", OrderState.Filled), "m3");
        _inbox.Send("""{"v":1,"orderId":"o","accountId":"acct-1","state":"Open","at":"2026-12-01T12:00:00Z"}""", "m4");
        _inbox.Send(Event("acct-1", OrderState.Filled), "m5");

        var outcome = await _consume.ExecuteAsync(Drain);

        Assert.Equal(ConsumeStop.Failure, outcome.StoppedBecause);
        Assert.Equal(["m1", "m2", "m3", "m4", "m5"], outcome.Messages.Select(m => m.MessageId));
        Assert.Equal(
            [EventDisposition.DeadLettered, EventDisposition.Completed, EventDisposition.Abandoned, EventDisposition.DeadLettered, EventDisposition.Completed],
            outcome.Messages.Select(m => m.Disposition));
        Assert.Equal(["MalformedEvent", "InvalidEvent"], _inbox.DeadLettered.Select(d => d.Reason));
        Assert.Equal(EventOutcome.Closed, outcome.Messages[4].Outcome);
        Assert.Equal((2, 2, 1), (outcome.Completed, outcome.DeadLettered, outcome.Abandoned));
        _store.FailReadsOf = null;
        Assert.Equal(OrderState.Filled, OrderOf("acct-1").State);
        Assert.Equal(OrderState.Open, OrderOf("acct-2").State);
        Assert.Equal(1, _inbox.Available);
    }

    [Fact]
    public async Task ExecuteAsync_FailureWithoutStopOnFailure_RetriesUntilTheBrokerWouldDeadLetter()
    {
        _store.FailReadsOf = _ => new TimeoutException("down");
        _inbox.Send(Event("acct-1", OrderState.Accepted));

        var outcome = await _consume.ExecuteAsync(Drain with { StopOnFailure = false, StopAfter = 4 });

        // What StopOnFailure prevents: the same message received again and again, one delivery each.
        Assert.Equal([0L, 1L, 2L, 3L], outcome.Messages.Select(m => m.DeliveryCount));
        Assert.Equal(ConsumeStop.CountReached, outcome.StoppedBecause);
    }

    [Fact]
    public async Task ExecuteAsync_StopAfter_ReceivesNoMoreThanAsked()
    {
        for (var i = 0; i < 5; i++)
        {
            _inbox.Send(Event("acct-1", OrderState.Accepted));
        }

        var outcome = await _consume.ExecuteAsync(Drain with { MaxPerBatch = 2, StopAfter = 3 });

        Assert.Equal(3, outcome.Messages.Count);
        Assert.Equal([2, 1], _inbox.Receives.Select(r => r.Max));
        Assert.Equal(2, _inbox.Available);
        Assert.Equal(0, _inbox.Locked);
        Assert.Equal(ConsumeStop.CountReached, outcome.StoppedBecause);
    }

    [Fact]
    public async Task ExecuteAsync_CancelledBetweenMessages_StopsAndGivesTheRestBack()
    {
        using var cts = new CancellationTokenSource();
        _inbox.AfterSettle = _ => cts.Cancel();
        _inbox.Send(Event("acct-1", OrderState.Accepted), "m1");
        _inbox.Send(Event("acct-2", OrderState.Accepted), "m2");
        _inbox.Send(Event("acct-2", OrderState.Filled), "m3");

        var outcome = await _consume.ExecuteAsync(Drain, cts.Token);

        Assert.Equal(ConsumeStop.Cancelled, outcome.StoppedBecause);
        Assert.Equal([EventDisposition.Completed, EventDisposition.NotProcessed, EventDisposition.NotProcessed], outcome.Messages.Select(m => m.Disposition));
        Assert.Equal(OrderState.Accepted, OrderOf("acct-1").State);
        Assert.Equal(OrderState.Open, OrderOf("acct-2").State);
        Assert.Equal(["m2", "m3"], _inbox.Abandoned.Select(m => m.MessageId));
        Assert.Equal(2, _inbox.Available);
        Assert.Equal(0, _inbox.Locked);
    }

    [Fact]
    public async Task ExecuteAsync_CompleteFails_IsReportedAndTheBatchGoesOn()
    {
        _inbox.FailNext["complete"] = new InvalidOperationException("the message's lock was lost");
        _inbox.Send(Event("acct-1", OrderState.Accepted), "m1");
        _inbox.Send(Event("acct-2", OrderState.Accepted), "m2");

        var outcome = await _consume.ExecuteAsync(Drain with { StopAfter = 2 });

        Assert.False(outcome.Messages[0].Settled);
        Assert.Equal("InvalidOperationException: the message's lock was lost", outcome.Messages[0].SettleError);
        Assert.Equal(EventOutcome.Applied, outcome.Messages[0].Outcome);
        Assert.True(outcome.Messages[1].Settled);
        Assert.Equal(OrderState.Accepted, OrderOf("acct-2").State);

        // The redelivery of the applied event changes nothing.
        var again = Assert.Single((await _consume.ExecuteAsync(Drain)).Messages);
        Assert.Equal(("m1", EventOutcome.Ignored), (again.MessageId, again.Outcome));
    }

    [Fact]
    public async Task ExecuteAsync_ReceiveFails_Throws()
    {
        var failing = new ConsumeLiquidationEvents(new FailingInbox(), new RecordLiquidationEvent(_store, new SweepOptions(), new FixedTime(Now)));

        var ex = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => failing.ExecuteAsync(Drain));
        Assert.Equal("401 on liquidation-events", ex.Message);
    }

    [Theory]
    [InlineData(0, 5, null)]
    [InlineData(1001, 5, null)]
    [InlineData(1, 0, null)]
    [InlineData(1, 5, 0)]
    public async Task ExecuteAsync_InvalidOptions_Throw(int maxPerBatch, int waitSeconds, int? stopAfter)
    {
        var options = new ConsumeEventsOptions { MaxPerBatch = maxPerBatch, MaxWait = TimeSpan.FromSeconds(waitSeconds), StopAfter = stopAfter };

        await Assert.ThrowsAsync<ArgumentException>(() => _consume.ExecuteAsync(options));
        Assert.Empty(_inbox.Receives);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class FailingInbox : IEventInbox
    {
        public Task<IReadOnlyList<InboxMessage>> ReceiveAsync(int max, TimeSpan maxWait, CancellationToken cancellationToken = default) =>
            throw new UnauthorizedAccessException("401 on liquidation-events");

        public Task CompleteAsync(InboxMessage message, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task AbandonAsync(InboxMessage message, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task DeadLetterAsync(InboxMessage message, string reason, string description, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
