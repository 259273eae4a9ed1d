using Margin.Engine.Stress;

namespace Margin.Sweep.Stress;

/// <summary>The shipped historical scenarios (files in <c>scenarios/</c>).</summary>
public interface IScenarioCatalog
{
    /// <summary>The scenarios' names, sorted.</summary>
    Task<IReadOnlyList<string>> NamesAsync(CancellationToken cancellationToken = default);

    /// <summary>A scenario by name, or null when there is none.</summary>
    /// <exception cref="InvalidDataException">The scenario's file is malformed (the message names the file and the field).</exception>
    Task<StressScenario?> FindAsync(string name, CancellationToken cancellationToken = default);
}
