using Margin.Infrastructure.ServiceBus;
using Margin.Sweep.Orders;
using Margin.Testing.ServiceBus;
using static Margin.Infrastructure.Tests.ServiceBus.ContractKit;

namespace Margin.Infrastructure.Tests.ServiceBus;

/// <summary>The client against Service Bus's size limits, as the emulated Service Bus enforces them.</summary>
public sealed class ServiceBusLimitsTests
{
    [Fact]
    public async Task Publish_NamespaceAnnouncesASmallerMaxMessageSize_BatchesStayUnderIt()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions
        {
            MaxMessageSizeBytes = 4096,
            Queues = [new EmulatedQueueOptions(Orders) { RequiresSession = true }],
        });

        // MaxBatchBytes stays at its default (256 KB): the attach's 4 KB limit must win.
        var options = new ServiceBusOptions { ConnectionString = bus.ConnectionString, Batching = true, OperationTimeout = Wait, SendTimeout = Wait };
        await using var connection = new ServiceBusConnection(options, null, TimeProvider.System);
        var orders = Fresh(TestOrders.Many(20));

        await new ServiceBusOrderPublisher(connection, TimeProvider.System).PublishAsync(orders);

        Assert.Equal(20, bus.Messages(Orders).Count);
        Assert.True(bus.Transfers.Count > 1, "the orders needed more than one 4 KB batch");
        Assert.All(bus.Transfers, t => Assert.True(t.SizeBytes <= 4096, $"a transfer of {t.SizeBytes} bytes"));
    }

    [Fact]
    public async Task Publish_AccountIdOf128Characters_AcceptedWithItsIdsWithinServiceBusLimits()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions { Queues = [new EmulatedQueueOptions(Orders) { RequiresSession = true }] });
        await using var connection = new ServiceBusConnection(new ServiceBusOptions { ConnectionString = bus.ConnectionString, OperationTimeout = Wait, SendTimeout = Wait }, null, TimeProvider.System);
        var account = new string('x', EmulatedServiceBus.MaxIdLength);
        var order = TestOrders.Order(account, episode: 1, orderId: OrderIds.For(account, 1)) with { ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(10) };

        await new ServiceBusOrderPublisher(connection, TimeProvider.System).PublishAsync([order]);

        var stored = Assert.Single(bus.Messages(Orders));
        Assert.Equal(account, stored.Properties.GroupId);
        Assert.Equal(order.OrderId, stored.Properties.MessageId);
    }

    private static StoredOrder[] Fresh(IReadOnlyList<StoredOrder> orders) =>
        orders.Select(o => o with { ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(10) }).ToArray();
}
