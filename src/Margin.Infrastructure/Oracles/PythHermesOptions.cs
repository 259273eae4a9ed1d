namespace Margin.Infrastructure.Oracles;

/// <summary>The options of <see cref="PythHermesSource"/>: where Hermes is and which price feed prices which asset.</summary>
/// <remarks>Feed ids are the 32-byte hexadecimal ids of Pyth's price feed list, with or without <c>0x</c>, in either case.</remarks>
public sealed record PythHermesOptions
{
    /// <summary>The source id of the quotes (default <c>pyth</c>).</summary>
    public string SourceId { get; init; } = "pyth";

    /// <summary>Hermes' address (default the public instance <c>https://hermes.pyth.network/</c>; a provider's address may carry a path).</summary>
    public Uri BaseAddress { get; init; } = new("https://hermes.pyth.network/");

    /// <summary>Asset symbol to price feed id, e.g. <c>BTC</c> to <c>e62df6c8...415b43</c> (Crypto.BTC/USD).</summary>
    public IReadOnlyDictionary<string, string> Feeds { get; init; } = new Dictionary<string, string>();
}
