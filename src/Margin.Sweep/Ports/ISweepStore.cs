using Margin.Sweep.Work;

namespace Margin.Sweep.Ports;

/// <summary>Sweep records and their per-work-item completion markers.</summary>
public interface ISweepStore
{
    /// <summary>Stores a new sweep, or returns the one already stored under its id (starting a sweep twice starts it once).</summary>
    /// <param name="sweep">The sweep to start.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The stored sweep and whether this call created it.</returns>
    Task<(SweepRecord Sweep, bool Created)> CreateOrGetAsync(SweepRecord sweep, CancellationToken cancellationToken = default);

    /// <summary>A sweep by id, or null.</summary>
    /// <param name="sweepId">The sweep id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<SweepRecord?> GetAsync(string sweepId, CancellationToken cancellationToken = default);

    /// <summary>Marks a work item done (idempotent: marking it again changes nothing).</summary>
    /// <param name="sweepId">The sweep id.</param>
    /// <param name="workItem">The work item's number.</param>
    /// <param name="at">When it finished.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task MarkDoneAsync(string sweepId, int workItem, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>The work items of a sweep that are marked done, ascending.</summary>
    /// <param name="sweepId">The sweep id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<IReadOnlyList<int>> DoneAsync(string sweepId, CancellationToken cancellationToken = default);

    /// <summary>The completion markers of a sweep, with when each work item was marked done, ascending by work item (one read, as <see cref="DoneAsync"/>).</summary>
    /// <param name="sweepId">The sweep id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<IReadOnlyList<WorkItemDone>> DoneMarkersAsync(string sweepId, CancellationToken cancellationToken = default);

    /// <summary>Records that every work item of a sweep was enqueued (idempotent).</summary>
    /// <param name="sweepId">The sweep id; the sweep must be stored.</param>
    /// <param name="at">When.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task MarkEnqueuedAsync(string sweepId, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Points <c>latest</c> at a stored sweep (the one StartSweep checks before starting another).</summary>
    /// <param name="sweepId">The sweep id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task SetLatestAsync(string sweepId, CancellationToken cancellationToken = default);

    /// <summary>The latest sweep started, or null before the first.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<SweepRecord?> GetLatestAsync(CancellationToken cancellationToken = default);
}
