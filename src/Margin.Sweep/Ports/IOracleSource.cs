using Margin.Engine.Domain;

namespace Margin.Sweep.Ports;

/// <summary>One oracle price source (Pyth Hermes, an exchange's public ticker, a replay file, a simulation).</summary>
public interface IOracleSource
{
    /// <summary>The source id every quote carries (distinct sources count separately in the aggregation).</summary>
    string SourceId { get; }

    /// <summary>The latest quotes of the assets this source knows, with a problem per asset it could not quote.</summary>
    /// <param name="assets">The assets wanted.</param>
    /// <param name="cancellationToken">Cancels the call (the caller's timeout).</param>
    /// <exception cref="OracleSourceException">The request as a whole failed (transport, status code, malformed body); the message names the source.</exception>
    Task<OracleFetch> FetchAsync(IReadOnlyList<Asset> assets, CancellationToken cancellationToken = default);
}
