using System.Text;
using Amqp.Framing;
using Amqp.Types;
using Margin.Infrastructure.ServiceBus;
using Margin.Sweep.Orders;

namespace Margin.Infrastructure.Tests.ServiceBus;

/// <summary>The client end to end against <see cref="MiniServiceBusHost"/> (loopback, in process).</summary>
public sealed class ServiceBusClientSmokeTests : IDisposable
{
    private const string Orders = "liquidation-orders";
    private const string Events = "liquidation-events";
    private readonly MiniServiceBusHost _host = new(Orders, Events);

    public void Dispose() => _host.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Publish_ThenReceive_EveryOrderArrivesAsMapped(bool batching)
    {
        await using var connection = Connect(batching);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);
        var orders = TestOrders.Many(120);

        await publisher.PublishAsync(orders);

        Assert.Equal(120, publisher.AcceptedMessages);
        Assert.Equal(batching, publisher.AcceptedTransfers < 120);
        Assert.All(_host.Queue(Orders).TransferFormats, f => Assert.Equal(batching ? 0x80013700u : 0u, f));
        await using var receiver = new ServiceBusReceiver(connection, Orders, sessions: false);
        var received = new List<ReceivedMessage>();
        while (received.Count < 120)
        {
            // Credit (50) comes back as messages are settled: complete each batch before asking for the next.
            var batch = await receiver.ReceiveAsync(50, TimeSpan.FromSeconds(5));
            Assert.NotEmpty(batch);
            Assert.True(batch.Count <= 50);
            received.AddRange(batch);
            foreach (var message in batch)
            {
                await receiver.CompleteAsync(message);
            }
        }

