using System.Diagnostics;
using System.Globalization;
using Margin.Engine.Liquidation;
using Margin.Engine.Stress;
using Margin.Sweep.Options;
using Margin.Sweep.Ports;
using Margin.Sweep.Telemetry;

namespace Margin.Sweep.Stress;

/// <summary>Executes an accepted stress run: reads the book once into a compact form, applies the scenario, simulates the cascade, draws the curve, and stores the result in the run store only.</summary>
/// <remarks>
/// <para>Nothing of the live book is written: no result, history, order or receipt. Idempotent per run: a completed run is
/// not run again; an interrupted one (a crash, a timeout) runs again from the start on the inputs pinned at acceptance
/// and replaces what the earlier attempt stored; a failed one stays failed. A run whose inputs no longer check (its
/// parameter version or snapshot was removed, the book is empty) or whose computation fails (it would fail the same way
/// again) fails with the reasons; storage failures propagate, so the queue retries the run and poisons it after its last
/// attempt (the host calls <see cref="FailAsync"/> then).</para>
/// <para>The book is read partition by partition (a few at a time) and added in partition order and, within a partition,
/// in account-id order, so the same stored book gives the same compact book and the same result.</para>
/// </remarks>
public sealed class RunStress
{
    private const int ReadConcurrency = 8;

    private readonly IAccountStore _accounts;
    private readonly StressPreparation _preparation;
    private readonly IStressRunStore _runs;
    private readonly PlannerOptions _planner;
    private readonly StressOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Creates the use case.</summary>
    /// <param name="accounts">The book.</param>
    /// <param name="preparation">Checks the run's request again at the start (its inputs may have gone).</param>
    /// <param name="runs">The run store.</param>
    /// <param name="sweep">The sweep's options: the liquidation planner's fees, impact and order limits.</param>
    /// <param name="options">The worst accounts kept and the parallelism (the round limit comes from each request).</param>
    /// <param name="time">The clock.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public RunStress(IAccountStore accounts, StressPreparation preparation, IStressRunStore runs, SweepOptions sweep, StressOptions options, TimeProvider time)
    {
        _accounts = accounts ?? throw new ArgumentNullException(nameof(accounts));
        _preparation = preparation ?? throw new ArgumentNullException(nameof(preparation));
        _runs = runs ?? throw new ArgumentNullException(nameof(runs));
        ArgumentNullException.ThrowIfNull(sweep);
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        if (sweep.Problems() is { Count: > 0 } sp)
        {
            throw new ArgumentException(string.Join("; ", sp), nameof(sweep));
        }

        if (options.Problems() is { Count: > 0 } op)
        {
            throw new ArgumentException(string.Join("; ", op), nameof(options));
        }

        _planner = PlannerOptions.Create(sweep.PlannerFeeRate, sweep.PlannerMaxImpact, sweep.PlannerMaxOrderUsd, sweep.PlannerMinOrderUsd);
    }

