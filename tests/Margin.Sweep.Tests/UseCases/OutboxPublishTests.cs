using Margin.Sweep.Orders;
using Margin.Sweep.Ports;
using Margin.Sweep.Seeding;
using Margin.Sweep.Tests.Support;
using Margin.Sweep.UseCases;

namespace Margin.Sweep.Tests.UseCases;

/// <summary>Only the orders the broker accepted are marked sent; one refused order never holds back the others.</summary>
public sealed class OutboxPublishTests
{
    private static readonly BookProfile Stressed = new() { BreachedShare = 0.4, UnderwaterShare = 0.1 };

    [Fact]
    public async Task ProcessShard_BrokerRefusesOneOrder_TheOthersAreMarkedSentAndItStaysInTheOutbox()
    {
        var publisher = new RefusingPublisher();
        var run = await ContractSweep.RunAsync(600, seed: 7, Stressed, partitions: 4, publisher);

        var orders = await run.Stores.Margin.ReadOrdersAsync(unsentOnly: false).ToListAsync();
        Assert.True(orders.Count > 4, $"the book should give several orders, got {orders.Count}");
        var unsent = orders.Where(o => !o.Sent).ToList();
        Assert.Equal(publisher.Refused.Order(StringComparer.Ordinal), unsent.Select(o => o.OrderId).Order(StringComparer.Ordinal));
        Assert.NotEmpty(publisher.Refused);
        Assert.All(orders.Where(o => o.Sent), o => Assert.Contains(o.OrderId, publisher.Accepted));
    }

    [Fact]
    public async Task Relay_BrokerRefusesOneOrderPerBatch_MarksTheRestSentAndGoesOnWithTheNextBatches()
    {
        var run = await ContractSweep.RunAsync(600, seed: 7, Stressed, partitions: 4, OutboxOnlyPublisher.Instance);
        var pending = await run.Stores.Margin.ReadOrdersAsync(unsentOnly: true).ToListAsync();
        Assert.True(pending.Count > 4, $"the book should give several orders, got {pending.Count}");
        var publisher = new RefusingPublisher();
        var relay = new RelayOutbox(run.Stores.Margin, publisher, new MarginModelCache(run.Stores.Snapshots, run.Stores.Parameters), run.Time);

        var outcome = await relay.ExecuteAsync();

        Assert.Equal(pending.Count, outcome.Pending);
        Assert.Equal(publisher.Refused.Count, outcome.NotAccepted);
        Assert.Equal(pending.Count - publisher.Refused.Count, outcome.Sent);
        Assert.Contains("refused", outcome.FirstRefusal, StringComparison.Ordinal);
        var stillUnsent = await run.Stores.Margin.ReadOrdersAsync(unsentOnly: true).ToListAsync();
        Assert.Equal(publisher.Refused.Order(StringComparer.Ordinal), stillUnsent.Select(o => o.OrderId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Relay_BrokerUnavailable_MarksWhatWasAcceptedAndThrowsForTheTimerToRetry()
    {
        var run = await ContractSweep.RunAsync(600, seed: 7, Stressed, partitions: 4, OutboxOnlyPublisher.Instance);
        var pending = await run.Stores.Margin.ReadOrdersAsync(unsentOnly: true).ToListAsync();
        var publisher = new RefusingPublisher { Unavailable = true };
        var relay = new RelayOutbox(run.Stores.Margin, publisher, new MarginModelCache(run.Stores.Snapshots, run.Stores.Parameters), run.Time);

        var error = await Assert.ThrowsAsync<PublishFailureException>(() => relay.ExecuteAsync());

        Assert.True(error.BrokerUnavailable);
        Assert.Equal(1, publisher.Calls);
        var sent = (await run.Stores.Margin.ReadOrdersAsync(unsentOnly: false).ToListAsync()).Count(o => o.Sent);
        Assert.True(pending.Count > 100, $"two batches at least, got {pending.Count} orders");
        Assert.Equal(100 - 1, sent); // the first batch of 100 less its refused order; the next batches were not tried
    }

    [Fact]
    public async Task Relay_AFailureThatNamesNoOrder_MarksNothing()
    {
        var run = await ContractSweep.RunAsync(300, seed: 3, Stressed, partitions: 4, OutboxOnlyPublisher.Instance);
        var relay = new RelayOutbox(run.Stores.Margin, new ThrowingPublisher(), new MarginModelCache(run.Stores.Snapshots, run.Stores.Parameters), run.Time);

        await Assert.ThrowsAsync<TimeoutException>(() => relay.ExecuteAsync());

        Assert.DoesNotContain(await run.Stores.Margin.ReadOrdersAsync(unsentOnly: false).ToListAsync(), o => o.Sent);
    }

    /// <summary>Refuses the first order of every call (naming it, as the Service Bus publisher does) and accepts the rest.</summary>
    private sealed class RefusingPublisher : IOrderPublisher
    {
        public bool Unavailable { get; init; }

        public int Calls { get; private set; }

        public List<string> Refused { get; } = [];

        public HashSet<string> Accepted { get; } = new(StringComparer.Ordinal);

        public bool IsConfigured => true;

        public Task PublishAsync(IReadOnlyList<StoredOrder> orders, CancellationToken cancellationToken = default)
        {
            Calls++;
            var refused = orders[0].OrderId;
            Refused.Add(refused);
            Accepted.UnionWith(orders.Skip(1).Select(o => o.OrderId));
            throw new PublishFailureException($"the broker refused order {refused}", [refused], Unavailable);
        }
    }

    private sealed class ThrowingPublisher : IOrderPublisher
    {
        public bool IsConfigured => true;

        public Task PublishAsync(IReadOnlyList<StoredOrder> orders, CancellationToken cancellationToken = default) => throw new TimeoutException("no answer");
    }

    public sealed class PublishFailureException(string message, IReadOnlyList<string> orderIds, bool unavailable) : Exception(message), IOrderPublishFailure
    {
        public IReadOnlyList<string> OrderIds { get; } = orderIds;

        public bool BrokerUnavailable { get; } = unavailable;
    }
}
