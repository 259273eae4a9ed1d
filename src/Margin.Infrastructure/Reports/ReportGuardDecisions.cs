using System.Collections.Immutable;

namespace Margin.Infrastructure.Reports;

/// <summary>The oracle guard's decisions recorded with a price snapshot: every quote per asset and source, and the failed sources.</summary>
public sealed record ReportGuardDecisions
{
    /// <summary>One decision per asset and source, in the order the page shows them.</summary>
    public required ImmutableArray<ReportSourceQuote> Quotes { get; init => field = ReportCheck.Items(value, nameof(Quotes)); }

    /// <summary>Sources that failed as a whole.</summary>
    public ImmutableArray<ReportSourceFailure> Failures { get; init => field = ReportCheck.Items(value, nameof(Failures)); } = [];
}
