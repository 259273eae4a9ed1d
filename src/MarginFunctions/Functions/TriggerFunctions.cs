using System.Globalization;
using Margin.Infrastructure.Queues;
using Margin.Sweep.Ports;
using Margin.Sweep.Telemetry;
using Margin.Sweep.UseCases;
using MarginFunctions.Hosting;
using MarginFunctions.Invocations;

namespace MarginFunctions.Functions;

/// <summary>The timer, queue and Service Bus functions: one <c>POST /{FunctionName}</c> each, a few lines around one use case.</summary>
internal static class TriggerFunctions
{
    /// <summary>The binding names in the functions' function.json files.</summary>
    public const string TimerBinding = "timer";

    /// <summary>The queue trigger's binding name (ProcessShard).</summary>
    public const string QueueBinding = "item";

    /// <summary>The Service Bus trigger's binding name (RecordLiquidationEvent).</summary>
    public const string ServiceBusBinding = "message";

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/RefreshPrices", context => Invoke(context, "RefreshPrices", RefreshPricesAsync));
        routes.MapPost("/StartSweep", context => Invoke(context, "StartSweep", StartSweepAsync));
        routes.MapPost("/RelayOutbox", context => Invoke(context, "RelayOutbox", RelayOutboxAsync));
        routes.MapPost("/ProcessShard", context => Invoke(context, "ProcessShard", ProcessShardAsync));
        routes.MapPost("/RecordLiquidationEvent", context => Invoke(context, "RecordLiquidationEvent", RecordLiquidationEventAsync));
    }

    private static async Task Invoke(HttpContext context, string function, Func<MarginApp, HostInvocation, ILogger, CancellationToken, Task<IReadOnlyList<string>>> run) =>
        await (await Invocation.RunAsync(context, function, run).ConfigureAwait(false)).ExecuteAsync(context).ConfigureAwait(false);

    private static void NotePastDue(HostInvocation invocation, ILogger logger, string function, List<string> logs)
    {
        // A past-due timer (the app was down at its time) runs once now; the host does not replay every missed occurrence.
        if (invocation.IsPastDue(TimerBinding))
        {
            Log.PastDue(logger, function);
            logs.Add("the timer was past due; ran once now");
        }
    }

    private static async Task<IReadOnlyList<string>> RefreshPricesAsync(MarginApp app, HostInvocation invocation, ILogger logger, CancellationToken ct)
    {
        var logs = new List<string>();
        NotePastDue(invocation, logger, "RefreshPrices", logs);
        await app.EnsureCreatedAsync(ct).ConfigureAwait(false);
        var outcome = await app.RefreshPrices.ExecuteAsync(ct).ConfigureAwait(false);
        if (outcome.Snapshot is null)
        {
            throw new InvalidOperationException($"no snapshot was written: {outcome.Skipped}");
        }

        logs.Add(string.Create(CultureInfo.InvariantCulture, $"snapshot {outcome.Snapshot.Id}: {outcome.Decisions.Count(d => d.Usable)} of {outcome.Decisions.Count} assets accepted{(outcome.EstimatesRecomputed ? "; volatilities and correlations re-estimated" : string.Empty)}"));
        logs.AddRange(outcome.Decisions.Where(d => !d.Usable).Select(d => $"{d.Asset}: {d.Reason}: {d.Message}"));
        logs.AddRange(outcome.SourceFailures.Select(f => $"source {f.SourceId} failed: {f.Problem}"));
        return logs;
    }

    private static async Task<IReadOnlyList<string>> StartSweepAsync(MarginApp app, HostInvocation invocation, ILogger logger, CancellationToken ct)
    {
        var logs = new List<string>();
        NotePastDue(invocation, logger, "StartSweep", logs);
        await app.EnsureCreatedAsync(ct).ConfigureAwait(false);
        var outcome = await app.StartSweep.ExecuteAsync(ct).ConfigureAwait(false);
        logs.Add(outcome.Sweep is { } sweep
            ? string.Create(CultureInfo.InvariantCulture, $"{outcome.Decision}: sweep {sweep.SweepId} ({sweep.WorkItems} work items{(sweep.NoLiquidation ? ", no-liquidation mode" : string.Empty)}): {outcome.Why}")
            : $"{outcome.Decision}: {outcome.Why}");
        return logs;
    }

    private static async Task<IReadOnlyList<string>> RelayOutboxAsync(MarginApp app, HostInvocation invocation, ILogger logger, CancellationToken ct)
    {
        var logs = new List<string>();
        NotePastDue(invocation, logger, "RelayOutbox", logs);
        await app.EnsureCreatedAsync(ct).ConfigureAwait(false);
        var outcome = await app.RelayOutbox.ExecuteAsync(ct).ConfigureAwait(false);
        logs.Add(outcome.Configured
            ? string.Create(CultureInfo.InvariantCulture, $"{outcome.Pending} unsent order(s): {outcome.Sent} sent, {outcome.Expired} past their time to live")
            : string.Create(CultureInfo.InvariantCulture, $"Service Bus is not configured: {outcome.Pending} order(s) remain in the outbox"));
        return logs;
    }

    private static async Task<IReadOnlyList<string>> ProcessShardAsync(MarginApp app, HostInvocation invocation, ILogger logger, CancellationToken ct)
    {
        var messageId = invocation.MetadataText("Id") ?? "(no id)";
        var dequeueCount = invocation.MetadataInteger("DequeueCount") ?? 1;
        if (invocation.DataText(QueueBinding) is not { Length: > 0 } body)
        {
            // No body where function.json puts it (a renamed binding, another payload shape): failing keeps the message
            // with the host, which moves it intact to margin-shards-poison after maxDequeueCount.
            throw new InvalidDataException($"the invocation has no queue message in Data.{QueueBinding} (message {messageId}); check ProcessShard/function.json's binding name");
        }

        if (body.Length > StorageWorkQueue.MaxPoisonBodyChars)
        {
            // Far too long for a work item, and too long to copy whole into a poison record: leave it to the host's own poison move, which keeps it intact.
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"message {messageId} is {body.Length} characters, not a work item (they are a few hundred); the host moves it to {StorageWorkQueue.PoisonQueueName} after maxDequeueCount"));
        }

        var message = StorageWorkQueue.Decode(messageId, invocation.MetadataText("PopReceipt") ?? string.Empty, dequeueCount, body);
        await app.EnsureCreatedAsync(ct).ConfigureAwait(false);
        if (message.Item is not { } item)
        {
            // Retrying cannot mend a body: keep it, with the reason, in the poison queue now, and let the host delete it.
            var problem = message.Problem ?? "not a work item";
            await app.Storage.WorkQueue.CopyToPoisonAsync(message, problem, ct).ConfigureAwait(false);
            SweepTelemetry.RecordPoison(SweepTelemetry.ShardQueue);
            Log.WorkItemPoisoned(logger, messageId, dequeueCount, StorageWorkQueue.PoisonQueueName, problem);
            return [$"message {messageId} is not a work item and was moved to {StorageWorkQueue.PoisonQueueName}: {problem}"];
        }

        try
        {
            var outcome = await app.ProcessShard.ExecuteAsync(item, ct).ConfigureAwait(false);
            var logs = new List<string>
            {
                string.Create(CultureInfo.InvariantCulture, $"sweep {outcome.SweepId} work item {outcome.WorkItem}: {outcome.Accounts} accounts, {outcome.Written} results written, {outcome.Failed} could not be evaluated, {outcome.Orders} new orders; {outcome.OrdersPublished} published, {outcome.OrdersLeftInOutbox} in the outbox; {outcome.Elapsed.TotalMilliseconds:0} ms"),
            };
            logs.AddRange(outcome.PublishFailures.Select(f => "publish failed (the orders stay in the outbox; RelayOutbox sends them): " + f.Split('\n', 2)[0]));
            return logs;
        }
        catch (Exception) when (dequeueCount >= app.Functions.MaxDequeueCount && !ct.IsCancellationRequested)
        {
            Log.WorkItemExhausted(logger, messageId, dequeueCount, app.Functions.MaxDequeueCount);
            SweepTelemetry.RecordPoison(SweepTelemetry.ShardQueue);
            throw;
        }
    }

    private static async Task<IReadOnlyList<string>> RecordLiquidationEventAsync(MarginApp app, HostInvocation invocation, ILogger logger, CancellationToken ct)
    {
        var messageId = invocation.MetadataText("MessageId");
        var deliveryCount = invocation.MetadataInteger("DeliveryCount") ?? 1;
        var body = invocation.DataText(ServiceBusBinding) ?? string.Empty;
        await app.EnsureCreatedAsync(ct).ConfigureAwait(false);

        // The host settles the message: complete on 200, abandon on a failure (Service Bus dead-letters it after maxDeliveryCount).
        var consume = new ConsumeLiquidationEvents(HostSettledInbox.Instance, app.RecordEvent);
        var handled = await consume.HandleAsync(new InboxMessage(messageId, Math.Max(0, deliveryCount - 1), body, HostSettledInbox.Instance), ct).ConfigureAwait(false);
        if (handled.Disposition != EventDisposition.Completed && deliveryCount >= app.Functions.MaxDeliveryCount)
        {
            // This failure is the last delivery the queue allows: Service Bus dead-letters the message now.
            SweepTelemetry.RecordPoison(SweepTelemetry.EventsQueue);
        }

        switch (handled.Disposition)
        {
            case EventDisposition.Completed:
                return [$"order {handled.Event?.OrderId} of account {handled.Event?.AccountId}: {handled.Event?.State} -> {handled.Outcome}"];
            case EventDisposition.DeadLettered:
                Log.EventRefused(logger, messageId, deliveryCount, handled.DeadLetterReason ?? "Refused", handled.Problem ?? "refused");
                throw new InvalidDataException($"{handled.DeadLetterReason}: {handled.Problem} (message {messageId}; Service Bus dead-letters it after the queue's maxDeliveryCount)");
            default:
                throw new InvalidOperationException($"message {messageId} was not applied: {handled.Error ?? handled.Disposition.ToString()}");
        }
    }
}
