using System.Collections.Immutable;
using System.Globalization;
using Margin.Engine.Statistics;

namespace Margin.Engine.Oracles;

/// <summary>The one-pass outlier rule of MARGIN-MODEL.md section 7.</summary>
/// <remarks>
/// The median <c>m</c> of all usable quotes (each quote included in its own reference; the mean of the middle two for an
/// even count) is computed once; every quote with <c>|Price - m| &gt; band * m</c> is dropped, the others kept. There is no
/// second pass: a quote is never judged against a median from which another quote was removed. Two quotes that disagree
/// by more than twice the band are therefore both dropped (each is more than the band from their mean).
/// </remarks>
internal static class OutlierFilter
{
    /// <summary>Judges usable quotes (strictly positive prices) against their median; returns one decision per quote, in input order.</summary>
    public static ImmutableArray<QuoteDecision> Apply(IReadOnlyList<OracleQuote> usable, decimal band, out decimal median)
    {
        ArgumentNullException.ThrowIfNull(usable);
        median = Median.Of(usable.Select(q => q.Price));
        var limit = band * median;
        var decisions = ImmutableArray.CreateBuilder<QuoteDecision>(usable.Count);
        foreach (var quote in usable)
        {
            var distance = Math.Abs(quote.Price - median);
            if (distance > limit)
            {
                var reference = median;
                decisions.Add(QuoteDecision.Reject(
                    quote,
                    QuoteRejectionReason.Outlier,
                    string.Create(CultureInfo.InvariantCulture, $"the price {quote.Price} is {decimal.Round(distance / reference, 6)} from the median {reference} of {usable.Count} usable quotes; the band is {band}")));
            }
            else
            {
                decisions.Add(QuoteDecision.Use(quote));
            }
        }

        return decisions.MoveToImmutable();
    }
}
