namespace Margin.Infrastructure.Oracles;

/// <summary>The options of <see cref="BinanceSource"/>: where the spot API is, which symbol prices which asset, and the quote currency's USD value.</summary>
public sealed record BinanceOptions
{
    /// <summary>The source id of the quotes (default <c>binance</c>).</summary>
    public string SourceId { get; init; } = "binance";

    /// <summary>The spot REST API (default <c>https://api.binance.com/</c>).</summary>
    public Uri BaseAddress { get; init; } = new("https://api.binance.com/");

    /// <summary>Asset symbol to a spot symbol, e.g. <c>BTC</c> to <c>BTCUSDT</c>.</summary>
    public IReadOnlyDictionary<string, string> Symbols { get; init; } = new Dictionary<string, string>();

    /// <summary>USD per unit of the symbols' quote currency (default 1: USDT is taken at par with USD).</summary>
    /// <remarks>A fixed rate, not a feed: when the quote currency leaves par, this source moves with it and the aggregation's outlier band drops it.</remarks>
    public decimal UsdPerQuoteUnit { get; init; } = 1m;
}
