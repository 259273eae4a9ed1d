using System.Globalization;

namespace Margin.Engine.Oracles;

/// <summary>The parameters of quote usability, outlier dropping, aggregation and the circuit breaker (MARGIN-MODEL.md section 7).</summary>
/// <remarks>
/// Validated by <see cref="Create"/>; bands and fractions are fractions of a price (0.05 = 5 %), open interval (0, 1).
/// <list type="bullet">
/// <item><see cref="MaxQuoteAge"/>: strictly positive; a quote whose age <c>now - PublishTime</c> exceeds it is stale (equal is fresh).</item>
/// <item><see cref="MaxClockSkew"/>: non-negative; a quote published more than this after <c>now</c> is rejected.</item>
/// <item><see cref="MaxConfidenceFraction"/>: a quote with <c>Confidence &gt; MaxConfidenceFraction * Price</c> is rejected.</item>
/// <item><see cref="OutlierBand"/>: a quote with <c>|Price - median| &gt; OutlierBand * median</c> is dropped.</item>
/// <item><see cref="MinSources"/>: at least 1; the aggregate needs this many distinct remaining sources.</item>
/// <item><see cref="GuardBand"/>: an aggregate with <c>|P - ref| &gt; GuardBand * ref</c> for every available reference is rejected.</item>
/// <item><see cref="ConfirmationQuorum"/>: greater than <see cref="MinSources"/>; this many distinct remaining sources
/// override the guard band. A quorum not above <see cref="MinSources"/> would confirm every aggregate and disable the breaker.</item>
/// </list>
/// The properties have no setters, so <c>with</c> cannot bypass the validation.
/// </remarks>
public sealed record OracleGuardOptions
{
    private OracleGuardOptions(TimeSpan maxQuoteAge, TimeSpan maxClockSkew, decimal maxConfidenceFraction, decimal outlierBand, int minSources, decimal guardBand, int confirmationQuorum)
    {
        MaxQuoteAge = maxQuoteAge;
        MaxClockSkew = maxClockSkew;
        MaxConfidenceFraction = maxConfidenceFraction;
        OutlierBand = outlierBand;
        MinSources = minSources;
        GuardBand = guardBand;
        ConfirmationQuorum = confirmationQuorum;
    }

    /// <summary>The oldest a quote may be, relative to the refresh time.</summary>
    public TimeSpan MaxQuoteAge { get; }

    /// <summary>How far after the refresh time a quote may be stamped.</summary>
    public TimeSpan MaxClockSkew { get; }

    /// <summary>The widest confidence half-width allowed, as a fraction of the quote's price.</summary>
    public decimal MaxConfidenceFraction { get; }

    /// <summary>The largest deviation from the median of usable quotes, as a fraction of that median.</summary>
    public decimal OutlierBand { get; }

    /// <summary>The minimum number of distinct sources behind an aggregate.</summary>
    public int MinSources { get; }

    /// <summary>The largest move of the aggregate in one refresh, as a fraction of the reference price.</summary>
    public decimal GuardBand { get; }

    /// <summary>The number of distinct sources that confirm an aggregate beyond the guard band.</summary>
    public int ConfirmationQuorum { get; }

    /// <summary>Validates and creates the options.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of its documented range; the message names it.</exception>
    public static OracleGuardOptions Create(TimeSpan maxQuoteAge, decimal maxConfidenceFraction, decimal outlierBand, int minSources, decimal guardBand, int confirmationQuorum, TimeSpan maxClockSkew = default)
    {
        if (maxQuoteAge <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(maxQuoteAge), maxQuoteAge, "the maximum quote age must be positive");
        }

        if (maxClockSkew < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(maxClockSkew), maxClockSkew, "the maximum clock skew must not be negative");
        }

        CheckFraction(maxConfidenceFraction, nameof(maxConfidenceFraction));
        CheckFraction(outlierBand, nameof(outlierBand));
        CheckFraction(guardBand, nameof(guardBand));
        ArgumentOutOfRangeException.ThrowIfLessThan(minSources, 1);
        if (confirmationQuorum <= minSources)
        {
            throw new ArgumentOutOfRangeException(
                nameof(confirmationQuorum),
                confirmationQuorum,
                string.Create(CultureInfo.InvariantCulture, $"the confirmation quorum must exceed the minimum number of sources ({minSources}); otherwise every aggregate confirms itself and the circuit breaker never trips"));
        }

        return new OracleGuardOptions(maxQuoteAge, maxClockSkew, maxConfidenceFraction, outlierBand, minSources, guardBand, confirmationQuorum);
    }

    private static void CheckFraction(decimal value, string name)
    {
        if (value <= 0m || value >= 1m)
        {
            throw new ArgumentOutOfRangeException(name, value, "a band or fraction must lie strictly between 0 and 1");
        }
    }
}
