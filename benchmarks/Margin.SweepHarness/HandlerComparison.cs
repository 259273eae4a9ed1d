using System.Diagnostics;
using System.Globalization;
using Azure.Storage.Queues;
using Margin.Infrastructure.Composition;
using Margin.Infrastructure.Queues;
using Margin.Sweep.Options;
using Margin.Sweep.Orders;
using Margin.Sweep.Results;
using Margin.Sweep.UseCases;
using Margin.Sweep.Work;
using Margin.Testing.Functions;

namespace Margin.SweepHarness;

/// <summary>
/// The same sweep drained two ways, alternated round by round, each on a fresh Azurite: in this process as <c>margin
/// sweep</c> does (WorkQueueDrain, W workers, the CLI's ProcessShard composition), and through the published Functions
/// handler, one process, driven by the host's Storage queue trigger (HostQueueTrigger) with at most W invocations at once.
/// </summary>
/// <remarks>
/// Both modes seed the same book (same seed), refresh prices and start the sweep in this process; only the drain differs,
/// and only the drain is timed: from the first receive to the last work item's completion (in process: the drain's
/// callback after the message is deleted; through the handler: the answer of the last successful invocation, the
/// completion marker being written before it). CPU is read from <c>/proc</c> at both ends. Each run is checked: one
/// receipt per partition counting every account once, every completion marker, no failure, nothing poisoned, the queue
/// empty.
/// </remarks>
internal sealed class HandlerComparison
{
    public const string InProcess = "inprocess";
    public const string Handler = "handler";

    /// <summary>GET / round trips per handler run (the HTTP floor).</summary>
    private const int RootProbes = 200;

    private static readonly TimeSpan s_drainTimeout = TimeSpan.FromMinutes(20);

    private readonly HarnessOptions _options;
    private readonly string _root;
    private readonly string _appRoot;
    private readonly DemoVenue _venue;
    private readonly TextWriter _output;
    private readonly ProcessGuard _guard;
    private readonly TimeProvider _time = TimeProvider.System;

    private HandlerComparison(HarnessOptions options, string root, string appRoot, DemoVenue venue, TextWriter output, ProcessGuard guard)
    {
        _options = options;
        _root = root;
        _appRoot = appRoot;
        _venue = venue;
        _output = output;
        _guard = guard;
    }

    /// <summary>The drain options both modes share: W workers, and the CLI's poll, visibility and retry settings.</summary>
    private DrainOptions Drain => new() { Workers = _options.Workers };

