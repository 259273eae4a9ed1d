namespace Margin.Infrastructure.Reports;

/// <summary>One line of the report's header, e.g. "Snapshot" = "snap-20250301-1200 (2025-03-01 12:00:00 UTC)".</summary>
public sealed record ReportFact
{
    /// <summary>Creates a fact.</summary>
    /// <exception cref="ArgumentException">The label or the value is empty.</exception>
    public ReportFact(string label, string value)
    {
        Label = label;
        Value = value;
    }

    /// <summary>What the fact is, e.g. "Parameters version".</summary>
    public string Label { get; init => field = ReportCheck.Text(value, nameof(Label)); }

    /// <summary>The fact as text, already formatted (the page escapes it).</summary>
    public string Value { get; init => field = ReportCheck.Text(value, nameof(Value)); }
}
