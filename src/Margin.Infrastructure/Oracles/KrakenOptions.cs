namespace Margin.Infrastructure.Oracles;

/// <summary>The options of <see cref="KrakenSource"/>: where the API is and which pair prices which asset.</summary>
public sealed record KrakenOptions
{
    /// <summary>The source id of the quotes (default <c>kraken</c>).</summary>
    public string SourceId { get; init; } = "kraken";

    /// <summary>The REST API (default <c>https://api.kraken.com/</c>).</summary>
    public Uri BaseAddress { get; init; } = new("https://api.kraken.com/");

    /// <summary>Asset symbol to a USD pair, e.g. <c>BTC</c> to <c>{ Pair = "XBTUSD", ResultKey = "XXBTZUSD" }</c>.</summary>
    public IReadOnlyDictionary<string, KrakenPair> Pairs { get; init; } = new Dictionary<string, KrakenPair>();
}