    public static async Task<ComparisonReport> RunAsync(HarnessOptions options, string root, DemoVenue venue, TextWriter output, ProcessGuard guard, CancellationToken cancellationToken)
    {
        var appRoot = Path.GetFullPath(options.AppRoot ?? Path.Combine(root, "artifacts", "functions", "app"));
        var handlerUsed = options.Via is "handler" or "both";
        if (handlerUsed && !File.Exists(Path.Combine(appRoot, HandlerProcess.PublishedExecutableName)))
        {
            throw new InvalidOperationException($"no published handler at {appRoot}: run scripts/package-functions.sh (or pass --app)");
        }

        var comparison = new HandlerComparison(options, root, appRoot, venue, output, guard);
        return await comparison.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<ComparisonReport> RunAsync(CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var loadBefore = LoadAverage();
        var variants = new List<Variant>();
        if (_options.Via is "inprocess" or "both")
        {
            variants.Add(new Variant(InProcess, string.Empty, Telemetry: false, []));
        }

        if (_options.Via is "handler" or "both")
        {
            variants.Add(new Variant(Handler, string.Empty, Telemetry: false, []));
            if (_options.TelemetryRound)
            {
                variants.Add(new Variant(Handler, "telemetry", Telemetry: true, []));
            }

            if (_options.CompareSetting is { } setting)
            {
                variants.Add(new Variant(Handler, setting, Telemetry: false, [setting]));
            }
        }

        await _output.WriteLineAsync($"handler comparison: {string.Join(", ", variants.Select(v => v.Label))}, {_options.Rounds} round(s), load average {loadBefore}").ConfigureAwait(false);

        ColdStartFigures? coldStarts = null;
        if (variants.Any(v => v.Mode == Handler) && _options.ColdStarts > 0)
        {
            coldStarts = await ColdStartsAsync(cancellationToken).ConfigureAwait(false);
        }

        var runs = _options.Warm
            ? await WarmRunsAsync(variants, cancellationToken).ConfigureAwait(false)
            : await FreshRunsAsync(variants, cancellationToken).ConfigureAwait(false);

        return new ComparisonReport(_options, Environment.ProcessorCount, Environment.Version.ToString(), loadBefore, LoadAverage(), coldStarts, runs, total.Elapsed.TotalSeconds);
    }

    /// <summary>Every run on a fresh Azurite; every handler run in a fresh handler process (JIT-cold for the sweep, as each in-process run after the first is not).</summary>
    private async Task<List<DrainRun>> FreshRunsAsync(List<Variant> variants, CancellationToken cancellationToken)
    {
        var runs = new List<DrainRun>();
        for (var round = 1; round <= _options.Rounds; round++)
        {
            foreach (var variant in variants)
            {
                runs.Add(await FreshRunAsync(variant, round, cancellationToken).ConfigureAwait(false));
            }
        }

        return runs;
    }

    private async Task<DrainRun> FreshRunAsync(Variant variant, int round, CancellationToken cancellationToken)
    {
        var azurite = AzuriteProcess.Start(_root);
        _guard.TrackAzurite(azurite);
        try
        {
            if (variant.Mode == InProcess)
            {
                return await RunOnceAsync(variant, round, _options.Accounts, azurite, handler: null, cancellationToken).ConfigureAwait(false);
            }

            var handler = await StartHandlerAsync(azurite, variant, cancellationToken).ConfigureAwait(false);
            try
            {
                return await RunOnceAsync(variant, round, _options.Accounts, azurite, handler, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await StopHandlerAsync(handler).ConfigureAwait(false);
            }
        }
        finally
        {
            azurite.Stop();
            _guard.TrackAzurite(null);
        }
    }

    /// <summary>
    /// One Azurite and one handler process per handler variant for every run, each run on fresh tables and queues (all
    /// deleted and created again), after one warm-up run per variant on a tenth of the book (reported, not counted):
    /// every variant then runs code that has been through a sweep, as a Functions instance that has run sweeps before.
    /// </summary>
    private async Task<List<DrainRun>> WarmRunsAsync(List<Variant> variants, CancellationToken cancellationToken)
    {
        var runs = new List<DrainRun>();
        var azurite = AzuriteProcess.Start(_root);
        _guard.TrackAzurite(azurite);
        var handlers = new Dictionary<Variant, HandlerProcess>();
        try
        {
            foreach (var variant in variants.Where(v => v.Mode == Handler))
            {
                handlers[variant] = await StartHandlerAsync(azurite, variant, cancellationToken).ConfigureAwait(false);
            }

            var warmUp = Math.Max(1_000, _options.Accounts / 10);
            for (var round = 0; round <= _options.Rounds; round++)
            {
                foreach (var variant in variants)
                {
                    runs.Add(await RunOnceAsync(variant, round, round == 0 ? warmUp : _options.Accounts, azurite, handlers.GetValueOrDefault(variant), cancellationToken).ConfigureAwait(false));
                }
            }

            return runs;
        }
        finally
        {
            foreach (var h in handlers.Values)
            {
                await StopHandlerAsync(h).ConfigureAwait(false);
            }

            azurite.Stop();
            _guard.TrackAzurite(null);
        }
    }

    private async Task<HandlerProcess> StartHandlerAsync(AzuriteProcess azurite, Variant variant, CancellationToken cancellationToken)
    {
        var handler = await HandlerProcess.StartPublishedAsync(_appRoot, HandlerSettings(azurite.ConnectionString, variant), cancellationToken: cancellationToken).ConfigureAwait(false);
        _guard.TrackHandler(handler.ProcessId);
        return handler;
    }

    private async Task StopHandlerAsync(HandlerProcess handler)
    {
        var pid = handler.ProcessId;
        await handler.DisposeAsync().ConfigureAwait(false);
        _guard.ForgetHandler(pid);
    }

    /// <summary>Starts the handler N times on its own (nothing else running but this harness): process start to the first answer on GET /, polled every 25 ms as the host polls.</summary>
    private async Task<ColdStartFigures> ColdStartsAsync(CancellationToken cancellationToken)
    {
        await _output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"cold start: starting the handler {_options.ColdStarts} times")).ConfigureAwait(false);

        // Nothing connects at start (MarginApp), so an address where nothing listens will do.
        var settings = HandlerSettings("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;", new Variant(Handler, string.Empty, Telemetry: false, []));
        var times = new List<double>();
        for (var i = 0; i < _options.ColdStarts; i++)
        {
            var handler = await HandlerProcess.StartPublishedAsync(_appRoot, settings, cancellationToken: cancellationToken).ConfigureAwait(false);
            _guard.TrackHandler(handler.ProcessId);
            try
            {
                times.Add(handler.ColdStart.TotalMilliseconds);
            }
            finally
            {
                await StopHandlerAsync(handler).ConfigureAwait(false);
            }
        }

        var sorted = times.Order().ToArray();
        var figures = new ColdStartFigures(times, sorted[0], SweepFigures.Percentile(sorted, 0.5), sorted[^1]);
        await _output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  cold start min {figures.MinMs:0} ms, median {figures.MedianMs:0} ms, max {figures.MaxMs:0} ms")).ConfigureAwait(false);
        return figures;
    }

