using Margin.Engine.Oracles;

namespace Margin.Sweep.Ports;

/// <summary>What one source returned: its quotes, and per asset why there is none (not listed, malformed entry, non-positive price).</summary>
/// <param name="Quotes">The quotes, at most one per asset.</param>
/// <param name="Problems">Per asset symbol, why it has no quote.</param>
public sealed record OracleFetch(IReadOnlyList<OracleQuote> Quotes, IReadOnlyDictionary<string, string> Problems);
