using System.Text;
using Amqp;
using Amqp.Framing;
using Azure.Core;
using Margin.Infrastructure.ServiceBus;
using Margin.Sweep.Orders;
using Margin.Testing.ServiceBus;
using Microsoft.Extensions.Time.Testing;
using static Margin.Infrastructure.Tests.ServiceBus.ContractKit;

namespace Margin.Infrastructure.Tests.ServiceBus;

/// <summary>How the client recovers from half-failed CBS handshakes, failed token renewals and connection losses, against the emulated Service Bus.</summary>
public sealed class ServiceBusRecoveryTests
{
    [Fact]
    public async Task Authorize_CbsReplyLinkRefusedAfterTheRequestLinkAttached_LaterPublishesSucceed()
    {
        await using var bus = await StartAsync(TimeProvider.System);
        await using var connection = Connect(bus, TimeProvider.System);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);

        // Both attempts of the first publish (it retries a connection loss once) meet a refused reply link.
        bus.RefuseNextCbsReplyAttaches(2);
        var ex = await Assert.ThrowsAsync<ServiceBusException>(() => publisher.PublishAsync([Order("acc-1")]));
        Assert.Contains("the CBS reply link from $cbs (authorising queue 'liquidation-orders')", ex.Message, StringComparison.Ordinal);

        // No request link is left holding its name: the next authorisation opens a fresh pair and succeeds.
        await publisher.PublishAsync([Order("acc-2")]);
        await publisher.PublishAsync([Order("acc-3")]);