    private async Task<DrainRun> RunOnceAsync(Variant variant, int round, int accounts, AzuriteProcess azurite, HandlerProcess? handler, CancellationToken cancellationToken)
    {
        var label = variant.Label;
        var load = LoadAverage();
        var options = _options with { Accounts = accounts };
        await _output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"round {round}{(round == 0 ? " (warm-up)" : string.Empty)}, {label}: {(_options.Warm ? "fresh tables and queues" : "fresh Azurite")}, seeding {accounts:N0} accounts (load average {load})")).ConfigureAwait(false);
        var storage = MarginStorage.Create(new StorageOptions { ConnectionString = azurite.ConnectionString, Partitions = options.Partitions });
        if (_options.Warm)
        {
            await DeleteEverythingAsync(storage, azurite.ConnectionString, cancellationToken).ConfigureAwait(false);
        }

        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        SeedFigures seed;
        await using (var sampler = new ResourceSampler(azurite))
        {
            using var trace = new StorageTrace();
            seed = await BookSeeding.RunAsync(storage, _venue, options, sampler, trace, cancellationToken).ConfigureAwait(false);
        }

        var sweepOptions = SweepPhase.OptionsFor(options);
        var (_, sweep) = await SweepPhase.StartAsync(storage, _venue, sweepOptions, _time, label, cancellationToken).ConfigureAwait(false);
        var drained = handler is not null
            ? await DrainThroughHandlerAsync(azurite, handler, sweep, cancellationToken).ConfigureAwait(false)
            : await DrainInProcessAsync(azurite, storage, sweepOptions, sweep, cancellationToken).ConfigureAwait(false);
        var check = await VerifyAsync(storage, azurite.ConnectionString, sweep, seed.Accounts, cancellationToken).ConfigureAwait(false);
        var problems = check.Problems.Concat(drained.Problems).ToList();
        var run = new DrainRun(
            variant.Mode,
            round,
            variant.Name,
            load,
            seed.Seconds,
            drained.Seconds,
            check.Accounts / drained.Seconds,
            drained.ReturnedSeconds,
            check.Accounts,
            check.Written,
            check.Orders,
            drained.WorkItemsMs.Length,
            SweepFigures.Percentile(drained.WorkItemsMs, 0.5),
            SweepFigures.Percentile(drained.WorkItemsMs, 0.99),
            drained.WorkItemsMs.Length == 0 ? 0 : drained.WorkItemsMs[^1],
            drained.Cpu,
            drained.Handler,
            problems.Count == 0,
            problems);
        await _output.WriteLineAsync(run.Summary()).ConfigureAwait(false);
        return run;
    }

    /// <summary>Deletes every table and queue of the account (the previous run's), so a run on a shared Azurite starts as on a fresh one.</summary>
    private static async Task DeleteEverythingAsync(MarginStorage storage, string connectionString, CancellationToken cancellationToken)
    {
        var tables = new List<string>();
        await foreach (var t in storage.TableService.QueryAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            tables.Add(t.Name);
        }

        foreach (var t in tables)
        {
            await storage.TableService.DeleteTableAsync(t, cancellationToken).ConfigureAwait(false);
        }

        var queues = new QueueServiceClient(connectionString);
        var names = new List<string>();
        await foreach (var q in queues.GetQueuesAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            names.Add(q.Name);
        }

        foreach (var q in names)
        {
            await queues.DeleteQueueAsync(q, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>As <c>margin sweep</c> drains (src/Margin.Cli/Hosting/SweepRunner.cs): the plain stores, the outbox-only publisher (no Service Bus), WorkQueueDrain with W workers.</summary>
    private async Task<Drained> DrainInProcessAsync(AzuriteProcess azurite, MarginStorage storage, SweepOptions sweepOptions, SweepRecord sweep, CancellationToken cancellationToken)
    {
        var models = new MarginModelCache(storage.Snapshots, storage.Parameters);
        var process = new ProcessShard(storage.Accounts, storage.Margin, storage.History, storage.Sweeps, OutboxOnlyPublisher.Instance, models, sweepOptions, _time);
        var drain = new WorkQueueDrain(storage.WorkQueue, process, Drain, _time);
        var completions = new List<double>();
        var before = CpuReading.Take(azurite.Pid, handlerPid: null);
        var clock = Stopwatch.StartNew();
        var outcome = await drain.RunAsync(
            async token => (await storage.Sweeps.DoneAsync(sweep.SweepId, token).ConfigureAwait(false)).Count >= sweep.WorkItems,
            _ =>
            {
                var at = clock.Elapsed.TotalSeconds;
                lock (completions)
                {
                    completions.Add(at);
                }
            },
            cancellationToken).ConfigureAwait(false);
        var returned = clock.Elapsed.TotalSeconds;
        var after = CpuReading.Take(azurite.Pid, handlerPid: null);
        var problems = new List<string>();
        problems.AddRange(outcome.Failures.Select(f => "retried: " + f));
        problems.AddRange(outcome.Poisoned.Select(p => $"poisoned {p.MessageId}: {p.Reason}"));
        var last = completions.Count == 0 ? returned : completions.Max();
        var times = outcome.Processed.Select(s => s.Elapsed.TotalMilliseconds).Order().ToArray();
        return new Drained(last, returned, times, CpuFigures.Between(before, after, last), null, problems);
    }

    /// <summary>One published handler process, invoked by the host's queue trigger with at most W invocations at once (batchSize 1, newBatchThreshold W - 1).</summary>
    private async Task<Drained> DrainThroughHandlerAsync(AzuriteProcess azurite, HandlerProcess handler, SweepRecord sweep, CancellationToken cancellationToken)
    {
        var outputBefore = handler.OutputLines().Count;
        var coldStart = handler.ColdStart.TotalMilliseconds;
        var root = await ProbeRootAsync(handler, cancellationToken).ConfigureAwait(false);
        var handlerCpuBeforeDrain = ProcessCpu.Seconds(handler.ProcessId);
        var clock = new Stopwatch();
        var timed = new TimedHandler(handler, clock, sweep.WorkItems);
        var triggerOptions = new HostQueueTriggerOptions
        {
            BatchSize = 1,
            NewBatchThreshold = _options.Workers - 1,
            MaxDequeueCount = Drain.MaxDequeueCount,
            VisibilityTimeout = Drain.RetryDelay,
            MaxPollingInterval = Drain.PollInterval,
        };
        var trigger = new HostQueueTrigger(azurite.ConnectionString, StorageWorkQueue.QueueName, timed, triggerOptions, _time);
        double last;
        CpuReading before, after;
        try
        {
            before = CpuReading.Take(azurite.Pid, handler.ProcessId);
            clock.Start();
            trigger.Start(cancellationToken);
            last = await WaitForAllAsync(timed, trigger, handler, clock, cancellationToken).ConfigureAwait(false);
            after = CpuReading.Take(azurite.Pid, handler.ProcessId);
        }
        finally
        {
            await trigger.StopAsync().ConfigureAwait(false);
        }

        var returned = clock.Elapsed.TotalSeconds;
        var invocations = timed.Invocations();
        var problems = new List<string>();
        if (trigger.Failures > 0 || trigger.Poisoned > 0 || trigger.Fault is not null || trigger.LostLeases > 0)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"queue trigger: {trigger.Failures} failed invocations, {trigger.Poisoned} poisoned, {trigger.LostLeases} lost leases{(trigger.Fault is { } f ? ", fault " + f.Message : string.Empty)}"));
        }

        if (trigger.MaxInFlight > _options.Workers)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{trigger.MaxInFlight} invocations ran at once, more than {_options.Workers}"));
        }

        var succeeded = invocations.Where(i => i.Succeeded).ToArray();
        var workItems = succeeded.Where(i => i.HandlerMs is not null).Select(i => i.HandlerMs!.Value).Order().ToArray();
        if (workItems.Length != succeeded.Length)
        {
            problems.Add($"{succeeded.Length - workItems.Length} answers without the work item's time");
        }

        var roundTrips = succeeded.Select(i => i.RoundTripMs).Order().ToArray();
        var hops = succeeded.Where(i => i.HandlerMs is not null).Select(i => i.RoundTripMs - i.HandlerMs!.Value).Order().ToArray();

        // The hop split by the handler's own log line (its whole invocation, 1 ms resolution): outside the handler's
        // code (HTTP client, Kestrel, scheduling) and inside it around ProcessShard (reading the host's JSON, decoding
        // the work item, the answer and its log line).
        var logged = handler.OutputLines().Skip(outputBefore).Select(l => TimedHandler.InvocationLine(l.Text)).OfType<(int WorkItem, double InvocationMs)>().ToDictionary(x => x.WorkItem, x => x.InvocationMs);
        var detail = succeeded.Where(i => i.WorkItem is { } k && logged.ContainsKey(k) && i.HandlerMs is not null)
            .OrderBy(i => i.StartSeconds)
            .Select(i => new InvocationDetail(i.WorkItem!.Value, i.StartSeconds, i.RoundTripMs, logged[i.WorkItem!.Value], i.HandlerMs!.Value))
            .ToArray();
        var split = detail.Select(d => (Outside: d.RoundTripMs - d.InvocationMs, Inside: d.InvocationMs - d.ProcessShardMs)).ToArray();
        var figures = new HandlerFigures(
            coldStart,
            root,
            SweepFigures.Percentile(roundTrips, 0.5),
            SweepFigures.Percentile(roundTrips, 0.99),
            hops.Length == 0 ? 0 : hops.Average(),
            SweepFigures.Percentile(hops, 0.5),
            hops.Length == 0 ? 0 : hops[^1],
            split.Length == 0 ? 0 : split.Average(x => x.Outside),
            split.Length == 0 ? 0 : split.Average(x => x.Inside),
            succeeded.Length == 0 ? 0 : (int)succeeded.Average(i => i.RequestChars),
            trigger.MaxInFlight,
            ProcessCpu.Seconds(handler.ProcessId) - handlerCpuBeforeDrain,
            PeakResidentBytes(handler.ProcessId),
            handler.OutputLines().Count - outputBefore,
            detail);
        return new Drained(last, returned, workItems, CpuFigures.Between(before, after, last), figures, problems);
    }

    private static async Task<double> WaitForAllAsync(TimedHandler timed, HostQueueTrigger trigger, HandlerProcess handler, Stopwatch clock, CancellationToken cancellationToken)
    {
        while (!timed.AllSucceeded.IsCompleted)
        {
            await Task.WhenAny(timed.AllSucceeded, Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (timed.AllSucceeded.IsCompleted)
            {
                break;
            }

            if (trigger.Fault is { } fault)
            {
                throw new InvalidOperationException($"the queue trigger failed: {fault.Message}", fault);
            }

            if (trigger.HandlerGone || handler.HasExited)
            {
                throw new InvalidOperationException($"the handler exited during the drain; its last output:{Environment.NewLine}{string.Join(Environment.NewLine, handler.OutputLines().TakeLast(20))}");
            }

            if (trigger.Poisoned > 0)
            {
                throw new InvalidOperationException($"the queue trigger poisoned {trigger.Poisoned} work item(s); the handler's last output:{Environment.NewLine}{string.Join(Environment.NewLine, handler.OutputLines().TakeLast(20))}");
            }

            if (clock.Elapsed > s_drainTimeout)
            {
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"the drain did not finish in {s_drainTimeout.TotalMinutes:0} minutes ({trigger.Successes} work items succeeded)"));
            }
        }

        return await timed.AllSucceeded.ConfigureAwait(false);
    }

    /// <summary>Sequential GET / round trips: the HTTP floor on this machine (connection kept alive, as the host's HttpClient does).</summary>
    private static async Task<LatencyFigures> ProbeRootAsync(HandlerProcess handler, CancellationToken cancellationToken)
    {
        var times = new double[RootProbes];
        for (var i = 0; i < RootProbes; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/", UriKind.Relative));
            var started = Stopwatch.GetTimestamp();
            using var response = await handler.SendAsync(request, cancellationToken).ConfigureAwait(false);
            _ = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        // The first includes the connection's set-up: kept, but the percentiles are over the rest.
        var steady = times.Skip(1).Order().ToArray();
        return new LatencyFigures(times[0], SweepFigures.Percentile(steady, 0.5), SweepFigures.Percentile(steady, 0.99), steady.Average());
    }

    /// <summary>The app settings the Functions host would pass: the storage connection, the sweep's options, telemetry; nothing else inherited that would change the handler's work.</summary>
    private Dictionary<string, string?> HandlerSettings(string connectionString, Variant variant)
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["AzureWebJobsStorage"] = connectionString,
            ["MARGIN_STORAGE"] = null,
            ["ServiceBusConnection"] = null,
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = null,
            ["MARGIN_Storage__Partitions"] = _options.Partitions.ToString(CultureInfo.InvariantCulture),
            ["MARGIN_Sweep__WorkItems"] = _options.WorkItems.ToString(CultureInfo.InvariantCulture),
            ["MARGIN_Sweep__PartitionConcurrency"] = _options.PartitionConcurrency.ToString(CultureInfo.InvariantCulture),
            ["MARGIN_Functions__Telemetry"] = variant.Telemetry ? "console" : "none",
        };
        if (_options.NoLiquidation)
        {
            settings["MARGIN_Sweep__SnapshotMaxAge"] = "00:00:00.0000001";
        }

        foreach (var setting in _options.HandlerSettings.Concat(variant.Settings))
        {
            var equals = setting.IndexOf('=', StringComparison.Ordinal);
            settings[setting[..equals]] = setting[(equals + 1)..];
        }

        return settings;
    }

    private static async Task<Verification> VerifyAsync(MarginStorage storage, string connectionString, SweepRecord sweep, int seeded, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var receipts = new List<SweepReceipt>();
        await foreach (var r in storage.Margin.ReadReceiptsAsync(sweep.SweepId, cancellationToken).ConfigureAwait(false))
        {
            receipts.Add(r);
        }

        var accounts = receipts.Sum(r => r.Accounts);

        if (receipts.Count != sweep.PartitionCount || receipts.Select(r => r.Partition).Distinct().Count() != sweep.PartitionCount)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{receipts.Count} receipts for {receipts.Select(r => r.Partition).Distinct().Count()} distinct partitions, {sweep.PartitionCount} expected"));
        }

        if (accounts != seeded)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"the receipts count {accounts} accounts, {seeded} were seeded"));
        }

        var done = await storage.Sweeps.DoneAsync(sweep.SweepId, cancellationToken).ConfigureAwait(false);
        if (done.Distinct().Count() != sweep.WorkItems)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{done.Distinct().Count()} completion markers, {sweep.WorkItems} work items"));
        }

        foreach (var name in new[] { StorageWorkQueue.QueueName, StorageWorkQueue.PoisonQueueName })
        {
            var queue = new QueueClient(connectionString, name);
            if (await queue.ExistsAsync(cancellationToken).ConfigureAwait(false))
            {
                var left = (await queue.PeekMessagesAsync(32, cancellationToken).ConfigureAwait(false)).Value.Length;
                if (left > 0)
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture, $"{left} message(s) left in {name}"));
                }
            }
        }

        return new Verification(accounts, receipts.Sum(r => r.Written), receipts.Sum(r => r.Orders), problems);
    }

    private static long PeakResidentBytes(int pid)
    {
        try
        {
            var line = File.ReadLines(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/status")).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            var kb = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
            return kb is null ? 0 : long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return 0;
        }
    }

    internal static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private sealed record Drained(double Seconds, double ReturnedSeconds, double[] WorkItemsMs, CpuFigures Cpu, HandlerFigures? Handler, IReadOnlyList<string> Problems);

    private sealed record Verification(int Accounts, int Written, int Orders, IReadOnlyList<string> Problems);
}

