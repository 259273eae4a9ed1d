using System.Diagnostics;
using Margin.Engine.Prices;
using Margin.Infrastructure.Composition;
using Margin.Sweep.Options;
using Margin.Sweep.Orders;
using Margin.Sweep.Results;
using Margin.Sweep.UseCases;
using Margin.Sweep.Work;

namespace Margin.SweepHarness;

/// <summary>One sweep as the platform runs it: RefreshPrices from a fresh simulated source, StartSweep, then W workers draining the work queue through ProcessShard; measured on the wire and in resources.</summary>
internal sealed class SweepPhase
{
    private readonly MarginStorage _storage;
    private readonly DemoVenue _venue;
    private readonly HarnessOptions _options;
    private readonly ResourceSampler _sampler;
    private readonly StorageTrace _trace;
    private readonly TimeProvider _time = TimeProvider.System;
    private readonly TracedAccountStore _accounts;
    private readonly TracedMarginStore _margin;
    private readonly TracedHistoryStore _history;
    private SweepLedger _ledger = new();

    public SweepPhase(MarginStorage storage, DemoVenue venue, HarnessOptions options, ResourceSampler sampler, StorageTrace trace)
    {
        _storage = storage;
        _venue = venue;
        _options = options;
        _sampler = sampler;
        _trace = trace;
        _accounts = new TracedAccountStore(storage.Accounts, trace, () => _ledger);
        _margin = new TracedMarginStore(storage.Margin, trace, () => _ledger);
        _history = new TracedHistoryStore(storage.History, storage.Accounts, trace, () => _ledger);
        Models = new MarginModelCache(storage.Snapshots, storage.Parameters);
    }

    /// <summary>The models the sweeps used (by snapshot and parameters).</summary>
    public MarginModelCache Models { get; }

    public SweepOptions SweepOptions => OptionsFor(_options);

    /// <summary>The sweep's options for these flags (work items, partition concurrency, no-liquidation mode).</summary>
    public static SweepOptions OptionsFor(HarnessOptions options) => options.NoLiquidation
        ? new() { WorkItems = options.WorkItems, PartitionConcurrency = options.PartitionConcurrency, SnapshotMaxAge = TimeSpan.FromTicks(1) }
        : new() { WorkItems = options.WorkItems, PartitionConcurrency = options.PartitionConcurrency };

    /// <summary>RefreshPrices from a source restarted at the market's prices, then StartSweep: a sweep whose work items are queued.</summary>
    /// <exception cref="InvalidOperationException">No snapshot was written or no sweep started; the message says why.</exception>
    public static async Task<(PriceSnapshot Snapshot, SweepRecord Sweep)> StartAsync(MarginStorage storage, DemoVenue venue, SweepOptions sweepOptions, TimeProvider time, string label, CancellationToken cancellationToken)
    {
        var prices = new PriceRefreshOptions { VolatilityPriors = venue.VolatilityPriors };
        var refresh = await new RefreshPrices([venue.NewSource(time)], storage.Snapshots, storage.PriceHistory, storage.Parameters, prices, time)
            .ExecuteAsync(cancellationToken).ConfigureAwait(false);
        var snapshot = refresh.Snapshot ?? throw new InvalidOperationException($"{label}: RefreshPrices wrote no snapshot: {refresh.Skipped}");
        var started = await new StartSweep(storage.Snapshots, storage.Parameters, storage.Sweeps, storage.WorkQueue, storage.Accounts, sweepOptions, time)
            .ExecuteAsync(cancellationToken).ConfigureAwait(false);
        if (started.Decision is not StartDecision.Started || started.Sweep is not { } sweep)
        {
            throw new InvalidOperationException($"{label}: no sweep started ({started.Decision}): {started.Why}");
        }

        return (snapshot, sweep);
    }

    /// <summary>Refreshes prices from a source restarted at the market's prices, starts a sweep, and drains it.</summary>
    /// <param name="label">What the report calls this sweep.</param>
    /// <param name="previous">The snapshot of the sweep before, to check that the prices did not change; null for the first.</param>
    /// <param name="cancellationToken">Stops the workers.</param>
    /// <exception cref="InvalidOperationException">No snapshot was written or no sweep started; the message says why.</exception>
    public async Task<SweepFigures> RunAsync(string label, PriceSnapshot? previous, CancellationToken cancellationToken)
    {
        var prepare = Stopwatch.StartNew();
        var (snapshot, sweep) = await StartAsync(_storage, _venue, SweepOptions, _time, label, cancellationToken).ConfigureAwait(false);
        prepare.Stop();
        _ledger = new SweepLedger();
        var process = new ProcessShard(_accounts, _margin, _history, _storage.Sweeps, OutboxOnlyPublisher.Instance, Models, SweepOptions, _time);
        var drain = new WorkQueueDrain(_storage.WorkQueue, process, new DrainOptions { Workers = _options.Workers }, _time);
        var memory = new List<MemoryPoint>();
        var before = _trace.Totals();
        var from = _sampler.Now;
        var clock = Stopwatch.StartNew();
        var outcome = await drain.RunAsync(
            async token => (await _storage.Sweeps.DoneAsync(sweep.SweepId, token).ConfigureAwait(false)).Count >= sweep.WorkItems,
            shard =>
            {
                var sample = _sampler.Take();
                lock (memory)
                {
                    memory.Add(new MemoryPoint(memory.Count + 1, shard.WorkItem, clock.Elapsed.TotalSeconds, sample.WorkingSet, sample.Heap));
                }
            },
            cancellationToken).ConfigureAwait(false);
        clock.Stop();
        var usage = _sampler.Usage(from, _sampler.Now);
        var wire = StorageTrace.Difference(_trace.Totals(), before);
        var receipts = new List<SweepReceipt>();
        await foreach (var r in _storage.Margin.ReadReceiptsAsync(sweep.SweepId, cancellationToken).ConfigureAwait(false))
        {
            receipts.Add(r);
        }

        return SweepFigures.From(label, sweep, snapshot, previous, prepare.Elapsed, clock.Elapsed, outcome, receipts, _ledger, wire, usage, memory);
    }
}

/// <summary>The harness process's memory after one work item (in completion order).</summary>
internal sealed record MemoryPoint(int Completed, int WorkItem, double AtSeconds, long WorkingSet, long Heap);
