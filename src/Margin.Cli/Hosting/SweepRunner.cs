using System.Diagnostics;
using System.Globalization;
using Margin.Cli.Commands;
using Margin.Cli.Output;
using Margin.Infrastructure.Composition;
using Margin.Sweep.Ports;
using Margin.Sweep.UseCases;
using Spectre.Console;

namespace Margin.Cli.Hosting;

/// <summary>One full sweep from the command line: refresh prices, start a sweep, drain its work items with W workers (a live progress bar on a terminal), and print the summary.</summary>
internal static class SweepRunner
{
    public static async Task<int> RunAsync(CommandIo io, MarginSettings settings, MarginStorage storage, OrderBroker broker, IReadOnlyList<IOracleSource> sources, CancellationToken ct)
    {
        var console = ConsoleFactory.Create(io.Output, io.Terminal);
        var time = TimeProvider.System;
        var refresh = await new RefreshPrices(sources, storage.Snapshots, storage.PriceHistory, storage.Parameters, settings.Prices, time).ExecuteAsync(ct).ConfigureAwait(false);
        if (refresh.Snapshot is null)
        {
            return await StorageCommand.FailAsync(io, "sweep", refresh.Skipped ?? "no snapshot", ct).ConfigureAwait(false);
        }

        var usable = refresh.Decisions.Count(d => d.Usable);
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"prices: snapshot {refresh.Snapshot.Id} from {sources.Count} source(s): {usable} of {refresh.Decisions.Count} assets accepted{(refresh.EstimatesRecomputed ? ", volatilities and correlations re-estimated" : string.Empty)}")));
        foreach (var d in refresh.Decisions.Where(d => !d.Usable))
        {
            console.MarkupLine(Markup.Escape($"  {d.Asset}: {d.Reason}: {d.Message}"));
        }

        foreach (var f in refresh.SourceFailures)
        {
            console.MarkupLine(Markup.Escape($"  source {f.SourceId} failed: {f.Problem}"));
        }

        var started = await new StartSweep(storage.Snapshots, storage.Parameters, storage.Sweeps, storage.WorkQueue, storage.Accounts, settings.Sweep, time).ExecuteAsync(ct).ConfigureAwait(false);
        if (started.Decision is not StartDecision.Started || started.Sweep is not { } sweep)
        {
            var hint = started.Decision == StartDecision.Busy ? " (margin sweep --resume finishes it)" : string.Empty;
            return await StorageCommand.FailAsync(io, "sweep", $"no sweep started ({started.Decision}): {started.Why}{hint}", ct).ConfigureAwait(false);
        }

        console.MarkupLine(Markup.Escape($"sweep {sweep.SweepId}: {started.Why}"));
        return await DrainAsync(io, console, settings, storage, broker, sweep, ct).ConfigureAwait(false);
    }

    /// <summary>Resumes the latest sweep if it has unfinished work items (after an interrupted <c>margin sweep</c>).</summary>
    public static async Task<int> ResumeAsync(CommandIo io, MarginSettings settings, MarginStorage storage, OrderBroker broker, CancellationToken ct)
    {
        var console = ConsoleFactory.Create(io.Output, io.Terminal);
        if (await storage.Sweeps.GetLatestAsync(ct).ConfigureAwait(false) is not { } sweep)
        {
            return await StorageCommand.FailAsync(io, "sweep --resume", "no sweep has been started yet", ct).ConfigureAwait(false);
        }

        if (sweep.EnqueuedAt is null)
        {
            // The start crashed before every work item was queued: queue them again (duplicates are harmless).
            await storage.WorkQueue.EnqueueAsync(StartSweep.WorkItemsOf(sweep), ct).ConfigureAwait(false);
            await storage.Sweeps.MarkEnqueuedAsync(sweep.SweepId, TimeProvider.System.GetUtcNow(), ct).ConfigureAwait(false);
        }

        var done = await storage.Sweeps.DoneAsync(sweep.SweepId, ct).ConfigureAwait(false);
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"resuming sweep {sweep.SweepId}: {done.Count} of {sweep.WorkItems} work items done")));
        return await DrainAsync(io, console, settings, storage, broker, sweep, ct).ConfigureAwait(false);
    }

    private static async Task<int> DrainAsync(CommandIo io, IAnsiConsole console, MarginSettings settings, MarginStorage storage, OrderBroker broker, Sweep.Work.SweepRecord sweep, CancellationToken ct)
    {
        var time = TimeProvider.System;
        var models = new MarginModelCache(storage.Snapshots, storage.Parameters);
        var process = new ProcessShard(storage.Accounts, storage.Margin, storage.History, storage.Sweeps, broker.Publisher, models, settings.Sweep, time);
        var drain = new WorkQueueDrain(storage.WorkQueue, process, settings.Drain, time);
        var clock = Stopwatch.StartNew();
        Task<bool> Finished(CancellationToken token) => DoneAsync(storage, sweep.SweepId, sweep.WorkItems, token);
        DrainOutcome outcome;
        if (io.Terminal.IsTerminal)
        {
            outcome = null!;
            await console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask(string.Create(CultureInfo.InvariantCulture, $"{sweep.WorkItems} work items"), maxValue: sweep.WorkItems);
                    outcome = await drain.RunAsync(Finished, _ => task.Increment(1), ct).ConfigureAwait(false);
                }).ConfigureAwait(false);
        }
        else
        {
            var done = 0;
            outcome = await drain.RunAsync(
                Finished,
                shard =>
                {
                    var n = Interlocked.Increment(ref done);
                    if (n % Math.Max(1, sweep.WorkItems / 4) == 0 || n == sweep.WorkItems)
                    {
                        io.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {n}/{sweep.WorkItems} work items done"));
                    }
                },
                ct).ConfigureAwait(false);
        }

        clock.Stop();
        var receipts = await SweepsCommand.Receipts(storage, sweep.SweepId, ct).ConfigureAwait(false);
        WriteSummary(console, io.Output, broker, sweep.SweepId, sweep.NoLiquidation, outcome, receipts, clock.Elapsed);
        return outcome.Poisoned.Count == 0 ? ExitCodes.Success : ExitCodes.InvalidInput;
    }

    private static async Task<bool> DoneAsync(MarginStorage storage, string sweepId, int workItems, CancellationToken ct) =>
        (await storage.Sweeps.DoneAsync(sweepId, ct).ConfigureAwait(false)).Count >= workItems;

    private static void WriteSummary(IAnsiConsole console, TextWriter output, OrderBroker broker, string sweepId, bool noLiquidation, DrainOutcome outcome, IReadOnlyList<Sweep.Results.SweepReceipt> receipts, TimeSpan elapsed)
    {
        var shards = outcome.Processed;
        var accounts = receipts.Sum(r => r.Accounts);
        var times = shards.Select(s => s.Elapsed.TotalMilliseconds).Order().ToArray();
        var grid = new Grid().AddColumn().AddColumn();
        void Row(string name, string value) => grid.AddRow(name, Markup.Escape(value));
        Row("Sweep", sweepId + (noLiquidation ? " (no-liquidation mode: no orders)" : string.Empty));
        Row("Accounts", string.Create(CultureInfo.InvariantCulture, $"{accounts:N0} in {elapsed.TotalSeconds:0.0} s = {accounts / Math.Max(elapsed.TotalSeconds, 1e-9):N0} accounts/s"));
        Row("Results", string.Create(CultureInfo.InvariantCulture, $"{receipts.Sum(r => r.Written):N0} written, {receipts.Sum(r => r.Unchanged):N0} unchanged, {receipts.Sum(r => r.Superseded):N0} superseded, {receipts.Sum(r => r.Failed):N0} could not be evaluated"));
        Row("Orders", string.Create(CultureInfo.InvariantCulture, $"{receipts.Sum(r => r.Orders):N0} new; {shards.Sum(s => s.OrdersPublished):N0} published, {shards.Sum(s => s.OrdersLeftInOutbox):N0} in the outbox"));
        Row("Work items", string.Create(CultureInfo.InvariantCulture, $"{shards.Count} processed; time per item p50 {Percentile(times, 0.5):0} ms, p99 {Percentile(times, 0.99):0} ms; {outcome.Failures.Count} retried, {outcome.Poisoned.Count} poisoned"));
        Row("Storage operations", string.Create(CultureInfo.InvariantCulture, $"{shards.Sum(s => s.Reads):N0} partition queries, {shards.Sum(s => s.Transactions):N0} transactions, {shards.Sum(s => s.HistoryWrites):N0} history rows, {shards.Count} completion markers, {shards.Sum(s => s.OtherOperations):N0} other calls (sweep reads, sent marks, history retention), {shards.Sum(s => s.Conflicts)} conflicts retried"));
        console.Write(new Rule("Sweep summary"));
        console.Write(grid);
        foreach (var line in ServiceBusLines(broker, shards.Sum(s => s.OrdersPublished), shards.Sum(s => s.OrdersLeftInOutbox), [.. shards.SelectMany(s => s.PublishFailures)]))
        {
            // Plain lines, never wrapped, so that logs can be searched for them.
            output.WriteLine(line);
        }

        console.Write(SweepsCommand.StatusTable(receipts));
        foreach (var (id, reason) in outcome.Poisoned)
        {
            console.MarkupLine(Markup.Escape($"poisoned message {id}: {reason}"));
        }
    }

    /// <summary>What the sweep's publishing did: how many orders reached Service Bus and where, or that it is not configured; the failures (count and the first).</summary>
    internal static IReadOnlyList<string> ServiceBusLines(OrderBroker broker, int published, int left, IReadOnlyList<string> failures)
    {
        if (!broker.IsConfigured)
        {
            return [string.Create(CultureInfo.InvariantCulture, $"Service Bus is not configured: {left:N0} orders remain in the outbox (margin orders list; margin orders relay once it is configured)")];
        }

        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"{published:N0} orders reached Service Bus ({broker.Where(broker.Options.OrdersQueue)}){(left > 0 ? $"; {left:N0} remain in the outbox (margin orders relay sends them)" : string.Empty)}"),
        };
        if (failures.Count > 0)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"Service Bus publish failed {failures.Count:N0} time(s); those orders stay in the outbox (margin orders relay sends them). First error: {failures[0].Split('\n', 2)[0].Trim()}"));
        }

        return lines;
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