/// <summary>CPU seconds so far of this harness, the handler (if any), Azurite, and the whole machine (core-seconds busy).</summary>
internal readonly record struct CpuReading(double Harness, double Handler, double Azurite, double Machine)
{
    public static CpuReading Take(int azuritePid, int? handlerPid) => new(
        Environment.CpuUsage.TotalTime.TotalSeconds,
        handlerPid is { } pid ? ProcessCpu.Seconds(pid) : 0,
        ProcessCpu.Seconds(azuritePid),
        ResourceSampler.MachineBusySeconds());
}

/// <summary>A drain's CPU: core-seconds of the harness (in process: the sweep itself; through the handler: the host's queue trigger), the handler, Azurite, and the machine's other processes; and cores on average over the drain.</summary>
internal sealed record CpuFigures(double Seconds, double HarnessSeconds, double HandlerSeconds, double AzuriteSeconds, double MachineSeconds)
{
    public double OthersSeconds => Math.Max(0, MachineSeconds - HarnessSeconds - HandlerSeconds - AzuriteSeconds);

    /// <summary>The sweep's own CPU: the handler's, or in process the harness's.</summary>
    public double SweepSeconds => HandlerSeconds > 0 ? HandlerSeconds : HarnessSeconds;

    public static CpuFigures Between(CpuReading before, CpuReading after, double seconds) => new(
        seconds,
        after.Harness - before.Harness,
        after.Handler - before.Handler,
        after.Azurite - before.Azurite,
        after.Machine - before.Machine);

    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"CPU core-seconds: {(HandlerSeconds > 0 ? $"handler {HandlerSeconds:0.0}, harness (the queue trigger) {HarnessSeconds:0.0}" : $"harness (the sweep) {HarnessSeconds:0.0}")}, Azurite {AzuriteSeconds:0.0}, others {OthersSeconds:0.0}; cores on average: sweep {SweepSeconds / Seconds:0.00}, Azurite {AzuriteSeconds / Seconds:0.00}, machine {MachineSeconds / Seconds:0.00}");
}