    /// <summary>Executes a run.</summary>
    /// <param name="runId">The run's id.</param>
    /// <param name="cancellationToken">Cancels between partitions and chunks of accounts.</param>
    /// <returns>What happened; see <see cref="StressRunOutcome"/>.</returns>
    public async Task<StressRunOutcome> ExecuteAsync(string runId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        var record = await _runs.GetAsync(runId, cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            return new StressRunOutcome(StressRunOutcomeKind.Unknown, null, null, $"no stress run {runId} is stored");
        }

        if (record.Status is StressRunStatus.Completed or StressRunStatus.Failed)
        {
            var stored = record.Status == StressRunStatus.Completed ? await _runs.GetResultAsync(runId, cancellationToken).ConfigureAwait(false) : null;
            return new StressRunOutcome(StressRunOutcomeKind.AlreadyDone, record, stored, record.Error);
        }

        using var activity = SweepTelemetry.ActivitySource.StartActivity("RunStress");
        activity?.SetTag("margin.stress.run_id", runId).SetTag(SweepTelemetry.SnapshotIdTag, record.SnapshotId).SetTag(SweepTelemetry.ParamsVersionTag, record.ParamsVersion);
        try
        {
            record = await _runs.UpdateAsync(record with { Status = StressRunStatus.Running, StartedAt = _time.GetUtcNow(), Attempts = record.Attempts + 1 }, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreConflictException)
        {
            // Another attempt changed the record between the read and this update. Finished: nothing to do. Still going:
            // this delivery fails, so the queue offers the run again later (should that attempt die, the run is not lost).
            var now = await _runs.GetAsync(runId, cancellationToken).ConfigureAwait(false);
            if (now?.Status is StressRunStatus.Completed or StressRunStatus.Failed)
            {
                return new StressRunOutcome(StressRunOutcomeKind.AlreadyDone, now, now.Status == StressRunStatus.Completed ? await _runs.GetResultAsync(runId, cancellationToken).ConfigureAwait(false) : null, now.Error);
            }

            throw new InvalidOperationException($"stress run {runId} was changed by another attempt meanwhile (now {now?.Status}); this delivery leaves it and the queue offers it again later");
        }

        var (prepared, problems) = await _preparation.PrepareAsync(record.Request, checkBook: false, cancellationToken).ConfigureAwait(false);
        if (prepared is null)
        {
            return await FailedAsync(record, string.Join("; ", problems), cancellationToken).ConfigureAwait(false);
        }

        var started = Stopwatch.GetTimestamp();
        var book = await ReadBookAsync(cancellationToken).ConfigureAwait(false);
        var read = Stopwatch.GetElapsedTime(started);
        if (book.Count == 0)
        {
            var why = book.Unreadable.IsEmpty
                ? FormattableString.Invariant($"book: the book is empty (no account in any of its {_accounts.PartitionCount} partitions)")
                : FormattableString.Invariant($"book: none of its {book.Unreadable.Length} accounts can be read (first: {book.Unreadable[0].AccountId}: {book.Unreadable[0].Problem})");
            return await FailedAsync(record, why, cancellationToken).ConfigureAwait(false);
        }

        StressRunResult result;
        try
        {
            result = Run(record, prepared, book, read, cancellationToken);
        }
        catch (Exception ex) when (Deterministic(ex))
        {
            // The computation fails the same way every time on the same inputs: retrying it would only repeat it.
            return await FailedAsync(record, $"the run could not be computed: {ex.GetType().Name}: {ex.Message}", cancellationToken).ConfigureAwait(false);
        }

        await _runs.SaveResultAsync(result, cancellationToken).ConfigureAwait(false);
        record = await FinishAsync(record, r => r with { Status = StressRunStatus.Completed, CompletedAt = result.CompletedAt, Error = null }, keepCompleted: false, cancellationToken).ConfigureAwait(false);
        activity?.SetTag(SweepTelemetry.AccountCountTag, book.Count).SetTag("margin.stress.rounds", result.Cascade.Rounds.Length);
        return new StressRunOutcome(StressRunOutcomeKind.Completed, record, result, null);
    }

    /// <summary>Marks a run failed (the queue's last attempt failed), unless it completed meanwhile.</summary>
    /// <param name="runId">The run's id.</param>
    /// <param name="error">Why.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The record as stored, or null when there is no such run.</returns>
    public async Task<StressRunRecord?> FailAsync(string runId, string error, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        var record = await _runs.GetAsync(runId, cancellationToken).ConfigureAwait(false);
        if (record is null || record.Status == StressRunStatus.Completed)
        {
            return record;
        }

        return await FinishAsync(record, r => r with { Status = StressRunStatus.Failed, CompletedAt = _time.GetUtcNow(), Error = error }, keepCompleted: true, cancellationToken).ConfigureAwait(false);
    }

    // Writes a final status conditionally on the record as last read, reading it again when another attempt changed it
    // meanwhile: a failure never overwrites a completion (keepCompleted), and a completion (its result is stored and
    // whole) wins over a failure another attempt recorded meanwhile.
    private async Task<StressRunRecord> FinishAsync(StressRunRecord record, Func<StressRunRecord, StressRunRecord> finish, bool keepCompleted, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await _runs.UpdateAsync(finish(record), cancellationToken).ConfigureAwait(false);
            }
            catch (StoreConflictException) when (attempt < 5)
            {
                record = await _runs.GetAsync(record.RunId, cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"stress run {record.RunId} was deleted while it ran");
                if (keepCompleted && record.Status == StressRunStatus.Completed)
                {
                    return record;
                }
            }
        }
    }

    /// <summary>Runs a prepared scenario on a compact book (no I/O): the shock, the cascade and the curve.</summary>
    /// <param name="record">The run's record.</param>
    /// <param name="prepared">The checked inputs.</param>
    /// <param name="book">The book.</param>
    /// <param name="readTime">How long reading the book took.</param>
    /// <param name="cancellationToken">Cancels between chunks of accounts.</param>
    /// <returns>The result.</returns>
    public StressRunResult Run(StressRunRecord record, PreparedStress prepared, CompactBook book, TimeSpan readTime, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(prepared);
        ArgumentNullException.ThrowIfNull(book);
        var options = _options with { MaxRounds = record.Request.MaxRounds };
        var volatility = prepared.VolatilityMoves.ToDictionary(kv => kv.Key, kv => (double)(1m + kv.Value), StringComparer.Ordinal);
        var shocked = StressedMarket.Apply(prepared.Snapshot, prepared.Parameters, string.Create(CultureInfo.InvariantCulture, $"{prepared.Snapshot.Id}~{record.RunId}"), SensitivityCurve.Factors(prepared.PriceMoves), volatility);

        var started = Stopwatch.GetTimestamp();
        var cascade = CascadeSimulator.Run(book, shocked, prepared.Parameters, _planner, options, cancellationToken);
        var cascadeTime = Stopwatch.GetElapsedTime(started);

        started = Stopwatch.GetTimestamp();
        var curve = prepared.CurveAsset is { } asset && prepared.CurveMoves.Count > 0
            ? SensitivityCurve.Run(book, prepared.Snapshot, prepared.Parameters, asset, prepared.CurveMoves, prepared.PriceMoves, volatility, options, cancellationToken)
            : [];
        var curveTime = Stopwatch.GetElapsedTime(started);

        return new StressRunResult
        {
            RunId = record.RunId,
            Scenario = prepared.Scenario,
            PriceMoves = prepared.PriceMoves,
            VolatilityMoves = prepared.VolatilityMoves,
            SnapshotId = prepared.Snapshot.Id,
            SnapshotAsOf = prepared.Snapshot.AsOf,
            ParamsVersion = prepared.Parameters.Version,
            Candidate = record.Candidate,
            Accounts = book.Count,
            UnreadableAccounts = book.Unreadable.Length,
            Unreadable = [.. book.Unreadable.Take(100)],
            BookBytes = book.EstimatedBytes,
            Cascade = cascade,
            CurveAsset = prepared.CurveAsset,
            Curve = curve,
            CompletedAt = _time.GetUtcNow(),
            ReadTime = readTime,
            CascadeTime = cascadeTime,
            CurveTime = curveTime,
        };
    }

    /// <summary>Reads the whole book into a compact form: partitions in order, accounts by id within each.</summary>
    /// <param name="cancellationToken">Cancels between partitions.</param>
    /// <returns>The book, with the unreadable accounts and their problems.</returns>
    public async Task<CompactBook> ReadBookAsync(CancellationToken cancellationToken = default)
    {
        var builder = new CompactBook.Builder();
        for (var from = 0; from < _accounts.PartitionCount; from += ReadConcurrency)
        {
            var to = Math.Min(_accounts.PartitionCount, from + ReadConcurrency);
            var reads = Enumerable.Range(from, to - from).Select(p => ReadPartitionAsync(p, cancellationToken)).ToArray();
            foreach (var partition in await Task.WhenAll(reads).ConfigureAwait(false))
            {
                foreach (var stored in partition)
                {
                    if (stored.Account is { } account)
                    {
                        builder.Add(account);
                    }
                    else
                    {
                        builder.AddUnreadable(stored.AccountId, stored.Problem ?? "the account could not be read");
                    }
                }
            }
        }

        return builder.Build();
    }

    private async Task<List<StoredAccount>> ReadPartitionAsync(int partition, CancellationToken cancellationToken)
    {
        var accounts = new List<StoredAccount>();
        await foreach (var stored in _accounts.ReadPartitionAsync(partition, cancellationToken).ConfigureAwait(false))
        {
            accounts.Add(stored);
        }

        accounts.Sort((a, b) => string.CompareOrdinal(a.AccountId, b.AccountId));
        return accounts;
    }

    private async Task<StressRunOutcome> FailedAsync(StressRunRecord record, string error, CancellationToken cancellationToken)
    {
        record = await FinishAsync(record, r => r with { Status = StressRunStatus.Failed, CompletedAt = _time.GetUtcNow(), Error = error }, keepCompleted: true, cancellationToken).ConfigureAwait(false);
        return record.Status == StressRunStatus.Completed
            ? new StressRunOutcome(StressRunOutcomeKind.AlreadyDone, record, await _runs.GetResultAsync(record.RunId, cancellationToken).ConfigureAwait(false), null)
            : new StressRunOutcome(StressRunOutcomeKind.Failed, record, null, error);
    }

    // A failure of the computation itself (bad arithmetic, an argument the engine refuses), also when the parallel
    // evaluation wraps it: the same inputs fail the same way, unlike a storage failure.
    private static bool Deterministic(Exception ex) =>
        ex is AggregateException aggregate
            ? aggregate.Flatten().InnerExceptions.All(Deterministic)
            : ex is ArgumentException or ArithmeticException or InvalidOperationException;
}

/// <summary>What <see cref="RunStress.ExecuteAsync"/> did.</summary>
public enum StressRunOutcomeKind
{
    /// <summary>Ran and stored the result.</summary>
    Completed = 0,

    /// <summary>The run was completed or failed already; nothing was done.</summary>
    AlreadyDone = 1,

    /// <summary>The run's inputs no longer check, or the book is empty: marked failed with the reasons.</summary>
    Failed = 2,

    /// <summary>No such run is stored.</summary>
    Unknown = 3,
}

/// <summary>The outcome of a run.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Record">The run's record as stored, or null when unknown.</param>
/// <param name="Result">The result, when completed.</param>
/// <param name="Error">Why it failed or is unknown, or null.</param>
public sealed record StressRunOutcome(StressRunOutcomeKind Kind, StressRunRecord? Record, StressRunResult? Result, string? Error);
