using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Queues;
using Margin.Infrastructure.Margins;
using Margin.Infrastructure.Parameters;
using Margin.Infrastructure.Prices;
using Margin.Infrastructure.Queues;
using Margin.Infrastructure.Storage;
using Margin.Infrastructure.Stress;
using Margin.Infrastructure.Sweeps;

namespace Margin.Infrastructure.Composition;

/// <summary>Every store and queue of one deployment's storage account, built from <see cref="StorageOptions"/>.</summary>
/// <remarks>Table and queue names are ARCHITECTURE.md's, lowercase, behind the options' prefix.</remarks>
public sealed class MarginStorage
{
    private readonly TableServiceClient _tables;

    private MarginStorage(StorageOptions options, TableServiceClient tables, QueueServiceClient queues)
    {
        Options = options;
        _tables = tables;
        var prefix = options.Prefix;
        Partitioner = new AccountPartitioner(options.Partitions);
        Accounts = new TableAccountStore(tables.GetTableClient(prefix + TableAccountStore.TableName), Partitioner);
        Margin = new TableMarginStore(tables.GetTableClient(prefix + TableMarginStore.TableName), Partitioner);
        History = new TableMarginHistoryStore(tables.GetTableClient(prefix + TableMarginHistoryStore.TableName));
        Snapshots = new TablePriceSnapshotStore(tables.GetTableClient(prefix + TablePriceSnapshotStore.TableName));
        PriceHistory = new TablePriceHistoryStore(tables.GetTableClient(prefix + TablePriceHistoryStore.TableName));
        Parameters = new TableRiskParameterStore(tables.GetTableClient(prefix + TableRiskParameterStore.TableName));
        Sweeps = new TableSweepStore(tables.GetTableClient(prefix + TableSweepStore.TableName));
        WorkQueue = new StorageWorkQueue(queues.GetQueueClient(prefix + StorageWorkQueue.QueueName), queues.GetQueueClient(prefix + StorageWorkQueue.PoisonQueueName));
        StressRuns = new TableStressRunStore(tables.GetTableClient(prefix + TableStressRunStore.TableName));
        StressQueue = new StorageStressQueue(queues.GetQueueClient(prefix + StorageStressQueue.QueueName), queues.GetQueueClient(prefix + StorageStressQueue.PoisonQueueName));
    }

    /// <summary>The options it was built from.</summary>
    public StorageOptions Options { get; }

    /// <summary>The account partitioner (N partitions).</summary>
    public AccountPartitioner Partitioner { get; }

    /// <summary>The <c>accounts</c> table.</summary>
    public TableAccountStore Accounts { get; }

    /// <summary>The <c>margin</c> table (results, outbox, receipts).</summary>
    public TableMarginStore Margin { get; }

    /// <summary>The <c>marginhistory</c> table.</summary>
    public TableMarginHistoryStore History { get; }

    /// <summary>The <c>prices</c> table.</summary>
    public TablePriceSnapshotStore Snapshots { get; }

    /// <summary>The <c>pricehistory</c> table.</summary>
    public TablePriceHistoryStore PriceHistory { get; }

    /// <summary>The <c>riskparameters</c> table.</summary>
    public TableRiskParameterStore Parameters { get; }

    /// <summary>The <c>sweeps</c> table.</summary>
    public TableSweepStore Sweeps { get; }

    /// <summary>The <c>margin-shards</c> queue and its poison queue.</summary>
    public StorageWorkQueue WorkQueue { get; }

    /// <summary>The <c>stressruns</c> table (book stress runs and their results; never the live book).</summary>
    public TableStressRunStore StressRuns { get; }

    /// <summary>The <c>margin-stress</c> queue and its poison queue.</summary>
    public StorageStressQueue StressQueue { get; }

    /// <summary>Builds the stores: from the connection string, else from the endpoints with <paramref name="credential"/> (default: <see cref="DefaultAzureCredential"/>).</summary>
    /// <exception cref="ArgumentException">The options are invalid; the message names every problem.</exception>
    public static MarginStorage Create(StorageOptions options, TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Problems() is { Count: > 0 } problems)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }

        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return new MarginStorage(options, new TableServiceClient(options.ConnectionString), new QueueServiceClient(options.ConnectionString));
        }

        credential ??= string.IsNullOrWhiteSpace(options.ManagedIdentityClientId)
            ? new DefaultAzureCredential()
            : new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = options.ManagedIdentityClientId.Trim() });
        return new MarginStorage(options, new TableServiceClient(options.TableEndpoint, credential), new QueueServiceClient(options.QueueEndpoint, credential));
    }

    /// <summary>Creates every table and queue that does not exist yet (idempotent).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        await Task.WhenAll(
            Accounts.EnsureCreatedAsync(cancellationToken),
            Margin.EnsureCreatedAsync(cancellationToken),
            History.EnsureCreatedAsync(cancellationToken),
            Snapshots.EnsureCreatedAsync(cancellationToken),
            PriceHistory.EnsureCreatedAsync(cancellationToken),
            Parameters.EnsureCreatedAsync(cancellationToken),
            Sweeps.EnsureCreatedAsync(cancellationToken),
            WorkQueue.EnsureCreatedAsync(cancellationToken),
            StressRuns.EnsureCreatedAsync(cancellationToken),
            StressQueue.EnsureCreatedAsync(cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>The table service (for tools that measure it, such as the benchmark's ceiling probe).</summary>
    public TableServiceClient TableService => _tables;
}
