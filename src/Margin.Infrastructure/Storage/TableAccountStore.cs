using System.Runtime.CompilerServices;
using Azure.Data.Tables;
using Margin.Engine.Accounts;
using Margin.Sweep.Ports;

namespace Margin.Infrastructure.Storage;

/// <summary>The <c>accounts</c> table on Azure Table Storage (or Azurite): one row per account, <c>N</c> fixed partitions.</summary>
/// <remarks>
/// Writes group accounts by partition into entity-group transactions of at most 100 entities and under the 4 MiB body
/// limit (Azurite accepts more; Azure does not, so the limits are enforced here). Reads page through a partition (at
/// most 1,000 entities a page) and report a malformed row with its id instead of skipping it. The table name is
/// lowercase (Azure's names are case-insensitive, Azurite's are not).
/// </remarks>
public sealed class TableAccountStore : TableStore, IAccountStore
{
    /// <summary>The longest account id (a Service Bus session id and partition key take 128 characters).</summary>
    public const int MaxAccountIdLength = AccountEntityCodec.MaxAccountIdLength;

    /// <summary>The table's name.</summary>
    public const string TableName = "accounts";

    /// <summary>Entities per transaction, Table Storage's limit.</summary>
    public const int MaxTransactionEntities = TableTransactions.MaxEntities;

    /// <summary>A transaction's payload budget in (estimated) bytes, under the 4 MiB request limit with room for the batch envelope.</summary>
    public const int MaxTransactionChars = TableTransactions.MaxBytes;

    private readonly AccountPartitioner _partitioner;

    /// <summary>Creates the store over a table client (the table is created by <see cref="TableStore.EnsureCreatedAsync"/>).</summary>
    /// <param name="table">The client for the <c>accounts</c> table.</param>
    /// <param name="partitioner">The deployment's partitioning.</param>
    public TableAccountStore(TableClient table, AccountPartitioner partitioner)
        : base(table)
    {
        ArgumentNullException.ThrowIfNull(partitioner);
        _partitioner = partitioner;
    }

    /// <inheritdoc/>
    public int PartitionCount => _partitioner.PartitionCount;

    /// <inheritdoc/>
    public int PartitionOf(string accountId) => _partitioner.PartitionOf(accountId);

    /// <summary>Why an account id cannot be stored (a row key cannot hold it), or null when it can.</summary>
    /// <param name="accountId">The account id.</param>
    public static string? IdProblem(string accountId) => AccountEntityCodec.KeyProblem(accountId);

    /// <inheritdoc/>
    public async Task UpsertAsync(IReadOnlyCollection<Account> accounts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        var duplicate = accounts.GroupBy(a => a.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"account {duplicate.Key} appears {duplicate.Count()} times in one write", nameof(accounts));
        }

        // Every entity is built (and every id and size checked) before the first write, so a bad account refuses the
        // whole call instead of failing it half-way.
        var partitions = accounts
            .Select(a => AccountEntityCodec.ToEntity(a, _partitioner.KeyOfAccount(a.Id)))
            .GroupBy(e => e.PartitionKey, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToList();
        foreach (var partition in partitions)
        {
            foreach (var batch in Batches(partition))
            {
                cancellationToken.ThrowIfCancellationRequested();
                await Table.SubmitTransactionAsync(batch.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc/>
    public async Task<Account?> GetAsync(string accountId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountId);
        if (AccountEntityCodec.KeyProblem(accountId) is not null)
        {
            return null;
        }

        var response = await Table.GetEntityIfExistsAsync<TableEntity>(_partitioner.KeyOfAccount(accountId), accountId, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!response.HasValue)
        {
            return null;
        }

        var (account, problem) = AccountEntityCodec.FromEntity(response.Value!);
        return account ?? throw new InvalidAccountException(accountId, "stored", $"the stored account cannot be read: {problem}");
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<StoredAccount> ReadPartitionAsync(int partition, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(partition, PartitionCount);
        var key = AccountPartitioner.KeyOf(partition);
        var query = Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {key}"), maxPerPage: 1_000, cancellationToken: cancellationToken);
        await foreach (var page in query.AsPages().WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            foreach (var entity in page.Values)
            {
                var (account, problem) = AccountEntityCodec.FromEntity(entity);
                yield return new StoredAccount(entity.RowKey, account, problem);
            }
        }
    }

    /// <summary>Splits one partition's entities into transactions of at most 100 entities and <see cref="MaxTransactionChars"/>.</summary>
    internal static IEnumerable<List<TableEntity>> Batches(IEnumerable<TableEntity> entities) => TableTransactions.Split(entities);
}
