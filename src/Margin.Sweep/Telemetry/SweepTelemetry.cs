using System.Diagnostics;
using System.Diagnostics.Metrics;
using Margin.Engine.Prices;
using Margin.Engine.Results;
using Margin.Sweep.Results;
using Margin.Sweep.Work;

namespace Margin.Sweep.Telemetry;

/// <summary>The use cases' traces and metrics, over System.Diagnostics only: one <see cref="ActivitySource"/> and one <see cref="Meter"/>, both named <see cref="SourceName"/> (docs/observability.md).</summary>
/// <remarks>
/// <para>The libraries only record; the host that runs them (the Functions handler, the CLI) chooses whether anything is
/// collected and where it goes, by subscribing to <see cref="SourceName"/> (OpenTelemetry's <c>AddSource</c> and
/// <c>AddMeter</c>). With no subscriber, starting a span returns null and a measurement is dropped at the instrument, so
/// the cost is a few branches.</para>
/// <para>Names follow the OpenTelemetry semantic conventions' style: dotted lower-case names under <c>margin.</c>, units in
/// UCUM (<c>s</c>) or as annotations (<c>{account}</c>). Metric tags are low-cardinality by design (a status, an asset,
/// a queue): the sweep id is on the spans, never on a metric, so a time series is not born every five minutes.
/// Recording allocates nothing per account: instruments are static, tags are <see cref="KeyValuePair{TKey, TValue}"/>
/// structs and tag values are constant or already held strings.</para>
/// </remarks>
public static class SweepTelemetry
{
    /// <summary>The name of the activity source and of the meter.</summary>
    public const string SourceName = "Margin.Sweep";

    /// <summary>The span of a sweep's start (its trace's root, unless the host has a span around it).</summary>
    public const string StartSweepSpan = "StartSweep";

    /// <summary>The span of one work item; its parent is its sweep's <see cref="StartSweepSpan"/>, through the work item's <see cref="WorkItem.TraceParent"/>.</summary>
    public const string ProcessShardSpan = "ProcessShard";

    /// <summary>The span of one publish of outbox orders to the broker (a child of ProcessShard or RelayOutbox).</summary>
    public const string PublishOrdersSpan = "PublishOrders";

    /// <summary>The span of a price refresh.</summary>
    public const string RefreshPricesSpan = "RefreshPrices";

    /// <summary>The span of an outbox relay.</summary>
    public const string RelayOutboxSpan = "RelayOutbox";

    /// <summary>The span of an executor's report applied to its order.</summary>
    public const string RecordLiquidationEventSpan = "RecordLiquidationEvent";

    /// <summary>Histogram, seconds: a sweep from its start to its last work item's completion marker.</summary>
    public const string SweepDurationMetric = "margin.sweep.duration";

    /// <summary>Counter: StartSweep found the previous sweep unfinished past its deadline.</summary>
    public const string SweepOverrunsMetric = "margin.sweep.overruns";

    /// <summary>Histogram, seconds: one work item.</summary>
    public const string WorkItemDurationMetric = "margin.workitem.duration";

    /// <summary>Histogram, accounts per second: one work item's accounts over its duration.</summary>
    public const string WorkItemThroughputMetric = "margin.workitem.throughput";

    /// <summary>Counter: accounts per status (tag <see cref="StatusTag"/>) in the partitions a work item committed.</summary>
    public const string AccountsMetric = "margin.accounts";

    /// <summary>Counter: new liquidation orders put in the outbox.</summary>
    public const string OrdersCreatedMetric = "margin.orders.created";

    /// <summary>Counter: orders the broker accepted.</summary>
    public const string OrdersPublishedMetric = "margin.orders.published";

    /// <summary>Counter: orders a publish left unsent (the broker refused them or could not be reached).</summary>
    public const string OrdersPublishFailuresMetric = "margin.orders.publish_failures";

    /// <summary>Gauge, seconds: per asset (tag <see cref="AssetTag"/>), the age of its price in the snapshot just written.</summary>
    public const string PriceAgeMetric = "margin.price.age";

    /// <summary>Gauge, orders: open unsent orders RelayOutbox found to send.</summary>
    public const string OutboxBacklogMetric = "margin.outbox.backlog";

    /// <summary>Counter: messages moved to a poison or dead-letter queue (tag <see cref="QueueTag"/>).</summary>
    public const string PoisonMetric = "margin.poison";

    /// <summary>Span tag: the sweep id.</summary>
    public const string SweepIdTag = "margin.sweep.id";

    /// <summary>Span tag: the price snapshot id.</summary>
    public const string SnapshotIdTag = "margin.snapshot.id";

