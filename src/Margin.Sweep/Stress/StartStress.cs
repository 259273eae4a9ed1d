using System.Globalization;
using System.Security.Cryptography;

namespace Margin.Sweep.Stress;

/// <summary>Accepts a stress run: checks the request against the stores, pins its inputs, stores its record and (for <c>POST api/stress</c>) enqueues it.</summary>
/// <remarks>A refused request writes nothing: no record, no message. An accepted one is a <see cref="StressRunStatus.Queued"/> record; the run itself is <see cref="RunStress"/>'s, on the queue or in the caller's process (the CLI).</remarks>
public sealed class StartStress
{
    private readonly StressPreparation _preparation;
    private readonly IStressRunStore _runs;
    private readonly IStressQueue? _queue;
    private readonly TimeProvider _time;

    /// <summary>Creates the use case.</summary>
    /// <param name="preparation">Checks requests.</param>
    /// <param name="runs">The run store.</param>
    /// <param name="queue">The <c>margin-stress</c> queue, or null when runs are executed in process only.</param>
    /// <param name="time">The clock.</param>
    public StartStress(StressPreparation preparation, IStressRunStore runs, IStressQueue? queue, TimeProvider time)
    {
        _preparation = preparation ?? throw new ArgumentNullException(nameof(preparation));
        _runs = runs ?? throw new ArgumentNullException(nameof(runs));
        _queue = queue;
        _time = time ?? throw new ArgumentNullException(nameof(time));
    }

    /// <summary>Checks and accepts a request.</summary>
    /// <param name="request">The request.</param>
    /// <param name="enqueue">Whether to put the run on the queue (false: the caller runs it at once).</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The accepted run's record, or the problems (nothing written).</returns>
    /// <exception cref="InvalidOperationException"><paramref name="enqueue"/> without a queue.</exception>
    public async Task<StressStart> ExecuteAsync(StressRequest request, bool enqueue, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (enqueue && _queue is null)
        {
            throw new InvalidOperationException("no stress queue is configured, so a run cannot be enqueued");
        }

        var (prepared, problems) = await _preparation.PrepareAsync(request, checkBook: true, cancellationToken).ConfigureAwait(false);
        if (prepared is null)
        {
            return new StressStart(null, problems);
        }

        var now = _time.GetUtcNow();
        var record = new StressRunRecord(
            NewRunId(now),
            StressRunStatus.Queued,
            request with { ParamsVersion = prepared.Parameters.Version, SnapshotId = prepared.Snapshot.Id, CurveAsset = prepared.CurveAsset ?? request.CurveAsset },
            prepared.Snapshot.Id,
            prepared.Parameters.Version,
            prepared.Candidate,
            prepared.Scenario.Name,
            now,
            StartedAt: null,
            CompletedAt: null,
            Attempts: 0,
            Error: null);
        await _runs.CreateAsync(record, cancellationToken).ConfigureAwait(false);
        if (enqueue)
        {
            try
            {
                await _queue!.EnqueueAsync(record.RunId, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // The record exists first (so a message is never consumed before its record); with no message it would
                // stay Queued forever, so it says why it will never run. The caller sees the failure.
                await _runs.UpdateAsync(record with { Status = StressRunStatus.Failed, CompletedAt = _time.GetUtcNow(), Error = $"the run could not be queued on margin-stress: {ex.GetType().Name}: {ex.Message.Split('\n', 2)[0]}" }, CancellationToken.None).ConfigureAwait(false);
                throw;
            }
        }

        return new StressStart(record, []);
    }

    /// <summary>A new run id: <c>st</c>, the UTC time to the millisecond, and 8 random hex digits (<c>st20261124T235900123Z-1a2b3c4d</c>); sorts by time.</summary>
    public static string NewRunId(DateTimeOffset now) =>
        string.Create(CultureInfo.InvariantCulture, $"st{now.UtcDateTime:yyyyMMdd'T'HHmmssfff}Z-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");
}

/// <summary>The outcome of <see cref="StartStress"/>: the accepted run, or why it was refused.</summary>
/// <param name="Record">The accepted run's record, or null.</param>
/// <param name="Problems">The problems, empty when accepted.</param>
public sealed record StressStart(StressRunRecord? Record, IReadOnlyList<string> Problems)
{
    /// <summary>Whether the run was accepted.</summary>
    public bool Accepted => Record is not null;
}