/// <summary>Sequential request latencies in ms: the first (connection set-up), and p50, p99 and mean of the rest.</summary>
internal sealed record LatencyFigures(double FirstMs, double P50Ms, double P99Ms, double MeanMs);

/// <summary>What the handler mode adds: cold start, the GET / floor, invocation round trips, the hop (round trip less ProcessShard's own time) per invocation and its split (outside the handler's code: round trip less the handler's logged invocation time; inside: that less ProcessShard's time), the request size, the trigger's concurrency, the handler's CPU over its life from the drain's start, its peak RSS, its output lines.</summary>
internal sealed record HandlerFigures(
    double ColdStartMs,
    LatencyFigures Root,
    double RoundTripP50Ms,
    double RoundTripP99Ms,
    double HopMeanMs,
    double HopP50Ms,
    double HopMaxMs,
    double HopOutsideMeanMs,
    double HopInsideMeanMs,
    int RequestChars,
    int MaxInFlight,
    double HandlerCpuSecondsToStop,
    long PeakResidentBytes,
    int OutputLines,
    IReadOnlyList<InvocationDetail> Invocations);

/// <summary>One ProcessShard invocation, in ms: the harness's round trip, the handler's logged invocation time, ProcessShard's own time; sent at drain-clock seconds.</summary>
internal sealed record InvocationDetail(int WorkItem, double SentAtSeconds, double RoundTripMs, double InvocationMs, double ProcessShardMs);

