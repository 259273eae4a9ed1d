using System.Collections.Immutable;

namespace Margin.Infrastructure.Reports;

/// <summary>A sensitivity curve: liquidatable accounts and shortfall as one asset moves, everything else as in the scenario.</summary>
public sealed record ReportCurve
{
    /// <summary>The asset that moves.</summary>
    public required string Asset { get; init => field = ReportCheck.Text(value, nameof(Asset)); }

    /// <summary>The points in the order of the moves (e.g. 0 %, -5 %, ... -50 %); distinct moves.</summary>
    public required ImmutableArray<ReportCurvePoint> Points
    {
        get;
        init
        {
            ReportCheck.Items(value, nameof(Points));
            if (value.Select(p => p.Move).Distinct().Count() != value.Length)
            {
                throw new ArgumentException("Points has the same move more than once.", nameof(Points));
            }

            field = value;
        }
    }
}
