using Margin.Testing.Orders;
using System.Text;
using Amqp;
using Amqp.Framing;
using Amqp.Types;
using Margin.Testing.RabbitMq;
using Xunit.Abstractions;

namespace Margin.Integration.Tests.RabbitMq;

/// <summary>
/// What RabbitMQ 3.10's AMQP 1.0 plugin does with the order mapping, with a bare AMQPNetLite client (no project code but the
/// order bodies): which properties and annotations come back, durability across a restart, TTL, addressing. docs/rabbitmq.md
/// records the same findings.
/// </summary>
[Collection(RabbitMqGroup.Name)]
public sealed class RabbitMqRoundTripTests(RabbitMqFixture rabbit, ITestOutputHelper output)
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(2);

    private RabbitMqBroker Broker => rabbit.Broker;

    [Fact]
    public async Task RoundTrip_EveryMappedField_ComesBackAsSent()
    {
        var queue = await rabbit.NewQueueAsync("roundtrip");
        var now = DateTimeOffset.UtcNow;
        var order = SyntheticOrders.Create(5, now)[4];
        var sent = RawAmqp.OrderMessage(order, now);

        await RawAmqp.SendAsync(Broker, RabbitMqBroker.QueueAddress(queue), [sent]);
        var received = Assert.Single(await RawAmqp.ReceiveAsync(Broker, RabbitMqBroker.QueueAddress(queue), 10, Idle));

        Assert.Equal(Encoding.UTF8.GetBytes(order.Body), Assert.IsType<Data>(received.BodySection).Binary);
        Assert.True(received.Header.Durable);
        Assert.Equal(sent.Header.Ttl, received.Header.Ttl);
        Assert.Equal(order.OrderId, received.Properties.MessageId);
        Assert.Equal(order.AccountId, received.Properties.GroupId);
        Assert.Equal("liquidation-order", received.Properties.Subject);
        Assert.Equal("application/json", received.Properties.ContentType);
        Assert.Equal(order.SweepId, received.Properties.CorrelationId);
        Assert.Equal(5, received.ApplicationProperties.Map.Count);
        Assert.Equal(1, Assert.IsType<int>(received.ApplicationProperties["schemaVersion"]));
        Assert.Equal(order.AccountId, received.ApplicationProperties["accountId"]);
        Assert.Equal(order.Body.Contains("\"severity\":\"Bankrupt\"", StringComparison.Ordinal) ? "Bankrupt" : "Liquidatable", received.ApplicationProperties["severity"]);
        Assert.Equal(order.SweepId, received.ApplicationProperties["sweepId"]);
        Assert.Equal(order.Episode, Assert.IsType<int>(received.ApplicationProperties["episode"]));
        Assert.Equal(order.AccountId, received.MessageAnnotations[new Symbol("x-opt-partition-key")]);
    }

    [Fact]
    public async Task RoundTrip_ScheduledEnqueueTimeAnHourAhead_IsKeptButDeliveredAtOnce()
    {
        var queue = await rabbit.NewQueueAsync("scheduled");
        var now = DateTimeOffset.UtcNow;
        var order = SyntheticOrders.Create(1, now)[0];
        var at = new DateTime(now.AddHours(1).UtcDateTime.Ticks / TimeSpan.TicksPerMillisecond * TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);

        await RawAmqp.SendAsync(Broker, RabbitMqBroker.QueueAddress(queue), [RawAmqp.OrderMessage(order, now, at)]);
        var received = Assert.Single(await RawAmqp.ReceiveAsync(Broker, RabbitMqBroker.QueueAddress(queue), 10, Idle));

        // RabbitMQ has no scheduled delivery: the annotation travels untouched and the message is there at once.
        Assert.Equal(at, received.MessageAnnotations[new Symbol("x-opt-scheduled-enqueue-time")]);
    }

    [Fact]
    public async Task RoundTrip_SameMessageIdTwice_BothDelivered()
    {
        var queue = await rabbit.NewQueueAsync("duplicates");
        var now = DateTimeOffset.UtcNow;
        var order = SyntheticOrders.Create(1, now)[0];

        await RawAmqp.SendAsync(Broker, RabbitMqBroker.QueueAddress(queue), [RawAmqp.OrderMessage(order, now), RawAmqp.OrderMessage(order, now)]);
        var received = await RawAmqp.ReceiveAsync(Broker, RabbitMqBroker.QueueAddress(queue), 10, Idle);

        // No duplicate detection: consumers of a RabbitMQ queue must be idempotent on message-id themselves.
        Assert.Equal([order.OrderId, order.OrderId], received.Select(m => (string)m.Properties.MessageId));
    }

    [Fact]
    public async Task Ttl_ElapsedBeforeReceive_MessageIsDropped()
    {
        var queue = await rabbit.NewQueueAsync("ttl");
        var now = DateTimeOffset.UtcNow;
        var orders = SyntheticOrders.Create(2, now);
        var shortLived = RawAmqp.OrderMessage(orders[0], now);
        shortLived.Header.Ttl = 300;

        await RawAmqp.SendAsync(Broker, RabbitMqBroker.QueueAddress(queue), [shortLived, RawAmqp.OrderMessage(orders[1], now)]);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var received = await RawAmqp.ReceiveAsync(Broker, RabbitMqBroker.QueueAddress(queue), 10, Idle);

        Assert.Equal([orders[1].OrderId], received.Select(m => (string)m.Properties.MessageId));
    }

    [Fact]
    public async Task Release_Message_IsRedeliveredNotFirstAcquirer()
    {
        var queue = await rabbit.NewQueueAsync("release");
        var now = DateTimeOffset.UtcNow;
        var order = SyntheticOrders.Create(1, now)[0];
        await RawAmqp.SendAsync(Broker, RabbitMqBroker.QueueAddress(queue), [RawAmqp.OrderMessage(order, now)]);

        var first = Assert.Single(await RawAmqp.ReceiveAsync(Broker, RabbitMqBroker.QueueAddress(queue), 1, Idle, release: true));
        var again = Assert.Single(await RawAmqp.ReceiveAsync(Broker, RabbitMqBroker.QueueAddress(queue), 10, Idle));

        Assert.True(first.Header.FirstAcquirer);
        Assert.Equal(order.OrderId, again.Properties.MessageId);
        Assert.False(again.Header.FirstAcquirer);
        // RabbitMQ 3.10 does not count deliveries in the header: a receiver cannot dead-letter on a delivery count from it.
        Assert.Equal(0u, again.Header.DeliveryCount);
    }

    [Fact]
    public async Task Restart_DurableQueue_KeepsPersistentMessagesOnly()
    {
        var queue = await rabbit.NewQueueAsync("restart");
        var now = DateTimeOffset.UtcNow;
        var orders = SyntheticOrders.Create(51, now);
        var transient = RawAmqp.OrderMessage(orders[50], now);
        transient.Header.Durable = false;
        await RawAmqp.SendAsync(Broker, RabbitMqBroker.QueueAddress(queue), [.. orders.Take(50).Select(o => RawAmqp.OrderMessage(o, now)), transient]);
        Assert.Equal(51, await Broker.MessageCountAsync(queue));

        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Broker.RestartAsync();
        output.WriteLine($"restart took {watch.Elapsed.TotalSeconds:0.0} s (start {Broker.LastStartDuration.TotalSeconds:0.0} s); first start {rabbit.StartDuration.TotalSeconds:0.0} s");
        var received = await RawAmqp.ReceiveAsync(Broker, RabbitMqBroker.QueueAddress(queue), 100, Idle);

        Assert.Equal(orders.Take(50).Select(o => o.OrderId), received.Select(m => (string)m.Properties.MessageId));
        // Never delivered before the restart, so still first-acquirer after it.
        Assert.All(received, m => Assert.True(m.Header.FirstAcquirer));
        Assert.All(received, m => Assert.Equal(m.Properties.GroupId, m.MessageAnnotations[new Symbol("x-opt-partition-key")]));
    }

    [Fact]
    public async Task Attach_BareNameOfDurableQueue_IsRefusedAsInequivalent()
    {
        var queue = await rabbit.NewQueueAsync("bare");
        var now = DateTimeOffset.UtcNow;

        // A bare name (or /queue/NAME) redeclares the queue with the link's terminus durability, none by default.
        var refused = await Assert.ThrowsAsync<AmqpException>(() => RawAmqp.SendAsync(Broker, queue, [RawAmqp.OrderMessage(SyntheticOrders.Create(1, now)[0], now)]));

        Assert.Equal((Symbol)ErrorCode.PreconditionFailed, refused.Error.Condition);
        Assert.Contains("inequivalent arg 'durable'", refused.Error.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attach_BareNameOfUnknownQueue_DeclaresANonDurableQueue()
    {
        var queue = $"undeclared-{Guid.NewGuid():N}";
        var now = DateTimeOffset.UtcNow;

        await RawAmqp.SendAsync(Broker, queue, [RawAmqp.OrderMessage(SyntheticOrders.Create(1, now)[0], now)]);

        Assert.Equal(new RabbitMqQueueInfo(queue, Durable: false, Messages: 1), (await Broker.QueuesAsync())[queue]);
    }

    [Fact]
    public async Task Send_ToAmqQueueAddressOfMissingQueue_IsAcceptedAndDropped()
    {
        var queue = $"missing-{Guid.NewGuid():N}";
        var now = DateTimeOffset.UtcNow;

        // The hazard of /amq/queue/NAME: a misspelt or undeclared queue swallows orders with an accepted outcome.
        await RawAmqp.SendAsync(Broker, RabbitMqBroker.QueueAddress(queue), [RawAmqp.OrderMessage(SyntheticOrders.Create(1, now)[0], now)]);

        Assert.False((await Broker.QueuesAsync()).ContainsKey(queue));
    }
}
