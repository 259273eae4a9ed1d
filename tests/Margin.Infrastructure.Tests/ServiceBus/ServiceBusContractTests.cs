using System.Text;
using Amqp;
using Amqp.Framing;
using Amqp.Types;
using Azure.Core;
using Margin.Infrastructure.ServiceBus;
using Margin.Sweep.Orders;
using Margin.Testing.ServiceBus;
using Microsoft.Extensions.Time.Testing;
using static Margin.Infrastructure.Tests.ServiceBus.ContractKit;

namespace Margin.Infrastructure.Tests.ServiceBus;

/// <summary>
/// The project's client (<see cref="ServiceBusConnection"/>, <see cref="ServiceBusOrderPublisher"/>, <see cref="ServiceBusReceiver"/>)
/// against the emulated Service Bus (Margin.Testing): what goes on the wire, and what the client makes of Service Bus's answers.
/// </summary>
public sealed class ServiceBusContractTests
{
    [Fact]
    public async Task Publish_PutsTheExactTokenRequest_ThenTheOrder()
    {
        var time = new FakeTimeProvider(Start);
        await using var bus = await StartAsync(time);
        await using var connection = Connect(bus, time);
        var publisher = new ServiceBusOrderPublisher(connection, time);

        await publisher.PublishAsync([Order("acc-1")]);
        await publisher.PublishAsync([Order("acc-2")]);

        // One put-token for the queue, reused by the second publish.
        var request = Assert.Single(bus.PutTokenRequests);
        Assert.Equal(1, connection.TokensPut);
        Assert.Equal("put-token", request.Operation);
        Assert.Equal("servicebus.windows.net:sastoken", request.Type);
        Assert.Equal($"amqp://127.0.0.1/{Orders}", request.Name);
        Assert.Equal(bus.AudienceFor(Orders), request.Name);
        Assert.IsType<DateTime>(request.ExpirationValue);
        Assert.Equal(Start.AddHours(1), request.Expiration);
        Assert.Equal(bus.CreateSasToken(bus.AudienceFor(Orders), Start.AddHours(1)), request.Token);
        Assert.NotNull(request.MessageId);
        Assert.False(string.IsNullOrEmpty(request.ReplyTo));
        Assert.Equal(202, request.StatusCode);
        Assert.Equal(2, bus.Messages(Orders).Count);
    }

    [Fact]
    public async Task Publish_WrongKey_401BecomesAnAuthorizationErrorNamingNamespaceQueueAndKey()
    {
        await using var bus = await StartAsync(TimeProvider.System);
        var wrong = bus.ConnectionString.Replace($"SharedAccessKey={bus.Key}", "SharedAccessKey=not-the-key", StringComparison.Ordinal);
        await using var connection = new ServiceBusConnection(new ServiceBusOptions { ConnectionString = wrong }, null, TimeProvider.System);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);

        var ex = await Assert.ThrowsAsync<ServiceBusAuthorizationException>(() => publisher.PublishAsync([Order("acc-1")]));

        Assert.Equal(401, ex.StatusCode);
        Assert.Equal("127.0.0.1", ex.Namespace);
        Assert.Equal(Orders, ex.Entity);
        Assert.Equal($"SAS key '{EmulatorOptions.DefaultKeyName}'", ex.CredentialKind);
        Assert.Equal(Assert.Single(bus.PutTokenRequests).StatusDescription, ex.StatusDescription);
        Assert.Contains($"Service Bus namespace '127.0.0.1' refused the SAS key '{EmulatorOptions.DefaultKeyName}' for queue '{Orders}': unauthorised (401): {ex.StatusDescription}", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-key", ex.Message, StringComparison.Ordinal);
        Assert.Empty(bus.Messages(Orders));
    }

    [Fact]
    public async Task Publish_ReadySasTokenForTheNamespace_UsedAsIs()
    {
        await using var bus = await StartAsync(TimeProvider.System);
        var token = bus.CreateSasToken("sb://127.0.0.1/", DateTimeOffset.UtcNow.AddHours(2));
        var options = new ServiceBusOptions { ConnectionString = $"Endpoint=sb://127.0.0.1:{bus.Port}/;SharedAccessSignature={token};UseDevelopmentEmulator=true" };
        await using var connection = new ServiceBusConnection(options, null, TimeProvider.System);

        await new ServiceBusOrderPublisher(connection, TimeProvider.System).PublishAsync([Order("acc-1")]);

        var request = Assert.Single(bus.PutTokenRequests);
        Assert.Equal(token, request.Token);
        Assert.Equal(bus.AudienceFor(Orders), request.Name);
        Assert.True(SharedAccessSignatures.TryReadExpiry(token, out var se));
        Assert.Equal(se, request.Expiration);
        Assert.Single(bus.Messages(Orders));
    }

    [Fact]
    public async Task Publish_EntraIdToken_PutAsJwtWithItsExpiry()
    {
        var time = new FakeTimeProvider(Start);
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions
        {
            TimeProvider = time,
            JwtValidator = token => token == "eyJ.good.jwt",
            Queues = [new EmulatedQueueOptions(Orders) { RequiresSession = true, DuplicateDetection = true }],
        });
        var credential = new StaticCredential("eyJ.good.jwt", Start.AddMinutes(75));
        await using var connection = new ServiceBusConnection(EntraOptions(bus), credential, time);

        await new ServiceBusOrderPublisher(connection, time).PublishAsync([Order("acc-1")]);

