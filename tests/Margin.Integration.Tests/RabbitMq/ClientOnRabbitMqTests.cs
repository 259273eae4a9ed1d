using Margin.Testing.Orders;
using System.Diagnostics;
using System.Text;
using Amqp;
using Margin.Infrastructure.ServiceBus;
using Margin.Infrastructure.Tests.Azurite;
using Margin.Sweep.Orders;
using Margin.Sweep.Ports;
using Margin.Sweep.UseCases;
using Margin.Testing.RabbitMq;
using Xunit.Abstractions;

namespace Margin.Integration.Tests.RabbitMq;

/// <summary>
/// The project's Service Bus client (ServiceBusConnection, ServiceBusOrderPublisher, ServiceBusReceiver) against a real
/// RabbitMQ with CBS, TLS, batching and sessions off: 10,000 orders field by field, and a broker restart or crash in the middle
/// of a RelayOutbox run over an outbox in Azurite.
/// </summary>
[Collection(RabbitMqGroup.Name)]
public sealed class ClientOnRabbitMqTests(RabbitMqFixture rabbit, ITestOutputHelper output)
{
    private RabbitMqBroker Broker => rabbit.Broker;

    [Fact]
    public async Task Publish_10000Orders_EveryOneReceivedWithEveryFieldAsMapped()
    {
        const int count = 10_000;
        var queue = await rabbit.NewQueueAsync("orders10k");
        var orders = SyntheticOrders.Create(count, DateTimeOffset.UtcNow);
        await using var connection = new ServiceBusConnection(Options(queue), null, TimeProvider.System);
        await using var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);
        await publisher.PublishAsync(orders.Take(10).ToList()); // connects and attaches: not part of the rate
        await Broker.PurgeAsync(queue);

        var before = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();
        await publisher.PublishAsync(orders);
        watch.Stop();
        var after = DateTimeOffset.UtcNow;
        output.WriteLine($"published {count} orders (pipelined, MaxInFlight {connection.Options.MaxInFlight}) in {watch.Elapsed.TotalSeconds:0.00} s: {count / watch.Elapsed.TotalSeconds:0} orders/s");

        Assert.Equal(count + 10, publisher.AcceptedMessages);
        Assert.Equal(count, await Broker.MessageCountAsync(queue));
        var watchReceive = Stopwatch.StartNew();
        var (received, losses) = await ReceiveAllAsync(connection, count);
        var duplicates = received.Count - received.Select(m => m.MessageId).Distinct(StringComparer.Ordinal).Count();
        output.WriteLine($"received {received.Count} with ServiceBusReceiver (batches of 500) in {watchReceive.Elapsed.TotalSeconds:0.00} s; {losses} receives or completions failed on a lost link, {duplicates} duplicates");

        // RabbitMQ 3.10 sometimes sends past the link credit when many settlements are sent at once, and AMQPNetLite then
        // closes the link (amqp:link:transfer-limit-exceeded; docs/rabbitmq.md): what was not completed on it comes again.
        Assert.True(duplicates == 0 || losses > 0, $"{duplicates} duplicates without a link loss");
        var byId = received.GroupBy(m => m.MessageId!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        Assert.Equal(count, byId.Count);
        foreach (var order in orders)
        {
            var message = byId[order.OrderId];
            var body = LiquidationOrderJson.Read(order.Body)!;
            Assert.Equal(order.AccountId, message.SessionId);
            Assert.Equal(OrderMessages.Subject, message.Subject);
            Assert.Equal(OrderMessages.ContentType, message.ContentType);
            Assert.Equal(order.SweepId, message.CorrelationId);
            var ttl = Assert.NotNull(message.TimeToLive);
            Assert.InRange(ttl, Floor(order.ExpiresAt - after), Floor(order.ExpiresAt - before));
            Assert.Equal(5, message.ApplicationProperties.Count);
            Assert.Equal(1, Assert.IsType<int>(message.ApplicationProperties["schemaVersion"]));
            Assert.Equal(order.AccountId, message.ApplicationProperties["accountId"]);
            Assert.Equal(body.Severity, message.ApplicationProperties["severity"]);
            Assert.Equal(order.SweepId, message.ApplicationProperties["sweepId"]);
            Assert.Equal(order.Episode, Assert.IsType<int>(message.ApplicationProperties["episode"]));
            Assert.Equal(order.AccountId, message.Annotations[OrderMessages.PartitionKeyAnnotation]);
            Assert.False(message.Annotations.ContainsKey(OrderMessages.ScheduledEnqueueTimeAnnotation));
            Assert.Equal(Encoding.UTF8.GetBytes(order.Body), message.Body.ToArray());
            Assert.Equal(0, message.DeliveryCount);
        }

        if (losses == 0)
        {
            // One queue, one link each way, nothing redelivered: every account's orders arrive in the order they were published.
            var expected = orders.GroupBy(o => o.AccountId).ToDictionary(g => g.Key, g => g.Select(o => o.OrderId).ToList(), StringComparer.Ordinal);
            foreach (var group in received.GroupBy(m => m.SessionId!))
            {
                Assert.Equal(expected[group.Key], group.Select(m => m.MessageId!));
            }
        }

        Assert.Equal(0, await Broker.MessageCountAsync(queue));
    }