/// <summary>The handler's cold starts on their own, in ms.</summary>
internal sealed record ColdStartFigures(IReadOnlyList<double> TimesMs, double MinMs, double MedianMs, double MaxMs);

/// <summary>What one run drains with: in process, or a handler with telemetry on the console or with one more app setting (Name says which; empty for the plain handler).</summary>
internal sealed record Variant(string Mode, string Name, bool Telemetry, IReadOnlyList<string> Settings)
{
    public string Label => Mode == HandlerComparison.Handler ? (Name.Length > 0 ? "handler+" + Name : "handler") : "in process";
}

/// <summary>One drained sweep in one mode.</summary>
internal sealed record DrainRun(
    string Mode,
    int Round,
    string Variant,
    string LoadAverage,
    double SeedSeconds,
    double Seconds,
    double AccountsPerSecond,
    double ReturnedSeconds,
    int Accounts,
    int Written,
    int Orders,
    int WorkItems,
    double WorkItemP50Ms,
    double WorkItemP99Ms,
    double WorkItemMaxMs,
    CpuFigures Cpu,
    HandlerFigures? Handler,
    bool Verified,
    IReadOnlyList<string> Problems)
{
    public string Label => Mode == HandlerComparison.Handler ? (Variant.Length > 0 ? "handler+" + Variant : "handler") : "in process";

    public string Summary()
    {
        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"  {Label}: {Accounts:N0} accounts drained in {Seconds:0.00} s = {AccountsPerSecond:N0} accounts/s; {WorkItems} work items p50 {WorkItemP50Ms:0} ms, p99 {WorkItemP99Ms:0} ms; {Written:N0} results written, {Orders:N0} orders; {(Verified ? "verified" : "PROBLEMS: " + string.Join("; ", Problems))}"),
            "    " + Cpu.Describe() + string.Create(CultureInfo.InvariantCulture, $"; sweep CPU per account {Cpu.SweepSeconds / Math.Max(1, Accounts) * 1e6:0} us"),
        };
        if (Handler is { } h)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"    handler: cold start {h.ColdStartMs:0} ms; GET / p50 {h.Root.P50Ms:0.00} ms, p99 {h.Root.P99Ms:0.00} ms (first {h.Root.FirstMs:0.0} ms); ProcessShard round trip p50 {h.RoundTripP50Ms:0} ms; hop (round trip - ProcessShard's own time) mean {h.HopMeanMs:0.0} ms (HTTP and scheduling {h.HopOutsideMeanMs:0.0}, handler plumbing {h.HopInsideMeanMs:0.0}), p50 {h.HopP50Ms:0.0} ms, max {h.HopMaxMs:0.0} ms per invocation; request {h.RequestChars} chars; at most {h.MaxInFlight} at once; peak RSS {h.PeakResidentBytes / (1 << 20)} MiB; {h.OutputLines} output lines"));
        }

        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>The comparison's runs and what they add up to.</summary>
