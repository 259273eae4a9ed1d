namespace Margin.Sweep.Stress;

/// <summary>Stores stress runs (the <c>stressruns</c> table): records, results, and nothing of the live book.</summary>
public interface IStressRunStore
{
    /// <summary>Creates a run's record.</summary>
    /// <exception cref="InvalidOperationException">A run with the id exists.</exception>
    Task CreateAsync(StressRunRecord record, CancellationToken cancellationToken = default);

    /// <summary>Replaces a run's record (its status): only if it is unchanged since it was read when the record carries a <see cref="StressRunRecord.ConcurrencyToken"/>.</summary>
    /// <returns>The record as stored, with its new concurrency token.</returns>
    /// <exception cref="Ports.StoreConflictException">The record changed since it was read.</exception>
    Task<StressRunRecord> UpdateAsync(StressRunRecord record, CancellationToken cancellationToken = default);

    /// <summary>A run's record, or null when there is none.</summary>
    Task<StressRunRecord?> GetAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>Stores a run's result (replacing an earlier attempt's).</summary>
    Task SaveResultAsync(StressRunResult result, CancellationToken cancellationToken = default);

    /// <summary>A run's result, or null when none is stored.</summary>
    Task<StressRunResult?> GetResultAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>The newest runs' records, newest first, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<StressRunRecord>> ListAsync(int max, CancellationToken cancellationToken = default);
}
