using System.Globalization;
using Margin.Engine.Domain;

namespace Margin.Engine.Oracles;

/// <summary>One price of one asset as published by one oracle source.</summary>
/// <remarks>
/// <see cref="Price"/> is USD per unit and <see cref="Confidence"/> a USD half-width, both as published: a zero or
/// negative price or a negative confidence is carried as it arrived and rejected by <see cref="QuoteUsability"/>, so the
/// guard report can show it. <see cref="SourceId"/> names an independent source (a feed, not a feed's replica); it is
/// compared ordinally. <see cref="PublishTime"/> is the source's own timestamp.
/// </remarks>
public sealed record OracleQuote
{
    private OracleQuote(string sourceId, Asset asset, decimal price, decimal confidence, DateTimeOffset publishTime)
    {
        SourceId = sourceId;
        Asset = asset;
        Price = price;
        Confidence = confidence;
        PublishTime = publishTime;
    }

    /// <summary>The publishing source, e.g. <c>pyth</c> or <c>chainlink</c>.</summary>
    public string SourceId { get; }

    /// <summary>The priced asset.</summary>
    public Asset Asset { get; }

    /// <summary>The published price, USD per unit (not yet checked).</summary>
    public decimal Price { get; }

    /// <summary>The published confidence half-width, USD (not yet checked).</summary>
    public decimal Confidence { get; }

    /// <summary>When the source published the price.</summary>
    public DateTimeOffset PublishTime { get; }

    /// <summary>Creates a quote; only its identity is validated, its values are judged by <see cref="QuoteUsability"/>.</summary>
    /// <exception cref="ArgumentException">The source id is empty or white space, or the asset is missing.</exception>
    public static OracleQuote Create(string sourceId, Asset asset, decimal price, decimal confidence, DateTimeOffset publishTime)
    {
        if (string.IsNullOrWhiteSpace(sourceId))
        {
            throw new ArgumentException("an oracle source id must not be empty", nameof(sourceId));
        }

        if (asset.IsDefault)
        {
            throw new ArgumentException("the quoted asset is missing", nameof(asset));
        }

        return new OracleQuote(sourceId, asset, price, confidence, publishTime);
    }

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{SourceId} {Asset} {Price} +/- {Confidence} at {PublishTime:O}");
}
