namespace Margin.Infrastructure.Reports;

/// <summary>The oracle guard's decision on one source's quote for one asset: used, or rejected and why.</summary>
public sealed record ReportSourceQuote
{
    /// <summary>The asset symbol.</summary>
    public required string Asset { get; init => field = ReportCheck.Text(value, nameof(Asset)); }

    /// <summary>The price source, e.g. pyth-hermes or kraken.</summary>
    public required string Source { get; init => field = ReportCheck.Text(value, nameof(Source)); }

    /// <summary>The quoted price in USD; null when the source gave none.</summary>
    public decimal? Price { get; init => field = ReportCheck.OptionalPrice(value, nameof(Price)); }

    /// <summary>When the source published the quote; null when unknown.</summary>
    public DateTimeOffset? PublishTime { get; init; }

    /// <summary>The quote's age in seconds at the decision; null when unknown.</summary>
    public double? AgeSeconds { get; init => field = ReportCheck.OptionalSeconds(value, nameof(AgeSeconds)); }

    /// <summary>Whether the quote went into the published price.</summary>
    public required bool Used { get; init; }

    /// <summary>Why the quote was rejected, in words; null when it was used.</summary>
    public string? Rejection { get; init => field = ReportCheck.OptionalText(value, nameof(Rejection)); }
}
