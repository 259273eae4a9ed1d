namespace Margin.Engine.Oracles;

/// <summary>Why a quote did not contribute to its asset's aggregate.</summary>
/// <remarks>The usability rules are checked in the order of this enum's first five members; the first failing one is reported.</remarks>
public enum QuoteRejectionReason
{
    /// <summary>The quote is older than the maximum quote age.</summary>
    Stale = 1,

    /// <summary>The quote's publish time is later than the refresh time by more than the allowed clock skew.</summary>
    FromTheFuture,

    /// <summary>The price is zero or negative.</summary>
    NonPositivePrice,

    /// <summary>The confidence is negative.</summary>
    NegativeConfidence,

    /// <summary>The confidence is wider than the allowed fraction of the price.</summary>
    ConfidenceTooWide,

    /// <summary>A newer quote from the same source replaced this one.</summary>
    Superseded,

    /// <summary>The price deviates from the median of the usable quotes by more than the outlier band.</summary>
    Outlier,
}
