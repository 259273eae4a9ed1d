using System.Collections.Immutable;
using Margin.Engine.Domain;

namespace Margin.Engine.Oracles;

/// <summary>The immutable record of one asset's oracle refresh: the price to publish, whether it is usable, and why.</summary>
/// <remarks>
/// <see cref="Price"/> is the accepted aggregate when <see cref="Usable"/>; otherwise it is the last accepted price
/// kept from the previous refresh, or null when there never was one. All prices are USD per unit.
/// <see cref="Quotes"/> holds every input quote with its verdict, ordered by source id (ordinal) and then publish time,
/// so the report can show the guard decisions per source.
/// </remarks>
public sealed record OracleDecision
{
    internal OracleDecision(Asset asset, OracleDecisionReason reason, string message, decimal? price, decimal? aggregate, decimal? confidence, DateTimeOffset? publishTime, decimal? usableMedian, decimal? lastAcceptedPrice, decimal? twap, int sourceCount, ImmutableArray<QuoteDecision> quotes)
    {
        Asset = asset;
        Reason = reason;
        Message = message;
        Price = price;
        Aggregate = aggregate;
        Confidence = confidence;
        PublishTime = publishTime;
        UsableMedian = usableMedian;
        LastAcceptedPrice = lastAcceptedPrice;
        Twap = twap;
        SourceCount = sourceCount;
        Quotes = quotes;
    }

    /// <summary>The asset decided.</summary>
    public Asset Asset { get; }

    /// <summary>The outcome code.</summary>
    public OracleDecisionReason Reason { get; }

    /// <summary>The outcome in words, with the numbers that decided it.</summary>
    public string Message { get; }

    /// <summary>Whether <see cref="Price"/> is a newly accepted aggregate a liquidation may rely on.</summary>
    public bool Usable => Reason is OracleDecisionReason.Accepted or OracleDecisionReason.AcceptedWithoutReference or OracleDecisionReason.ConfirmedByQuorum;

    /// <summary>The price to publish: the accepted aggregate, or the kept last good price, or null if there is none.</summary>
    public decimal? Price { get; }

    /// <summary>The median of the remaining quotes, even when rejected by the guard band; null when there was no aggregate.</summary>
    public decimal? Aggregate { get; }

    /// <summary>The aggregate's confidence half-width in USD: the smallest one centred on the aggregate that covers every used quote's interval.</summary>
    public decimal? Confidence { get; }

    /// <summary>The newest publish time among the used quotes; null when there was no aggregate.</summary>
    public DateTimeOffset? PublishTime { get; }

    /// <summary>The median of all usable quotes, the centre of the outlier band; null when none was usable.</summary>
    public decimal? UsableMedian { get; }

    /// <summary>The last accepted price the guard band was measured against, as given.</summary>
    public decimal? LastAcceptedPrice { get; }

    /// <summary>The TWAP the guard band was measured against, as given.</summary>
    public decimal? Twap { get; }

    /// <summary>The number of distinct sources behind the aggregate.</summary>
    public int SourceCount { get; }

    /// <summary>Every input quote with its verdict.</summary>
    public ImmutableArray<QuoteDecision> Quotes { get; }
}
