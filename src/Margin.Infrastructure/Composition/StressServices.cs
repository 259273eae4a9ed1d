using Margin.Engine.Stress;
using Margin.Sweep.Options;
using Margin.Sweep.Stress;

namespace Margin.Infrastructure.Composition;

/// <summary>The book stress use cases over a deployment's storage: checking a request, accepting it, and running it.</summary>
/// <remarks>Shared by the hosts: the CLI runs in process (<see cref="StartStress"/> with <c>enqueue: false</c>, then <see cref="RunStress"/>); the function app enqueues on <c>margin-stress</c> and runs from the queue.</remarks>
/// <param name="Scenarios">The shipped historical scenarios.</param>
/// <param name="Preparation">Checks requests against the stores.</param>
/// <param name="Start">Accepts requests.</param>
/// <param name="Run">Executes accepted runs.</param>
public sealed record StressServices(IScenarioCatalog Scenarios, StressPreparation Preparation, StartStress Start, RunStress Run)
{
    /// <summary>Builds the use cases.</summary>
    /// <param name="storage">The deployment's storage (the book, prices, parameters, the run store and the stress queue).</param>
    /// <param name="sweep">The sweep's options: the liquidation planner's fees, impact and order limits.</param>
    /// <param name="scenarios">The historical scenarios (<see cref="Stress.FileScenarioCatalog"/>).</param>
    /// <param name="time">The clock.</param>
    /// <param name="options">How runs evaluate (worst accounts, parallelism); default <see cref="StressOptions"/>'s.</param>
    /// <param name="enqueue">Whether accepted runs may be enqueued on <c>margin-stress</c> (false: in-process runs only).</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static StressServices Create(MarginStorage storage, SweepOptions sweep, IScenarioCatalog scenarios, TimeProvider time, StressOptions? options = null, bool enqueue = true)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(sweep);
        ArgumentNullException.ThrowIfNull(scenarios);
        ArgumentNullException.ThrowIfNull(time);
        var preparation = new StressPreparation(storage.Accounts, storage.Snapshots, storage.Parameters, scenarios);
        return new StressServices(
            scenarios,
            preparation,
            new StartStress(preparation, storage.StressRuns, enqueue ? storage.StressQueue : null, time),
            new RunStress(storage.Accounts, preparation, storage.StressRuns, sweep, options ?? new StressOptions(), time));
    }
}