    /// <summary>Span tag: the risk parameter version.</summary>
    public const string ParamsVersionTag = "margin.params.version";

    /// <summary>Span tag: the number of work items of a sweep.</summary>
    public const string WorkItemCountTag = "margin.workitem.count";

    /// <summary>Span tag: a work item's number within its sweep.</summary>
    public const string WorkItemTag = "margin.workitem";

    /// <summary>Span tag: the number of accounts.</summary>
    public const string AccountCountTag = "margin.account.count";

    /// <summary>Span tag: the number of orders.</summary>
    public const string OrderCountTag = "margin.order.count";

    /// <summary>Span tag: an order id.</summary>
    public const string OrderIdTag = "margin.order.id";

    /// <summary>Span tag: the order state an executor reported.</summary>
    public const string OrderStateTag = "margin.order.state";

    /// <summary>Metric tag of <see cref="AccountsMetric"/>: a <see cref="MarginStatus"/> name, or <see cref="FailedStatus"/>.</summary>
    public const string StatusTag = "margin.status";

    /// <summary>Metric tag of <see cref="PriceAgeMetric"/>: the asset symbol.</summary>
    public const string AssetTag = "margin.asset";

    /// <summary>Metric tag of <see cref="PoisonMetric"/>: the queue (<see cref="ShardQueue"/> or <see cref="EventsQueue"/>).</summary>
    public const string QueueTag = "margin.queue";

    /// <summary>The <see cref="StatusTag"/> value of accounts with no status (they could not be evaluated).</summary>
    public const string FailedStatus = "Failed";

    /// <summary>The work queue, as a <see cref="QueueTag"/> value.</summary>
    public const string ShardQueue = "margin-shards";

    /// <summary>The executors' events queue, as a <see cref="QueueTag"/> value.</summary>
    public const string EventsQueue = "liquidation-events";

    private static readonly string? s_version = typeof(SweepTelemetry).Assembly.GetName().Version?.ToString();

