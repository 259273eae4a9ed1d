using System.Collections.Immutable;
using System.Globalization;
using Margin.Engine.Domain;
using Margin.Engine.Statistics;

namespace Margin.Engine.Oracles;

/// <summary>Aggregates one asset's oracle quotes into the price a snapshot publishes (MARGIN-MODEL.md section 7).</summary>
/// <remarks>
/// Steps, in order:
/// <list type="number">
/// <item>Per source only the newest quote counts (ties: higher price, then higher confidence); older ones are <see cref="QuoteRejectionReason.Superseded"/>.</item>
/// <item>Each current quote passes <see cref="QuoteUsability"/> or is rejected with its reason.</item>
/// <item>One pass of the outlier rule against the median of all usable quotes (<see cref="OutlierFilter"/>).</item>
/// <item>The aggregate is the median of the remaining quotes, if at least <see cref="OracleGuardOptions.MinSources"/> distinct sources remain.</item>
/// <item>Circuit breaker: the aggregate is rejected when it lies more than <see cref="OracleGuardOptions.GuardBand"/> from the last accepted
/// price <b>and</b> from the TWAP (<see cref="BreachesGuardBand"/>); when one reference is missing the other alone decides; with neither the
/// guard is not applied. A breach is overridden when at least <see cref="OracleGuardOptions.ConfirmationQuorum"/> distinct sources remain.</item>
/// </list>
/// A missing or rejected aggregate keeps <c>lastAcceptedPrice</c>, marked unusable. Pure and thread-safe; the result does not
/// depend on the order of the input quotes.
/// </remarks>
public static class OracleAggregator
{
    /// <summary>Decides the price of <paramref name="asset"/> from its quotes at the refresh time <paramref name="now"/>.</summary>
    /// <param name="asset">The asset; every quote must be of it.</param>
    /// <param name="quotes">The quotes received for this refresh, any order.</param>
    /// <param name="now">The refresh time that quote ages are measured from.</param>
    /// <param name="lastAcceptedPrice">The last accepted price in USD (strictly positive), or null if none.</param>
    /// <param name="twap">The current TWAP in USD (strictly positive), or null if none.</param>
    /// <param name="options">The guard parameters.</param>
    /// <exception cref="ArgumentException">A quote is of another asset, or a reference price is not positive.</exception>
    public static OracleDecision Aggregate(Asset asset, IEnumerable<OracleQuote> quotes, DateTimeOffset now, decimal? lastAcceptedPrice, decimal? twap, OracleGuardOptions options)
    {
        ArgumentNullException.ThrowIfNull(quotes);
        ArgumentNullException.ThrowIfNull(options);
        if (asset.IsDefault)
        {
            throw new ArgumentException("the asset is missing", nameof(asset));
        }

        CheckReference(lastAcceptedPrice, nameof(lastAcceptedPrice));
        CheckReference(twap, nameof(twap));
        var ordered = quotes
            .Select(q => q ?? throw new ArgumentException("a quote is null", nameof(quotes)))
            .OrderBy(q => q.SourceId, StringComparer.Ordinal)
            .ThenBy(q => q.PublishTime)
            .ThenBy(q => q.Price)
            .ThenBy(q => q.Confidence)
            .ToArray();
        foreach (var quote in ordered)
        {
            if (!quote.Asset.Equals(asset))
            {
                throw new ArgumentException($"a quote of {quote.Asset} from {quote.SourceId} was passed to the aggregation of {asset}", nameof(quotes));
            }
        }

        var verdicts = new QuoteDecision?[ordered.Length];
        var usableIndexes = new List<int>(ordered.Length);
        for (var i = 0; i < ordered.Length; i++)
        {
            var quote = ordered[i];
            if (i + 1 < ordered.Length && string.Equals(ordered[i + 1].SourceId, quote.SourceId, StringComparison.Ordinal))
            {
                verdicts[i] = QuoteDecision.Reject(
                    quote,
                    QuoteRejectionReason.Superseded,
                    string.Create(CultureInfo.InvariantCulture, $"source {quote.SourceId} published a newer quote at {ordered[i + 1].PublishTime:O}"));
                continue;
            }

            var rejection = QuoteUsability.Check(quote, now, options);
            if (rejection is not null)
            {
                verdicts[i] = new QuoteDecision(quote, rejection);
            }
            else
            {
                usableIndexes.Add(i);
            }
        }

        if (usableIndexes.Count == 0)
        {
            return Keep(asset, OracleDecisionReason.NoUsableQuotes, $"none of {ordered.Length} quotes is usable", null, null, lastAcceptedPrice, twap, verdicts);
        }

        var usable = usableIndexes.ConvertAll(i => ordered[i]);
        var filtered = OutlierFilter.Apply(usable, options.OutlierBand, out var usableMedian);
        for (var k = 0; k < usableIndexes.Count; k++)
        {
            verdicts[usableIndexes[k]] = filtered[k];
        }

        var used = filtered.Where(d => d.Used).Select(d => d.Quote).ToArray();
        if (used.Length == 0)
        {
            return Keep(
                asset,
                OracleDecisionReason.NoAgreement,
                string.Create(CultureInfo.InvariantCulture, $"all {usable.Count} usable quotes lie beyond the band {options.OutlierBand} from their median {usableMedian}"),
                null,
                usableMedian,
                lastAcceptedPrice,
                twap,
                verdicts);
        }

        var sources = used.Select(q => q.SourceId).Distinct(StringComparer.Ordinal).Count();
        if (sources < options.MinSources)
        {
            return Keep(
                asset,
                OracleDecisionReason.TooFewSources,
                string.Create(CultureInfo.InvariantCulture, $"{sources} source(s) remain after outlier dropping; at least {options.MinSources} are required"),
                null,
                usableMedian,
                lastAcceptedPrice,
                twap,
                verdicts);
        }

        var aggregate = Median.Of(used.Select(q => q.Price));
        var confidence = used.Max(q => Math.Abs(q.Price - aggregate) + q.Confidence);
        var publishTime = used.Max(q => q.PublishTime);
        var decisions = Freeze(verdicts);
        if (lastAcceptedPrice is null && twap is null)
        {
            return new OracleDecision(asset, OracleDecisionReason.AcceptedWithoutReference, string.Create(CultureInfo.InvariantCulture, $"accepted {aggregate} from {sources} source(s); no reference price to guard against"), aggregate, aggregate, confidence, publishTime, usableMedian, lastAcceptedPrice, twap, sources, decisions);
        }

        if (!BreachesGuardBand(aggregate, lastAcceptedPrice, twap, options.GuardBand))
        {
            return new OracleDecision(asset, OracleDecisionReason.Accepted, string.Create(CultureInfo.InvariantCulture, $"accepted {aggregate} from {sources} source(s); within the guard band {options.GuardBand} of {DescribeReferences(lastAcceptedPrice, twap)}"), aggregate, aggregate, confidence, publishTime, usableMedian, lastAcceptedPrice, twap, sources, decisions);
        }

        if (sources >= options.ConfirmationQuorum)
        {
            return new OracleDecision(asset, OracleDecisionReason.ConfirmedByQuorum, string.Create(CultureInfo.InvariantCulture, $"accepted {aggregate}: beyond the guard band {options.GuardBand} of {DescribeReferences(lastAcceptedPrice, twap)}, confirmed by {sources} sources (quorum {options.ConfirmationQuorum})"), aggregate, aggregate, confidence, publishTime, usableMedian, lastAcceptedPrice, twap, sources, decisions);
        }

        return new OracleDecision(
            asset,
            OracleDecisionReason.GuardBandExceeded,
            string.Create(CultureInfo.InvariantCulture, $"rejected {aggregate}: beyond the guard band {options.GuardBand} of {DescribeReferences(lastAcceptedPrice, twap)} with {sources} source(s), below the quorum {options.ConfirmationQuorum}") + KeptSuffix(lastAcceptedPrice),
            lastAcceptedPrice,
            aggregate,
            confidence,
            publishTime,
            usableMedian,
            lastAcceptedPrice,
            twap,
            sources,
            decisions);
    }