        Assert.Equal(orders.Select(o => o.OrderId), received.Select(r => r.MessageId));
        var first = received[0];
        Assert.Equal(orders[0].AccountId, first.SessionId);
        Assert.Equal("liquidation-order", first.Subject);
        Assert.Equal(orders[0].Body, Encoding.UTF8.GetString(first.Body.Span));
        await WaitUntil(() => _host.Queue(Orders).Outcomes.Count == 120);
        Assert.All(_host.Queue(Orders).Outcomes, o => Assert.IsType<Accepted>(o.State));
    }

    [Fact]
    public async Task Publish_PutsOneTokenPerQueue_WithTheServiceBusFields()
    {
        await using var connection = Connect(batching: false);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);

        await publisher.PublishAsync(TestOrders.Many(3));
        await publisher.PublishAsync(TestOrders.Many(2));

        var request = Assert.Single(_host.PutTokens);
        Assert.Equal("put-token", request.ApplicationProperties["operation"]);
        Assert.Equal("servicebus.windows.net:sastoken", request.ApplicationProperties["type"]);
        Assert.Equal($"amqp://localhost/{Orders}", request.ApplicationProperties["name"]);
        var expiration = Assert.IsType<DateTime>(request.ApplicationProperties["expiration"]);
        Assert.InRange(expiration, DateTime.UtcNow.AddMinutes(59), DateTime.UtcNow.AddMinutes(61));
        Assert.StartsWith("SharedAccessSignature sr=amqp%3A%2F%2Flocalhost%2Fliquidation-orders&sig=", (string)request.Body, StringComparison.Ordinal);
        Assert.Equal(1, connection.TokensPut);
    }

    [Fact]
    public async Task Publish_WrongKey_IsAnAuthorizationErrorNamingNamespaceQueueAndKey()
    {
        await using var connection = new ServiceBusConnection(
            new ServiceBusOptions { ConnectionString = _host.ConnectionString.Replace(MiniServiceBusHost.Key, "wrong-key", StringComparison.Ordinal) },
            null,
            TimeProvider.System);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);

        var ex = await Assert.ThrowsAsync<ServiceBusAuthorizationException>(() => publisher.PublishAsync(TestOrders.Many(1)));

        Assert.Equal(401, ex.StatusCode);
        Assert.Contains("'localhost'", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"'{Orders}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"SAS key '{MiniServiceBusHost.KeyName}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("InvalidSignature", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_host.Queue(Orders).Enqueued);
    }

    [Fact]
    public async Task Publish_Rejected_FailsNamingTheOrdersAndTheBrokerError()
    {
        _host.Queue(Orders).Refuse = m => (string)m.Properties.MessageId == "o-acc-00002-3"
            ? new Error(new Symbol("amqp:resource-limit-exceeded")) { Description = "quota exceeded" }
            : null;
        await using var connection = Connect(batching: false);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);

        var ex = await Assert.ThrowsAsync<ServiceBusPublishException>(() => publisher.PublishAsync(TestOrders.Many(5)));

        Assert.Equal(["o-acc-00002-3"], ex.OrderIds);
        Assert.Contains("did not accept 1 of 5 orders", ex.Message, StringComparison.Ordinal);
        Assert.Contains("amqp:resource-limit-exceeded: quota exceeded", ex.Message, StringComparison.Ordinal);
        Assert.False(ex.IsConnectionLoss);
        Assert.Equal(4, publisher.AcceptedMessages);
    }

    [Fact]
    public async Task Publish_OversizeOrderInABatch_SendsTheOthersAndNamesIt()
    {
        await using var connection = new ServiceBusConnection(new ServiceBusOptions { ConnectionString = _host.ConnectionString, Batching = true, MaxBatchBytes = 4096 }, null, TimeProvider.System);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);
        StoredOrder[] orders = [TestOrders.Order("acc-a"), TestOrders.Order("acc-big", legs: 60), TestOrders.Order("acc-c")];

        var ex = await Assert.ThrowsAsync<ServiceBusPublishException>(() => publisher.PublishAsync(orders));

        Assert.Equal([orders[1].OrderId], ex.OrderIds);
        Assert.Contains("MaxBatchBytes=4096", ex.Message, StringComparison.Ordinal);
        Assert.Equal([orders[0].OrderId, orders[2].OrderId], _host.Queue(Orders).Enqueued.Select(m => (string)m.Properties.MessageId));
    }

    [Fact]
    public async Task Settle_AbandonAndDeadLetter_SendTheServiceBusOutcomes()
    {
        await using var connection = Connect(batching: false);
        await new ServiceBusOrderPublisher(connection, TimeProvider.System).PublishAsync(TestOrders.Many(2));
        await using var receiver = new ServiceBusReceiver(connection, Orders, sessions: false);
        var received = await ReceiveAsync(receiver, 2);

        await receiver.AbandonAsync(received[0]);
        await receiver.DeadLetterAsync(received[1], "MalformedEvent", "field 'kind' is missing");

        await WaitUntil(() => _host.Queue(Orders).Outcomes.Count == 2);
        var outcomes = _host.Queue(Orders).Outcomes.ToDictionary(o => o.MessageId!, o => o.State);
        var modified = Assert.IsType<Modified>(outcomes[received[0].MessageId!]);
        Assert.True(modified.DeliveryFailed);
        Assert.False(modified.UndeliverableHere);
        var rejected = Assert.IsType<Rejected>(outcomes[received[1].MessageId!]);
        Assert.Equal(new Symbol("com.microsoft:dead-letter"), rejected.Error.Condition);
        Assert.Equal("MalformedEvent", rejected.Error.Info[new Symbol("DeadLetterReason")]);
        Assert.Equal("field 'kind' is missing", rejected.Error.Info[new Symbol("DeadLetterErrorDescription")]);
        var again = Assert.Single(await receiver.ReceiveAsync(1, TimeSpan.FromSeconds(5)));
        Assert.Equal(received[0].MessageId, again.MessageId);
        Assert.Equal(1, again.DeliveryCount);
    }

    [Fact]
    public async Task EventInbox_DecodesBodiesAsUtf8_WithReplacementForInvalidBytes()
    {
        var queue = _host.Queue(Events);
        queue.Add(new Amqp.Message { Properties = new Properties { MessageId = "e1" }, BodySection = new Data { Binary = Encoding.UTF8.GetBytes("{\"v\":1}") } });
        queue.Add(new Amqp.Message { Properties = new Properties { MessageId = "e2" }, BodySection = new Data { Binary = [0x7b, 0xff, 0xfe, 0x7d] } });
        await using var connection = Connect(batching: false);
        await using var receiver = new ServiceBusReceiver(connection, Events, sessions: false);
        var inbox = new ServiceBusEventInbox(receiver);

        var messages = new List<Sweep.Ports.InboxMessage>();
        while (messages.Count < 2)
        {
            var batch = await inbox.ReceiveAsync(10, TimeSpan.FromSeconds(5));
            Assert.NotEmpty(batch);
            messages.AddRange(batch);
        }

        Assert.Equal("{\"v\":1}", messages[0].Body);
        Assert.Equal("{\uFFFD\uFFFD}", messages[1].Body);
        await inbox.CompleteAsync(messages[0]);
        await inbox.DeadLetterAsync(messages[1], "MalformedEvent", "not UTF-8 JSON");
        await WaitUntil(() => queue.Outcomes.Count == 2);
        Assert.Contains(queue.Outcomes, o => o.MessageId == "e1" && o.State is Accepted);
        Assert.Contains(queue.Outcomes, o => o.MessageId == "e2" && o.State is Rejected);
    }

    [Fact]
    public async Task Receive_NothingThere_ReturnsEmptyAfterMaxWait()
    {
        await using var connection = Connect(batching: false);
        await using var receiver = new ServiceBusReceiver(connection, Events, sessions: false);

        var started = DateTime.UtcNow;
        var messages = await receiver.ReceiveAsync(10, TimeSpan.FromMilliseconds(300));

        Assert.Empty(messages);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Publish_AfterTheConnectionIsLost_Reconnects()
    {
        await using var connection = Connect(batching: false);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);
        await publisher.PublishAsync(TestOrders.Many(2));

        connection.Abort();
        await publisher.PublishAsync([TestOrders.Order("acc-after")]);

        Assert.Equal(2, connection.Connects);
        Assert.Equal(2, _host.PutTokens.Count);
        Assert.Equal(3, _host.Queue(Orders).Enqueued.Count);
    }

    [Fact]
    public async Task Publish_NoDisposition_TimesOutOnceForTheWholeCall_NamingEveryOrder()
    {
        _host.Queue(Orders).Hold = true;
        await using var connection = new ServiceBusConnection(new ServiceBusOptions { ConnectionString = _host.ConnectionString, Batching = false, SendTimeout = TimeSpan.FromMilliseconds(300), MaxInFlight = 2 }, null, TimeProvider.System);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);
        var orders = TestOrders.Many(6);

        var started = DateTime.UtcNow;
        var ex = await Assert.ThrowsAsync<ServiceBusPublishException>(() => publisher.PublishAsync(orders));

        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(3));
        Assert.Equal(orders.Select(o => o.OrderId).Order(), ex.OrderIds.Order());
        Assert.Contains("no disposition within 00:00:00.3000000 (SendTimeout)", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, publisher.AcceptedMessages);
    }

    [Fact]
    public async Task Publish_ConnectionDroppedMidCall_RetriesOnceOnANewConnection()
    {
        _host.Queue(Orders).DropConnections = 1;
        await using var connection = new ServiceBusConnection(new ServiceBusOptions { ConnectionString = _host.ConnectionString, Batching = false, ReconnectMinDelay = TimeSpan.FromMilliseconds(20), ReconnectMaxDelay = TimeSpan.FromMilliseconds(100) }, null, TimeProvider.System);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);
        var orders = TestOrders.Many(5);

        await publisher.PublishAsync(orders);

        Assert.Equal(1, publisher.Retries);
        Assert.Equal(2, connection.Connects);
        Assert.Equal(5, publisher.AcceptedMessages);
        Assert.Equal(orders.Select(o => o.OrderId), _host.Queue(Orders).Enqueued.Select(m => (string)m.Properties.MessageId).Distinct());
    }

    [Fact]
    public async Task Publish_ConnectionDroppedTwice_FailsAsAConnectionLoss()
    {
        _host.Queue(Orders).DropConnections = 2;
        await using var connection = new ServiceBusConnection(new ServiceBusOptions { ConnectionString = _host.ConnectionString, Batching = false, ReconnectMinDelay = TimeSpan.FromMilliseconds(20), ReconnectMaxDelay = TimeSpan.FromMilliseconds(100) }, null, TimeProvider.System);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);

        var ex = await Assert.ThrowsAsync<ServiceBusPublishException>(() => publisher.PublishAsync(TestOrders.Many(3)));

        Assert.True(ex.IsConnectionLoss);
        Assert.Equal(3, ex.OrderIds.Count);
        Assert.Contains("the link or connection closed before the broker accepted (rejected: amqp:connection:forced: dropped by the test host)", ex.Message, StringComparison.Ordinal);

        await publisher.PublishAsync(TestOrders.Many(3));
        Assert.Equal(3, connection.Connects);
    }

    [Fact]
    public async Task Token_RenewedBeforeExpiry_WhenTheTimerFires()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var connection = new ServiceBusConnection(new ServiceBusOptions { ConnectionString = _host.ConnectionString, Batching = false, TokenLifetime = TimeSpan.FromMinutes(60), TokenRenewBefore = TimeSpan.FromMinutes(5) }, null, time);
        var publisher = new ServiceBusOrderPublisher(connection, time);
        await publisher.PublishAsync(TestOrders.Many(1));
        Assert.Single(_host.PutTokens);

        time.Advance(TimeSpan.FromMinutes(54));
        await Task.Delay(200);
        Assert.Single(_host.PutTokens);

        time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        await WaitUntil(() => _host.PutTokens.Count == 2);
        var renewed = _host.PutTokens.Last();
        Assert.Equal((time.GetUtcNow() + TimeSpan.FromMinutes(60)).ToUnixTimeSeconds(), new DateTimeOffset((DateTime)renewed.ApplicationProperties["expiration"], TimeSpan.Zero).ToUnixTimeSeconds());
        await WaitUntil(() => connection.TokensPut == 2);
    }

    [Fact]
    public async Task Receive_ConnectionLost_FailsAtOnceThenReattaches()
    {
        await using var connection = Connect(batching: false);
        await using var receiver = new ServiceBusReceiver(connection, Events, sessions: false);
        Assert.Empty(await receiver.ReceiveAsync(1, TimeSpan.FromMilliseconds(50)));
        var waiting = receiver.ReceiveAsync(1, TimeSpan.FromSeconds(30));

        connection.Abort();

        var ex = await Assert.ThrowsAsync<ServiceBusException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.True(ex.IsConnectionLoss);
        _host.Queue(Events).Add(new Amqp.Message { Properties = new Properties { MessageId = "after" }, BodySection = new Data { Binary = [0x7b, 0x7d] } });
        var message = Assert.Single(await receiver.ReceiveAsync(1, TimeSpan.FromSeconds(5)));
        Assert.Equal("after", message.MessageId);
        Assert.Equal(2, connection.Connects);
    }

    private ServiceBusConnection Connect(bool batching) =>
        new(new ServiceBusOptions { ConnectionString = _host.ConnectionString, Batching = batching, OperationTimeout = TimeSpan.FromSeconds(10), SendTimeout = TimeSpan.FromSeconds(10) }, null, TimeProvider.System);

    private static async Task<List<ReceivedMessage>> ReceiveAsync(ServiceBusReceiver receiver, int count)
    {
        var received = new List<ReceivedMessage>();
        while (received.Count < count)
        {
            var batch = await receiver.ReceiveAsync(count - received.Count, TimeSpan.FromSeconds(5));
            Assert.NotEmpty(batch);
            received.AddRange(batch);
        }

        return received;
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(condition(), "condition not met within 5 s");
    }
}
