using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Margin.Engine.Accounts;
using Margin.Engine.Parameters;
using Margin.Engine.Prices;
using Margin.Sweep.History;
using Margin.Sweep.Orders;
using Margin.Sweep.Prices;
using Margin.Sweep.Ports;
using Margin.Sweep.Results;
using Margin.Sweep.Work;

namespace Margin.Sweep.Tests.Support;

/// <summary>Test doubles of the sweep's stores, in memory, so that the real use cases (ProcessShard, RecordLiquidationEvent) run without Azurite.</summary>
/// <remarks>
/// They keep the ports' documented rules that the use cases rely on: an account's partition is a stable function of its
/// id; a margin row without a concurrency token is inserted only if absent and one with a token replaces the row only if
/// unchanged (else <see cref="StoreConflictException"/>); a partition's open orders are those not in a terminal state.
/// One transaction per commit (the whole write succeeds or nothing does).
/// </remarks>
public sealed class InMemoryStores
{
    public InMemoryStores(int partitions)
    {
        Accounts = new InMemoryAccountStore(partitions);
        Margin = new InMemoryMarginStore(Accounts);
    }

    public InMemoryAccountStore Accounts { get; }

    public InMemoryMarginStore Margin { get; }

    public InMemoryHistoryStore History { get; } = new();

    public InMemorySweepStore Sweeps { get; } = new();

    public InMemorySnapshotStore Snapshots { get; } = new();

    public InMemoryParameterStore Parameters { get; } = new();
}

public sealed class InMemoryAccountStore(int partitions) : IAccountStore
{
    private readonly ConcurrentDictionary<string, Account> _accounts = new(StringComparer.Ordinal);

    public int PartitionCount { get; } = partitions;

    // FNV-1a over the UTF-8 id: stable across runs (string.GetHashCode is not).
    public int PartitionOf(string accountId)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(accountId))
        {
            hash = unchecked((hash ^ b) * 16777619u);
        }

        return (int)(hash % (uint)PartitionCount);
    }

    public Task UpsertAsync(IReadOnlyCollection<Account> accounts, CancellationToken cancellationToken = default)
    {
        foreach (var account in accounts)
        {
            _accounts[account.Id] = account;
        }

        return Task.CompletedTask;
    }

    public Task<Account?> GetAsync(string accountId, CancellationToken cancellationToken = default) =>
        Task.FromResult(_accounts.GetValueOrDefault(accountId));

    public async IAsyncEnumerable<StoredAccount> ReadPartitionAsync(int partition, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        foreach (var account in _accounts.Values.Where(a => PartitionOf(a.Id) == partition).OrderBy(a => a.Id, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new StoredAccount(account.Id, account, null);
        }
    }
}

