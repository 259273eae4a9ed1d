using Margin.Engine.Domain;

namespace Margin.Engine.Prices;

/// <summary>The aggregated oracle price of one asset in a snapshot.</summary>
/// <remarks>
/// <see cref="Price"/> and <see cref="ReferencePrice"/> are USD per unit, strictly positive; <see cref="Confidence"/> is a
/// USD half-width, non-negative. An unusable price is the last good one, kept with the reason it is not usable
/// (MARGIN-MODEL.md section 7): results that depend on it are flagged <c>PriceSuspect</c> and never liquidate.
/// Volatilities are annualised fractions, frozen here so that every shard of a sweep uses the same ones.
/// </remarks>
public sealed record AssetPrice
{
    private AssetPrice(Asset asset, decimal price, decimal confidence, DateTimeOffset publishTime, decimal referencePrice, string? unusableReason, double? sigmaShort, double? sigmaLong)
    {
        Asset = asset;
        Price = price;
        Confidence = confidence;
        PublishTime = publishTime;
        ReferencePrice = referencePrice;
        UnusableReason = unusableReason;
        SigmaShort = sigmaShort;
        SigmaLong = sigmaLong;
    }

    /// <summary>The priced asset.</summary>
    public Asset Asset { get; }

    /// <summary>The aggregated price <c>P</c>, USD per unit.</summary>
    public decimal Price { get; }

    /// <summary>The aggregate's confidence half-width in USD.</summary>
    public decimal Confidence { get; }

    /// <summary>When the newest quote behind the aggregate was published.</summary>
    public DateTimeOffset PublishTime { get; }

    /// <summary>The smoothed reference price <c>P_ref</c> (TWAP or stable price), USD per unit.</summary>
    public decimal ReferencePrice { get; }

    /// <summary>Why the price is not usable, or null when it is.</summary>
    public string? UnusableReason { get; }

    /// <summary>Whether a liquidation may rely on this price.</summary>
    public bool Usable => UnusableReason is null;

    /// <summary>Short-window EWMA volatility, annualised, if estimated.</summary>
    public double? SigmaShort { get; }

    /// <summary>Long-window EWMA volatility, annualised, if estimated.</summary>
    public double? SigmaLong { get; }

    /// <summary>Validates and creates an asset price.</summary>
    /// <param name="asset">The asset.</param>
    /// <param name="price">Strictly positive USD per unit.</param>
    /// <param name="publishTime">The newest contributing quote's publish time.</param>
    /// <param name="referencePrice">Strictly positive; null means <paramref name="price"/>.</param>
    /// <param name="confidence">Non-negative USD half-width.</param>
    /// <param name="unusableReason">Null when usable; otherwise a non-empty reason.</param>
    /// <param name="sigmaShort">Non-negative, finite, annualised; null when not estimated.</param>
    /// <param name="sigmaLong">Non-negative, finite, annualised; null when not estimated.</param>
    /// <exception cref="ArgumentException">A value is out of range; the message names it.</exception>
    public static AssetPrice Create(Asset asset, decimal price, DateTimeOffset publishTime, decimal? referencePrice = null, decimal confidence = 0m, string? unusableReason = null, double? sigmaShort = null, double? sigmaLong = null)
    {
        if (asset.IsDefault)
        {
            throw new ArgumentException("the asset is missing", nameof(asset));
        }

        if (price <= 0m)
        {
            throw new ArgumentOutOfRangeException(nameof(price), price, $"{asset}: the price must be positive");
        }

        var reference = referencePrice ?? price;
        if (reference <= 0m)
        {
            throw new ArgumentOutOfRangeException(nameof(referencePrice), reference, $"{asset}: the reference price must be positive");
        }

        if (confidence < 0m)
        {
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, $"{asset}: the confidence must not be negative");
        }

        if (unusableReason is { Length: 0 })
        {
            throw new ArgumentException($"{asset}: an unusable price needs a reason", nameof(unusableReason));
        }

        CheckSigma(asset, sigmaShort, nameof(sigmaShort));
        CheckSigma(asset, sigmaLong, nameof(sigmaLong));
        return new AssetPrice(asset, price, confidence, publishTime, reference, unusableReason, sigmaShort, sigmaLong);
    }

    private static void CheckSigma(Asset asset, double? sigma, string name)
    {
        if (sigma is { } s && (!double.IsFinite(s) || s < 0))
        {
            throw new ArgumentOutOfRangeException(name, s, $"{asset}: a volatility must be finite and not negative");
        }
    }
}
