using Margin.Sweep.History;

namespace Margin.Sweep.Ports;

/// <summary>The <c>marginhistory</c> table: a row per status change per account, newest first.</summary>
public interface IMarginHistoryStore
{
    /// <summary>Writes status changes. Idempotent: a change is keyed by (account, time, sweep), so writing it again replaces it.</summary>
    /// <param name="changes">The changes.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    Task AppendAsync(IReadOnlyList<StatusChange> changes, CancellationToken cancellationToken = default);

    /// <summary>An account's changes, newest first.</summary>
    /// <param name="accountId">The account.</param>
    /// <param name="max">At most this many.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    Task<IReadOnlyList<StatusChange>> ReadAsync(string accountId, int max, CancellationToken cancellationToken = default);

    /// <summary>Deletes an account's changes older than <paramref name="before"/> (the retention), returning how many.</summary>
    /// <param name="accountId">The account.</param>
    /// <param name="before">Changes at or after this time stay.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<int> PruneAsync(string accountId, DateTimeOffset before, CancellationToken cancellationToken = default);
}
