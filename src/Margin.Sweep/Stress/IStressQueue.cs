using System.Diagnostics.CodeAnalysis;

namespace Margin.Sweep.Stress;

/// <summary>The <c>margin-stress</c> queue: one message per accepted run, which the <c>RunStress</c> function executes.</summary>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It is a queue: ARCHITECTURE.md names it.")]
public interface IStressQueue
{
    /// <summary>Enqueues a run.</summary>
    Task EnqueueAsync(string runId, CancellationToken cancellationToken = default);
}
