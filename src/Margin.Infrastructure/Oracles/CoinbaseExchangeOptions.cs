namespace Margin.Infrastructure.Oracles;

/// <summary>The options of <see cref="CoinbaseExchangeSource"/>: where the Exchange API is and which product prices which asset.</summary>
public sealed record CoinbaseExchangeOptions
{
    /// <summary>The source id of the quotes (default <c>coinbase</c>).</summary>
    public string SourceId { get; init; } = "coinbase";

    /// <summary>The Exchange REST API (default <c>https://api.exchange.coinbase.com/</c>).</summary>
    public Uri BaseAddress { get; init; } = new("https://api.exchange.coinbase.com/");

    /// <summary>Asset symbol to a USD product id, e.g. <c>BTC</c> to <c>BTC-USD</c>.</summary>
    public IReadOnlyDictionary<string, string> Products { get; init; } = new Dictionary<string, string>();
}