        var request = Assert.Single(bus.PutTokenRequests);
        Assert.Equal("jwt", request.Type);
        Assert.Equal("eyJ.good.jwt", request.Token);
        Assert.Equal(Start.AddMinutes(75), request.Expiration);
        Assert.Equal(bus.AudienceFor(Orders), request.Name);
        Assert.Equal(["https://servicebus.azure.net/.default"], credential.Scopes);
        Assert.Single(bus.Messages(Orders));
    }

    [Fact]
    public async Task Publish_EntraIdTokenRefused_AuthorizationErrorSaysEntraId()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions { JwtValidator = _ => false });
        await using var connection = new ServiceBusConnection(EntraOptions(bus), new StaticCredential("eyJ.bad", DateTimeOffset.UtcNow.AddHours(1)), TimeProvider.System);

        var ex = await Assert.ThrowsAsync<ServiceBusAuthorizationException>(() => new ServiceBusOrderPublisher(connection, TimeProvider.System).PublishAsync([Order("acc-1")]));

        Assert.Equal("Entra ID token", ex.CredentialKind);
        Assert.Contains("refused the Entra ID token for queue 'liquidation-orders'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_RenewedBeforeItExpires_EvenWithoutSends_AndSendsKeepWorkingPastTheFirstExpiry()
    {
        var time = new FakeTimeProvider(Start);
        await using var bus = await StartAsync(time);
        await using var connection = Connect(bus, time);
        var publisher = new ServiceBusOrderPublisher(connection, time);
        await publisher.PublishAsync([Order("acc-1")]);

        time.Advance(TimeSpan.FromMinutes(54));
        await Task.Delay(200);
        Assert.Single(bus.PutTokenRequests);

        time.Advance(TimeSpan.FromMinutes(1));
        await UntilAsync(() => bus.PutTokenRequests.Count == 2);
        var renewal = bus.PutTokenRequests[1];
        Assert.Equal(202, renewal.StatusCode);
        Assert.Equal(Start.AddMinutes(55).AddHours(1), renewal.Expiration);
        Assert.Equal(bus.AudienceFor(Orders), renewal.Name);

        // Past the first token's expiry: the emulator would have detached the sender had the token not been renewed.
        time.Advance(TimeSpan.FromMinutes(10));
        await publisher.PublishAsync([Order("acc-2")]);
        Assert.Equal(2, bus.Messages(Orders).Count);
        Assert.Equal(1, connection.Connects);
    }

    [Fact]
    public async Task Token_RenewalDue_RePutBeforeTheNextSendWhenTheTimerHasNotRun()
    {
        var time = new FakeTimeProvider(Start);
        await using var bus = await StartAsync(time);
        await using var connection = Connect(bus, time);
        await new ServiceBusOrderPublisher(connection, time).PublishAsync([Order("acc-1")]);

        // SetUtcNow moves the clock; the send right after finds the renewal due and puts a token before sending,
        // whichever of it and the timer's renewal gets there first (one put-token either way).
        time.SetUtcNow(Start.AddMinutes(56));
        await new ServiceBusOrderPublisher(connection, time).PublishAsync([Order("acc-2")]);

        Assert.Equal(2, bus.PutTokenRequests.Count);
        Assert.Equal(Start.AddMinutes(56).AddHours(1), bus.PutTokenRequests[1].Expiration);
        Assert.Equal(2, bus.Messages(Orders).Count);
    }

    [Fact]
    public async Task Publish_EveryMappedPropertyAndAnnotation_OnTheWire()
    {
        await using var bus = await StartAsync(TimeProvider.System);
        await using var connection = Connect(bus, TimeProvider.System, batching: false);
        var order = TestOrders.Order("acc-77", episode: 6, severity: "Bankrupt", sweepId: "sweep-5") with { ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(10) };

        await new ServiceBusOrderPublisher(connection, TimeProvider.System).PublishAsync([order]);

        var message = Assert.Single(bus.Messages(Orders));
        Assert.Equal(order.OrderId, message.Properties.MessageId);
        Assert.Equal("acc-77", message.Properties.GroupId);
        Assert.Equal("liquidation-order", message.Properties.Subject);
        Assert.Equal(new Symbol("application/json"), message.Properties.ContentType);
        Assert.Equal("sweep-5", message.Properties.CorrelationId);
        Assert.True(message.Header.Durable);
        Assert.InRange(message.Header.Ttl, 590_000u, 600_000u);
        Assert.Equal(1, message.ApplicationProperties["schemaVersion"]);
        Assert.Equal("acc-77", message.ApplicationProperties["accountId"]);
        Assert.Equal("Bankrupt", message.ApplicationProperties["severity"]);
        Assert.Equal("sweep-5", message.ApplicationProperties["sweepId"]);
        Assert.Equal(6, message.ApplicationProperties["episode"]);
        Assert.Equal("acc-77", message.MessageAnnotations[new Symbol("x-opt-partition-key")]);
        Assert.Null(message.MessageAnnotations[new Symbol("x-opt-scheduled-enqueue-time")]);
        var body = Assert.IsType<Data>(message.BodySection);
        Assert.Equal(order.Body, Encoding.UTF8.GetString(body.Binary));
        Assert.Equal(0u, Assert.Single(bus.Transfers).MessageFormat);
    }

    [Fact]
    public async Task Mapper_ScheduledEnqueueTime_OnTheWireAndHonoured()
    {
        var time = new FakeTimeProvider(Start);
        await using var bus = await StartAsync(time);
        await using var connection = Connect(bus, time);
        var sender = await connection.GetSenderAsync(Orders, default);
        var order = Order("acc-9");

        await sender.Link.SendAsync(OrderMessages.ToAmqp(order, Start, Start.AddMinutes(5)));

        var stored = Assert.Single(bus.Messages(Orders));
        Assert.Equal(Start.AddMinutes(5).UtcDateTime, stored.MessageAnnotations[new Symbol("x-opt-scheduled-enqueue-time")]);
        await using var receiver = new ServiceBusReceiver(connection, Orders, sessions: true, "acc-9");
        Assert.Empty(await receiver.ReceiveAsync(1, TimeSpan.FromMilliseconds(300)));
        time.Advance(TimeSpan.FromMinutes(6));
        var received = await ReceiveAsync(receiver, 1);
        Assert.Equal(order.OrderId, received[0].MessageId);
    }

    [Fact]
    public async Task Publish_Batched_TransfersInBatchFormatUnpackedIntoEveryOrderInOrder()
    {
        await using var bus = await StartAsync(TimeProvider.System);
        await using var connection = new ServiceBusConnection(new ServiceBusOptions { ConnectionString = bus.ConnectionString, MaxBatchBytes = 16 * 1024 }, null, TimeProvider.System);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);
        var orders = Fresh(TestOrders.Many(100));

        await publisher.PublishAsync(orders);

        Assert.True(publisher.Batching);
        var transfers = bus.Transfers;
        Assert.True(transfers.Count > 1);
        Assert.All(transfers, t => Assert.Equal(EmulatedServiceBus.BatchMessageFormat, t.MessageFormat));
        Assert.All(transfers, t => Assert.True(t.SizeBytes <= 16 * 1024, $"{t.SizeBytes}"));
        Assert.Equal(100, transfers.Sum(t => t.MessageCount));
        Assert.Equal(transfers.Count, publisher.AcceptedTransfers);
        Assert.Equal(orders.Select(o => o.OrderId), bus.Messages(Orders).Select(m => (string)m.Properties.MessageId));
        Assert.Equal(orders[42].Body, Encoding.UTF8.GetString(((Data)bus.Messages(Orders)[42].BodySection).Binary));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Publish_SameOrdersAgain_DroppedByDuplicateDetection(bool batching)
    {
        await using var bus = await StartAsync(TimeProvider.System);
        await using var connection = Connect(bus, TimeProvider.System, batching);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);
        var orders = Fresh(TestOrders.Many(20));

        await publisher.PublishAsync(orders);
        await publisher.PublishAsync(orders);

        Assert.Equal(20, bus.Messages(Orders).Count);
        Assert.Equal(20, bus.DuplicatesDroppedIn(Orders));
        Assert.Equal(40, publisher.AcceptedMessages);
    }

    [Fact]
    public async Task Receive_SessionFilter_GetsOnlyThatAccountsOrders_OrTheNextAvailableSession()
    {
        await using var bus = await StartAsync(TimeProvider.System);
        await using var connection = Connect(bus, TimeProvider.System);
        StoredOrder[] orders = [Order("acc-a", 1), Order("acc-b", 1), Order("acc-a", 2), Order("acc-b", 2)];
        await new ServiceBusOrderPublisher(connection, TimeProvider.System).PublishAsync(orders);

        await using var forB = new ServiceBusReceiver(connection, Orders, sessions: true, "acc-b");
        var b = await ReceiveAsync(forB, 2);
        Assert.Equal([orders[1].OrderId, orders[3].OrderId], b.Select(m => m.MessageId));
        Assert.All(b, m => Assert.Equal("acc-b", m.SessionId));
        Assert.Equal("acc-b", forB.SessionId);

        await using var any = new ServiceBusReceiver(connection, Orders, sessions: true);
        var next = await ReceiveAsync(any, 2);
        Assert.Equal("acc-a", any.SessionId);
        Assert.Equal([orders[0].OrderId, orders[2].OrderId], next.Select(m => m.MessageId));
    }

    [Fact]
    public async Task EventInbox_CompleteAbandonDeadLetter_AsServiceBusSettlesThem()
    {
        await using var bus = await StartAsync(TimeProvider.System);
        bus.Enqueue(Events, Event("e1", "{\"v\":1}"));
        bus.Enqueue(Events, Event("e2", "{\"v\":1,\"kind\":\"bogus\"}"));
        bus.Enqueue(Events, Event("e3", "{\"v\":1}"));
        await using var connection = Connect(bus, TimeProvider.System);
        await using var receiver = new ServiceBusReceiver(connection, Events, sessions: false);
        var inbox = new ServiceBusEventInbox(receiver);

        var received = await ReceiveAsync(inbox, 3);

        Assert.Equal(["e1", "e2", "e3"], received.Select(m => m.MessageId));
        Assert.Equal("{\"v\":1}", received[0].Body);
        await inbox.CompleteAsync(received[0]);
        await inbox.DeadLetterAsync(received[1], "MalformedEvent", "kind 'bogus' is not an event kind");
        await inbox.AbandonAsync(received[2]);

        var again = Assert.Single(await inbox.ReceiveAsync(3, Wait));
        Assert.Equal("e3", again.MessageId);
        Assert.Equal(1, again.DeliveryCount);
        await inbox.CompleteAsync(again);
        var dead = Assert.Single(bus.DeadLetters(Events));
        Assert.Equal("e2", dead.Properties.MessageId);
        Assert.Equal("MalformedEvent", dead.ApplicationProperties["DeadLetterReason"]);
        Assert.Equal("kind 'bogus' is not an event kind", dead.ApplicationProperties["DeadLetterErrorDescription"]);
        await UntilAsync(() => bus.Messages(Events).Count == 0);
    }

    [Fact]
    public async Task Publish_AfterTheHostDropsTheConnection_ReconnectsAndAuthorisesAgain()
    {
        await using var bus = await StartAsync(TimeProvider.System);
        await using var connection = new ServiceBusConnection(
            new ServiceBusOptions { ConnectionString = bus.ConnectionString, ReconnectMinDelay = TimeSpan.FromMilliseconds(20), ReconnectMaxDelay = TimeSpan.FromMilliseconds(200) }, null, TimeProvider.System);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);
        await publisher.PublishAsync([Order("acc-1")]);

        Assert.Equal(1, await bus.DropConnectionsAsync());
        await UntilAsync(() => bus.OpenConnections == 0);
        await publisher.PublishAsync([Order("acc-2")]);

        Assert.Equal(2, connection.Connects);
        Assert.Equal(2, bus.PutTokenRequests.Count);
        Assert.Equal(2, bus.Messages(Orders).Count);
    }

    [Fact]
    public async Task Receive_AfterTheHostDropsTheConnection_FailsThenReattachesAndGetsTheMessageAgain()
    {
        await using var bus = await StartAsync(TimeProvider.System);
        bus.Enqueue(Events, Event("e1", "{}"));
        await using var connection = new ServiceBusConnection(
            new ServiceBusOptions { ConnectionString = bus.ConnectionString, ReconnectMinDelay = TimeSpan.FromMilliseconds(20), ReconnectMaxDelay = TimeSpan.FromMilliseconds(200) }, null, TimeProvider.System);
        await using var receiver = new ServiceBusReceiver(connection, Events, sessions: false);
        var first = Assert.Single(await receiver.ReceiveAsync(1, Wait));

        Assert.True(connection.IsOpen);
        await bus.DropConnectionsAsync();
        await UntilAsync(() => !connection.IsOpen);

        var late = await Assert.ThrowsAsync<ServiceBusException>(() => receiver.CompleteAsync(first));
        Assert.True(late.IsConnectionLoss);
        Assert.Contains("its lock lapses", late.Message, StringComparison.Ordinal);
        var again = await ReceiveAllowingOneLossAsync(receiver);
        Assert.Equal("e1", again.MessageId);
        Assert.Equal(1, again.DeliveryCount);
        await receiver.CompleteAsync(again);
        await UntilAsync(() => bus.Messages(Events).Count == 0);
    }

    [Fact]
    public async Task Publish_AfterTheBrokerDetachedTheSender_AttachesAFreshLinkOnTheSameConnection()
    {
        await using var bus = await StartAsync(TimeProvider.System);
        await using var connection = Connect(bus, TimeProvider.System, batching: false);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);
        await publisher.PublishAsync([Order("acc-1")]);

        Assert.Equal(1, bus.DetachLinks(Orders));
        await publisher.PublishAsync([Order("acc-2")]);

        Assert.Equal(2, bus.Messages(Orders).Count);
        Assert.Equal(1, connection.Connects);
    }

    [Fact]
    public async Task Publish_BrokerRejects_FailsNamingTheOrderAndTheCondition_OthersAccepted()
    {
        await using var bus = await StartAsync(TimeProvider.System);
        await using var connection = Connect(bus, TimeProvider.System, batching: false);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);
        await publisher.PublishAsync([Order("acc-0")]);
        var orders = Fresh(TestOrders.Many(4));

        bus.RejectNext(1, "com.microsoft:server-busy", "The server is busy.");
        var ex = await Assert.ThrowsAsync<ServiceBusPublishException>(() => publisher.PublishAsync(orders));

        Assert.Equal([orders[0].OrderId], ex.OrderIds);
        Assert.Contains("did not accept 1 of 4 orders", ex.Message, StringComparison.Ordinal);
        Assert.Contains("rejected: com.microsoft:server-busy: The server is busy.", ex.Message, StringComparison.Ordinal);
        Assert.False(ex.IsConnectionLoss);
        Assert.Equal(4, bus.Messages(Orders).Count);
    }

    [Fact]
    public async Task Publish_Released_FailsAndTheRelayResendIsDeduplicated()
    {
        await using var bus = await StartAsync(TimeProvider.System);
        await using var connection = Connect(bus, TimeProvider.System, batching: false);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);
        var orders = Fresh(TestOrders.Many(3));

        bus.ReleaseNext(1);
        var ex = await Assert.ThrowsAsync<ServiceBusPublishException>(() => publisher.PublishAsync(orders));
        Assert.Contains("released by the broker", ex.Message, StringComparison.Ordinal);

        await publisher.PublishAsync(orders);
        Assert.Equal(orders.Select(o => o.OrderId).Order(), bus.Messages(Orders).Select(m => (string)m.Properties.MessageId).Order());
        Assert.Equal(2, bus.DuplicatesDroppedIn(Orders));
    }

    [Fact]
    public async Task Publish_AcceptSlowerThanSendTimeout_FailsAsATimeout()
    {
        await using var bus = await StartAsync(TimeProvider.System);
        await using var connection = new ServiceBusConnection(new ServiceBusOptions { ConnectionString = bus.ConnectionString, Batching = false, SendTimeout = TimeSpan.FromMilliseconds(300) }, null, TimeProvider.System);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);
        await publisher.PublishAsync([Order("acc-0")]);

        bus.DelayAccept(TimeSpan.FromSeconds(3));
        var ex = await Assert.ThrowsAsync<ServiceBusPublishException>(() => publisher.PublishAsync(Fresh(TestOrders.Many(3))));

        Assert.Equal(3, ex.OrderIds.Count);
        Assert.Contains("(SendTimeout)", ex.Message, StringComparison.Ordinal);
        bus.DelayAccept(TimeSpan.Zero);
    }

    [Fact]
    public async Task Receive_NextAvailableSession_NoneThere_EmptyAfterTheBrokersTimeout()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions
        {
            SessionAcceptTimeout = TimeSpan.FromMilliseconds(300),
            Queues = [new EmulatedQueueOptions(Orders) { RequiresSession = true }],
        });
        await using var connection = Connect(bus, TimeProvider.System);
        await using var receiver = new ServiceBusReceiver(connection, Orders, sessions: true);

        Assert.Empty(await receiver.ReceiveAsync(10, TimeSpan.FromMilliseconds(100)));

        await new ServiceBusOrderPublisher(connection, TimeProvider.System).PublishAsync([Order("acc-late")]);
        var message = Assert.Single(await receiver.ReceiveAsync(10, Wait));
        Assert.Equal("acc-late", receiver.SessionId);
        Assert.Equal("acc-late", message.SessionId);
    }

    [Fact]
    public async Task Publish_CbsNeverAnswers_TimesOutSayingItWasAuthorising()
    {
        await using var bus = await StartAsync(TimeProvider.System);
        bus.AnswerCbs = false;
        await using var connection = new ServiceBusConnection(new ServiceBusOptions { ConnectionString = bus.ConnectionString, OperationTimeout = TimeSpan.FromMilliseconds(500) }, null, TimeProvider.System);

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => new ServiceBusOrderPublisher(connection, TimeProvider.System).PublishAsync([Order("acc-1")]));

        Assert.Equal($"Service Bus namespace '127.0.0.1': no sender to queue '{Orders}' within 00:00:00.5000000 (OperationTimeout), stuck authorising (CBS put-token)", ex.Message);
    }

    [Fact]
    public async Task Token_CredentialHandsOutATokenInsideTheRenewalWindow_RenewedEvery30SecondsNotInALoop()
    {
        var time = new FakeTimeProvider(Start);
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions { TimeProvider = time, JwtValidator = _ => true });
        var credential = new StaticCredential("eyJ.short", Start.AddMinutes(2));
        await using var connection = new ServiceBusConnection(EntraOptions(bus), credential, time);
        var publisher = new ServiceBusOrderPublisher(connection, time);

        await publisher.PublishAsync([Order("acc-1")]);
        await publisher.PublishAsync([Order("acc-2")]);
        await Task.Delay(200);
        Assert.Single(bus.PutTokenRequests);

        time.Advance(TimeSpan.FromSeconds(30));
        await UntilAsync(() => bus.PutTokenRequests.Count == 2);
        await Task.Delay(200);
        Assert.Equal(2, bus.PutTokenRequests.Count);
    }

    [Fact]
    public async Task Connection_IdleLongerThanItsIdleTimeout_KeptOpenByHeartbeats()
    {
        await using var bus = await StartAsync(TimeProvider.System);
        await using var connection = new ServiceBusConnection(new ServiceBusOptions { ConnectionString = bus.ConnectionString }, null, TimeProvider.System) { IdleTimeout = TimeSpan.FromMilliseconds(400) };
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);
        await publisher.PublishAsync([Order("acc-1")]);

        await Task.Delay(1500);
        await publisher.PublishAsync([Order("acc-2")]);

        Assert.True(connection.IsOpen);
        Assert.Equal(1, connection.Connects);
    }

    [Fact]
    public async Task Receive_KeyWithoutListen_RefusedNamingTheClaimAndTheCondition()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions
        {
            SharedAccessKeys = new Dictionary<string, string> { ["SendOnly"] = "send-key" },
            KeyRights = new Dictionary<string, AccessRights> { ["SendOnly"] = AccessRights.Send },
        });
        var options = new ServiceBusOptions { ConnectionString = $"Endpoint=sb://127.0.0.1:{bus.Port}/;SharedAccessKeyName=SendOnly;SharedAccessKey=send-key;UseDevelopmentEmulator=true" };
        await using var connection = new ServiceBusConnection(options, null, TimeProvider.System);
        await new ServiceBusOrderPublisher(connection, TimeProvider.System).PublishAsync([Order("acc-1")]);
        await using var receiver = new ServiceBusReceiver(connection, Events, sessions: false);

        var ex = await Assert.ThrowsAsync<ServiceBusException>(() => receiver.ReceiveAsync(1, Wait));

        Assert.Equal("amqp:unauthorized-access", ex.Condition);
        Assert.False(ex.IsConnectionLoss);
        Assert.Contains($"Service Bus namespace '127.0.0.1' refused a receiver on queue '{Events}': amqp:unauthorized-access:", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'Listen' claim(s) are required", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("guest", true)]
    [InlineData("wrong", false)]
    public async Task Connect_SaslPlainWithoutCbs_AsForALocalBroker(string password, bool accepted)
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions { RequireCbs = false, SaslUser = "guest", SaslPassword = "guest" });
        var options = new ServiceBusOptions { ConnectionString = bus.ConnectionString, UseCbs = false, SaslUser = "guest", SaslPassword = password, OperationTimeout = Wait };
        await using var connection = new ServiceBusConnection(options, null, TimeProvider.System);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);

        if (accepted)
        {
            await publisher.PublishAsync([Order("acc-1")]);
            Assert.Single(bus.Messages(Orders));
            Assert.Empty(bus.PutTokenRequests);
            Assert.False(publisher.Batching);
        }
        else
        {
            var ex = await Assert.ThrowsAsync<ServiceBusException>(() => publisher.PublishAsync([Order("acc-1")]));
            Assert.Contains($"cannot connect to amqp://127.0.0.1:{bus.Port}", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Connect_Refused_FailsAtOnceUntilTheBackoffHasPassed_ThenTriesAgain()
    {
        var time = new FakeTimeProvider(Start);
        var port = FreePort();
        var options = new ServiceBusOptions
        {
            ConnectionString = $"Endpoint=sb://127.0.0.1:{port}/;SharedAccessKeyName=k;SharedAccessKey=a2V5;UseDevelopmentEmulator=true",
            ReconnectMinDelay = TimeSpan.FromMilliseconds(200),
            ReconnectMaxDelay = TimeSpan.FromSeconds(10),
        };
        await using var connection = new ServiceBusConnection(options, null, time, () => 0.5);
        var publisher = new ServiceBusOrderPublisher(connection, time);
        await using var receiver = new ServiceBusReceiver(connection, Events, sessions: false);

        // The first connect is refused; the publisher's one retry falls inside attempt 1's backoff (200 ms) and fails at once.
        // The clock does not move: a call that waited out the backoff would never return.
        var first = await Assert.ThrowsAsync<ServiceBusException>(() => publisher.PublishAsync([Order("acc-1")]).WaitAsync(Wait));
        Assert.True(first.IsConnectionLoss);
        Assert.StartsWith($"Service Bus namespace '127.0.0.1': cannot connect to amqp://127.0.0.1:{port}: not trying again before 2026-11-24T12:00:00.200Z", first.Message, StringComparison.Ordinal);
        Assert.Equal(1, connection.ConnectAttempts);

        time.Advance(TimeSpan.FromMilliseconds(199));
        var inside = await Assert.ThrowsAsync<ServiceBusException>(() => receiver.ReceiveAsync(1, Wait).WaitAsync(Wait));
        Assert.True(inside.IsConnectionLoss);
        Assert.Contains("(reconnect backoff, 1 ms left after 1 failed attempt(s); last: ", inside.Message, StringComparison.Ordinal);
        Assert.Equal(1, connection.ConnectAttempts);

        // The window has passed: the next call tries again, and its failure opens attempt 2's window (200 + 0.5 * (400 - 200) ms).
        time.Advance(TimeSpan.FromMilliseconds(1));
        var again = await Assert.ThrowsAsync<ServiceBusException>(() => publisher.PublishAsync([Order("acc-1")]).WaitAsync(Wait));
        Assert.Equal(2, connection.ConnectAttempts);
        Assert.Contains("not trying again before 2026-11-24T12:00:00.500Z", again.Message, StringComparison.Ordinal);
        Assert.Equal(0, connection.Connects);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Receive_SettlingGivesNoCredit_AMessageNotAskedForKeepsDeliveryCountZero(bool abandon)
    {
        await using var bus = await StartAsync(TimeProvider.System);
        bus.Enqueue(Events, Event("a", "{}"));
        await using var connection = Connect(bus, TimeProvider.System);
        await using (var receiver = new ServiceBusReceiver(connection, Events, sessions: false))
        {
            var a = Assert.Single(await receiver.ReceiveAsync(1, Wait));
            if (abandon)
            {
                await receiver.AbandonAsync(a);
            }
            else
            {
                await receiver.CompleteAsync(a);
            }

            bus.Enqueue(Events, Event("b", "{}"));

            // Time for the broker to push "b" (and "a" again) into this receiver, had settling given the credit back.
            await Task.Delay(300);
        }

        await using var next = new ServiceBusReceiver(connection, Events, sessions: false);
        var received = await ReceiveAsync(next, abandon ? 2 : 1);
        Assert.Equal(0, received.Single(m => m.MessageId == "b").DeliveryCount);
        if (abandon)
        {
            Assert.Equal(1, received.Single(m => m.MessageId == "a").DeliveryCount);
        }
    }

    [Fact]
    public async Task Receive_NextAvailableSession_WaitsTheReceivesWaitNotTheOperationTimeout()
    {
        await using var bus = await StartAsync(TimeProvider.System);
        await using var connection = new ServiceBusConnection(new ServiceBusOptions { ConnectionString = bus.ConnectionString, Batching = false, OperationTimeout = TimeSpan.FromMilliseconds(500) }, null, TimeProvider.System);
        await using var receiver = new ServiceBusReceiver(connection, Orders, sessions: true);

        // Service Bus holds the attach until a session has messages; one turns up after the 500 ms OperationTimeout.
        var receiving = receiver.ReceiveAsync(1, TimeSpan.FromSeconds(5));
        await Task.Delay(1200);
        await new ServiceBusOrderPublisher(connection, TimeProvider.System).PublishAsync([Order("acc-late")]);

        var message = Assert.Single(await receiving.WaitAsync(Wait));
        Assert.Equal("acc-late", message.SessionId);
        Assert.Equal("acc-late", receiver.SessionId);
    }

    [Fact]
    public async Task Receive_NextAvailableSession_NoneWithinTheWait_EmptyAfterAboutTheWait()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions
        {
            SessionAcceptTimeout = TimeSpan.FromSeconds(30),
            Queues = [new EmulatedQueueOptions(Orders) { RequiresSession = true }],
        });
        await using var connection = new ServiceBusConnection(new ServiceBusOptions { ConnectionString = bus.ConnectionString, OperationTimeout = TimeSpan.FromMilliseconds(300) }, null, TimeProvider.System);
        await using var receiver = new ServiceBusReceiver(connection, Orders, sessions: true);

        // The attach carries com.microsoft:timeout = the wait, so the broker answers after it (not after its own 30 s).
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.Empty(await receiver.ReceiveAsync(1, TimeSpan.FromMilliseconds(800)));
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(700), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Receive_SessionEndedByTheBroker_NextPublishAndReceiveWorkOnAFreshSession()
    {
        // CBS off, as for RabbitMQ (with CBS the ended session also closes the $cbs links, which the connection already noticed).
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions { RequireCbs = false });
        bus.Enqueue(Events, Event("e1", "{}"));
        await using var connection = new ServiceBusConnection(
            new ServiceBusOptions { ConnectionString = bus.ConnectionString, UseCbs = false, ReconnectMinDelay = TimeSpan.FromMilliseconds(20), ReconnectMaxDelay = TimeSpan.FromMilliseconds(200) }, null, TimeProvider.System);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);
        await publisher.PublishAsync([Order("acc-1")]);
        await using var receiver = new ServiceBusReceiver(connection, Events, sessions: false);
        var first = Assert.Single(await receiver.ReceiveAsync(1, Wait));

        // As RabbitMQ does after an abandon: the session ends, the connection stays.
        Assert.Equal(1, bus.EndSessions("amqp:invalid-field", "Unrecognised state"));
        await UntilAsync(() => !connection.IsOpen);
        Assert.Equal(1, bus.OpenConnections);

        var late = await Assert.ThrowsAsync<ServiceBusException>(() => receiver.CompleteAsync(first));
        Assert.True(late.IsConnectionLoss);
        await publisher.PublishAsync([Order("acc-2")]);
        var again = Assert.Single(await receiver.ReceiveAsync(1, Wait));
        Assert.Equal("e1", again.MessageId);
        Assert.Equal(1, again.DeliveryCount);
        await receiver.CompleteAsync(again);
        Assert.Equal(2, bus.Messages(Orders).Count);
        Assert.Equal(2, connection.Connects);
        await UntilAsync(() => bus.Messages(Events).Count == 0);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Publish_ThenReceive_EveryOrderArrivesAsMapped(bool batching)
    {
        await using var bus = await EmulatedServiceBus.StartAsync();
        await using var connection = Connect(bus, TimeProvider.System, batching);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);
        var orders = Fresh(TestOrders.Many(120));

        await publisher.PublishAsync(orders);

        Assert.Equal(120, publisher.AcceptedMessages);
        Assert.Equal(batching, publisher.AcceptedTransfers < 120);
        Assert.All(bus.Transfers, t => Assert.Equal(batching ? EmulatedServiceBus.BatchMessageFormat : 0u, t.MessageFormat));
        await using var receiver = new ServiceBusReceiver(connection, Orders, sessions: false);
        var received = new List<ReceivedMessage>();
        while (received.Count < 120)
        {
            var batch = await receiver.ReceiveAsync(50, Wait);
            Assert.NotEmpty(batch);
            Assert.True(batch.Count <= 50);
            received.AddRange(batch);
            foreach (var message in batch)
            {
                await receiver.CompleteAsync(message);
            }
        }

        Assert.Equal(orders.Select(o => o.OrderId), received.Select(r => r.MessageId));
        Assert.Equal(orders[0].AccountId, received[0].SessionId);
        Assert.Equal("liquidation-order", received[0].Subject);
        Assert.Equal(orders[0].Body, Encoding.UTF8.GetString(received[0].Body.Span));
        await UntilAsync(() => bus.Messages(Orders).Count == 0);
    }

    [Fact]
    public async Task Publish_OversizeOrderInABatch_SendsTheOthersAndNamesIt()
    {
        await using var bus = await StartAsync(TimeProvider.System);
        await using var connection = new ServiceBusConnection(new ServiceBusOptions { ConnectionString = bus.ConnectionString, Batching = true, MaxBatchBytes = 4096 }, null, TimeProvider.System);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);
        var orders = Fresh([TestOrders.Order("acc-a"), TestOrders.Order("acc-big", legs: 60), TestOrders.Order("acc-c")]);

        var ex = await Assert.ThrowsAsync<ServiceBusPublishException>(() => publisher.PublishAsync(orders));

        Assert.Equal([orders[1].OrderId], ex.OrderIds);
        Assert.Contains("MaxBatchBytes=4096", ex.Message, StringComparison.Ordinal);
        Assert.Equal([orders[0].OrderId, orders[2].OrderId], bus.Messages(Orders).Select(m => (string)m.Properties.MessageId));
    }

    [Fact]
    public async Task EventInbox_DecodesBodiesAsUtf8_WithReplacementForInvalidBytes()
    {
        await using var bus = await StartAsync(TimeProvider.System);
        bus.Enqueue(Events, Event("e1", "{\"v\":1}"));
        bus.Enqueue(Events, new Message { Properties = new Properties { MessageId = "e2" }, BodySection = new Data { Binary = [0x7b, 0xff, 0xfe, 0x7d] } });
        await using var connection = Connect(bus, TimeProvider.System);
        await using var receiver = new ServiceBusReceiver(connection, Events, sessions: false);
        var inbox = new ServiceBusEventInbox(receiver);

        var messages = await ReceiveAsync(inbox, 2);

        Assert.Equal("{\"v\":1}", messages[0].Body);
        Assert.Equal("{\uFFFD\uFFFD}", messages[1].Body);
        await inbox.CompleteAsync(messages[0]);
        await inbox.DeadLetterAsync(messages[1], "MalformedEvent", "not UTF-8 JSON");
        await UntilAsync(() => bus.Messages(Events).Count == 0);
        Assert.Equal("e2", Assert.Single(bus.DeadLetters(Events)).Properties.MessageId);
    }

    [Fact]
    public async Task Receive_NothingThere_ReturnsEmptyAfterMaxWait()
    {
        await using var bus = await StartAsync(TimeProvider.System);
        await using var connection = Connect(bus, TimeProvider.System);
        await using var receiver = new ServiceBusReceiver(connection, Events, sessions: false);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var messages = await receiver.ReceiveAsync(10, TimeSpan.FromMilliseconds(300));

        Assert.Empty(messages);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Publish_NoDisposition_TimesOutOnceForTheWholeCall_NamingEveryOrder()
    {
        await using var bus = await StartAsync(TimeProvider.System);
        await using var connection = new ServiceBusConnection(new ServiceBusOptions { ConnectionString = bus.ConnectionString, Batching = false, SendTimeout = TimeSpan.FromMilliseconds(300), MaxInFlight = 2 }, null, TimeProvider.System);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);
        var orders = Fresh(TestOrders.Many(6));
        await publisher.PublishAsync([Order("acc-warm")]);
        bus.DelayAccept(TimeSpan.FromSeconds(10));

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<ServiceBusPublishException>(() => publisher.PublishAsync(orders));

        // Not 300 ms per order: the first missing disposition stops the call, and the unsent rest fail with it.
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(3));
        Assert.Equal(orders.Select(o => o.OrderId).Order(), ex.OrderIds.Order());
        Assert.Contains("no disposition within 00:00:00.3000000 (SendTimeout)", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, publisher.AcceptedMessages);
        bus.DelayAccept(TimeSpan.Zero);
    }

    [Fact]
    public async Task Publish_ConnectionDroppedMidCall_RetriesOnceOnANewConnection()
    {
        await using var bus = await StartAsync(TimeProvider.System);
        await using var connection = new ServiceBusConnection(new ServiceBusOptions { ConnectionString = bus.ConnectionString, Batching = false, ReconnectMinDelay = TimeSpan.FromMilliseconds(20), ReconnectMaxDelay = TimeSpan.FromMilliseconds(100) }, null, TimeProvider.System);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);
        var orders = Fresh(TestOrders.Many(5));

        bus.DropConnectionOnNextTransfers(1);
        await publisher.PublishAsync(orders);

        Assert.Equal(1, publisher.Retries);
        Assert.Equal(2, connection.Connects);
        Assert.Equal(5, publisher.AcceptedMessages);
        Assert.Equal(orders.Select(o => o.OrderId), bus.Messages(Orders).Select(m => (string)m.Properties.MessageId));
    }

    [Fact]
    public async Task Publish_ConnectionDroppedTwice_FailsAsAConnectionLoss_TheNextCallReconnects()
    {
        await using var bus = await StartAsync(TimeProvider.System);
        await using var connection = new ServiceBusConnection(new ServiceBusOptions { ConnectionString = bus.ConnectionString, Batching = false, ReconnectMinDelay = TimeSpan.FromMilliseconds(20), ReconnectMaxDelay = TimeSpan.FromMilliseconds(100) }, null, TimeProvider.System);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);

        bus.DropConnectionOnNextTransfers(2);
        var ex = await Assert.ThrowsAsync<ServiceBusPublishException>(() => publisher.PublishAsync(Fresh(TestOrders.Many(3))));

        Assert.True(ex.IsConnectionLoss);
        Assert.Equal(3, ex.OrderIds.Count);
        Assert.Contains("closed", ex.Message, StringComparison.Ordinal);
        await publisher.PublishAsync(Fresh(TestOrders.Many(3)));
        Assert.Equal(3, connection.Connects);
        Assert.Equal(3, bus.Messages(Orders).Count);
    }

    [Fact]
    public async Task Receive_ConnectionLostWhileWaiting_FailsAtOnceThenReattaches()
    {
        await using var bus = await StartAsync(TimeProvider.System);
        await using var connection = new ServiceBusConnection(new ServiceBusOptions { ConnectionString = bus.ConnectionString, ReconnectMinDelay = TimeSpan.FromMilliseconds(20), ReconnectMaxDelay = TimeSpan.FromMilliseconds(200) }, null, TimeProvider.System);
        await using var receiver = new ServiceBusReceiver(connection, Events, sessions: false);
        Assert.Empty(await receiver.ReceiveAsync(1, TimeSpan.FromMilliseconds(50)));
        var waiting = receiver.ReceiveAsync(1, TimeSpan.FromSeconds(30));

        await bus.DropConnectionsAsync();

        var ex = await Assert.ThrowsAsync<ServiceBusException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.True(ex.IsConnectionLoss);
        bus.Enqueue(Events, Event("after", "{}"));
        var message = Assert.Single(await receiver.ReceiveAsync(1, Wait));
        Assert.Equal("after", message.MessageId);
        Assert.Equal(2, connection.Connects);
    }

    private static int FreePort()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private static Task<EmulatedServiceBus> StartAsync(TimeProvider time) =>
        EmulatedServiceBus.StartAsync(new EmulatorOptions
        {
            TimeProvider = time,
            Queues =
            [
                new EmulatedQueueOptions(Orders) { RequiresSession = true, DuplicateDetection = true },
                new EmulatedQueueOptions(Events) { MaxDeliveryCount = 5 },
            ],
        });

    private static ServiceBusConnection Connect(EmulatedServiceBus bus, TimeProvider time, bool batching = false) =>
        new(new ServiceBusOptions { ConnectionString = bus.ConnectionString, Batching = batching, OperationTimeout = Wait, SendTimeout = Wait }, null, time);

    private static ServiceBusOptions EntraOptions(EmulatedServiceBus bus) =>
        new() { FullyQualifiedNamespace = "127.0.0.1", UseTls = false, Port = bus.Port, Batching = false, OperationTimeout = Wait };

    // Orders expire 10 minutes after the real clock, so neither the real nor a fake clock at Start sees them expired.
    private static StoredOrder Order(string account, int episode = 1) =>
        TestOrders.Order(account, episode) with { ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(10) };

    private static StoredOrder[] Fresh(IReadOnlyList<StoredOrder> orders) =>
        orders.Select(o => o with { ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(10) }).ToArray();

    private static Message Event(string id, string json) =>
        new() { Properties = new Properties { MessageId = id }, BodySection = new Data { Binary = Encoding.UTF8.GetBytes(json) } };

    private static async Task<List<ReceivedMessage>> ReceiveAsync(ServiceBusReceiver receiver, int count)
    {
        var received = new List<ReceivedMessage>();
        while (received.Count < count)
        {
            var batch = await receiver.ReceiveAsync(count - received.Count, Wait);
            Assert.NotEmpty(batch);
            received.AddRange(batch);
        }

        return received;
    }

    private static async Task<List<Sweep.Ports.InboxMessage>> ReceiveAsync(ServiceBusEventInbox inbox, int count)
    {
        var received = new List<Sweep.Ports.InboxMessage>();
        while (received.Count < count)
        {
            var batch = await inbox.ReceiveAsync(count, Wait);
            Assert.NotEmpty(batch);
            received.AddRange(batch);
        }

        return received;
    }

    private sealed class StaticCredential(string token, DateTimeOffset expiresOn) : TokenCredential
    {
        public string[] Scopes { get; private set; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Scopes = requestContext.Scopes;
            return new AccessToken(token, expiresOn);
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
