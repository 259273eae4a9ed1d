using System.Globalization;

namespace Margin.Engine.Oracles;

/// <summary>The per-quote usability rules of MARGIN-MODEL.md section 7: fresh, positive, confident enough.</summary>
/// <remarks>
/// Rules in order, first failure reported: age <c>now - PublishTime &gt; MaxQuoteAge</c> (stale); publish time after
/// <c>now + MaxClockSkew</c>; price &lt;= 0; confidence &lt; 0; <c>Confidence &gt; MaxConfidenceFraction * Price</c>.
/// Every boundary is inclusive on the usable side.
/// </remarks>
public static class QuoteUsability
{
    /// <summary>Checks one quote at the refresh time <paramref name="now"/>; null when it is usable.</summary>
    public static QuoteRejection? Check(OracleQuote quote, DateTimeOffset now, OracleGuardOptions options)
    {
        ArgumentNullException.ThrowIfNull(quote);
        ArgumentNullException.ThrowIfNull(options);
        var age = now - quote.PublishTime;
        if (age > options.MaxQuoteAge)
        {
            return new QuoteRejection(
                QuoteRejectionReason.Stale,
                string.Create(CultureInfo.InvariantCulture, $"published {age.TotalSeconds} s before the refresh; the maximum age is {options.MaxQuoteAge.TotalSeconds} s"));
        }

        if (-age > options.MaxClockSkew)
        {
            return new QuoteRejection(
                QuoteRejectionReason.FromTheFuture,
                string.Create(CultureInfo.InvariantCulture, $"published {(-age).TotalSeconds} s after the refresh; the allowed clock skew is {options.MaxClockSkew.TotalSeconds} s"));
        }

        if (quote.Price <= 0m)
        {
            return new QuoteRejection(
                QuoteRejectionReason.NonPositivePrice,
                string.Create(CultureInfo.InvariantCulture, $"the price {quote.Price} is not positive"));
        }

        if (quote.Confidence < 0m)
        {
            return new QuoteRejection(
                QuoteRejectionReason.NegativeConfidence,
                string.Create(CultureInfo.InvariantCulture, $"the confidence {quote.Confidence} is negative"));
        }

        var limit = options.MaxConfidenceFraction * quote.Price;
        if (quote.Confidence > limit)
        {
            return new QuoteRejection(
                QuoteRejectionReason.ConfidenceTooWide,
                string.Create(CultureInfo.InvariantCulture, $"the confidence {quote.Confidence} exceeds {options.MaxConfidenceFraction} of the price {quote.Price} ({limit})"));
        }

        return null;
    }
}