internal sealed record ComparisonReport(HarnessOptions Options, int Cores, string Runtime, string LoadBefore, string LoadAfter, ColdStartFigures? ColdStarts, IReadOnlyList<DrainRun> Runs, double TotalSeconds)
{
    public void Write(TextWriter w)
    {
        ArgumentNullException.ThrowIfNull(w);
        void Line(FormattableString text) => w.WriteLine(text.ToString(CultureInfo.InvariantCulture));
        Line($"== Functions handler comparison: {Options.Accounts:N0} accounts, {Options.Partitions} partitions, {Options.WorkItems} work items, {Options.Workers} workers (in process) / at most {Options.Workers} invocations (handler) x partition concurrency {Options.PartitionConcurrency}{(Options.NoLiquidation ? ", no-liquidation mode" : string.Empty)}");
        Line($"machine: {Cores} cores, .NET {Runtime}; load average {LoadBefore} at the start, {LoadAfter} at the end; total {TotalSeconds:0} s");
        Line($"{(Options.Warm ? "warm: one Azurite and one handler process for every run, fresh tables and queues per run, round 0 a warm-up (not counted)" : "fresh: a new Azurite per run and a new handler process per handler run")}{(Options.HandlerSettings.Count > 0 ? "; handler settings " + string.Join(" ", Options.HandlerSettings) : string.Empty)}");
        Line($"{"run",-34} {"drain s",8} {"accounts/s",11} {"p50 ms",7} {"p99 ms",7} {"sweep CPU s",12} {"trigger s",10} {"Azurite s",10} {"others s",9} {"hop ms",7}  load at start");
        foreach (var r in Runs)
        {
            var hop = r.Handler is { } h ? h.HopMeanMs.ToString("0.0", CultureInfo.InvariantCulture) : "-";
            var trigger = r.Handler is not null ? r.Cpu.HarnessSeconds.ToString("0.0", CultureInfo.InvariantCulture) : "-";
            Line($"{$"{r.Round}. {r.Label}",-34} {r.Seconds,8:0.00} {r.AccountsPerSecond,11:N0} {r.WorkItemP50Ms,7:0} {r.WorkItemP99Ms,7:0} {r.Cpu.SweepSeconds,12:0.0} {trigger,10} {r.Cpu.AzuriteSeconds,10:0.0} {r.Cpu.OthersSeconds,9:0.0} {hop,7}  {r.LoadAverage}{(r.Verified ? string.Empty : "  NOT VERIFIED")}");
        }

        // Round 0 is --warm's warm-up on a tenth of the book: shown above, not counted.
        var inProcess = Runs.Where(r => r.Mode == HandlerComparison.InProcess && r.Round > 0).ToArray();
        var handler = Runs.Where(r => r.Mode == HandlerComparison.Handler && r.Variant.Length == 0 && r.Round > 0).ToArray();
        static double Median(IEnumerable<double> xs) => SweepFigures.Percentile([.. xs.Order()], 0.5);
        if (inProcess.Length > 0)
        {
            Line($"in process: median {Median(inProcess.Select(r => r.AccountsPerSecond)):N0} accounts/s ({string.Join(", ", inProcess.Select(r => r.AccountsPerSecond.ToString("N0", CultureInfo.InvariantCulture)))})");
        }

        if (handler.Length > 0)
        {
            Line($"handler:    median {Median(handler.Select(r => r.AccountsPerSecond)):N0} accounts/s ({string.Join(", ", handler.Select(r => r.AccountsPerSecond.ToString("N0", CultureInfo.InvariantCulture)))})");
        }

        if (inProcess.Length > 0 && handler.Length > 0)
        {
            var ratio = Median(handler.Select(r => r.AccountsPerSecond)) / Median(inProcess.Select(r => r.AccountsPerSecond));
            var pairs = handler.Zip(inProcess, (h, i) => (h.AccountsPerSecond / i.AccountsPerSecond).ToString("P1", CultureInfo.InvariantCulture));
            Line($"handler / in process: {ratio:P1} of the median (target >= 80 %); round by round {string.Join(", ", pairs)}");
        }

        foreach (var variant in Runs.Where(r => r.Mode == HandlerComparison.Handler && r.Variant.Length > 0).Select(r => r.Variant).Distinct())
        {
            var other = Runs.Where(r => r.Variant == variant && r.Round > 0).ToArray();
            if (other.Length == 0 || handler.Length == 0)
            {
                continue;
            }

            Line($"handler+{variant}: median {Median(other.Select(r => r.AccountsPerSecond)):N0} accounts/s ({string.Join(", ", other.Select(r => r.AccountsPerSecond.ToString("N0", CultureInfo.InvariantCulture)))}), handler CPU median {Median(other.Select(r => r.Cpu.HandlerSeconds)):0.0} s ({string.Join(", ", other.Select(r => r.Cpu.HandlerSeconds.ToString("0.0", CultureInfo.InvariantCulture)))}) against {Median(handler.Select(r => r.Cpu.HandlerSeconds)):0.0} s ({string.Join(", ", handler.Select(r => r.Cpu.HandlerSeconds.ToString("0.0", CultureInfo.InvariantCulture)))}) for the plain handler");
        }

        if (inProcess.Length > 0)
        {
            Line($"sweep CPU per account: in process median {Median(inProcess.Select(r => r.Cpu.SweepSeconds / r.Accounts * 1e6)):0} us, handler {(handler.Length > 0 ? Median(handler.Select(r => r.Cpu.SweepSeconds / r.Accounts * 1e6)).ToString("0", CultureInfo.InvariantCulture) : "-")} us (+ the trigger {(handler.Length > 0 ? Median(handler.Select(r => r.Cpu.HarnessSeconds / r.Accounts * 1e6)).ToString("0.0", CultureInfo.InvariantCulture) : "-")} us)");
        }

        if (handler.Length > 0)
        {
            var hs = handler.Select(r => r.Handler!).ToArray();
            Line($"HTTP hop per ProcessShard invocation (round trip - ProcessShard's own time): mean {hs.Average(h => h.HopMeanMs):0.0} ms (runs {string.Join(", ", hs.Select(h => h.HopMeanMs.ToString("0.0", CultureInfo.InvariantCulture)))}; outside the handler's code {hs.Average(h => h.HopOutsideMeanMs):0.0} ms, inside around ProcessShard {hs.Average(h => h.HopInsideMeanMs):0.0} ms), max {hs.Max(h => h.HopMaxMs):0.0} ms; GET / p50 {Median(hs.Select(h => h.Root.P50Ms)):0.00} ms, p99 {Median(hs.Select(h => h.Root.P99Ms)):0.00} ms");
            Line($"cold start inside the runs (Azurite and the harness running): {string.Join(", ", hs.Select(h => h.ColdStartMs.ToString("0", CultureInfo.InvariantCulture)))} ms");
        }

        if (ColdStarts is { } c)
        {
            Line($"cold start on its own ({c.TimesMs.Count} starts, process start to the first answer on GET /, polled every 25 ms): min {c.MinMs:0} ms, median {c.MedianMs:0} ms, max {c.MaxMs:0} ms ({string.Join(", ", c.TimesMs.Select(x => x.ToString("0", CultureInfo.InvariantCulture)))})");
        }

        foreach (var r in Runs.Where(r => !r.Verified))
        {
            Line($"run {r.Round} {r.Label}: {string.Join("; ", r.Problems)}");
        }
    }
}
