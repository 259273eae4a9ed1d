namespace Margin.Infrastructure.Reports;

/// <summary>The price a report used for one asset, how old it was and whether the oracle guard let it be used.</summary>
public sealed record ReportPrice
{
    /// <summary>The asset symbol.</summary>
    public required string Asset { get; init => field = ReportCheck.Text(value, nameof(Asset)); }

    /// <summary>The price in USD.</summary>
    public required decimal Price { get; init => field = ReportCheck.Price(value, nameof(Price)); }

    /// <summary>When the price was published.</summary>
    public required DateTimeOffset PublishTime { get; init; }

    /// <summary>The price's age in seconds at the snapshot (or sweep) time; negative only for a clock ahead of the snapshot.</summary>
    public required double AgeSeconds { get; init => field = ReportCheck.Seconds(value, nameof(AgeSeconds)); }

    /// <summary>Whether the price was usable (fresh and agreed by enough sources).</summary>
    public required bool Usable { get; init; }

    /// <summary>Why it was (not) usable, in words; null when nothing was recorded.</summary>
    public string? Reason { get; init => field = ReportCheck.OptionalText(value, nameof(Reason)); }
}
