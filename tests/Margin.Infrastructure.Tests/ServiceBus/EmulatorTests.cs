using Amqp;
using Amqp.Framing;
using Amqp.Sasl;
using Amqp.Types;
using Margin.Infrastructure.ServiceBus;
using Margin.Testing.ServiceBus;
using Microsoft.Extensions.Time.Testing;

namespace Margin.Infrastructure.Tests.ServiceBus;

/// <summary>
/// The emulated Service Bus, driven by raw AMQPNetLite clients (not the project's client): these show it reproduces the
/// behaviour contract tests rely on — CBS put-token with real SAS checks, per-connection authorisation, duplicate
/// detection, batches, sessions, peek-lock settlement, dead-lettering and dropped connections.
/// </summary>
public sealed class EmulatorTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task ConnectionString_ParsedByServiceBusConnectionString_GivesLoopbackPortKeyAndEmulatorFlag()
    {
        await using var bus = await EmulatedServiceBus.StartAsync();

        var parsed = ServiceBusConnectionString.Parse(bus.ConnectionString);

        Assert.Equal("127.0.0.1", parsed.Host);
        Assert.Equal(bus.Port, parsed.Port);
        Assert.Equal(EmulatorOptions.DefaultKeyName, parsed.KeyName);
        Assert.Equal(EmulatorOptions.DefaultKey, parsed.Key);
        Assert.True(parsed.UseDevelopmentEmulator);
    }

    [Fact]
    public async Task StartAsync_TwoHosts_GetDifferentFreePorts()
    {
        await using var first = await EmulatedServiceBus.StartAsync();
        await using var second = await EmulatedServiceBus.StartAsync();

        Assert.NotEqual(first.Port, second.Port);
    }

    [Fact]
    public async Task PutToken_ValidSas_Answers202WithCorrelationIdAndRecordsTheRequest()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions { TimeProvider = time });
        var audience = bus.AudienceFor("orders");
        var expiry = time.GetUtcNow().AddHours(1);
        var token = bus.CreateSasToken(audience, expiry);
        await using var client = await Client.ConnectAsync(bus);

        var reply = await client.PutTokenAsync(EmulatedServiceBus.SasTokenType, audience, token, expiry, "request-1");

        Assert.Equal(202, reply.ApplicationProperties["status-code"]);
        Assert.Equal("request-1", reply.Properties.CorrelationId);
        var record = Assert.Single(bus.PutTokenRequests);
        Assert.Equal("put-token", record.Operation);
        Assert.Equal(EmulatedServiceBus.SasTokenType, record.Type);
        Assert.Equal(audience, record.Name);
        Assert.Equal(token, record.Token);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(expiry.ToUnixTimeSeconds()), record.Expiration);
        Assert.IsType<DateTime>(record.ExpirationValue);
        Assert.Equal(time.GetUtcNow(), record.ReceivedAt);
        Assert.True(record.Answered);
    }

    [Fact]
    public async Task PutToken_SignedWithWrongKey_Answers401NamingTheSignature()
    {
        await using var bus = await EmulatedServiceBus.StartAsync();
        var audience = bus.AudienceFor("orders");
        var token = SasTokens.Create(audience, EmulatorOptions.DefaultKeyName, "not-the-key", DateTimeOffset.UtcNow.AddHours(1));
        await using var client = await Client.ConnectAsync(bus);

        var reply = await client.PutTokenAsync(EmulatedServiceBus.SasTokenType, audience, token, null);

        Assert.Equal(401, reply.ApplicationProperties["status-code"]);
        Assert.Contains("invalid signature", (string)reply.ApplicationProperties["status-description"], StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task PutToken_UnknownKeyName_Answers401()
    {
        await using var bus = await EmulatedServiceBus.StartAsync();
        var audience = bus.AudienceFor("orders");
        var token = SasTokens.Create(audience, "SendOnly", EmulatorOptions.DefaultKey, DateTimeOffset.UtcNow.AddHours(1));
        await using var client = await Client.ConnectAsync(bus);

        var reply = await client.PutTokenAsync(EmulatedServiceBus.SasTokenType, audience, token, null);

        Assert.Equal(401, reply.ApplicationProperties["status-code"]);
        Assert.Contains("SendOnly", (string)reply.ApplicationProperties["status-description"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutToken_ExpiredByTheEmulatorsClock_Answers401()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions { TimeProvider = time });
        var audience = bus.AudienceFor("orders");
        var token = bus.CreateSasToken(audience, time.GetUtcNow().AddMinutes(5));
        time.Advance(TimeSpan.FromMinutes(6));
        await using var client = await Client.ConnectAsync(bus);

        var reply = await client.PutTokenAsync(EmulatedServiceBus.SasTokenType, audience, token, null);

        Assert.Equal(401, reply.ApplicationProperties["status-code"]);
        Assert.Contains("expired", (string)reply.ApplicationProperties["status-description"], StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task PutToken_AudienceOutsideTheTokensResource_Answers403()
    {
        await using var bus = await EmulatedServiceBus.StartAsync();
        var token = bus.CreateSasToken(bus.AudienceFor("events"), DateTimeOffset.UtcNow.AddHours(1));
        await using var client = await Client.ConnectAsync(bus);

        var reply = await client.PutTokenAsync(EmulatedServiceBus.SasTokenType, bus.AudienceFor("orders"), token, null);

        Assert.Equal(403, reply.ApplicationProperties["status-code"]);
    }

    [Fact]
    public async Task PutToken_NamespaceTokenWithSbScheme_CoversAQueueAudienceWithAmqpScheme()
    {
        await using var bus = await EmulatedServiceBus.StartAsync();
        var token = bus.CreateSasToken($"sb://{bus.Host}/", DateTimeOffset.UtcNow.AddHours(1));
        await using var client = await Client.ConnectAsync(bus);

        var reply = await client.PutTokenAsync(EmulatedServiceBus.SasTokenType, bus.AudienceFor("orders"), token, null);

        Assert.Equal(202, reply.ApplicationProperties["status-code"]);
    }

    [Theory]
    [InlineData("good-jwt", 202)]
    [InlineData("forged-jwt", 401)]
    public async Task PutToken_Jwt_AcceptedOnlyWhenTheValidatorSaysSo(string token, int expected)
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions { JwtValidator = t => t == "good-jwt" });
        await using var client = await Client.ConnectAsync(bus);

        var reply = await client.PutTokenAsync("jwt", bus.AudienceFor("orders"), token, DateTimeOffset.UtcNow.AddHours(1));

        Assert.Equal(expected, reply.ApplicationProperties["status-code"]);
        Assert.Equal("jwt", Assert.Single(bus.PutTokenRequests).Type);
    }

    [Fact]
    public async Task PutToken_CbsAnswersSwitchedOff_RequestRecordedButNeverAnswered()
    {
        await using var bus = await EmulatedServiceBus.StartAsync();
        bus.AnswerCbs = false;
        await using var client = await Client.ConnectAsync(bus);

        var reply = await client.PutTokenOrNoReplyAsync(EmulatedServiceBus.SasTokenType, bus.AudienceFor("orders"), bus.CreateSasToken(bus.AudienceFor("orders"), DateTimeOffset.UtcNow.AddHours(1)), null, null, TimeSpan.FromMilliseconds(500));

        Assert.Null(reply);
        Assert.False(Assert.Single(bus.PutTokenRequests).Answered);
    }

    [Fact]
    public async Task SenderAttach_WithoutAToken_RefusedWithUnauthorizedAccess()
    {
        await using var bus = await EmulatedServiceBus.StartAsync();
        await using var client = await Client.ConnectAsync(bus);
        var sender = new SenderLink(client.Session, "s", "orders");

        var error = await Assert.ThrowsAsync<AmqpException>(() => sender.SendAsync(new Message("x")));

        Assert.Equal(ErrorCode.UnauthorizedAccess, error.Error.Condition.ToString());
        Assert.Empty(bus.Messages("orders"));
    }

    [Fact]
    public async Task ReceiverAttach_TokenForAnotherQueueOnly_RefusedWithUnauthorizedAccess()
    {
        await using var bus = await EmulatedServiceBus.StartAsync();
        await using var client = await Client.ConnectAsync(bus);
        await client.AuthorizeAsync(bus, "events");
        var receiver = new ReceiverLink(client.Session, "r", "orders");

        var error = await Assert.ThrowsAsync<AmqpException>(() => receiver.ReceiveAsync(Wait));

        Assert.Equal(ErrorCode.UnauthorizedAccess, error.Error.Condition.ToString());
    }

    [Fact]
    public async Task Send_WithAValidToken_StoresTheMessageWithSequenceNumberAndEnqueueTime()
    {
        await using var bus = await EmulatedServiceBus.StartAsync();
        await using var client = await Client.ConnectAsync(bus);
        await client.AuthorizeAsync(bus, "orders");
        var sender = new SenderLink(client.Session, "s", "orders");

        await sender.SendAsync(new Message("first") { Properties = new Properties { MessageId = "a" } });
        await sender.SendAsync(new Message("second") { Properties = new Properties { MessageId = "b" } });

        var stored = bus.Messages("orders");
        Assert.Equal(["a", "b"], stored.Select(m => (string)m.Properties.MessageId));
        Assert.Equal([1L, 2L], stored.Select(m => (long)m.MessageAnnotations[new Symbol("x-opt-sequence-number")]));
        Assert.All(stored, m => Assert.IsType<DateTime>(m.MessageAnnotations[new Symbol("x-opt-enqueued-time")]));
    }

    [Fact]
    public async Task Send_AfterTheTokenExpires_FailsWithUnauthorizedAccess()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions { TimeProvider = time });
        await using var client = await Client.ConnectAsync(bus);
        await client.AuthorizeAsync(bus, "orders", time.GetUtcNow().AddMinutes(10));
        var sender = new SenderLink(client.Session, "s", "orders");
        await sender.SendAsync(new Message("before"));

        time.Advance(TimeSpan.FromMinutes(11));

        var error = await Assert.ThrowsAsync<AmqpException>(() => sender.SendAsync(new Message("after")));
        Assert.Equal(ErrorCode.UnauthorizedAccess, error.Error.Condition.ToString());
        Assert.Single(bus.Messages("orders"));
    }

    [Fact]
    public async Task Send_DuplicateMessageIdWithinTheWindow_AcceptedAndDropped()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions
        {
            RequireCbs = false,
            Queues = [new EmulatedQueueOptions("orders") { DuplicateDetection = true }],
        });
        await using var client = await Client.ConnectAsync(bus);
        var sender = new SenderLink(client.Session, "s", "orders");

        await sender.SendAsync(new Message("one") { Properties = new Properties { MessageId = "order-1" } });
        await sender.SendAsync(new Message("again") { Properties = new Properties { MessageId = "order-1" } });
        await sender.SendAsync(new Message("two") { Properties = new Properties { MessageId = "order-2" } });

        Assert.Equal(["order-1", "order-2"], bus.Messages("orders").Select(m => (string)m.Properties.MessageId));
        Assert.Equal("one", bus.Messages("orders")[0].Body);
        Assert.Equal(1, bus.DuplicatesDropped);
        Assert.All(bus.Transfers, t => Assert.Equal("accepted", t.Outcome));
        Assert.Equal(["order-1", "order-1", "order-2"], bus.Transfers.Select(t => Assert.Single(t.MessageIds)));
        Assert.Equal([null, "order-1", null], bus.Transfers.Select(t => t.DuplicateMessageIds.SingleOrDefault()));
        Assert.Equal([0, 1, 0], bus.Transfers.Select(t => t.DuplicateMessageIds.Count));
    }

    [Fact]
    public async Task Send_DuplicateAfterTheWindow_Stored()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions
        {
            RequireCbs = false,
            TimeProvider = time,
            Queues = [new EmulatedQueueOptions("orders") { DuplicateDetection = true, DuplicateDetectionWindow = TimeSpan.FromMinutes(1) }],
        });
        await using var client = await Client.ConnectAsync(bus);
        var sender = new SenderLink(client.Session, "s", "orders");

        await sender.SendAsync(new Message("one") { Properties = new Properties { MessageId = "order-1" } });
        time.Advance(TimeSpan.FromMinutes(2));
        await sender.SendAsync(new Message("later") { Properties = new Properties { MessageId = "order-1" } });

        Assert.Equal(2, bus.Messages("orders").Count);
        Assert.Equal(0, bus.DuplicatesDropped);
    }

    [Fact]
    public async Task Send_BatchFormat_UnpackedIntoItsMessagesEachDeduplicated()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions
        {
            RequireCbs = false,
            Queues = [new EmulatedQueueOptions("orders") { DuplicateDetection = true }],
        });
        await using var client = await Client.ConnectAsync(bus);
        var sender = new SenderLink(client.Session, "s", "orders");

        await sender.SendAsync(Batch(Inner("o-1"), Inner("o-2"), Inner("o-1"), Inner("o-3")));

        var stored = bus.Messages("orders");
        Assert.Equal(["o-1", "o-2", "o-3"], stored.Select(m => (string)m.Properties.MessageId));
        Assert.Equal("{\"id\":\"o-2\"}", System.Text.Encoding.UTF8.GetString((byte[])stored[1].Body));
        Assert.Equal("acct-o-2", stored[1].ApplicationProperties["accountId"]);
        var transfer = Assert.Single(bus.Transfers);
        Assert.Equal(EmulatedServiceBus.BatchMessageFormat, transfer.MessageFormat);
        Assert.Equal(4, transfer.MessageCount);
        Assert.Equal(["o-1", "o-2", "o-1", "o-3"], transfer.MessageIds);
        Assert.Equal(["o-1"], transfer.DuplicateMessageIds);
        Assert.Equal(1, bus.DuplicatesDropped);
    }

    [Theory]
    [InlineData("MessageId")]
    [InlineData("SessionId")]
    [InlineData("PartitionKey")]
    public async Task Send_IdLongerThan128Characters_RejectedArgumentOutOfRange(string which)
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions { RequireCbs = false, RequirePartitionKeyMatchesSession = false });
        await using var client = await Client.ConnectAsync(bus);
        var sender = new SenderLink(client.Session, "s", "orders");
        var tooLong = new string('a', 129);
        var message = new Message { BodySection = new Data { Binary = [1] }, Properties = new Properties { MessageId = "m-1" }, MessageAnnotations = new MessageAnnotations() };
        switch (which)
        {
            case "MessageId": message.Properties.MessageId = tooLong; break;
            case "SessionId": message.Properties.GroupId = tooLong; break;
            default: message.MessageAnnotations[new Symbol("x-opt-partition-key")] = tooLong; break;
        }

        var error = await Assert.ThrowsAsync<AmqpException>(() => sender.SendAsync(message));

        Assert.Equal("com.microsoft:argument-out-of-range", error.Error.Condition.ToString());
        Assert.Equal($"The {which} is 129 characters long; the maximum is 128.", error.Error.Description);
        Assert.Empty(bus.Messages("orders"));
    }

    [Fact]
    public async Task Attach_Sender_AnnouncesTheMaxMessageSize()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions { RequireCbs = false, MaxMessageSizeBytes = 4096 });
        await using var client = await Client.ConnectAsync(bus);
        var announced = new TaskCompletionSource<ulong>(TaskCreationOptions.RunContinuationsAsynchronously);
        var sender = new SenderLink(client.Session, "s", new Target { Address = "orders" }, (_, attach) => announced.TrySetResult(attach.MaxMessageSize));

        Assert.Equal(4096UL, await announced.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        await sender.CloseAsync();
    }

    [Fact]
    public async Task Send_LargerThanTheLimit_RejectedWithMessageSizeExceeded()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions { RequireCbs = false, MaxMessageSizeBytes = 1024 });
        await using var client = await Client.ConnectAsync(bus);
        var sender = new SenderLink(client.Session, "s", "orders");

        var error = await Assert.ThrowsAsync<AmqpException>(() => sender.SendAsync(new Message { BodySection = new Data { Binary = new byte[2048] } }));

        Assert.Equal("amqp:link:message-size-exceeded", error.Error.Condition.ToString());
        Assert.Empty(bus.Messages("orders"));
    }

    [Fact]
    public async Task Send_NoGroupIdToASessionQueue_RejectedAndBatchRefusedWhole()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions
        {
            RequireCbs = false,
            Queues = [new EmulatedQueueOptions("orders") { RequiresSession = true }],
        });
        await using var client = await Client.ConnectAsync(bus);
        var sender = new SenderLink(client.Session, "s", "orders");

        var single = await Assert.ThrowsAsync<AmqpException>(() => sender.SendAsync(new Message("x") { Properties = new Properties { MessageId = "m" } }));
        var noSession = Inner("o-2");
        noSession.Properties.GroupId = null;
        var batch = await Assert.ThrowsAsync<AmqpException>(() => sender.SendAsync(Batch(Inner("o-1"), noSession)));

        Assert.Equal(ErrorCode.NotAllowed, single.Error.Condition.ToString());
        Assert.Contains("SessionId was not set", single.Error.Description, StringComparison.Ordinal);
        Assert.Equal(ErrorCode.NotAllowed, batch.Error.Condition.ToString());
        Assert.Empty(bus.Messages("orders"));
    }

    [Fact]
    public async Task ReceiverAttach_SessionQueueWithoutSessionFilter_RefusedAsServiceBusDoes()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions
        {
            RequireCbs = false,
            Queues = [new EmulatedQueueOptions("orders") { RequiresSession = true }],
        });
        await using var client = await Client.ConnectAsync(bus);
        var receiver = new ReceiverLink(client.Session, "r", "orders");

        var error = await Assert.ThrowsAsync<AmqpException>(() => receiver.ReceiveAsync(Wait));

        Assert.Equal(ErrorCode.NotAllowed, error.Error.Condition.ToString());
        Assert.Contains("requires sessions", error.Error.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Receive_SessionFilterWithAnId_GetsOnlyThatSessionInOrderAndTheAttachEchoesIt()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions
        {
            RequireCbs = false,
            Queues = [new EmulatedQueueOptions("orders") { RequiresSession = true }],
        });
        bus.Enqueue("orders", Inner("a-1", "acct-a"));
        bus.Enqueue("orders", Inner("b-1", "acct-b"));
        bus.Enqueue("orders", Inner("a-2", "acct-a"));
        await using var client = await Client.ConnectAsync(bus);
        Attach? echoed = null;
        var receiver = new ReceiverLink(client.Session, "r", SessionSource("orders", "acct-a"), (_, attach) => echoed = attach);

        var first = await receiver.ReceiveAsync(Wait);
        var second = await receiver.ReceiveAsync(Wait);
        var none = await receiver.ReceiveAsync(TimeSpan.FromMilliseconds(300));

        Assert.Equal(["a-1", "a-2"], new[] { first, second }.Select(m => (string)m.Properties.MessageId));
        Assert.Null(none);
        Assert.Equal("acct-a", ((Source)echoed!.Source).FilterSet[new Symbol("com.microsoft:session-filter")]);
    }

    [Fact]
    public async Task Receive_NullSessionFilter_LocksTheNextAvailableSessionAndASecondReceiverGetsAnother()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions
        {
            RequireCbs = false,
            Queues = [new EmulatedQueueOptions("orders") { RequiresSession = true }],
        });
        bus.Enqueue("orders", Inner("b-1", "acct-b"));
        bus.Enqueue("orders", Inner("a-1", "acct-a"));
        await using var client = await Client.ConnectAsync(bus);
        Attach? firstAttach = null;
        Attach? secondAttach = null;

        var first = new ReceiverLink(client.Session, "r1", SessionSource("orders", null), (_, a) => firstAttach = a);
        var firstMessage = await first.ReceiveAsync(Wait);
        var second = new ReceiverLink(client.Session, "r2", SessionSource("orders", null), (_, a) => secondAttach = a);
        var secondMessage = await second.ReceiveAsync(Wait);

        Assert.Equal("b-1", firstMessage.Properties.MessageId);
        Assert.Equal("acct-b", ((Source)firstAttach!.Source).FilterSet[new Symbol("com.microsoft:session-filter")]);
        Assert.Equal("a-1", secondMessage.Properties.MessageId);
        Assert.Equal("acct-a", ((Source)secondAttach!.Source).FilterSet[new Symbol("com.microsoft:session-filter")]);
    }

    [Fact]
    public async Task ReceiverAttach_SessionLockedByAnotherReceiver_RefusedWithSessionCannotBeLocked()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions
        {
            RequireCbs = false,
            Queues = [new EmulatedQueueOptions("orders") { RequiresSession = true }],
        });
        bus.Enqueue("orders", Inner("a-1", "acct-a"));
        await using var client = await Client.ConnectAsync(bus);
        var owner = new ReceiverLink(client.Session, "r1", SessionSource("orders", "acct-a"), null);
        Assert.NotNull(await owner.ReceiveAsync(Wait));

        var thief = new ReceiverLink(client.Session, "r2", SessionSource("orders", "acct-a"), null);
        var error = await Assert.ThrowsAsync<AmqpException>(() => thief.ReceiveAsync(Wait));

        Assert.Equal("com.microsoft:session-cannot-be-locked", error.Error.Condition.ToString());
    }

    [Fact]
    public async Task Receive_Accept_RemovesTheMessage()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions { RequireCbs = false });
        bus.Enqueue("events", Inner("e-1"));
        await using var client = await Client.ConnectAsync(bus);
        var receiver = new ReceiverLink(client.Session, "r", "events");

        var message = await receiver.ReceiveAsync(Wait);
        receiver.Accept(message);

        await Eventually(() => bus.Messages("events").Count == 0);
        Assert.Empty(bus.DeadLetters("events"));
    }

    [Fact]
    public async Task Receive_RejectWithDeadLetterCondition_MovesToDeadLettersWithReasonAndDescription()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions { RequireCbs = false });
        bus.Enqueue("events", Inner("e-1"));
        await using var client = await Client.ConnectAsync(bus);
        var receiver = new ReceiverLink(client.Session, "r", "events");

        var message = await receiver.ReceiveAsync(Wait);
        var error = new Error(new Symbol("com.microsoft:dead-letter")) { Info = new Fields() };
        error.Info[new Symbol("DeadLetterReason")] = "SchemaInvalid";
        error.Info[new Symbol("DeadLetterErrorDescription")] = "missing orderId";
        receiver.Reject(message, error);

        await Eventually(() => bus.DeadLetters("events").Count == 1);
        var dead = Assert.Single(bus.DeadLetters("events"));
        Assert.Equal("e-1", dead.Properties.MessageId);
        Assert.Equal("SchemaInvalid", dead.ApplicationProperties["DeadLetterReason"]);
        Assert.Equal("missing orderId", dead.ApplicationProperties["DeadLetterErrorDescription"]);
        Assert.Equal("acct-e-1", dead.ApplicationProperties["accountId"]);
        Assert.Empty(bus.Messages("events"));
    }

    [Fact]
    public async Task Receive_ReleaseThenModify_RedeliveredWithDeliveryCountRaisedEachTime()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions { RequireCbs = false });
        bus.Enqueue("events", Inner("e-1"));
        await using var client = await Client.ConnectAsync(bus);
        var receiver = new ReceiverLink(client.Session, "r", "events");

        var first = await receiver.ReceiveAsync(Wait);
        receiver.Release(first);
        var second = await receiver.ReceiveAsync(Wait);
        receiver.Modify(second, deliveryFailed: true);
        var third = await receiver.ReceiveAsync(Wait);

        Assert.Equal([0u, 1u, 2u], new[] { first, second, third }.Select(m => m.Header.DeliveryCount));
        Assert.All(new[] { first, second, third }, m => Assert.Equal("e-1", m.Properties.MessageId));
    }

    [Fact]
    public async Task Receive_AbandonedMaxDeliveryCountTimes_DeadLetteredAsMaxDeliveryCountExceeded()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions
        {
            RequireCbs = false,
            Queues = [new EmulatedQueueOptions("events") { MaxDeliveryCount = 2 }],
        });
        bus.Enqueue("events", Inner("e-1"));
        await using var client = await Client.ConnectAsync(bus);
        var receiver = new ReceiverLink(client.Session, "r", "events");

        receiver.Release(await receiver.ReceiveAsync(Wait));
        receiver.Release(await receiver.ReceiveAsync(Wait));

        await Eventually(() => bus.DeadLetters("events").Count == 1);
        Assert.Equal("MaxDeliveryCountExceeded", bus.DeadLetters("events")[0].ApplicationProperties["DeadLetterReason"]);
        Assert.Null(await receiver.ReceiveAsync(TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task Receive_ScheduledEnqueueTime_NotDeliveredBeforeIt()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions { RequireCbs = false, TimeProvider = time });
        var scheduled = Inner("later");
        scheduled.MessageAnnotations[new Symbol("x-opt-scheduled-enqueue-time")] = time.GetUtcNow().AddMinutes(5).UtcDateTime;
        bus.Enqueue("events", scheduled);
        await using var client = await Client.ConnectAsync(bus);
        var receiver = new ReceiverLink(client.Session, "r", "events");

        var early = await receiver.ReceiveAsync(TimeSpan.FromMilliseconds(300));
        time.Advance(TimeSpan.FromMinutes(5));
        var due = await receiver.ReceiveAsync(Wait);

        Assert.Null(early);
        Assert.Equal("later", due.Properties.MessageId);
    }

    [Fact]
    public async Task DropConnections_ClientSeesTheConnectionGoAndTheUnsettledMessageComesBackWithDeliveryCountOne()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions { RequireCbs = false });
        bus.Enqueue("events", Inner("e-1"));
        var client = await Client.ConnectAsync(bus);
        var receiver = new ReceiverLink(client.Session, "r", "events");
        Assert.NotNull(await receiver.ReceiveAsync(Wait));
        var closed = new TaskCompletionSource();
        client.Connection.AddClosedCallback((_, _) => closed.TrySetResult());

        var dropped = await bus.DropConnectionsAsync();

        Assert.Equal(1, dropped);
        await closed.Task.WaitAsync(Wait);
        Assert.Equal(0, bus.OpenConnections);
        await using var again = await Client.ConnectAsync(bus);
        var redelivered = await new ReceiverLink(again.Session, "r2", "events").ReceiveAsync(Wait);
        Assert.Equal("e-1", redelivered.Properties.MessageId);
        Assert.Equal(1u, redelivered.Header.DeliveryCount);
    }

    [Fact]
    public async Task RejectNext_RejectsThatManyTransfersWithTheInjectedCondition()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions { RequireCbs = false });
        bus.RejectNext(1, "com.microsoft:server-busy");
        await using var client = await Client.ConnectAsync(bus);
        var sender = new SenderLink(client.Session, "s", "orders");

        var error = await Assert.ThrowsAsync<AmqpException>(() => sender.SendAsync(new Message("x")));
        await sender.SendAsync(new Message("y"));

        Assert.Equal("com.microsoft:server-busy", error.Error.Condition.ToString());
        Assert.Equal("y", Assert.Single(bus.Messages("orders")).Body);
    }

    [Fact]
    public async Task DelayAccept_StoresAtOnceButAcceptsLater()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions { RequireCbs = false });
        bus.DelayAccept(TimeSpan.FromMilliseconds(400));
        await using var client = await Client.ConnectAsync(bus);
        var sender = new SenderLink(client.Session, "s", "orders");

        var started = DateTime.UtcNow;
        var send = sender.SendAsync(new Message("x"));
        await bus.WaitForMessagesAsync("orders", 1, Wait);
        Assert.False(send.IsCompleted);
        await send;

        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(350));
    }

    [Fact]
    public async Task Attach_KeyWithSendRightOnly_SenderWorksReceiverRefusedForTheListenClaim()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions
        {
            SharedAccessKeys = new Dictionary<string, string> { ["SendOnly"] = "send-key" },
            KeyRights = new Dictionary<string, AccessRights> { ["SendOnly"] = AccessRights.Send },
        });
        await using var client = await Client.ConnectAsync(bus);
        var audience = bus.AudienceFor("orders");
        var reply = await client.PutTokenAsync(EmulatedServiceBus.SasTokenType, audience, SasTokens.Create(audience, "SendOnly", "send-key", DateTimeOffset.UtcNow.AddHours(1)), null);
        Assert.Equal(202, reply.ApplicationProperties["status-code"]);

        await new SenderLink(client.Session, "s", "orders").SendAsync(new Message("x"));
        var error = await Assert.ThrowsAsync<AmqpException>(() => new ReceiverLink(client.Session, "r", "orders").ReceiveAsync(Wait));

        Assert.Equal(ErrorCode.UnauthorizedAccess, error.Error.Condition.ToString());
        Assert.Contains("'Listen' claim(s) are required", error.Error.Description, StringComparison.Ordinal);
        Assert.Single(bus.Messages("orders"));
    }

    [Fact]
    public async Task Connection_NoPutTokenWithinTheGracePeriod_DroppedByTheHost()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions { TimeProvider = time });
        await using var idle = await Client.ConnectAsync(bus);
        await using var authorized = await Client.ConnectAsync(bus);
        await authorized.AuthorizeAsync(bus, "orders", time.GetUtcNow().AddHours(1));
        var closed = new TaskCompletionSource<Error?>();
        idle.Connection.AddClosedCallback((_, error) => closed.TrySetResult(error));
        await Eventually(() => bus.OpenConnections == 2);

        time.Advance(TimeSpan.FromSeconds(21));

        var error = await closed.Task.WaitAsync(Wait);
        Assert.Equal(ErrorCode.UnauthorizedAccess, error?.Condition.ToString());
        Assert.False(authorized.Connection.IsClosed);
    }

    [Fact]
    public async Task Send_TokenRenewedBeforeExpiry_LinkKeepsWorking()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions { TimeProvider = time });
        await using var client = await Client.ConnectAsync(bus);
        await client.AuthorizeAsync(bus, "orders", time.GetUtcNow().AddMinutes(10));
        var sender = new SenderLink(client.Session, "s", "orders");
        await sender.SendAsync(new Message("before"));

        time.Advance(TimeSpan.FromMinutes(8));
        await client.AuthorizeAsync(bus, "orders", time.GetUtcNow().AddMinutes(10));
        time.Advance(TimeSpan.FromMinutes(5));
        await sender.SendAsync(new Message("after"));

        Assert.Equal(2, bus.Messages("orders").Count);
        Assert.Equal(2, bus.PutTokenRequests.Count);
    }

    [Fact]
    public async Task Receive_LockExpiresBeforeSettlement_RedeliveredAndTheLateAcceptDoesNotRemoveIt()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions
        {
            RequireCbs = false,
            TimeProvider = time,
            Queues = [new EmulatedQueueOptions("events") { LockDuration = TimeSpan.FromSeconds(30) }],
        });
        bus.Enqueue("events", Inner("e-1"));
        await using var client = await Client.ConnectAsync(bus);
        var receiver = new ReceiverLink(client.Session, "r", "events");

        var first = await receiver.ReceiveAsync(Wait);
        Assert.Equal(time.GetUtcNow().AddSeconds(30).UtcDateTime, first.MessageAnnotations[new Symbol("x-opt-locked-until")]);
        time.Advance(TimeSpan.FromSeconds(31));
        var second = await receiver.ReceiveAsync(Wait);
        receiver.Accept(first);
        await Task.Delay(200);

        Assert.Equal(1u, second.Header.DeliveryCount);
        Assert.Single(bus.Messages("events"));
        receiver.Accept(second);
        await Eventually(() => bus.Messages("events").Count == 0);
    }

    [Fact]
    public async Task Receive_FromTheDeadLetterSubqueue_GetsTheDeadLetteredMessage()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions { RequireCbs = false });
        bus.Enqueue("events", Inner("e-1"));
        await using var client = await Client.ConnectAsync(bus);
        var receiver = new ReceiverLink(client.Session, "r", "events");
        receiver.Reject(await receiver.ReceiveAsync(Wait), new Error(new Symbol("com.microsoft:dead-letter")) { Description = "bad" });

        var dlq = new ReceiverLink(client.Session, "dlq", "events" + EmulatedServiceBus.DeadLetterSuffix);
        var dead = await dlq.ReceiveAsync(Wait);
        dlq.Accept(dead);

        Assert.Equal("e-1", dead.Properties.MessageId);
        Assert.Equal("com.microsoft:dead-letter", dead.ApplicationProperties["DeadLetterReason"]);
        Assert.Equal("bad", dead.ApplicationProperties["DeadLetterErrorDescription"]);
        await Eventually(() => bus.DeadLetters("events").Count == 0);
    }

    [Fact]
    public async Task Receive_SettledMode_RemovesTheMessageAsItIsSent()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions { RequireCbs = false });
        bus.Enqueue("events", Inner("e-1"));
        await using var client = await Client.ConnectAsync(bus);
        var attach = new Attach { Source = new Source { Address = "events" }, Target = new Target(), SndSettleMode = SenderSettleMode.Settled };
        var receiver = new ReceiverLink(client.Session, "r", attach, null);

        var message = await receiver.ReceiveAsync(Wait);

        Assert.Equal("e-1", message.Properties.MessageId);
        await Eventually(() => bus.Messages("events").Count == 0);
    }

    [Fact]
    public async Task Send_PartitionKeyDifferentFromSessionId_Rejected()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions
        {
            RequireCbs = false,
            Queues = [new EmulatedQueueOptions("orders") { RequiresSession = true }],
        });
        await using var client = await Client.ConnectAsync(bus);
        var message = Inner("o-1", "acct-1");
        message.MessageAnnotations[new Symbol("x-opt-partition-key")] = "acct-2";

        var error = await Assert.ThrowsAsync<AmqpException>(() => new SenderLink(client.Session, "s", "orders").SendAsync(message));

        Assert.Equal(ErrorCode.NotAllowed, error.Error.Condition.ToString());
    }

    [Fact]
    public async Task Attach_UnknownQueueWithoutAutoCreate_RefusedWithNotFound()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions { RequireCbs = false, AutoCreateQueues = false, Queues = [new("orders")] });
        await using var client = await Client.ConnectAsync(bus);

        var error = await Assert.ThrowsAsync<AmqpException>(() => new SenderLink(client.Session, "s", "ordres").SendAsync(new Message("x")));
        await new SenderLink(client.Session, "ok", "orders").SendAsync(new Message("x"));

        Assert.Equal(ErrorCode.NotFound, error.Error.Condition.ToString());
        Assert.Contains("ordres", error.Error.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("guest", true)]
    [InlineData("wrong", false)]
    public async Task Connect_SaslPlain_AcceptedOnlyWithTheConfiguredPassword(string password, bool accepted)
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions { RequireCbs = false, SaslUser = "guest", SaslPassword = "guest" });

        var connect = new ConnectionFactory().CreateAsync(new Address(bus.Host, bus.Port, "guest", password, "/", "amqp"));

        if (accepted)
        {
            var connection = await connect;
            await new SenderLink(new Session(connection), "s", "orders").SendAsync(new Message("x"));
            await connection.CloseAsync();
            Assert.Single(bus.Messages("orders"));
        }
        else
        {
            await Assert.ThrowsAnyAsync<Exception>(() => connect);
        }
    }

    [Fact]
    public async Task Host_Localhost_ConnectionStringAndAudiencesUseIt()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions { Host = "localhost" });
        await using var client = await Client.ConnectAsync(bus);

        await client.AuthorizeAsync(bus, "orders");
        await new SenderLink(client.Session, "s", "orders").SendAsync(new Message("x"));

        Assert.Equal("localhost", ServiceBusConnectionString.Parse(bus.ConnectionString).Host);
        Assert.Equal("amqp://localhost/orders", Assert.Single(bus.PutTokenRequests).Name);
        Assert.Single(bus.Messages("orders"));
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 1)]
    public async Task Receive_MessageWhoseTimeToLivePassed_NotDeliveredAndDeadLetteredOnlyWhenTheQueueSaysSo(bool deadLetterOnExpiry, int deadLetters)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions
        {
            RequireCbs = false,
            TimeProvider = time,
            Queues = [new EmulatedQueueOptions("events") { DeadLetteringOnMessageExpiration = deadLetterOnExpiry }],
        });
        var shortLived = Inner("e-1");
        shortLived.Header = new Header { Ttl = 1000 };
        bus.Enqueue("events", shortLived);
        time.Advance(TimeSpan.FromSeconds(2));
        await using var client = await Client.ConnectAsync(bus);

        var received = await new ReceiverLink(client.Session, "r", "events").ReceiveAsync(TimeSpan.FromMilliseconds(300));

        Assert.Null(received);
        Assert.Empty(bus.Messages("events"));
        Assert.Equal(deadLetters, bus.DeadLetters("events").Count);
    }

    [Fact]
    public async Task ReleaseNext_AnswersReleasedWithoutStoring()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions { RequireCbs = false });
        bus.ReleaseNext(1);
        await using var client = await Client.ConnectAsync(bus);
        var sender = new SenderLink(client.Session, "s", "orders");
        var outcome = new TaskCompletionSource<Outcome>();

        sender.Send(new Message("x"), (_, _, o, _) => outcome.TrySetResult(o), null);

        Assert.IsType<Released>(await outcome.Task.WaitAsync(Wait));
        Assert.Empty(bus.Messages("orders"));
        Assert.Equal("released", Assert.Single(bus.Transfers).Outcome);
    }

    [Fact]
    public async Task DetachLinks_OnAQueue_DetachesItsLinksWithTheConditionAndKeepsTheConnection()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions { RequireCbs = false });
        await using var client = await Client.ConnectAsync(bus);
        var orders = new SenderLink(client.Session, "s1", "orders");
        var events = new SenderLink(client.Session, "s2", "events");
        await orders.SendAsync(new Message("x"));
        await events.SendAsync(new Message("x"));
        var detached = new TaskCompletionSource<Error?>();
        orders.AddClosedCallback((_, error) => detached.TrySetResult(error));

        var count = bus.DetachLinks("orders", "com.microsoft:server-busy");

        Assert.Equal(1, count);
        Assert.Equal("com.microsoft:server-busy", (await detached.Task.WaitAsync(Wait))?.Condition.ToString());
        await events.SendAsync(new Message("y"));
        Assert.False(client.Connection.IsClosed);
        Assert.Equal(2, bus.Messages("events").Count);
    }

    [Fact]
    public async Task Attach_TokenPutOnAnotherConnection_DoesNotAuthorizeThisOne()
    {
        await using var bus = await EmulatedServiceBus.StartAsync();
        await using var first = await Client.ConnectAsync(bus);
        await using var second = await Client.ConnectAsync(bus);
        await first.AuthorizeAsync(bus, "orders");

        await new SenderLink(first.Session, "s1", "orders").SendAsync(new Message("x"));
        var error = await Assert.ThrowsAsync<AmqpException>(() => new SenderLink(second.Session, "s2", "orders").SendAsync(new Message("y")));

        Assert.Equal(ErrorCode.UnauthorizedAccess, error.Error.Condition.ToString());
        Assert.Single(bus.Messages("orders"));
    }

    [Fact]
    public async Task Send_TwoThousandPipelined_AllStoredOnceInSendOrder()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions
        {
            RequireCbs = false,
            Queues = [new EmulatedQueueOptions("orders") { RequiresSession = true, DuplicateDetection = true }],
        });
        await using var client = await Client.ConnectAsync(bus);
        var sender = new SenderLink(client.Session, "s", "orders");

        await Task.WhenAll(Enumerable.Range(0, 2000).Select(i => sender.SendAsync(Inner($"o-{i}", $"acct-{i % 7}"))));

        var stored = bus.Messages("orders");
        Assert.Equal(Enumerable.Range(0, 2000).Select(i => $"o-{i}"), stored.Select(m => (string)m.Properties.MessageId));
        Assert.Equal(0, bus.DuplicatesDropped);
    }

    private static Source SessionSource(string queue, string? sessionId) => new()
    {
        Address = queue,
        FilterSet = new Map { [new Symbol("com.microsoft:session-filter")] = sessionId },
    };

    private static Message Inner(string id, string? session = null)
    {
        var message = new Message
        {
            BodySection = new Data { Binary = System.Text.Encoding.UTF8.GetBytes($"{{\"id\":\"{id}\"}}") },
            Properties = new Properties { MessageId = id, GroupId = session ?? "acct-" + id, ContentType = "application/json" },
            ApplicationProperties = new ApplicationProperties(),
            MessageAnnotations = new MessageAnnotations(),
        };
        message.ApplicationProperties["accountId"] = "acct-" + id;
        return message;
    }

    private static Message Batch(params Message[] messages)
    {
        var sections = new DataList();
        foreach (var message in messages)
        {
            var buffer = message.Encode();
            sections.Add(new Data { Binary = buffer.Buffer.AsSpan(buffer.Offset, buffer.Length).ToArray() });
        }

        return new Message { BodySection = sections, Format = EmulatedServiceBus.BatchMessageFormat };
    }

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(10);
        }
    }

    /// <summary>A raw AMQPNetLite connection and session (SASL ANONYMOUS), with the CBS put-token exchange.</summary>
    private sealed class Client : IAsyncDisposable
    {
        private Client(Connection connection)
        {
            Connection = connection;
            Session = new Session(connection);
        }

        public Connection Connection { get; }

        public Session Session { get; }

        public static async Task<Client> ConnectAsync(EmulatedServiceBus bus)
        {
            var factory = new ConnectionFactory();
            factory.SASL.Profile = SaslProfile.Anonymous;
            return new Client(await factory.CreateAsync(bus.Address));
        }

        public async Task AuthorizeAsync(EmulatedServiceBus bus, string queue, DateTimeOffset? expiresAt = null)
        {
            var expiry = expiresAt ?? DateTimeOffset.UtcNow.AddHours(1);
            var reply = await PutTokenAsync(EmulatedServiceBus.SasTokenType, bus.AudienceFor(queue), bus.CreateSasToken(bus.AudienceFor(queue), expiry), expiry);
            Assert.Equal(202, reply.ApplicationProperties["status-code"]);
        }

        public async Task<Message> PutTokenAsync(string type, string audience, string token, DateTimeOffset? expiration, string? messageId = null) =>
            await PutTokenOrNoReplyAsync(type, audience, token, expiration, messageId, Wait) ?? throw new TimeoutException("no put-token reply");

        public async Task<Message?> PutTokenOrNoReplyAsync(string type, string audience, string token, DateTimeOffset? expiration, string? messageId, TimeSpan wait)
        {
            var id = Guid.NewGuid().ToString("N");
            var replyTo = "cbs-reply-" + id;
            var sender = new SenderLink(Session, "cbs-sender-" + id, "$cbs");
            var attached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var receiver = new ReceiverLink(Session, "cbs-receiver-" + id, new Attach { Source = new Source { Address = "$cbs" }, Target = new Target { Address = replyTo } }, (_, _) => attached.TrySetResult());

            // The host answers a request whose reply-to has no attached link yet with not-found: wait for the attach first.
            await attached.Task.WaitAsync(Wait);

            // Credit for the reply before the request: a reply that arrives before ReceiveAsync grants credit is a protocol
            // error the client raises ("no credit to accept a new delivery"), which made these tests fail now and then.
            receiver.SetCredit(1, autoRestore: false);
            var request = new Message(token)
            {
                Properties = new Properties { MessageId = messageId ?? id, ReplyTo = replyTo },
                ApplicationProperties = new ApplicationProperties(),
            };
            request.ApplicationProperties["operation"] = "put-token";
            request.ApplicationProperties["type"] = type;
            request.ApplicationProperties["name"] = audience;
            if (expiration is { } at)
            {
                request.ApplicationProperties["expiration"] = at.UtcDateTime;
            }

            await sender.SendAsync(request);
            var reply = await receiver.ReceiveAsync(wait);
            if (reply is not null)
            {
                receiver.Accept(reply);
            }

            await sender.CloseAsync();
            await receiver.CloseAsync();
            return reply;
        }

        public async ValueTask DisposeAsync()
        {
            if (!Connection.IsClosed)
            {
                await Connection.CloseAsync();
            }
        }
    }
}