public sealed class InMemoryMarginStore(IAccountStore accounts) : IMarginStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, StoredResult> _results = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StoredOrder> _orders = new(StringComparer.Ordinal);
    private readonly Dictionary<(string SweepId, int Partition), SweepReceipt> _receipts = [];
    private readonly Dictionary<int, PartitionWatermark> _watermarks = [];
    private long _version;

    public int PartitionOf(string accountId) => accounts.PartitionOf(accountId);

    public Task<MarginPartition> ReadPartitionAsync(int partition, string sweepId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var results = _results.Values.Where(r => PartitionOf(r.AccountId) == partition).ToDictionary(r => r.AccountId, StringComparer.Ordinal);
            var open = _orders.Values.Where(o => PartitionOf(o.AccountId) == partition && !o.State.IsTerminal()).ToDictionary(o => o.OrderId, StringComparer.Ordinal);
            return Task.FromResult(new MarginPartition(partition, results, open, _receipts.GetValueOrDefault((sweepId, partition)), _watermarks.GetValueOrDefault(partition)));
        }
    }

    public Task<int> CommitAsync(MarginPartitionWrite write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        lock (_gate)
        {
            foreach (var result in write.Results)
            {
                Check("result", result.AccountId, _results.GetValueOrDefault(result.AccountId)?.ConcurrencyToken, _results.ContainsKey(result.AccountId), result.ConcurrencyToken);
                Belongs(write.Partition, result.AccountId);
            }

            foreach (var order in write.Orders)
            {
                Check("order", order.OrderId, _orders.GetValueOrDefault(order.OrderId)?.ConcurrencyToken, _orders.ContainsKey(order.OrderId), order.ConcurrencyToken);
                Belongs(write.Partition, order.AccountId);
            }

            if (write.Watermark is { } mark)
            {
                Check("watermark", write.Partition.ToString(CultureInfo.InvariantCulture), _watermarks.GetValueOrDefault(write.Partition)?.ConcurrencyToken, _watermarks.ContainsKey(write.Partition), mark.ConcurrencyToken);
            }

            foreach (var result in write.Results)
            {
                _results[result.AccountId] = result with { ConcurrencyToken = NextToken() };
            }

            foreach (var order in write.Orders)
            {
                _orders[order.OrderId] = order with { ConcurrencyToken = NextToken() };
            }

            if (write.Receipt is { } receipt)
            {
                _receipts[(receipt.SweepId, write.Partition)] = receipt;
            }

            if (write.Watermark is { } watermark)
            {
                _watermarks[write.Partition] = watermark with { ConcurrencyToken = NextToken() };
            }

            return Task.FromResult(1);
        }
    }

    public Task<(StoredResult? Result, IReadOnlyList<StoredOrder> Orders)> ReadAccountAsync(string accountId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<StoredOrder> orders = [.. _orders.Values.Where(o => string.Equals(o.AccountId, accountId, StringComparison.Ordinal)).OrderByDescending(o => o.Episode)];
            return Task.FromResult((_results.GetValueOrDefault(accountId), orders));
        }
    }

    public async IAsyncEnumerable<StoredOrder> ReadOrdersAsync(bool unsentOnly, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        List<StoredOrder> orders;
        lock (_gate)
        {
            orders = [.. _orders.Values.Where(o => !unsentOnly || (!o.Sent && !o.State.IsTerminal())).OrderBy(o => o.OrderId, StringComparer.Ordinal)];
        }

        foreach (var order in orders)
        {
            yield return order;
        }
    }

    public Task<bool> MarkSentAsync(StoredOrder order, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        lock (_gate)
        {
            if (!_orders.TryGetValue(order.OrderId, out var stored))
            {
                return Task.FromResult(false);
            }

            _orders[order.OrderId] = stored with { Sent = true, SentAt = stored.SentAt ?? at, ConcurrencyToken = NextToken() };
            return Task.FromResult(true);
        }
    }

    public async IAsyncEnumerable<SweepReceipt> ReadReceiptsAsync(string sweepId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        List<SweepReceipt> receipts;
        lock (_gate)
        {
            receipts = [.. _receipts.Where(r => string.Equals(r.Key.SweepId, sweepId, StringComparison.Ordinal)).OrderBy(r => r.Key.Partition).Select(r => r.Value)];
        }

        foreach (var receipt in receipts)
        {
            yield return receipt;
        }
    }

    private static void Check(string what, string key, string? storedToken, bool exists, string? token)
    {
        if (token is null ? exists : !string.Equals(storedToken, token, StringComparison.Ordinal))
        {
            throw new StoreConflictException($"{what} {key} changed since it was read");
        }
    }

    private void Belongs(int partition, string accountId)
    {
        if (PartitionOf(accountId) != partition)
        {
            throw new ArgumentException($"account {accountId} is not in partition {partition}");
        }
    }

    private string NextToken() => (++_version).ToString(CultureInfo.InvariantCulture);
}

public sealed class InMemoryHistoryStore : IMarginHistoryStore
{
    private readonly ConcurrentDictionary<(string AccountId, DateTimeOffset At, string SweepId), StatusChange> _changes = new();

