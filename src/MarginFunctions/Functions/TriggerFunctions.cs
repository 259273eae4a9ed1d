using System.Diagnostics;
using System.Globalization;
using Margin.Infrastructure.Queues;
using Margin.Sweep.Ports;
using Margin.Sweep.Stress;
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

    /// <summary>The queue triggers' binding name (ProcessShard, RunStress).</summary>
    public const string QueueBinding = QueueDelivery.Binding;

    /// <summary>The Service Bus trigger's binding name (RecordLiquidationEvent).</summary>
    public const string ServiceBusBinding = "message";

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/RefreshPrices", context => Invoke(context, "RefreshPrices", RefreshPricesAsync));
        routes.MapPost("/StartSweep", context => Invoke(context, "StartSweep", StartSweepAsync));
        routes.MapPost("/RelayOutbox", context => Invoke(context, "RelayOutbox", RelayOutboxAsync));
        routes.MapPost("/ProcessShard", context => Invoke(context, "ProcessShard", ProcessShardAsync));
        routes.MapPost("/RunStress", context => Invoke(context, "RunStress", RunStressAsync));
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
        var delivery = QueueDelivery.Read(invocation, "ProcessShard", StorageWorkQueue.QueueName, "work item (they are a few hundred)");
        var message = StorageWorkQueue.Decode(delivery.MessageId, delivery.PopReceipt, delivery.DequeueCount, delivery.Body);
        await app.EnsureCreatedAsync(ct).ConfigureAwait(false);
        if (message.Item is not { } item)
        {
            // Retrying cannot mend a body: keep it, with the reason, in the poison queue now, and let the host delete it.
            return await delivery.PoisonAsync(app.Storage.WorkQueue.Poison, "work item", message.Problem ?? "not a work item", logger, ct).ConfigureAwait(false);
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
        catch (Exception) when (delivery.IsLastAttempt(app.Functions.MaxDequeueCount) && !ct.IsCancellationRequested)
        {
            delivery.NoteExhausted(app.Functions.MaxDequeueCount, logger);
            throw;
        }
    }

    private static async Task<IReadOnlyList<string>> RunStressAsync(MarginApp app, HostInvocation invocation, ILogger logger, CancellationToken ct)
    {
        var delivery = QueueDelivery.Read(invocation, "RunStress", StorageStressQueue.QueueName, "stress message (they are under 200)");
        await app.EnsureCreatedAsync(ct).ConfigureAwait(false);
        if (!StressQueueMessage.TryDecode(delivery.Body, out var runId, out var problem))
        {
            return await delivery.PoisonAsync(app.Storage.StressQueue.Poison, "stress message", problem ?? "not a stress message", logger, ct).ConfigureAwait(false);
        }

        // The others wait here while the host keeps their messages invisible.
        await app.StressGate.WaitAsync(ct).ConfigureAwait(false);
        var started = Stopwatch.GetTimestamp();
        StressRunOutcome outcome;
        try
        {
            outcome = await app.Stress.Run.ExecuteAsync(runId, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (delivery.IsLastAttempt(app.Functions.MaxDequeueCount) && !ct.IsCancellationRequested)
        {
            // The host moves the message to margin-stress-poison after this answer and nothing runs the run again: say so
            // in its record, which would otherwise read Running (or Queued) forever.
            var reason = string.Create(CultureInfo.InvariantCulture, $"the run failed its last attempt ({delivery.DequeueCount} of {app.Functions.MaxDequeueCount}; its message goes to {delivery.PoisonQueue}): {Problem(ex)}");
            try
            {
                await app.Stress.Run.FailAsync(runId, reason, ct).ConfigureAwait(false);
            }
            catch (Exception failure) when (!ct.IsCancellationRequested)
            {
                Log.StressRunNotMarked(logger, runId, Problem(failure));
            }

            delivery.NoteExhausted(app.Functions.MaxDequeueCount, logger);
            throw;
        }
        finally
        {
            app.StressGate.Release();
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        switch (outcome.Kind)
        {
            case StressRunOutcomeKind.Unknown:
                // Nothing to retry: a run that is not stored cannot appear later (its record is written before its message).
                Log.StressRunUnknown(logger, delivery.MessageId, runId);
                return [$"stress run {runId} is not stored; nothing to run (the message is deleted)"];
            case StressRunOutcomeKind.Failed:
                Log.StressRunFailed(logger, runId, outcome.Error ?? "failed");
                return [string.Create(CultureInfo.InvariantCulture, $"stress run {runId} Failed after {elapsed.TotalMilliseconds:0} ms (not retried: its inputs do not check): {outcome.Error}")];
            case StressRunOutcomeKind.AlreadyDone when outcome.Result is { } stored:
                return [$"stress run {runId} AlreadyDone (not run again): {Summary(stored, stored.ReadTime + stored.CascadeTime + stored.CurveTime)}"];
            case StressRunOutcomeKind.AlreadyDone:
                return [$"stress run {runId} AlreadyDone (not run again): {outcome.Record?.Status}{(outcome.Error is { } error ? ": " + error : string.Empty)}"];
            default:
                return [$"stress run {runId} Completed: {Summary(outcome.Result!, elapsed)}"];
        }
    }

    private static string Summary(StressRunResult result, TimeSpan elapsed) =>
        string.Create(CultureInfo.InvariantCulture, $"{result.Accounts} accounts ({result.UnreadableAccounts} unreadable), {result.Cascade.Rounds.Length} round(s) ({result.Cascade.Stop}), {result.Cascade.Liquidations} liquidations, insurance fund loss {result.Cascade.InsuranceFundLoss:0.00} USD, {result.Curve.Length} curve point(s); {elapsed.TotalMilliseconds:0} ms");

    // One line: a storage failure's message carries the status, headers and body on further lines.
    private static string Problem(Exception ex)
    {
        var first = ex.Message.Split('\n', 2)[0].Trim();
        var text = ex is Azure.RequestFailedException rf ? $"{ex.GetType().Name} ({rf.Status} {rf.ErrorCode}): {first}" : $"{ex.GetType().Name}: {first}";
        return text.Length <= 1000 ? text : text[..1000];
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
