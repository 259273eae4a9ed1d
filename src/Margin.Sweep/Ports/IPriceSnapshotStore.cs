using Margin.Engine.Prices;

namespace Margin.Sweep.Ports;

/// <summary>Immutable price snapshots by id, and the <c>latest</c> pointer the sweep starts from.</summary>
public interface IPriceSnapshotStore
{
    /// <summary>Writes a snapshot. Snapshots are immutable: writing the same id again with the same content does nothing, with other content fails.</summary>
    /// <param name="snapshot">The snapshot.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="InvalidOperationException">A different snapshot with the same id is stored.</exception>
    Task WriteAsync(PriceSnapshot snapshot, CancellationToken cancellationToken = default);

    /// <summary>A snapshot by id, or null when there is none.</summary>
    /// <param name="snapshotId">The snapshot id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<PriceSnapshot?> ReadAsync(string snapshotId, CancellationToken cancellationToken = default);

    /// <summary>Points <c>latest</c> at a stored snapshot.</summary>
    /// <param name="snapshotId">The snapshot id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task SetLatestAsync(string snapshotId, CancellationToken cancellationToken = default);

    /// <summary>The id of the latest snapshot, or null before the first.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<string?> GetLatestAsync(CancellationToken cancellationToken = default);
}
