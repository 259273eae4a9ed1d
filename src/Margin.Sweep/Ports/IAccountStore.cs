using Margin.Engine.Accounts;

namespace Margin.Sweep.Ports;

/// <summary>The accounts table as the use cases see it: accounts by fixed partition, written by the upstream ledger.</summary>
/// <remarks>
/// Partitions are numbered <c>0 .. PartitionCount - 1</c>; an account's partition is a stable function of its id that the
/// adapter documents (docs/storage.md), so that the ledger and the sweep agree without talking to each other.
/// </remarks>
public interface IAccountStore
{
    /// <summary>The number of partitions <c>N</c>, fixed for a deployment.</summary>
    int PartitionCount { get; }

    /// <summary>The partition of an account id.</summary>
    /// <param name="accountId">The account id.</param>
    int PartitionOf(string accountId);

    /// <summary>Writes accounts (insert or replace), in as few transactions as the store allows.</summary>
    /// <param name="accounts">The accounts; ids must be distinct.</param>
    /// <param name="cancellationToken">Cancels the write; accounts of completed transactions stay written.</param>
    Task UpsertAsync(IReadOnlyCollection<Account> accounts, CancellationToken cancellationToken = default);

    /// <summary>One account, or null when the store has none with that id.</summary>
    /// <param name="accountId">The account id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    Task<Account?> GetAsync(string accountId, CancellationToken cancellationToken = default);

    /// <summary>Every account of a partition, page by page; a malformed stored account is reported, never skipped silently.</summary>
    /// <param name="partition">The partition, in <c>[0, PartitionCount)</c>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    IAsyncEnumerable<StoredAccount> ReadPartitionAsync(int partition, CancellationToken cancellationToken = default);
}

/// <summary>One stored account as read: the account, or why it could not be read (with its id, so nothing is lost).</summary>
/// <param name="AccountId">The stored account's id (its row key).</param>
/// <param name="Account">The account, or null when it is malformed.</param>
/// <param name="Problem">Why the account could not be read, or null.</param>
public sealed record StoredAccount(string AccountId, Account? Account, string? Problem);