        Assert.Equal(["acc-2", "acc-3"], bus.Messages(Orders).Select(m => m.Properties.GroupId).ToArray());
        Assert.Equal(1, connection.TokensPut);
    }

    [Fact]
    public async Task Authorize_CbsHandshakeFailed_TheRebuildWaitsItsBackoffInsteadOfReconnectingAtOnce()
    {
        await using var bus = await StartAsync(TimeProvider.System);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var connection = Connect(bus, time);
        var publisher = new ServiceBusOrderPublisher(connection, time);

        // The first attempt's CBS reply link is refused; the publisher retries the connection loss once, and that retry
        // must wait the reconnect backoff (on the connection's clock) rather than open a new connection at once.
        bus.RefuseNextCbsReplyAttaches(1);
        var publish = publisher.PublishAsync([Order("acc-1")]);
        await Task.Delay(TimeSpan.FromMilliseconds(700));

        Assert.False(publish.IsCompleted, "the rebuild after a failed CBS handshake did not wait its backoff");
        Assert.Equal(1, connection.ConnectAttempts);
        time.Advance(TimeSpan.FromSeconds(31));
        await publish.WaitAsync(Wait);
        Assert.Equal(2, connection.ConnectAttempts);
        Assert.Equal(["acc-1"], bus.Messages(Orders).Select(m => m.Properties.GroupId).ToArray());
    }

    [Fact]
    public async Task Authorize_CbsReplyAttachTimesOut_NextPublishSucceedsOnAFreshConnection()
    {
        await using var bus = await StartAsync(TimeProvider.System);
        var options = new ServiceBusOptions { ConnectionString = bus.ConnectionString, Batching = false, OperationTimeout = TimeSpan.FromSeconds(1), SendTimeout = Wait };
        await using var connection = new ServiceBusConnection(options, null, TimeProvider.System);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);

        bus.IgnoreNextCbsReplyAttaches(1);
        var ex = await Assert.ThrowsAsync<TimeoutException>(() => publisher.PublishAsync([Order("acc-1")]));
        Assert.Contains("stuck authorising (CBS put-token)", ex.Message, StringComparison.Ordinal);

        await publisher.PublishAsync([Order("acc-2")]);

        Assert.Equal("acc-2", Assert.Single(bus.Messages(Orders)).Properties.GroupId);
        Assert.Equal(2, connection.Connects);
    }

    [Fact]
    public async Task Authorize_CbsReplyLinkRefusedOnce_ThePublishRetriesOnAFreshConnection()
    {
        await using var bus = await StartAsync(TimeProvider.System);
        await using var connection = Connect(bus, TimeProvider.System);

        bus.RefuseNextCbsReplyAttaches(1);
        await new ServiceBusOrderPublisher(connection, TimeProvider.System).PublishAsync([Order("acc-1")]);

        Assert.Single(bus.Messages(Orders));
        Assert.Equal(2, connection.Connects);
    }

    [Fact]
    public async Task Token_BackgroundRenewalFails_RetriedWithinThirtySeconds()
    {
        var time = new FakeTimeProvider(Start);
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions { TimeProvider = time, JwtValidator = _ => true });
        var credential = new FailingOnceCredential(time, failingCall: 2);
        await using var connection = new ServiceBusConnection(EntraOptions(bus), credential, time);
        await new ServiceBusOrderPublisher(connection, time).PublishAsync([Order("acc-1")]);

        // The renewal timer (55 min: expiry at 60 min, renewed 5 min before) asks the credential, which fails.
        time.Advance(TimeSpan.FromMinutes(55));
        await UntilAsync(() => credential.Calls == 2);
        await Task.Delay(200);
        Assert.Single(bus.PutTokenRequests);

        // Retried min(30 s, half the 5 minutes left) later, with nothing sent in between.
        time.Advance(TimeSpan.FromSeconds(29));
        await Task.Delay(200);
        Assert.Equal(2, credential.Calls);
        time.Advance(TimeSpan.FromSeconds(1));
        await UntilAsync(() => bus.PutTokenRequests.Count == 2);
        Assert.Equal(Start.AddMinutes(55).AddSeconds(30).AddHours(1), bus.PutTokenRequests[1].Expiration);
    }

    [Theory]
    [InlineData(600, 30)]
    [InlineData(20, 10)]
    [InlineData(1, 1)]
    public void RenewRetryDelay_TimeLeft_HalfOfItBetweenOneAndThirtySeconds(int leftSeconds, int expectedSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), ServiceBusConnection.RenewRetryDelay(TimeSpan.FromSeconds(leftSeconds)));
    }

    [Fact]
    public void RenewRetryDelay_Expired_Null()
    {
        Assert.Null(ServiceBusConnection.RenewRetryDelay(TimeSpan.Zero));
    }

    [Fact]
    public async Task Reconnect_ReceiveOnlyProcess_FailureCountResetOnceTheReceiverAttachesAgain()
    {
        await using var bus = await StartAsync(TimeProvider.System);
        await using var connection = Connect(bus, TimeProvider.System);
        await using var receiver = new ServiceBusReceiver(connection, Events, sessions: false);
        bus.Enqueue(Events, Event("e-1"));
        var first = Assert.Single(await receiver.ReceiveAsync(1, Wait));
        await receiver.CompleteAsync(first);
        await UntilAsync(() => bus.Messages(Events).Count == 0);

        await bus.DropConnectionsAsync();
        await UntilAsync(() => !connection.IsOpen);
        Assert.Equal(1, connection.ReconnectFailures);

        bus.Enqueue(Events, Event("e-2"));
        var again = await ReceiveAllowingOneLossAsync(receiver);

        Assert.Equal("e-2", again.MessageId);
        Assert.Equal(2, connection.Connects);
        Assert.Equal(0, connection.ReconnectFailures);
    }

    [Fact]
    public async Task Authorize_ReadySasTokenExpired_ErrorNamesNamespaceAndQueue()
    {
        var time = new FakeTimeProvider(Start);
        await using var bus = await StartAsync(time);
        var token = bus.CreateSasToken("sb://127.0.0.1/", Start.AddMinutes(10));
        var options = new ServiceBusOptions { ConnectionString = $"Endpoint=sb://127.0.0.1:{bus.Port}/;SharedAccessSignature={token};UseDevelopmentEmulator=true", OperationTimeout = Wait };
        await using var connection = new ServiceBusConnection(options, null, time);
        time.Advance(TimeSpan.FromMinutes(11));

        var ex = await Assert.ThrowsAsync<ServiceBusException>(() => new ServiceBusOrderPublisher(connection, time).PublishAsync([Order("acc-1")]));

        Assert.StartsWith($"Service Bus namespace '127.0.0.1': cannot authorise queue '{Orders}': the SharedAccessSignature in ServiceBus:ConnectionString expired at", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Complete_LockAlreadyLost_ReturnsButTheMessageComesBack()
    {
        // Documents the fire-and-forget settlement (ServiceBusReceiver remarks, docs/servicebus.md "Receiving").
        var time = new FakeTimeProvider(Start);
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions
        {
            TimeProvider = time,
            Queues = [new EmulatedQueueOptions(Events) { LockDuration = TimeSpan.FromSeconds(30) }],
        });
        await using var connection = Connect(bus, time);
        await using var receiver = new ServiceBusReceiver(connection, Events, sessions: false);
        bus.Enqueue(Events, Event("e-1"));
        var first = Assert.Single(await receiver.ReceiveAsync(1, Wait));

        time.Advance(TimeSpan.FromSeconds(31));
        await receiver.CompleteAsync(first);

        var again = Assert.Single(await receiver.ReceiveAsync(1, Wait));
        Assert.Equal("e-1", again.MessageId);
        Assert.Equal(first.DeliveryCount + 1, again.DeliveryCount);
    }

    [Fact]
    public async Task ObserveFault_FaultAfterTheCallerGaveUp_NotReportedAsUnobserved()
    {
        var control = "unobserved-" + Guid.NewGuid().ToString("N");
        var observed = "observed-" + Guid.NewGuid().ToString("N");
        var reported = new System.Collections.Concurrent.ConcurrentBag<string>();
        void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
        {
            foreach (var inner in e.Exception.InnerExceptions)
            {
                reported.Add(inner.Message);
            }
        }

        TaskScheduler.UnobservedTaskException += OnUnobserved;
        try
        {
            Fault(control, observe: false);
            Fault(observed, observe: true);
            for (var i = 0; i < 20 && !reported.Contains(control); i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                await Task.Delay(25);
            }
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= OnUnobserved;
        }

        // The control shows the check can see an unobserved fault; the observed one never shows up.
        Assert.Contains(control, reported);
        Assert.DoesNotContain(observed, reported);
    }

    [Fact]
    public async Task Sender_RecreatedAfterDetaches_SessionClosedCallbacksDoNotPileUp()
    {
        await using var bus = await StartAsync(TimeProvider.System);
        await using var connection = Connect(bus, TimeProvider.System);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);
        await publisher.PublishAsync([Order("acc-0")]);
        var session = (await connection.GetSenderAsync(Orders, CancellationToken.None)).Link.Session;
        var before = ClosedCallbacks(session);

        for (var i = 1; i <= 5; i++)
        {
            bus.DetachLinks(Orders);
            await ReattachedPublishAsync(publisher, $"acc-{i}");
        }

        Assert.Same(session, (await connection.GetSenderAsync(Orders, CancellationToken.None)).Link.Session);
        Assert.Equal(before, ClosedCallbacks(session));
        Assert.Equal(6, bus.Messages(Orders).Select(m => m.Properties.GroupId).Distinct().Count());
    }

    private static async Task ReattachedPublishAsync(ServiceBusOrderPublisher publisher, string account)
    {
        try
        {
            await publisher.PublishAsync([Order(account)]);
        }
        catch (ServiceBusException)
        {
            await publisher.PublishAsync([Order(account)]);
        }
    }

    /// <summary>How many closed callbacks AMQPNetLite holds on <paramref name="session"/> (its private ClosedCallback delegates).</summary>
    private static int ClosedCallbacks(Session session)
    {
        var count = 0;
        var found = false;
        for (var type = session.GetType(); type is not null; type = type.BaseType)
        {
            foreach (var field in type.GetFields(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.DeclaredOnly))
            {
                if (field.FieldType == typeof(ClosedCallback))
                {
                    found = true;
                    count += (field.GetValue(session) as Delegate)?.GetInvocationList().Length ?? 0;
                }
            }
        }

        Assert.True(found, "AMQPNetLite's Session has no ClosedCallback field to count");
        return count;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void Fault(string message, bool observe)
    {
        var signal = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (observe)
        {
            ServiceBusConnection.ObserveFault(signal.Task);
        }

        signal.TrySetException(new ServiceBusException(message));
    }

    private static Task<EmulatedServiceBus> StartAsync(TimeProvider time) =>
        EmulatedServiceBus.StartAsync(new EmulatorOptions
        {
            TimeProvider = time,
            Queues =
            [
                new EmulatedQueueOptions(Orders) { RequiresSession = true },
                new EmulatedQueueOptions(Events),
            ],
        });

    private static ServiceBusConnection Connect(EmulatedServiceBus bus, TimeProvider time) =>
        new(new ServiceBusOptions { ConnectionString = bus.ConnectionString, Batching = false, OperationTimeout = Wait, SendTimeout = Wait }, null, time);

    private static ServiceBusOptions EntraOptions(EmulatedServiceBus bus) =>
        new() { FullyQualifiedNamespace = "127.0.0.1", UseTls = false, Port = bus.Port, Batching = false, OperationTimeout = Wait };

    private static StoredOrder Order(string account) =>
        TestOrders.Order(account, 1) with { ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(10) };

    private static Message Event(string id) =>
        new() { Properties = new Properties { MessageId = id }, BodySection = new Data { Binary = Encoding.UTF8.GetBytes("{}") } };

    /// <summary>Hands out 1-hour tokens from the clock, except on call <c>failingCall</c>, which throws as an identity endpoint that is briefly down would.</summary>
    private sealed class FailingOnceCredential(TimeProvider time, int failingCall) : TokenCredential
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            var call = Interlocked.Increment(ref _calls);
            return call == failingCall
                ? throw new InvalidOperationException("identity endpoint unavailable (injected)")
                : new AccessToken($"eyJ.token-{call}", time.GetUtcNow().AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
