namespace Margin.Sweep.Stress;

/// <summary>Where a stress run is.</summary>
public enum StressRunStatus
{
    /// <summary>Accepted and on the <c>margin-stress</c> queue.</summary>
    Queued = 0,

    /// <summary>Being run (or interrupted: a retry runs it again from the start, with the same inputs).</summary>
    Running = 1,

    /// <summary>Done; the result is stored.</summary>
    Completed = 2,

    /// <summary>Stopped with an error that a retry cannot mend (see the record's error).</summary>
    Failed = 3,
}

/// <summary>A stress run's record: its request, the inputs pinned when it was accepted, and its status.</summary>
/// <remarks>
/// The snapshot and parameter version are resolved when the run is accepted and pinned here (in <see cref="Request"/> too),
/// so the queued run and every retry of it use the snapshot and parameters that were checked. A historical scenario is
/// pinned by name and read again when the run executes (a shipped file changes only with a deployment); the result
/// records the moves actually applied. The liquidation planner's fees, impact and order limits are the deployment's
/// sweep settings when the run executes.
/// </remarks>
/// <param name="RunId">The run's id.</param>
/// <param name="Status">Where the run is.</param>
/// <param name="Request">What was asked.</param>
/// <param name="SnapshotId">The snapshot shocked.</param>
/// <param name="ParamsVersion">The parameter version run under.</param>
/// <param name="Candidate">Whether that version was not the active one when the run was accepted.</param>
/// <param name="ScenarioName">The scenario's name (historical) or text (ad-hoc).</param>
/// <param name="RequestedAt">When the run was accepted.</param>
/// <param name="StartedAt">When its last attempt started, or null.</param>
/// <param name="CompletedAt">When it completed or failed, or null.</param>
/// <param name="Attempts">How many times it started.</param>
/// <param name="Error">Why it failed, or null.</param>
public sealed record StressRunRecord(
    string RunId,
    StressRunStatus Status,
    StressRequest Request,
    string SnapshotId,
    string ParamsVersion,
    bool Candidate,
    string ScenarioName,
    DateTimeOffset RequestedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    int Attempts,
    string? Error)
{
    /// <summary>The store's version of the record (an ETag), set when it is read or updated: an update carrying it fails with a <see cref="Ports.StoreConflictException"/> if the record changed meanwhile; null updates unconditionally.</summary>
    public string? ConcurrencyToken { get; init; }
}
