using System.Collections.Concurrent;
using Margin.Engine.Stress;
using Margin.Sweep.Stress;

namespace Margin.Sweep.Tests.Stress;

public sealed class InMemoryStressRunStore : IStressRunStore
{
    private readonly ConcurrentDictionary<string, StressRunRecord> _records = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StressRunResult> _results = new(StringComparer.Ordinal);

    public int Writes { get; private set; }

    public IReadOnlyCollection<StressRunRecord> Records => [.. _records.Values];

    public Task CreateAsync(StressRunRecord record, CancellationToken cancellationToken = default)
    {
        Writes++;
        return _records.TryAdd(record.RunId, record with { ConcurrencyToken = Guid.NewGuid().ToString("N") }) ? Task.CompletedTask : throw new InvalidOperationException($"stress run {record.RunId} exists");
    }

    public Task<StressRunRecord> UpdateAsync(StressRunRecord record, CancellationToken cancellationToken = default)
    {
        Writes++;
        var stored = _records.GetValueOrDefault(record.RunId) ?? throw new InvalidOperationException($"no stress run {record.RunId}");
        if (record.ConcurrencyToken is { } token && token != stored.ConcurrencyToken)
        {
            throw new Ports.StoreConflictException($"stress run {record.RunId} changed");
        }

        var next = record with { ConcurrencyToken = Guid.NewGuid().ToString("N") };
        _records[record.RunId] = next;
        return Task.FromResult(next);
    }

    public Task<StressRunRecord?> GetAsync(string runId, CancellationToken cancellationToken = default) => Task.FromResult(_records.GetValueOrDefault(runId));

    public Task SaveResultAsync(StressRunResult result, CancellationToken cancellationToken = default)
    {
        Writes++;
        _results[result.RunId] = result;
        return Task.CompletedTask;
    }

    public Task<StressRunResult?> GetResultAsync(string runId, CancellationToken cancellationToken = default) => Task.FromResult(_results.GetValueOrDefault(runId));

    public Task<IReadOnlyList<StressRunRecord>> ListAsync(int max, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<StressRunRecord>>([.. _records.Values.OrderByDescending(r => r.RunId, StringComparer.Ordinal).Take(max)]);
}

public sealed class StressQueueRecorder : IStressQueue
{
    public ConcurrentQueue<string> Messages { get; } = new();

    public Task EnqueueAsync(string runId, CancellationToken cancellationToken = default)
    {
        Messages.Enqueue(runId);
        return Task.CompletedTask;
    }
}

public sealed class InMemoryScenarioCatalog(params StressScenario[] scenarios) : IScenarioCatalog
{
    public Task<IReadOnlyList<string>> NamesAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<string>>([.. scenarios.Select(s => s.Name).Order(StringComparer.Ordinal)]);

    public Task<StressScenario?> FindAsync(string name, CancellationToken cancellationToken = default) =>
        Task.FromResult(scenarios.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal)));
}

/// <summary>A run store where another attempt updates the record just before this attempt's first conditional update (which then conflicts).</summary>
public sealed class RacingStressRunStore(InMemoryStressRunStore inner, Func<StressRunRecord, StressRunRecord> competitor) : IStressRunStore
{
    private bool _raced;

    public Task CreateAsync(StressRunRecord record, CancellationToken cancellationToken = default) => inner.CreateAsync(record, cancellationToken);

    public async Task<StressRunRecord> UpdateAsync(StressRunRecord record, CancellationToken cancellationToken = default)
    {
        if (!_raced && record.ConcurrencyToken is not null)
        {
            _raced = true;
            var current = (await inner.GetAsync(record.RunId, cancellationToken))!;
            await inner.UpdateAsync(competitor(current) with { ConcurrencyToken = null }, cancellationToken);
        }

        return await inner.UpdateAsync(record, cancellationToken);
    }

    public Task<StressRunRecord?> GetAsync(string runId, CancellationToken cancellationToken = default) => inner.GetAsync(runId, cancellationToken);

    public Task SaveResultAsync(StressRunResult result, CancellationToken cancellationToken = default) => inner.SaveResultAsync(result, cancellationToken);

    public Task<StressRunResult?> GetResultAsync(string runId, CancellationToken cancellationToken = default) => inner.GetResultAsync(runId, cancellationToken);

    public Task<IReadOnlyList<StressRunRecord>> ListAsync(int max, CancellationToken cancellationToken = default) => inner.ListAsync(max, cancellationToken);
}