    /// <summary>Whether <paramref name="aggregate"/> lies beyond the guard band from every available reference price.</summary>
    /// <remarks>
    /// Beyond means <c>|aggregate - ref| &gt; guardBand * ref</c>; exactly on the band is inside. Missing references are
    /// ignored; with no reference at all the band cannot be breached.
    /// </remarks>
    public static bool BreachesGuardBand(decimal aggregate, decimal? lastAcceptedPrice, decimal? twap, decimal guardBand)
    {
        if (lastAcceptedPrice is null && twap is null)
        {
            return false;
        }

        return Beyond(aggregate, lastAcceptedPrice, guardBand) && Beyond(aggregate, twap, guardBand);
    }

    // A missing reference does not veto the other one: it counts as breached so the conjunction reduces to the present one.
    private static bool Beyond(decimal aggregate, decimal? reference, decimal band) =>
        reference is not { } r || Math.Abs(aggregate - r) > band * r;

    private static void CheckReference(decimal? value, string name)
    {
        if (value is { } v && v <= 0m)
        {
            throw new ArgumentOutOfRangeException(name, v, "a reference price must be positive");
        }
    }

    private static string DescribeReferences(decimal? lastAcceptedPrice, decimal? twap) => (lastAcceptedPrice, twap) switch
    {
        ({ } last, { } t) => string.Create(CultureInfo.InvariantCulture, $"the last accepted price {last} and the TWAP {t}"),
        ({ } last, null) => string.Create(CultureInfo.InvariantCulture, $"the last accepted price {last} (no TWAP)"),
        (null, { } t) => string.Create(CultureInfo.InvariantCulture, $"the TWAP {t} (no last accepted price)"),
        _ => "no reference",
    };

    private static OracleDecision Keep(Asset asset, OracleDecisionReason reason, string message, decimal? aggregate, decimal? usableMedian, decimal? lastAcceptedPrice, decimal? twap, QuoteDecision?[] verdicts)
    {
        return new OracleDecision(asset, reason, message + KeptSuffix(lastAcceptedPrice), lastAcceptedPrice, aggregate, null, null, usableMedian, lastAcceptedPrice, twap, 0, Freeze(verdicts));
    }

    private static string KeptSuffix(decimal? lastAcceptedPrice) => lastAcceptedPrice is { } last
        ? string.Create(CultureInfo.InvariantCulture, $"; keeping the last good price {last}, unusable")
        : "; there is no last good price";

    private static ImmutableArray<QuoteDecision> Freeze(QuoteDecision?[] verdicts) =>
        [.. verdicts.Select(v => v ?? throw new InvalidOperationException("a quote was left without a verdict"))];
}
