using Margin.Engine.Oracles;

namespace Margin.Sweep.Prices;

/// <summary>One source's quote for one asset in one refresh, with the guard's verdict on it, as stored with the snapshot.</summary>
/// <param name="Source">The source id (<see cref="OracleQuote.SourceId"/>).</param>
/// <param name="Price">The published price, USD per unit, as published (a rejected quote may be zero or negative).</param>
/// <param name="Confidence">The published confidence half-width, USD, as published.</param>
/// <param name="PublishTime">The source's own timestamp.</param>
/// <param name="Used">Whether the quote contributed to the aggregate.</param>
/// <param name="Rejection">Why it was not used: a <see cref="QuoteRejectionReason"/> name, or null when used.</param>
/// <param name="RejectionMessage">The rejection in words, with the numbers that decided it, or null when used.</param>
public sealed record PriceQuoteRecord(string Source, decimal Price, decimal Confidence, DateTimeOffset PublishTime, bool Used, string? Rejection, string? RejectionMessage)
{
    /// <summary>The record of a guard verdict.</summary>
    /// <param name="decision">The quote and its verdict.</param>
    public static PriceQuoteRecord From(QuoteDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var quote = decision.Quote;
        return new PriceQuoteRecord(quote.SourceId, quote.Price, quote.Confidence, quote.PublishTime, decision.Used, decision.Rejection?.Reason.ToString(), decision.Rejection?.Message);
    }
}