    // Seconds from a fraction of a second (a small work item) to half an hour (a large sweep past its deadline).
    private static readonly InstrumentAdvice<double> s_secondsAdvice = new() { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800] };

    private static readonly InstrumentAdvice<double> s_throughputAdvice = new() { HistogramBucketBoundaries = [100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000] };

    /// <summary>The activity source of the use cases' spans.</summary>
    public static ActivitySource ActivitySource { get; } = new(SourceName, s_version);

    /// <summary>The meter of the use cases' metrics.</summary>
    public static Meter Meter { get; } = new(SourceName, s_version);

    private static readonly Histogram<double> s_sweepDuration = Meter.CreateHistogram(SweepDurationMetric, "s", "A sweep from its start to its last work item's completion marker.", tags: null, s_secondsAdvice);
    private static readonly Counter<long> s_sweepOverruns = Meter.CreateCounter<long>(SweepOverrunsMetric, "{sweep}", "Sweeps StartSweep found unfinished past their deadline.");
    private static readonly Histogram<double> s_workItemDuration = Meter.CreateHistogram(WorkItemDurationMetric, "s", "One work item, from its receipt by ProcessShard to its completion marker.", tags: null, s_secondsAdvice);
    private static readonly Histogram<double> s_workItemThroughput = Meter.CreateHistogram(WorkItemThroughputMetric, "{account}/s", "Accounts a work item decided per second.", tags: null, s_throughputAdvice);
    private static readonly Counter<long> s_accounts = Meter.CreateCounter<long>(AccountsMetric, "{account}", "Accounts per margin status in the partitions committed by work items.");
    private static readonly Counter<long> s_ordersCreated = Meter.CreateCounter<long>(OrdersCreatedMetric, "{order}", "New liquidation orders put in the outbox.");
    private static readonly Counter<long> s_ordersPublished = Meter.CreateCounter<long>(OrdersPublishedMetric, "{order}", "Orders the broker accepted.");
    private static readonly Counter<long> s_ordersPublishFailures = Meter.CreateCounter<long>(OrdersPublishFailuresMetric, "{order}", "Orders a publish left unsent in the outbox.");
    private static readonly Gauge<double> s_priceAge = Meter.CreateGauge<double>(PriceAgeMetric, "s", "Per asset, the age of its price in the snapshot RefreshPrices just wrote.");
    private static readonly Gauge<long> s_outboxBacklog = Meter.CreateGauge<long>(OutboxBacklogMetric, "{order}", "Open unsent orders RelayOutbox found to send.");
    private static readonly Counter<long> s_poison = Meter.CreateCounter<long>(PoisonMetric, "{message}", "Messages moved to a poison or dead-letter queue.");

    /// <summary>Counts one message moved to a poison or dead-letter queue (also for the handler, which poisons a body that is not a work item itself).</summary>
    /// <param name="queue">The queue the message came from: <see cref="ShardQueue"/> or <see cref="EventsQueue"/>.</param>
    /// <exception cref="ArgumentException">The queue name is empty.</exception>
    public static void RecordPoison(string queue)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        s_poison.Add(1, new KeyValuePair<string, object?>(QueueTag, queue));
    }

    internal static void RecordOverrun() => s_sweepOverruns.Add(1);

    internal static void RecordSweepDuration(TimeSpan duration) => s_sweepDuration.Record(duration.TotalSeconds);

    /// <summary>A committed partition: its accounts per status (<see cref="FailedStatus"/> for those with none) and its new orders.</summary>
    internal static void RecordReceipt(SweepReceipt receipt)
    {
        // Per status, not per account: at most seven Adds per partition, whatever its size.
        var withStatus = 0;
        foreach (var (status, count) in receipt.ByStatus)
        {
            withStatus += count;
            s_accounts.Add(count, new KeyValuePair<string, object?>(StatusTag, NameOf(status)));
        }

        // The receipt's ByStatus has every account that has a status; the rest (its Failed, and any account superseded by a
        // newer sweep that could not evaluate it either) could not be evaluated, so the statuses always add up to Accounts.
        if (receipt.Accounts - withStatus is > 0 and var failed)
        {
            s_accounts.Add(failed, new KeyValuePair<string, object?>(StatusTag, FailedStatus));
        }

        if (receipt.Orders > 0)
        {
            s_ordersCreated.Add(receipt.Orders);
        }
    }

    internal static void RecordWorkItem(TimeSpan elapsed, int accounts)
    {
        var seconds = elapsed.TotalSeconds;
        s_workItemDuration.Record(seconds);
        if (accounts > 0 && seconds > 0)
        {
            s_workItemThroughput.Record(accounts / seconds);
        }
    }

    internal static void RecordPublish(int accepted, int notAccepted)
    {
        if (accepted > 0)
        {
            s_ordersPublished.Add(accepted);
        }

        if (notAccepted > 0)
        {
            s_ordersPublishFailures.Add(notAccepted);
        }
    }

    /// <summary>Every asset's price age in a snapshot, as of the snapshot (the settlement currency, fixed at 1 and never quoted, is left out).</summary>
    internal static void RecordPriceAges(PriceSnapshot snapshot)
    {
        foreach (var (symbol, price) in snapshot.Assets)
        {
            if (!price.Asset.Equals(snapshot.Quote))
            {
                s_priceAge.Record((snapshot.AsOf - price.PublishTime).TotalSeconds, new KeyValuePair<string, object?>(AssetTag, symbol));
            }
        }
    }

    internal static void RecordOutboxBacklog(int pending) => s_outboxBacklog.Record(pending);

    /// <summary>Starts a ProcessShard span: a child of the span that enqueued the item when its trace parent parses, else of the current span.</summary>
    /// <remarks>The span the host may have open for the invocation (its request span) is then linked, so neither trace loses the other.</remarks>
    internal static Activity? StartProcessShard(WorkItem item)
    {
        if (item.TraceParent is { } traceParent && ActivityContext.TryParse(traceParent, null, isRemote: true, out var parent))
        {
            var links = Activity.Current is { } ambient ? new[] { new ActivityLink(ambient.Context) } : null;
            return ActivitySource.StartActivity(ProcessShardSpan, ActivityKind.Consumer, parent, tags: null, links);
        }

        return ActivitySource.StartActivity(ProcessShardSpan, ActivityKind.Consumer);
    }

    /// <summary>The W3C traceparent of the current span, or null when there is none or it is not in W3C format.</summary>
    internal static string? CurrentTraceParent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;

    /// <summary>Marks a span failed with the exception (its type, message and stack as an <c>exception</c> event).</summary>
    internal static void Fail(Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }

        activity.AddException(exception);
        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
    }

    // Constant strings: a tag value costs no allocation (Enum.ToString would be correct too, for a value added later).
    private static string NameOf(MarginStatus status) => status switch
    {
        MarginStatus.Healthy => nameof(MarginStatus.Healthy),
        MarginStatus.Warning => nameof(MarginStatus.Warning),
        MarginStatus.ReduceOnly => nameof(MarginStatus.ReduceOnly),
        MarginStatus.MarginCall => nameof(MarginStatus.MarginCall),
        MarginStatus.Liquidatable => nameof(MarginStatus.Liquidatable),
        MarginStatus.Bankrupt => nameof(MarginStatus.Bankrupt),
        _ => status.ToString(),
    };
}
