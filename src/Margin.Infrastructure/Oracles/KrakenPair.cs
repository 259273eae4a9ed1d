namespace Margin.Infrastructure.Oracles;

/// <summary>One Kraken pair: the name asked for, and the key Kraken answers with when it differs.</summary>
/// <remarks>Kraken answers <c>pair=XBTUSD</c> under <c>XXBTZUSD</c> (its legacy X/Z names) but <c>pair=SOLUSD</c> under <c>SOLUSD</c>.</remarks>
public sealed record KrakenPair
{
    /// <summary>The pair as requested, e.g. <c>XBTUSD</c>.</summary>
    public string Pair { get; init; } = string.Empty;

    /// <summary>The key of the pair in Kraken's <c>result</c>, e.g. <c>XXBTZUSD</c>; null when it is the pair itself.</summary>
    public string? ResultKey { get; init; }
}
