using Margin.Infrastructure.ServiceBus;
using Margin.Sweep.Orders;
using Margin.Sweep.Ports;
using Margin.Testing.ServiceBus;
using static Margin.Infrastructure.Tests.ServiceBus.ContractKit;

namespace Margin.Infrastructure.Tests.ServiceBus;

/// <summary>What a failed publish names: every order not named is marked sent by the caller, so it must have been accepted.</summary>
public sealed class PublishFailureTests
{
    [Fact]
    public async Task Publish_OversizeOrderAndARejectedBatch_NamesTheOversizeOrderToo()
    {
        await using var bus = await StartAsync();
        await using var connection = new ServiceBusConnection(new ServiceBusOptions { ConnectionString = bus.ConnectionString, Batching = true, MaxBatchBytes = 4096 }, null, TimeProvider.System);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);
        await publisher.PublishAsync(Fresh([TestOrders.Order("acc-0")]));
        var orders = Fresh([TestOrders.Order("acc-a"), TestOrders.Order("acc-big", legs: 60), TestOrders.Order("acc-c")]);

        bus.RejectNext(1, "com.microsoft:server-busy", "busy");
        var ex = await Assert.ThrowsAsync<ServiceBusPublishException>(() => publisher.PublishAsync(orders));

        var accepted = bus.Messages(Orders).Select(m => (string)m.Properties.MessageId).ToHashSet(StringComparer.Ordinal);
        Assert.All(orders.Where(o => !ex.OrderIds.Contains(o.OrderId)), o => Assert.Contains(o.OrderId, accepted));
        Assert.Contains(orders[1].OrderId, ex.OrderIds);
        Assert.Contains("of 3 orders", ex.Message, StringComparison.Ordinal);
        Assert.True(ex.BrokerUnavailable, "server-busy says the namespace is throttling: the relay should stop");
    }

    [Fact]
    public async Task Publish_PipelinedOversizeOrder_IsNotSentAndNamed_TheOthersAreAccepted()
    {
        await using var bus = await StartAsync();
        await using var connection = new ServiceBusConnection(new ServiceBusOptions { ConnectionString = bus.ConnectionString, Batching = false, MaxBatchBytes = 4096 }, null, TimeProvider.System);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);
        var orders = Fresh([TestOrders.Order("acc-a"), TestOrders.Order("acc-big", legs: 60), TestOrders.Order("acc-c")]);

        var ex = await Assert.ThrowsAsync<ServiceBusPublishException>(() => publisher.PublishAsync(orders));

        Assert.Equal([orders[1].OrderId], ex.OrderIds);
        Assert.Contains("exceed the limit of 4096 bytes", ex.Message, StringComparison.Ordinal);
        Assert.False(((IOrderPublishFailure)ex).BrokerUnavailable);
        var accepted = (await bus.WaitForMessagesAsync(Orders, 2, TimeSpan.FromSeconds(5))).Select(m => (string)m.Properties.MessageId).Order(StringComparer.Ordinal);
        Assert.Equal(new[] { orders[0].OrderId, orders[2].OrderId }.Order(StringComparer.Ordinal), accepted);
    }

    [Fact]
    public async Task Publish_NoDispositionWithinTheSendTimeout_CountsAsBrokerUnavailable()
    {
        await using var bus = await StartAsync();
        await using var connection = new ServiceBusConnection(new ServiceBusOptions { ConnectionString = bus.ConnectionString, Batching = false, SendTimeout = TimeSpan.FromMilliseconds(300) }, null, TimeProvider.System);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);
        await publisher.PublishAsync(Fresh([TestOrders.Order("acc-0")]));
        bus.DelayAccept(TimeSpan.FromSeconds(3));

        var ex = await Assert.ThrowsAsync<ServiceBusPublishException>(() => publisher.PublishAsync(Fresh(TestOrders.Many(3))));

        Assert.True(((IOrderPublishFailure)ex).BrokerUnavailable, "a broker that does not answer must stop the relay, not cost SendTimeout per batch");
        bus.DelayAccept(TimeSpan.Zero);
    }

    [Fact]
    public async Task Publish_OneOrderRejectedForItself_IsARefusalNotAnOutage()
    {
        await using var bus = await StartAsync();
        await using var connection = new ServiceBusConnection(new ServiceBusOptions { ConnectionString = bus.ConnectionString, Batching = false }, null, TimeProvider.System);
        var publisher = new ServiceBusOrderPublisher(connection, TimeProvider.System);
        await publisher.PublishAsync(Fresh([TestOrders.Order("acc-0")]));
        bus.RejectNext(1, "amqp:invalid-field", "bad order");

        var ex = await Assert.ThrowsAsync<ServiceBusPublishException>(() => publisher.PublishAsync(Fresh(TestOrders.Many(3))));

        Assert.Single(ex.OrderIds);
        Assert.False(((IOrderPublishFailure)ex).BrokerUnavailable);
    }

    private static StoredOrder[] Fresh(IReadOnlyList<StoredOrder> orders) =>
        [.. orders.Select(o => o with { ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(10) })];

    private static Task<EmulatedServiceBus> StartAsync() =>
        EmulatedServiceBus.StartAsync(new EmulatorOptions
        {
            TimeProvider = TimeProvider.System,
            Queues = [new EmulatedQueueOptions(Orders) { RequiresSession = true, DuplicateDetection = true }],
        });
}
