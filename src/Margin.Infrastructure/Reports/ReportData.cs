using System.Collections.Immutable;

namespace Margin.Infrastructure.Reports;

/// <summary>Everything a sweep or stress report shows, already computed: <see cref="HtmlReportWriter"/> only lays it out.</summary>
/// <remarks>
/// Money is decimal USD, margin ratios are doubles (positive infinity allowed), price moves are fractions (-0.25 = -25 %).
/// Sections are optional: an empty array or a null section is shown as a sentence saying why there is nothing, never as an
/// empty box. The cascade and curve sections belong to stress runs and are not shown in a sweep report. Every text is
/// escaped on the page, so account ids and reasons may hold anything.
/// </remarks>
public sealed record ReportData
{
    /// <summary>The most accounts <see cref="WorstAccounts"/> may hold.</summary>
    public const int MaxWorstAccounts = 20;

    /// <summary>A sweep or a stress run.</summary>
    public required ReportKind Kind
    {
        get;
        init => field = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(Kind), value, "Kind is not a defined ReportKind.");
    }

    /// <summary>The page's title and heading, e.g. "Stress run 01J... : BTC=-25%".</summary>
    public required string Title { get; init => field = ReportCheck.Text(value, nameof(Title)); }

    /// <summary>The sweep or stress run id.</summary>
    public required string Id { get; init => field = ReportCheck.Text(value, nameof(Id)); }

    /// <summary>When the report was written (from the caller's TimeProvider); shown in UTC.</summary>
    public required DateTimeOffset GeneratedAt { get; init; }

    /// <summary>The header's facts in order: snapshot id and time, parameters version, accounts, scenario, rounds, stop reason, elapsed ...</summary>
    public ImmutableArray<ReportFact> Facts { get; init => field = ReportCheck.Items(value, nameof(Facts)); } = [];

    /// <summary>Accounts per status; each status at most once; for a stress run every count has <see cref="ReportStatusCount.AfterCascade"/>.</summary>
    public ImmutableArray<ReportStatusCount> StatusCounts
    {
        get;
        init
        {
            ReportCheck.Unique(value, c => c.Status, nameof(StatusCounts), "status");
            if (value.Any(c => c.AfterCascade is null) && value.Any(c => c.AfterCascade is not null))
            {
                throw new ArgumentException("StatusCounts: either every count has AfterCascade (a stress run) or none has (a sweep).", nameof(StatusCounts));
            }

            field = value;
        }
    } = [];

    /// <summary>The margin-ratio histogram (see <see cref="ReportRatioBucket.Histogram"/>), in bucket order.</summary>
    public ImmutableArray<ReportRatioBucket> RatioHistogram { get; init => field = ReportCheck.Items(value, nameof(RatioHistogram)); } = [];

    /// <summary>Up to <see cref="MaxWorstAccounts"/> accounts, worst first.</summary>
    public ImmutableArray<ReportAccount> WorstAccounts
    {
        get;
        init => field = ReportCheck.Items(value, nameof(WorstAccounts)).Length <= MaxWorstAccounts
            ? value
            : throw new ArgumentException($"WorstAccounts has {value.Length} accounts; a report shows at most {MaxWorstAccounts}.", nameof(WorstAccounts));
    } = [];

    /// <summary>Liquidation order legs per asset against depth; empty when no order would be issued.</summary>
    public ImmutableArray<ReportAssetFlow> AssetFlows { get; init => field = ReportCheck.Unique(value, f => f.Asset, nameof(AssetFlows), "asset"); } = [];

    /// <summary>The most orders <see cref="LargestOrders"/> may hold.</summary>
    public const int MaxOrders = 20;

    /// <summary>The largest liquidation orders by value (a sweep's, or a stress run's first round), largest first; at most <see cref="MaxOrders"/>.</summary>
    public ImmutableArray<ReportOrder> LargestOrders
    {
        get;
        init => field = ReportCheck.Items(value, nameof(LargestOrders)).Length <= MaxOrders
            ? value
            : throw new ArgumentException($"LargestOrders has {value.Length} orders; a report shows at most {MaxOrders}.", nameof(LargestOrders));
    } = [];

    /// <summary>The price per asset the report used, with its age and usability.</summary>
    public ImmutableArray<ReportPrice> Prices { get; init => field = ReportCheck.Unique(value, p => p.Asset, nameof(Prices), "asset"); } = [];

    /// <summary>The oracle guard's decisions per asset and source; null when the snapshot has none recorded (the page says "not recorded").</summary>
    public ReportGuardDecisions? Guard { get; init; }

    /// <summary>The cascade of a stress run; null for a sweep, or when none was recorded.</summary>
    public ReportCascade? Cascade { get; init; }

    /// <summary>The sensitivity curve of a stress run; null when none was requested.</summary>
    public ReportCurve? Curve { get; init; }

    /// <summary>Caveats the reader must know, e.g. that the ratio distribution is of the latest stored results.</summary>
    public ImmutableArray<string> Notes { get; init => field = ReportCheck.Texts(value, nameof(Notes)); } = [];
}
