using System.Collections.Immutable;
using Margin.Engine.Results;

namespace Margin.Infrastructure.Reports;

/// <summary>How many accounts ended in one status; for a stress run also after the cascade.</summary>
public sealed record ReportStatusCount
{
    /// <summary>The status name for accounts that could not be read or evaluated.</summary>
    public const string Failed = "Failed";

    /// <summary>The status names the report knows, in the order the page shows them: <see cref="MarginStatus"/> by severity, then <see cref="Failed"/>.</summary>
    public static readonly ImmutableArray<string> Order =
    [
        nameof(MarginStatus.Healthy),
        nameof(MarginStatus.Warning),
        nameof(MarginStatus.ReduceOnly),
        nameof(MarginStatus.MarginCall),
        nameof(MarginStatus.Liquidatable),
        nameof(MarginStatus.Bankrupt),
        Failed,
    ];

    /// <summary>A name of <see cref="Order"/>: a <see cref="MarginStatus"/> name or <see cref="Failed"/>.</summary>
    public required string Status
    {
        get;
        init => field = Order.Contains(ReportCheck.Text(value, nameof(Status)))
            ? value
            : throw new ArgumentException($"Status '{value}' is not one of {string.Join(", ", Order)}.", nameof(Status));
    }

    /// <summary>Accounts in this status; for a stress run, after the first round's evaluation (before any cascade).</summary>
    public required int Accounts { get; init => field = ReportCheck.Count(value, nameof(Accounts)); }

    /// <summary>For a stress run, accounts in this status after the cascade's last round; null for a sweep.</summary>
    /// <remarks>Either every count of a report has it or none has (<see cref="ReportData.StatusCounts"/> checks).</remarks>
    public int? AfterCascade { get; init => field = value is { } v ? ReportCheck.Count(v, nameof(AfterCascade)) : null; }
}
