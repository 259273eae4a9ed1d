using Margin.Sweep.Orders;
using Margin.Sweep.Ports;
using Margin.Sweep.Results;

namespace Margin.Sweep.Tests.UseCases;

/// <summary>A margin store whose account reads fail while <see cref="FailReadsOf"/> says so (a storage outage, a timeout); otherwise the inner store.</summary>
internal sealed class FlakyMarginStore(IMarginStore inner) : IMarginStore
{
    /// <summary>Given an account id, the exception its read throws, or null to read normally.</summary>
    public Func<string, Exception?>? FailReadsOf { get; set; }

    public int PartitionOf(string accountId) => inner.PartitionOf(accountId);

    public Task<(StoredResult? Result, IReadOnlyList<StoredOrder> Orders)> ReadAccountAsync(string accountId, CancellationToken cancellationToken = default) =>
        FailReadsOf?.Invoke(accountId) is { } failure ? throw failure : inner.ReadAccountAsync(accountId, cancellationToken);

    public Task<int> CommitAsync(MarginPartitionWrite write, CancellationToken cancellationToken = default) => inner.CommitAsync(write, cancellationToken);

    public Task<MarginPartition> ReadPartitionAsync(int partition, string sweepId, CancellationToken cancellationToken = default) => inner.ReadPartitionAsync(partition, sweepId, cancellationToken);

    public IAsyncEnumerable<StoredOrder> ReadOrdersAsync(bool unsentOnly, CancellationToken cancellationToken = default) => inner.ReadOrdersAsync(unsentOnly, cancellationToken);

    public Task<bool> MarkSentAsync(StoredOrder order, DateTimeOffset at, CancellationToken cancellationToken = default) => inner.MarkSentAsync(order, at, cancellationToken);

    public IAsyncEnumerable<SweepReceipt> ReadReceiptsAsync(string sweepId, CancellationToken cancellationToken = default) => inner.ReadReceiptsAsync(sweepId, cancellationToken);
}