    [Fact]
    public Task RelayOutbox_BrokerRestartedMidPublish_EveryOrderArrivesAndNoneIsMarkedSentUnaccepted() =>
        RelayThroughAsync("relay-restart", "restart", 10_000, ct => Broker.RestartAsync(ct));

    [Fact]
    public Task RelayOutbox_BrokerKilledMidPublish_EveryOrderArrivesAndNoneIsMarkedSentUnaccepted() =>
        RelayThroughAsync("relay-crash", "crash (SIGKILL, then start)", 3_000, async ct =>
        {
            await Broker.KillAsync(ct);
            await Broker.StartAgainAsync(ct);
        });

    /// <summary>
    /// Relays <paramref name="count"/> orders from an outbox in Azurite while <paramref name="disrupt"/> takes the broker down
    /// and brings it back once a fifth were accepted; runs RelayOutbox again after each failure, as its timer would. A graceful
    /// stop takes a few seconds to close connections (rabbitmqctl starts a VM first), so the restart relays 10,000 orders:
    /// with 3,000 the relay sometimes finished first on this machine.
    /// </summary>
    private async Task RelayThroughAsync(string purpose, string what, int count, Func<CancellationToken, Task> disrupt)
    {
        var queue = await rabbit.NewQueueAsync(purpose);
        var now = DateTimeOffset.UtcNow;
        var orders = SyntheticOrders.Create(count, now);
        // An Azurite of its own (the azurite collection runs beside this one; its instance is not shared across collections).
        using var azurite = new AzuriteInstance();
        var world = await World.CreateAsync(azurite, now, partitions: 8);
        await world.UseParametersAsync(ExampleBook.ParametersJson);
        foreach (var partition in orders.GroupBy(o => world.Margin.PartitionOf(o.AccountId)))
        {
            await world.Margin.CommitAsync(new MarginPartitionWrite(partition.Key, [], [.. partition], null));
        }

        Assert.Equal(count, await UnsentAsync(world).CountAsync());
        await using var connection = new ServiceBusConnection(Options(queue), null, TimeProvider.System);
        await using var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);
        var relay = new RelayOutbox(world.Margin, publisher, world.Models, world.Time);

        // The disruption starts once a fifth of the orders were accepted, while the relay goes on publishing batches of 100.
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var total = Stopwatch.StartNew();
        var disruption = Task.Run(async () =>
        {
            while (publisher.AcceptedMessages < count / 5)
            {
                await Task.Delay(1, deadline.Token);
            }

            var accepted = publisher.AcceptedMessages;
            var watch = Stopwatch.StartNew();
            output.WriteLine($"  {total.Elapsed.TotalSeconds:0.0} s: {what} begins after {accepted} accepted");
            await disrupt(deadline.Token);
            output.WriteLine($"  {total.Elapsed.TotalSeconds:0.0} s: {what} done in {watch.Elapsed.TotalSeconds:0.0} s");
            return (accepted, watch.Elapsed);
        });
        var failures = new List<Exception>();
        HashSet<string>? markedAtFirstFailure = null;
        var runs = 0;
        RelayOutcome outcome;
        while (true)
        {
            if (disruption.IsFaulted)
            {
                await disruption; // the broker did not come back: its error, not a relay timeout
            }

            runs++;
            try
            {
                outcome = await relay.ExecuteAsync(deadline.Token);
                if (disruption.IsCompleted)
                {
                    break;
                }

                // Every order went out before the broker went down: the assertions below say the disruption missed the publish.
                await Task.Delay(200, deadline.Token);
            }
            catch (Exception e) when (!deadline.IsCancellationRequested)
            {
                // IOrderPublisher's contract: any exception means "not all accepted"; the relay timer runs again later.
                failures.Add(e);
                output.WriteLine($"  {total.Elapsed.TotalSeconds:0.0} s: run {runs} failed ({(disruption.IsCompleted ? "broker back" : "broker disrupted")}): {e.GetType().Name}: {e.Message.Split('\n')[0]}");
                if (markedAtFirstFailure is null)
                {
                    var all = await world.OrdersAsync();
                    markedAtFirstFailure = all.Where(o => o.Sent).Select(o => o.OrderId).ToHashSet(StringComparer.Ordinal);
                    output.WriteLine($"first failure after {publisher.AcceptedMessages} accepted; {markedAtFirstFailure.Count} marked sent, {count - markedAtFirstFailure.Count} unsent");
                    Assert.Equal(count, all.Count);
                    Assert.InRange(markedAtFirstFailure.Count, 1, count - 1);
                }

                await Task.Delay(500, deadline.Token);
            }
        }

