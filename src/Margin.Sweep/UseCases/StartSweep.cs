using System.Diagnostics;
using System.Globalization;
using Margin.Sweep.Options;
using Margin.Sweep.Ports;
using Margin.Sweep.Telemetry;
using Margin.Sweep.Work;

namespace Margin.Sweep.UseCases;

/// <summary>Starts a sweep of the whole book on the latest snapshot and the active parameters, and fans it out as work items (timer).</summary>
/// <remarks>
/// <para>The sweep id derives from the snapshot (<c>sw-{snapshotId}</c>, plus <c>-nl</c> in no-liquidation mode), so
/// starting twice starts once. Starts nothing while the latest earlier sweep has unfinished work items and is younger than
/// its deadline. A snapshot older than <see cref="SweepOptions.SnapshotMaxAge"/>, or one that is itself unusable, gives a
/// no-liquidation sweep: results are written, every one <c>PriceSuspect</c>, and no order is issued.</para>
/// <para>Crash safety: the record is stored first and made the latest (so an overlapping start waits for it), then every
/// work item is enqueued, then the record is marked enqueued. A retry after a crash finds the record unmarked and
/// enqueues again; a work item delivered twice is processed once (ProcessShard is idempotent).</para>
/// <para>Telemetry (docs/observability.md): a <c>StartSweep</c> span whose W3C trace context every work item carries, so
/// each ProcessShard span is its child; <c>margin.sweep.overruns</c> and <c>margin.sweep.duration</c> of the previous
/// sweep, which this start is the one to look at.</para>
/// </remarks>
public sealed class StartSweep
{
    private readonly IPriceSnapshotStore _snapshots;
    private readonly IRiskParameterStore _parameters;
    private readonly ISweepStore _sweeps;
    private readonly IWorkQueue _queue;
    private readonly IAccountStore _accounts;
    private readonly SweepOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Creates the use case.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public StartSweep(IPriceSnapshotStore snapshots, IRiskParameterStore parameters, ISweepStore sweeps, IWorkQueue queue, IAccountStore accounts, SweepOptions options, TimeProvider time)
    {
        _snapshots = snapshots ?? throw new ArgumentNullException(nameof(snapshots));
        _parameters = parameters ?? throw new ArgumentNullException(nameof(parameters));
        _sweeps = sweeps ?? throw new ArgumentNullException(nameof(sweeps));
        _queue = queue ?? throw new ArgumentNullException(nameof(queue));
        _accounts = accounts ?? throw new ArgumentNullException(nameof(accounts));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        if (options.Problems() is { Count: > 0 } problems)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }
    }

    /// <summary>Starts a sweep if one is due.</summary>
    /// <param name="cancellationToken">Cancels the call; a partial start is completed by the next call.</param>
    public async Task<StartOutcome> ExecuteAsync(CancellationToken cancellationToken = default)
    {
        using var activity = SweepTelemetry.ActivitySource.StartActivity(SweepTelemetry.StartSweepSpan);
        try
        {
            var outcome = await StartAsync(activity, cancellationToken).ConfigureAwait(false);
            activity?.SetTag("margin.start.decision", outcome.Decision.ToString());
            return outcome;
        }
        catch (Exception ex)
        {
            SweepTelemetry.Fail(activity, ex);
            throw;
        }
    }

    private async Task<StartOutcome> StartAsync(Activity? activity, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        var snapshotId = await _snapshots.GetLatestAsync(cancellationToken).ConfigureAwait(false);
        if (snapshotId is null)
        {
            return StartOutcome.Nothing(StartDecision.NoSnapshot, "no price snapshot has been written yet (run RefreshPrices)");
        }

        var paramsVersion = await _parameters.GetActiveVersionAsync(cancellationToken).ConfigureAwait(false);
        if (paramsVersion is null)
        {
            return StartOutcome.Nothing(StartDecision.NoParameters, "no risk parameter version is active (import and activate one)");
        }

        var snapshot = await _snapshots.ReadAsync(snapshotId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"the latest snapshot pointer names {snapshotId}, which is not stored");
        var age = now - snapshot.AsOf;
        var noLiquidation = age > _options.SnapshotMaxAge || !snapshot.Usable;
        var sweepId = $"sw-{snapshotId}{(noLiquidation ? "-nl" : string.Empty)}";
        activity?.SetTag(SweepTelemetry.SweepIdTag, sweepId)
            .SetTag(SweepTelemetry.SnapshotIdTag, snapshotId)
            .SetTag(SweepTelemetry.ParamsVersionTag, paramsVersion);

        var latest = await _sweeps.GetLatestAsync(cancellationToken).ConfigureAwait(false);
        if (latest is not null && string.Equals(latest.SweepId, sweepId, StringComparison.Ordinal) && latest.EnqueuedAt is not null)
        {
            return StartOutcome.Nothing(StartDecision.AlreadyStarted, $"sweep {sweepId} was already started at {latest.StartedAt:O}", latest);
        }

        // The previous sweep's end, told once: by the start that replaces it as latest (recorded below, once it is latest,
        // so a retry of a start that failed before then does not count it twice).
        var overran = false;
        TimeSpan? previousDuration = null;
        if (latest is not null && !string.Equals(latest.SweepId, sweepId, StringComparison.Ordinal))
        {
            // Also past the deadline (where the decision does not need it), for margin.sweep.overruns and
            // margin.sweep.duration: one read per start, on the timer's schedule, rather than one per work item in
            // ProcessShard (whose MarkDoneAsync does not say how many are done: knowing that it completed its sweep would
            // cost each work item a query of the markers, and two last items finishing together would both count it).
            var done = await _sweeps.DoneMarkersAsync(latest.SweepId, cancellationToken).ConfigureAwait(false);
            if (done.Count < latest.WorkItems && now < latest.Deadline)
            {
                return StartOutcome.Nothing(
                    StartDecision.Busy,
                    string.Create(CultureInfo.InvariantCulture, $"sweep {latest.SweepId} has {latest.WorkItems - done.Count} of {latest.WorkItems} work items unfinished and its deadline {latest.Deadline:O} has not passed"),
                    latest);
            }

            overran = done.Count < latest.WorkItems;
            previousDuration = overran ? null : done.Max(m => m.At) - latest.StartedAt;
        }

        var partitions = _accounts.PartitionCount;
        var workItems = Math.Min(_options.WorkItems, partitions);
        var record = new SweepRecord(sweepId, snapshotId, paramsVersion, now, now + _options.Deadline, workItems, noLiquidation, partitions);
        var (sweep, _) = await _sweeps.CreateOrGetAsync(record, cancellationToken).ConfigureAwait(false);

        // Latest first: from here on an overlapping start sees this sweep (unfinished) and waits, even if the enqueue below crashes.
        await _sweeps.SetLatestAsync(sweep.SweepId, cancellationToken).ConfigureAwait(false);
        activity?.SetTag(SweepTelemetry.WorkItemCountTag, sweep.WorkItems);
        if (overran)
        {
            SweepTelemetry.RecordOverrun();
            activity?.AddEvent(new ActivityEvent("margin.sweep.overrun", tags: new ActivityTagsCollection { [SweepTelemetry.SweepIdTag] = latest!.SweepId }));
        }
        else if (previousDuration is { } duration)
        {
            SweepTelemetry.RecordSweepDuration(duration);
        }

        if (sweep.EnqueuedAt is null)
        {
            // Each item carries this span's trace context, so its ProcessShard span is a child of this one.
            var items = WorkItemsOf(sweep);
            if (SweepTelemetry.CurrentTraceParent() is { } traceParent)
            {
                items = [.. items.Select(i => i with { TraceParent = traceParent })];
            }

            await _queue.EnqueueAsync(items, cancellationToken).ConfigureAwait(false);
            var at = _time.GetUtcNow();
            await _sweeps.MarkEnqueuedAsync(sweep.SweepId, at, cancellationToken).ConfigureAwait(false);
            sweep = sweep with { EnqueuedAt = at };
        }
        var why = noLiquidation
            ? string.Create(CultureInfo.InvariantCulture, $"no-liquidation mode: snapshot {snapshotId} is {age.TotalSeconds:0} s old (maximum {_options.SnapshotMaxAge.TotalSeconds:0} s){(snapshot.Usable ? string.Empty : $" and unusable ({snapshot.UnusableReason})")}")
            : string.Create(CultureInfo.InvariantCulture, $"snapshot {snapshotId}, parameters {paramsVersion}, {sweep.WorkItems} work items over {sweep.PartitionCount} partitions");
        return new StartOutcome(StartDecision.Started, why, sweep);
    }

    /// <summary>The work items of a sweep: its partitions split into <see cref="SweepRecord.WorkItems"/> contiguous, nearly equal ranges.</summary>
    public static IReadOnlyList<WorkItem> WorkItemsOf(SweepRecord sweep)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        var items = new List<WorkItem>(sweep.WorkItems);
        for (var k = 0; k < sweep.WorkItems; k++)
        {
            var from = (int)((long)k * sweep.PartitionCount / sweep.WorkItems);
            var to = (int)((long)(k + 1) * sweep.PartitionCount / sweep.WorkItems) - 1;
            items.Add(new WorkItem(sweep.SweepId, sweep.SnapshotId, sweep.ParamsVersion, from, to));
        }

        return items;
    }

    /// <summary>The number of a work item within its sweep (the inverse of <see cref="WorkItemsOf"/>).</summary>
    /// <exception cref="ArgumentException">The item's range is not one of the sweep's.</exception>
    public static int NumberOf(SweepRecord sweep, WorkItem item)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        ArgumentNullException.ThrowIfNull(item);
        var items = WorkItemsOf(sweep);
        for (var k = 0; k < items.Count; k++)
        {
            if (items[k].PartitionFrom == item.PartitionFrom && items[k].PartitionTo == item.PartitionTo)
            {
                return k;
            }
        }

        throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"partitions {item.PartitionFrom}..{item.PartitionTo} are not a work item of sweep {sweep.SweepId}"), nameof(item));
    }
}

/// <summary>What StartSweep decided.</summary>
public enum StartDecision
{
    /// <summary>A sweep was started (or a crashed start completed).</summary>
    Started,

    /// <summary>The sweep of the latest snapshot was already started.</summary>
    AlreadyStarted,

    /// <summary>An earlier sweep is unfinished and within its deadline.</summary>
    Busy,

    /// <summary>No snapshot yet.</summary>
    NoSnapshot,

    /// <summary>No active parameters.</summary>
    NoParameters,
}

/// <summary>The decision, why, and the sweep concerned.</summary>
/// <param name="Decision">The decision.</param>
/// <param name="Why">In words.</param>
/// <param name="Sweep">The sweep started, already running or blocking, if any.</param>
public sealed record StartOutcome(StartDecision Decision, string Why, SweepRecord? Sweep)
{
    internal static StartOutcome Nothing(StartDecision decision, string why, SweepRecord? sweep = null) => new(decision, why, sweep);
}
