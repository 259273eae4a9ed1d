using System.Diagnostics;
using System.Diagnostics.Metrics;
using Margin.Sweep.Orders;
using Margin.Sweep.Ports;
using Margin.Sweep.Telemetry;
using Margin.Sweep.Tests.Support;
using Margin.Sweep.UseCases;

namespace Margin.Sweep.Tests.Telemetry;

/// <summary>The PublishOrders span and the published and publish-failure counters (OutboxPublish is internal: driven through RelayOutbox, as its own tests do).</summary>
public sealed class OutboxPublishTelemetryTests
{
    [Fact]
    public async Task Publish_TheBrokerRefusesSomeOrders_CountsThemAsFailuresAndTheRestAsPublished()
    {
        var run = await ContractSweep.RunAsync(400, seed: 5, ContractSweep.Stressed, partitions: 4, OutboxOnlyPublisher.Instance);
        var publisher = new RefusingFirstPublisher();
        var relay = new RelayOutbox(run.Stores.Margin, publisher, new MarginModelCache(run.Stores.Snapshots, run.Stores.Parameters), run.Time);
        using var capture = TelemetryCapture.Start();

        var outcome = await relay.ExecuteAsync();

        Assert.Equal(publisher.Refused, capture.Sum(SweepTelemetry.OrdersPublishFailuresMetric));
        Assert.Equal(outcome.NotAccepted, capture.Sum(SweepTelemetry.OrdersPublishFailuresMetric));
        Assert.Equal(outcome.Pending - publisher.Refused, capture.Sum(SweepTelemetry.OrdersPublishedMetric));
        Assert.All(capture.Of(SweepTelemetry.OrdersPublishFailuresMetric).Concat(capture.Of(SweepTelemetry.OrdersPublishedMetric)), m =>
        {
            Assert.IsType<Counter<long>>(m.Instrument);
            Assert.Equal("{order}", m.Instrument.Unit);
        });

        var publishes = capture.Spans(SweepTelemetry.PublishOrdersSpan);
        Assert.Equal(publisher.Calls, publishes.Count);
        Assert.All(publishes, p =>
        {
            Assert.Equal(ActivityStatusCode.Error, p.Status);
            Assert.StartsWith("refused", p.StatusDescription, StringComparison.Ordinal);
            Assert.Equal((int)p.GetTagItem(SweepTelemetry.OrderCountTag)! - 1, p.GetTagItem("margin.order.accepted"));
        });
    }

    /// <summary>Refuses the first order of every call, naming it, and accepts the rest.</summary>
    private sealed class RefusingFirstPublisher : IOrderPublisher
    {
        public int Calls { get; private set; }

        public int Refused { get; private set; }

        public bool IsConfigured => true;

        public Task PublishAsync(IReadOnlyList<StoredOrder> orders, CancellationToken cancellationToken = default)
        {
            Calls++;
            Refused++;
            throw new RefusedException($"refused order {orders[0].OrderId}", [orders[0].OrderId]);
        }
    }

    private sealed class RefusedException(string message, IReadOnlyList<string> orderIds) : Exception(message), IOrderPublishFailure
    {
        public IReadOnlyList<string> OrderIds { get; } = orderIds;

        public bool BrokerUnavailable => false;
    }
}