        total.Stop();
        var (acceptedBefore, took) = await disruption;
        output.WriteLine($"{what} began after {acceptedBefore} accepted orders and took {took.TotalSeconds:0.0} s; {runs} relay runs, {failures.Count} failed, the last relayed {outcome.Sent} of {outcome.Pending} pending; done after {total.Elapsed.TotalSeconds:0.0} s; publisher retries {publisher.Retries}, connects {connection.Connects}");
        foreach (var kind in failures.GroupBy(f => $"{f.GetType().Name}: {f.Message}"))
        {
            output.WriteLine($"  {kind.Count()} x {kind.Key}");
        }

        // The disruption hit the relay: at least one run failed part-way, with some orders marked sent and the rest left unsent.
        Assert.NotEmpty(failures);
        Assert.NotNull(markedAtFirstFailure);
        Assert.InRange(acceptedBefore, count / 5, count - 1);

        Assert.Equal(0, outcome.Held);
        Assert.Equal(0, outcome.Expired);

        // Nothing left in the outbox: the runs after the broker came back relayed what the failed run had not marked.
        Assert.Empty(await UnsentAsync(world).ToListAsync());
        Assert.All(await world.OrdersAsync(), o => Assert.True(o.Sent, o.OrderId));

        // Every order is on the broker at least once, including every one marked sent before the disruption (accepted means
        // persisted to the durable queue, even across a SIGKILL); some of the batch it interrupted may be there twice.
        var (received, losses) = await ReceiveAllAsync(connection, count);
        var ids = received.Select(m => m.MessageId!).ToList();
        var distinct = ids.ToHashSet(StringComparer.Ordinal);
        output.WriteLine($"received {ids.Count} messages, {distinct.Count} distinct orders, {ids.Count - distinct.Count} duplicates ({losses} receives or completions failed on a lost link)");
        Assert.Subset(distinct, markedAtFirstFailure);
        Assert.Equal(orders.Select(o => o.OrderId).ToHashSet(StringComparer.Ordinal), distinct);
    }

    [Fact]
    public async Task Receive_FewerMessagesThanAskedFor_ReturnsThemWithoutWaitingForMore()
    {
        var queue = await rabbit.NewQueueAsync("receive-few");
        var orders = SyntheticOrders.Create(3, DateTimeOffset.UtcNow);
        await using var connection = new ServiceBusConnection(Options(queue), null, TimeProvider.System);
        await using var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);
        await publisher.PublishAsync(orders);
        await using var receiver = new ServiceBusReceiver(connection, connection.Options.OrdersQueue, sessions: false);

        var watch = Stopwatch.StartNew();
        var received = new List<ReceivedMessage>();
        while (received.Count < 3 && watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            // A first receive may return before all three arrived; none may hang once the buffer is empty.
            received.AddRange(await receiver.ReceiveAsync(100, TimeSpan.FromSeconds(2)).WaitAsync(TimeSpan.FromSeconds(15)));
        }

        var empty = await receiver.ReceiveAsync(100, TimeSpan.FromMilliseconds(300)).WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(orders.Select(o => o.OrderId), received.Select(m => m.MessageId));
        Assert.Empty(empty);
    }

    [Fact]
    public async Task Abandon_SessionEndedByRabbitMq_ConnectionRecoversAndTheMessageComesAgain()
    {
        var queue = await rabbit.NewQueueAsync("abandon");
        var orders = SyntheticOrders.Create(2, DateTimeOffset.UtcNow);
        await using var connection = new ServiceBusConnection(Options(queue), null, TimeProvider.System);
        await using var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);
        await publisher.PublishAsync([orders[0]]);
        await using var receiver = new ServiceBusReceiver(connection, connection.Options.OrdersQueue, sessions: false);
        var first = Assert.Single(await receiver.ReceiveAsync(1, TimeSpan.FromSeconds(5)).WaitAsync(TimeSpan.FromSeconds(15)));

        // RabbitMQ 3.10 does not take the Modified outcome (delivery-failed) that abandon sends, as Service Bus does: it ends
        // the whole AMQP session with amqp:invalid-field "Unrecognised state", which returns the message to the queue. The
        // connection then has to open a new session (or reconnect) for its sender and receivers: until it does, every link
        // on it fails (measured: raw AmqpException from Session.ThrowIfEnded for as long as the TCP connection lives).
        await receiver.AbandonAsync(first);
        var errors = new List<string>();
        IReadOnlyList<ReceivedMessage> again = [];
        var watch = Stopwatch.StartNew();
        while (again.Count == 0 && watch.Elapsed < TimeSpan.FromSeconds(15))
        {
            try
            {
                again = await receiver.ReceiveAsync(1, TimeSpan.FromSeconds(1)).WaitAsync(TimeSpan.FromSeconds(15));
            }
            catch (Exception e) when (e is ServiceBusException or AmqpException)
            {
                errors.Add($"{e.GetType().Name}: {e.Message.Split('\n')[0]}");
                await Task.Delay(250);
            }
        }

        output.WriteLine($"{errors.Count} failed receives after the abandon; first: {errors.FirstOrDefault()}");
        var message = Assert.Single(again);
        Assert.Equal(orders[0].OrderId, message.MessageId);
        await receiver.CompleteAsync(message);
        await publisher.PublishAsync([orders[1]]);
        Assert.Equal(1, await Broker.MessageCountAsync(queue));
    }

    private ServiceBusOptions Options(string queue) => new()
    {
        FullyQualifiedNamespace = "127.0.0.1",
        Port = Broker.Port,
        UseCbs = false,
        UseTls = false,
        Batching = false,
        OrdersQueue = RabbitMqBroker.QueueAddress(queue),
        OrdersQueueSessions = false,
        ReconnectMinDelay = TimeSpan.FromMilliseconds(100),
        ReconnectMaxDelay = TimeSpan.FromSeconds(1),
        SendTimeout = TimeSpan.FromSeconds(10),
        OperationTimeout = TimeSpan.FromSeconds(10),
    };

    private static IAsyncEnumerable<StoredOrder> UnsentAsync(World world) => world.Margin.ReadOrdersAsync(unsentOnly: true);

    private static TimeSpan Floor(TimeSpan value) => TimeSpan.FromMilliseconds(Math.Floor(value.TotalMilliseconds));

    /// <summary>
    /// Receives and completes until <paramref name="distinct"/> different orders came or the queue stays empty for 3 s, as a
    /// consumer would: after a receiver link loss it receives again (the receiver reattaches), and a message whose link
    /// closed before its completion is left to come again. Returns the completed messages and how many link losses were
    /// seen (failed receives plus completions refused because the link had closed).
    /// </summary>
    private static async Task<(List<ReceivedMessage> Completed, int LinkLosses)> ReceiveAllAsync(ServiceBusConnection connection, int distinct)
    {
        await using var receiver = new ServiceBusReceiver(connection, connection.Options.OrdersQueue, sessions: false);
        var completed = new List<ReceivedMessage>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var failedReceives = 0;
        var refusedCompletions = 0;
        while (seen.Count < distinct)
        {
            IReadOnlyList<ReceivedMessage> batch;
            try
            {
                batch = await receiver.ReceiveAsync(500, TimeSpan.FromSeconds(3)).WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (ServiceBusException e) when (e.IsConnectionLoss && failedReceives < 200)
            {
                failedReceives++;
                continue;
            }

            if (batch.Count == 0)
            {
                break;
            }

            foreach (var message in batch)
            {
                try
                {
                    await receiver.CompleteAsync(message);
                }
                catch (Exception e) when (e is ServiceBusException { IsConnectionLoss: true } or ObjectDisposedException)
                {
                    // ObjectDisposedException: the connection closed under the link before the link noticed (AMQPNetLite's
                    // TransportWriter); the client does not map it to a ServiceBusException (docs/rabbitmq.md).
                    refusedCompletions++;
                    continue;
                }

                completed.Add(message);
                seen.Add(message.MessageId!);
            }
        }

        return (completed, failedReceives + refusedCompletions);
    }
}
