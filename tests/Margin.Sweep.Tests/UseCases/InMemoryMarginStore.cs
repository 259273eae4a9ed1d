using System.Globalization;
using System.Runtime.CompilerServices;
using Margin.Sweep.Orders;
using Margin.Sweep.Ports;
using Margin.Sweep.Results;

namespace Margin.Sweep.Tests.UseCases;

/// <summary>The account side of the margin table in memory, one partition, with row versions (what RecordLiquidationEvent uses); the sweep's partition queries are not needed here.</summary>
internal sealed class InMemoryMarginStore : IMarginStore
{
    private readonly Dictionary<string, StoredResult> _results = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StoredOrder> _orders = new(StringComparer.Ordinal);
    private int _version;

    /// <summary>When set, every read throws what it returns (a storage outage).</summary>
    public Func<string, Exception?>? FailReadsOf { get; set; }

    public StoredResult? Result(string accountId) => _results.GetValueOrDefault(accountId);

    public StoredOrder Order(string orderId) => _orders[orderId];

    public void Put(StoredResult result) => _results[result.AccountId] = result with { ConcurrencyToken = NextToken() };

    public void Put(StoredOrder order) => _orders[order.OrderId] = order with { ConcurrencyToken = NextToken() };

    public int PartitionOf(string accountId) => 0;

    public Task<(StoredResult? Result, IReadOnlyList<StoredOrder> Orders)> ReadAccountAsync(string accountId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (FailReadsOf?.Invoke(accountId) is { } failure)
        {
            throw failure;
        }

        IReadOnlyList<StoredOrder> orders = [.. _orders.Values.Where(o => o.AccountId == accountId).OrderByDescending(o => o.CreatedAt)];
        return Task.FromResult((_results.GetValueOrDefault(accountId), orders));
    }

    public Task<int> CommitAsync(MarginPartitionWrite write, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var r in write.Results)
        {
            Check(r.ConcurrencyToken, _results.GetValueOrDefault(r.AccountId)?.ConcurrencyToken, r.AccountId);
        }

        foreach (var o in write.Orders)
        {
            Check(o.ConcurrencyToken, _orders.GetValueOrDefault(o.OrderId)?.ConcurrencyToken, o.OrderId);
        }

        foreach (var r in write.Results)
        {
            Put(r);
        }

        foreach (var o in write.Orders)
        {
            Put(o);
        }

        return Task.FromResult(1);
    }

    public Task<MarginPartition> ReadPartitionAsync(int partition, string sweepId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public async IAsyncEnumerable<StoredOrder> ReadOrdersAsync(bool unsentOnly, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        foreach (var o in _orders.Values.Where(o => !unsentOnly || !o.Sent))
        {
            yield return o;
        }
    }

    public Task<bool> MarkSentAsync(StoredOrder order, DateTimeOffset at, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public IAsyncEnumerable<SweepReceipt> ReadReceiptsAsync(string sweepId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    private static void Check(string? given, string? stored, string key)
    {
        if (given != stored)
        {
            throw new StoreConflictException($"{key} changed (token {given ?? "none"}, stored {stored ?? "none"})");
        }
    }

    private string NextToken() => (++_version).ToString(CultureInfo.InvariantCulture);
}
