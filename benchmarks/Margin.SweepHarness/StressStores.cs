using System.Collections.Concurrent;
using Margin.Engine.Stress;
using Margin.Sweep.Stress;

namespace Margin.SweepHarness;

/// <summary>The harness runs ad-hoc scenarios only: no historical scenario is shipped to it.</summary>
internal sealed class NoScenarioCatalog : IScenarioCatalog
{
    public Task<IReadOnlyList<string>> NamesAsync(CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<string>>([]);

    public Task<StressScenario?> FindAsync(string name, CancellationToken cancellationToken = default) => Task.FromResult<StressScenario?>(null);
}

/// <summary>A stress run store in memory: <see cref="RunStress"/> needs one, and the harness calls only its <see cref="RunStress.ReadBookAsync"/> and <see cref="RunStress.Run"/>, which store nothing.</summary>
internal sealed class MemoryStressRuns : IStressRunStore
{
    private readonly ConcurrentDictionary<string, StressRunRecord> _records = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StressRunResult> _results = new(StringComparer.Ordinal);

    public Task CreateAsync(StressRunRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return _records.TryAdd(record.RunId, record) ? Task.CompletedTask : throw new InvalidOperationException($"stress run {record.RunId} exists");
    }

    public Task<StressRunRecord> UpdateAsync(StressRunRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        _records[record.RunId] = record;
        return Task.FromResult(record);
    }

    public Task<StressRunRecord?> GetAsync(string runId, CancellationToken cancellationToken = default) => Task.FromResult(_records.GetValueOrDefault(runId));

    public Task SaveResultAsync(StressRunResult result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        _results[result.RunId] = result;
        return Task.CompletedTask;
    }

    public Task<StressRunResult?> GetResultAsync(string runId, CancellationToken cancellationToken = default) => Task.FromResult(_results.GetValueOrDefault(runId));

    public Task<IReadOnlyList<StressRunRecord>> ListAsync(int max, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<StressRunRecord>>([.. _records.Values.OrderByDescending(r => r.RequestedAt).Take(max)]);
}
