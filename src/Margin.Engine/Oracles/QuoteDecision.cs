namespace Margin.Engine.Oracles;

/// <summary>What the aggregation did with one quote: used it, or rejected it and why.</summary>
/// <remarks>A used quote contributed to the aggregate, even when the aggregate itself was then rejected by the guard band.</remarks>
public sealed record QuoteDecision(OracleQuote Quote, QuoteRejection? Rejection)
{
    /// <summary>Whether the quote contributed to the aggregate.</summary>
    public bool Used => Rejection is null;

    /// <summary>Creates the decision of a used quote.</summary>
    public static QuoteDecision Use(OracleQuote quote) => new(quote, null);

    /// <summary>Creates the decision of a rejected quote.</summary>
    public static QuoteDecision Reject(OracleQuote quote, QuoteRejectionReason reason, string message) => new(quote, new QuoteRejection(reason, message));
}
