using Margin.Engine.Prices;
using Margin.Sweep.Prices;

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

    /// <summary>Records the oracle guard's decisions behind a stored snapshot. Like the snapshot they are immutable: writing the same decisions again does nothing, other decisions fail.</summary>
    /// <param name="snapshotId">The snapshot the decisions priced.</param>
    /// <param name="decisions">The decisions.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="InvalidOperationException">The snapshot is not stored, or other decisions are already recorded for it.</exception>
    Task WriteDecisionsAsync(string snapshotId, PriceDecisions decisions, CancellationToken cancellationToken = default);

    /// <summary>The oracle guard's decisions behind a snapshot, or null when none are recorded (a snapshot written before they were, or an unknown id).</summary>
    /// <param name="snapshotId">The snapshot id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<PriceDecisions?> ReadDecisionsAsync(string snapshotId, CancellationToken cancellationToken = default);

    /// <summary>Points <c>latest</c> at a stored snapshot.</summary>
    /// <param name="snapshotId">The snapshot id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task SetLatestAsync(string snapshotId, CancellationToken cancellationToken = default);

    /// <summary>The id of the latest snapshot, or null before the first.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<string?> GetLatestAsync(CancellationToken cancellationToken = default);
}