    public Task AppendAsync(IReadOnlyList<StatusChange> changes, CancellationToken cancellationToken = default)
    {
        foreach (var change in changes)
        {
            _changes[(change.AccountId, change.At, change.SweepId)] = change;
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<StatusChange>> ReadAsync(string accountId, int max, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<StatusChange>>([.. _changes.Values.Where(c => string.Equals(c.AccountId, accountId, StringComparison.Ordinal)).OrderByDescending(c => c.At).Take(max)]);

    public Task<int> PruneAsync(string accountId, DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        var pruned = 0;
        foreach (var key in _changes.Keys.Where(k => string.Equals(k.AccountId, accountId, StringComparison.Ordinal) && k.At < before).ToList())
        {
            pruned += _changes.TryRemove(key, out _) ? 1 : 0;
        }

        return Task.FromResult(pruned);
    }
}

public sealed class InMemorySweepStore : ISweepStore
{
    private readonly ConcurrentDictionary<string, SweepRecord> _sweeps = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string SweepId, int WorkItem), DateTimeOffset> _done = new();
    private string? _latest;

    public Task<(SweepRecord Sweep, bool Created)> CreateOrGetAsync(SweepRecord sweep, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        var created = _sweeps.TryAdd(sweep.SweepId, sweep);
        return Task.FromResult((_sweeps[sweep.SweepId], created));
    }

    public Task<SweepRecord?> GetAsync(string sweepId, CancellationToken cancellationToken = default) => Task.FromResult(_sweeps.GetValueOrDefault(sweepId));

    public Task MarkDoneAsync(string sweepId, int workItem, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        _done.TryAdd((sweepId, workItem), at);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<int>> DoneAsync(string sweepId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<int>>([.. _done.Keys.Where(k => string.Equals(k.SweepId, sweepId, StringComparison.Ordinal)).Select(k => k.WorkItem).Order()]);

    public Task<IReadOnlyList<WorkItemDone>> DoneMarkersAsync(string sweepId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<WorkItemDone>>([.. _done.Where(kv => string.Equals(kv.Key.SweepId, sweepId, StringComparison.Ordinal)).Select(kv => new WorkItemDone(kv.Key.WorkItem, kv.Value)).OrderBy(m => m.WorkItem)]);

    public Task MarkEnqueuedAsync(string sweepId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        _sweeps.AddOrUpdate(sweepId, _ => throw new InvalidOperationException($"sweep {sweepId} is not stored"), (_, s) => s with { EnqueuedAt = s.EnqueuedAt ?? at });
        return Task.CompletedTask;
    }

    public Task SetLatestAsync(string sweepId, CancellationToken cancellationToken = default)
    {
        _latest = sweepId;
        return Task.CompletedTask;
    }

    public Task<SweepRecord?> GetLatestAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(_latest is null ? null : _sweeps.GetValueOrDefault(_latest));
}

public sealed class InMemorySnapshotStore : IPriceSnapshotStore
{
    private readonly ConcurrentDictionary<string, PriceSnapshot> _snapshots = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PriceDecisions> _decisions = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _calls = new();
    private string? _latest;

    /// <summary>The writes in the order they were made: <c>snapshot {id}</c>, <c>decisions {id}</c>, <c>latest {id}</c>.</summary>
    public IReadOnlyList<string> Calls => [.. _calls];

    public Task WriteAsync(PriceSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        _snapshots[snapshot.Id] = snapshot;
        _calls.Enqueue("snapshot " + snapshot.Id);
        return Task.CompletedTask;
    }

    public Task<PriceSnapshot?> ReadAsync(string snapshotId, CancellationToken cancellationToken = default) => Task.FromResult(_snapshots.GetValueOrDefault(snapshotId));

    public Task WriteDecisionsAsync(string snapshotId, PriceDecisions decisions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        if (!_snapshots.ContainsKey(snapshotId))
        {
            throw new InvalidOperationException($"snapshot {snapshotId} is not stored: its oracle decisions cannot be recorded");
        }

        if (!_decisions.GetOrAdd(snapshotId, decisions).Equals(decisions))
        {
            throw new InvalidOperationException($"snapshot {snapshotId} already has other oracle decisions recorded");
        }

        _calls.Enqueue("decisions " + snapshotId);
        return Task.CompletedTask;
    }

    public Task<PriceDecisions?> ReadDecisionsAsync(string snapshotId, CancellationToken cancellationToken = default) => Task.FromResult(_decisions.GetValueOrDefault(snapshotId));

    public Task SetLatestAsync(string snapshotId, CancellationToken cancellationToken = default)
    {
        _latest = snapshotId;
        _calls.Enqueue("latest " + snapshotId);
        return Task.CompletedTask;
    }

    public Task<string?> GetLatestAsync(CancellationToken cancellationToken = default) => Task.FromResult(_latest);
}

public sealed class InMemoryParameterStore : IRiskParameterStore
{
    private readonly ConcurrentDictionary<string, RiskParameters> _versions = new(StringComparer.Ordinal);
    private string? _active;

    public void Add(RiskParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _versions[parameters.Version] = parameters;
    }

    public Task<RiskParameters?> GetAsync(string version, CancellationToken cancellationToken = default) => Task.FromResult(_versions.GetValueOrDefault(version));

    public Task<string?> GetActiveVersionAsync(CancellationToken cancellationToken = default) => Task.FromResult(_active);

    public Task ActivateAsync(string version, CancellationToken cancellationToken = default)
    {
        _active = _versions.ContainsKey(version) ? version : throw new InvalidOperationException($"parameter version {version} is not stored");
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<string>>([.. _versions.Keys.Order(StringComparer.Ordinal)]);
}

/// <summary>A configured publisher that keeps what it was given, as the broker would accept it.</summary>
public sealed class CapturingPublisher : IOrderPublisher
{
    private readonly ConcurrentQueue<StoredOrder> _published = new();

    public bool IsConfigured => true;

    public IReadOnlyList<StoredOrder> Published => [.. _published];

    public Task PublishAsync(IReadOnlyList<StoredOrder> orders, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(orders);
        foreach (var order in orders)
        {
            _published.Enqueue(order);
        }

        return Task.CompletedTask;
    }
}
