using Margin.Engine.Oracles;

namespace Margin.Sweep.Prices;

/// <summary>One asset's oracle decision in one refresh, as stored with the snapshot it priced: the outcome, the numbers it was measured against, and every source's quote with its verdict.</summary>
/// <remarks>
/// Prices are USD per unit. <see cref="Price"/> is the accepted aggregate when <see cref="Usable"/>, otherwise the last
/// good price kept from the previous refresh, or null when there never was one (<see cref="OracleDecision.Price"/>).
/// <see cref="Reason"/> is an <see cref="OracleDecisionReason"/> name. <see cref="Quotes"/> keeps the decision's order
/// (source id, then publish time). Two records are equal when every field and every quote, in order, are.
/// </remarks>
/// <param name="Asset">The asset symbol.</param>
/// <param name="Usable">Whether the price is a newly accepted aggregate a liquidation may rely on.</param>
/// <param name="Reason">The outcome: an <see cref="OracleDecisionReason"/> name.</param>
/// <param name="Message">The outcome in words, with the numbers that decided it.</param>
/// <param name="Price">The price published for the asset, or null.</param>
/// <param name="Aggregate">The median of the quotes left after outlier dropping (even when the guard band rejected it), or null.</param>
/// <param name="Confidence">The aggregate's confidence half-width, USD, or null.</param>
/// <param name="PublishTime">The newest publish time among the used quotes, or null.</param>
/// <param name="LastAcceptedPrice">The previous snapshot's price the guard band was measured against, or null.</param>
/// <param name="Twap">The TWAP the guard band was measured against, or null.</param>
/// <param name="SourceCount">How many distinct sources the aggregate used.</param>
/// <param name="Quotes">Every input quote with its verdict.</param>
public sealed record PriceDecisionRecord(
    string Asset,
    bool Usable,
    string Reason,
    string Message,
    decimal? Price,
    decimal? Aggregate,
    decimal? Confidence,
    DateTimeOffset? PublishTime,
    decimal? LastAcceptedPrice,
    decimal? Twap,
    int SourceCount,
    IReadOnlyList<PriceQuoteRecord> Quotes)
{
    /// <summary>The record of an aggregator decision.</summary>
    /// <param name="decision">The decision.</param>
    public static PriceDecisionRecord From(OracleDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return new PriceDecisionRecord(
            decision.Asset.Symbol,
            decision.Usable,
            decision.Reason.ToString(),
            decision.Message,
            decision.Price,
            decision.Aggregate,
            decision.Confidence,
            decision.PublishTime,
            decision.LastAcceptedPrice,
            decision.Twap,
            decision.SourceCount,
            [.. decision.Quotes.Select(PriceQuoteRecord.From)]);
    }

    /// <inheritdoc/>
    public bool Equals(PriceDecisionRecord? other) =>
        other is not null
        && Asset == other.Asset && Usable == other.Usable && Reason == other.Reason && Message == other.Message
        && Price == other.Price && Aggregate == other.Aggregate && Confidence == other.Confidence && PublishTime == other.PublishTime
        && LastAcceptedPrice == other.LastAcceptedPrice && Twap == other.Twap && SourceCount == other.SourceCount
        && Quotes.SequenceEqual(other.Quotes);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Asset, Reason, Price, Quotes.Count);
}
