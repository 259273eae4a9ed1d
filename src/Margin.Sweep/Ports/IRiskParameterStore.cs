using Margin.Engine.Parameters;

namespace Margin.Sweep.Ports;

/// <summary>The <c>riskparameters</c> table: immutable parameter versions and the <c>active</c> pointer.</summary>
public interface IRiskParameterStore
{
    /// <summary>A parameter version, or null when there is none.</summary>
    /// <param name="version">The version.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="InvalidDataException">The stored version cannot be read; the message names the version and the field.</exception>
    Task<RiskParameters?> GetAsync(string version, CancellationToken cancellationToken = default);

    /// <summary>The active version, or null before the first activation.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    Task<string?> GetActiveVersionAsync(CancellationToken cancellationToken = default);

    /// <summary>Makes a stored version the active one.</summary>
    /// <param name="version">The version; it must be stored.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="KeyNotFoundException">No such version is stored.</exception>
    Task ActivateAsync(string version, CancellationToken cancellationToken = default);

    /// <summary>Every stored version, ascending (ordinal).</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken = default);
}
