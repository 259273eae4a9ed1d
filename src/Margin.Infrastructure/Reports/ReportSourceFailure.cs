namespace Margin.Infrastructure.Reports;

/// <summary>A price source that gave no quotes at all at a refresh, and why.</summary>
public sealed record ReportSourceFailure
{
    /// <summary>The price source.</summary>
    public required string Source { get; init => field = ReportCheck.Text(value, nameof(Source)); }

    /// <summary>What went wrong, e.g. "HTTP 503 from https://...".</summary>
    public required string Problem { get; init => field = ReportCheck.Text(value, nameof(Problem)); }
}
