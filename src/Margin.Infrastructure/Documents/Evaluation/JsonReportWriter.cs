using System.Text.Encodings.Web;
using System.Text.Json;
using System.Globalization;
using Margin.Engine.Liquidation;
using Margin.Engine.Methodologies;
using Margin.Engine.Results;

namespace Margin.Infrastructure.Documents.Evaluation;

/// <summary>Writes an <see cref="EvaluationReport"/> as the versioned JSON document of docs/evaluate.md.</summary>
public static class JsonReportWriter
{
    // Output goes to a terminal or a pipe, never into HTML, so quotes and '+' stay readable instead of \u0027 and \u002B.
    private static readonly EvaluateJsonContext s_context = new(new JsonSerializerOptions(EvaluateJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    public static async Task WriteAsync(EvaluationReport report, TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        var json = Serialize(report);
        await output.WriteLineAsync(json.AsMemory(), cancellationToken).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The report as the <c>margin evaluate --output json</c> document (docs/evaluate.md), also the body of the HTTP API's <c>POST evaluate</c>.</summary>
    public static string Serialize(EvaluationReport report) => JsonSerializer.Serialize(ToDocument(report), s_context.EvaluateDocument);

    public static EvaluateDocument ToDocument(EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var byStatus = Enum.GetValues<MarginStatus>().ToDictionary(s => s.ToString(), s => report.Results.Count(r => r.Status == s), StringComparer.Ordinal);
        var errors = report.InputProblems
            .Select(p => new ErrorDocument { Scope = "input", Field = p.Field, Problem = p.Problem })
            .Concat(report.Failures.Concat(report.PlanFailures).Concat(report.MethodologyFailures).OrderBy(f => f.Index)
                .Select(f => new ErrorDocument { Scope = "account", AccountIndex = f.Index, AccountId = f.AccountId, Field = f.Field, Problem = f.Problem }))
            .ToList();
        return new EvaluateDocument
        {
            SnapshotId = report.SnapshotId,
            AsOf = report.AsOf,
            ParametersVersion = report.ParametersVersion,
            Settlement = report.Settlement,
            Preset = report.Preset,
            ParametersMetadata = report.Metadata is { } m ? ToDocument(m) : null,
            Counts = new CountsDocument
            {
                Accounts = report.AccountCount,
                Evaluated = report.Results.Count,
                Failed = report.Failures.Select(f => f.Index).Distinct().Count(),
                ByStatus = byStatus,
            },
            Results = report.Results.Select(r => ToDocument(r, report.Underlyings, report.Plans.GetValueOrDefault(r.AccountId)) with
            {
                Methodology = report.Methodologies.TryGetValue(r.AccountId, out var e) ? ToDocument(e) : null,
            }).ToList(),
            Errors = errors,
        };
    }

    /// <summary>What a methodology's figure is, for people.</summary>
    public static string FigureName(MethodologyKind kind) => kind switch
    {
        MethodologyKind.AaveHealthFactor => "Aave V3 health factor",
        MethodologyKind.BinanceUniMmr => "Binance uniMMR",
        MethodologyKind.BinanceCrossMarginLevel => "Binance Cross Margin level",
        MethodologyKind.DriftSpotWeights => "Drift collateral / maintenance requirement",
        MethodologyKind.DeribitPortfolioMargin => "Deribit equity / portfolio maintenance margin",
        _ => kind.ToString(),
    };

    private static ParametersMetadataDocument ToDocument(ParametersMetadata m) => new()
    {
        Name = m.Name,
        Methodology = m.Methodology is { } k ? ParametersMetadata.NameOf(k) : "none",
        Description = m.Description,
        TakenOn = m.TakenOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        Sources = m.Sources.Select(s => new SourceDocument(s.Title, s.Url)).ToList(),
        Notes = [.. m.Notes],
    };

    private static MethodologyDocument ToDocument(MethodologyEvaluation e) => new()
    {
        Kind = ParametersMetadata.NameOf(e.Methodology),
        Figure = FigureName(e.Methodology),
        Value = e.Figure.Value,
        Numerator = DecimalText.Format(e.Figure.Numerator),
        Denominator = DecimalText.Format(e.Figure.Denominator),
        LiquidationThreshold = DecimalText.Format(e.Figure.LiquidationThreshold),
        Boundary = e.Figure.Boundary == LiquidationBoundary.StrictlyBelow ? "strictlyBelow" : "atOrBelow",
        Liquidatable = e.Figure.IsLiquidatable,
        DriftWeights = e.DriftWeights.Select(w => new DriftWeightsDocument
        {
            Asset = w.Asset.Symbol,
            Quantity = DecimalText.Format(w.Quantity),
            Side = w.IsLiability ? "borrow" : "deposit",
            Size = DecimalText.Format(w.SizeAtReservePrecision),
            InitialWeight = w.InitialWeight,
            MaintenanceWeight = w.MaintenanceWeight,
            InitialImfFactor = w.InitialImfFactor,
            MaintenanceImfFactor = w.MaintenanceImfFactor,
        }).ToList(),
        Deribit = e.Deribit.Select(d => new DeribitRiskDocument
        {
            Underlying = d.Underlying.Symbol,
            Index = DecimalText.Format(d.Index),
            WorstCase = d.WorstCase,
            RollShock = d.RollShock,
            DeltaShock = d.DeltaShock,
            RiskMatrixMargin = d.RiskMatrixMargin,
            MaintenanceMargin = d.MaintenanceMargin,
        }).ToList(),
        Omitted = [.. e.Omitted],
    };

    /// <summary>The flag names set in <paramref name="flags"/>, in the enum's order.</summary>
    public static IReadOnlyList<string> FlagNames(MarginFlags flags) =>
        Enum.GetValues<MarginFlags>().Where(f => f != MarginFlags.None && flags.HasFlag(f)).Select(f => f.ToString()).ToList();

    private static AssetLevelDocument Level(decimal price, decimal value, decimal weight, decimal adjusted, decimal borrowRequirement) => new()
    {
        Price = DecimalText.Format(price),
        Value = DecimalText.Format(value),
        Weight = DecimalText.Format(weight),
        Adjusted = DecimalText.Format(adjusted),
        BorrowRequirement = DecimalText.Format(borrowRequirement),
    };

    private static SummaryDocument ToDocument(MarginSummary s) => new()
    {
        Currency = s.Equity.Currency.Symbol ?? string.Empty,
        Equity = DecimalText.Format(s.Equity.Amount),
        AdjustedEquityMaintenance = DecimalText.Format(s.AdjustedEquityMaintenance.Amount),
        MaintenanceRequirement = DecimalText.Format(s.MaintenanceRequirement.Amount),
        MarginRatio = s.MarginRatio,
        AdjustedEquityInitial = DecimalText.Format(s.AdjustedEquityInitial.Amount),
        InitialRequirement = DecimalText.Format(s.InitialRequirement.Amount),
        InitialRatio = s.InitialRatio,
        ProjectedRatio = s.ProjectedRatio,
    };

    private static LiquidationPlanDocument ToDocument(LiquidationPlan plan) => new()
    {
        Outcome = plan.Outcome.ToString(),
        ReachesTarget = plan.ReachesTarget,
        Reason = plan.Reason,
        TargetRatio = (double)plan.TargetRatio,
        SettlementAsset = plan.SettlementAsset.Symbol,
        TotalCost = DecimalText.Format(plan.TotalCost.Amount),
        InsuranceFund = plan.InsuranceFund,
        Shortfall = DecimalText.Format(plan.Shortfall.Amount),
        After = ToDocument(plan.After),
        Legs = plan.Legs.Select(l => new LiquidationLegDocument
        {
            Kind = l.Kind.ToString(),
            Target = l.Target,
            Side = l.Side.ToString(),
            Quantity = DecimalText.Format(l.Quantity),
            Lots = l.Lots,
            LotSize = DecimalText.Format(l.LotSize),
            ReferencePrice = DecimalText.Format(l.ReferencePrice),
            LimitPrice = DecimalText.Format(l.LimitPrice),
            Value = DecimalText.Format(l.Value.Amount),
            Cost = DecimalText.Format(l.Cost.Amount),
            Reason = l.Reason,
        }).ToList(),
    };

    private static AccountResultDocument ToDocument(MarginResult r, IReadOnlyDictionary<string, string> underlyings, LiquidationPlan? plan)
    {
        var s = r.Summary;
        return new AccountResultDocument
        {
            AccountId = r.AccountId,
            AccountVersion = r.AccountVersion,
            MarginMode = r.Mode.ToString(),
            Status = r.Status.ToString(),
            Flags = FlagNames(r.Flags),
            ShouldLiquidate = s.ShouldLiquidate,
            Reason = new ReasonDocument(r.Reason.Rule, r.Reason.Message),
            Summary = ToDocument(s),
            Assets = r.Assets.Select(a => new AssetLineDocument
            {
                Asset = a.Asset.Symbol,
                LedgerQuantity = DecimalText.Format(a.LedgerQuantity),
                PnlQuantity = DecimalText.Format(a.PnlQuantity),
                Quantity = DecimalText.Format(a.Quantity),
                Maintenance = Level(a.Price, a.ValueMaintenance, a.WeightMaintenance, a.AdjustedMaintenance, a.BorrowMaintenanceRequirement),
                Initial = Level(a.InitialPrice, a.ValueInitial, a.WeightInitial, a.AdjustedInitial, a.BorrowInitialRequirement),
                PriceUnusableReason = a.PriceUnusableReason,
            }).ToList(),
            Positions = r.Positions.Select(p => new PositionLineDocument
            {
                Instrument = p.InstrumentId,
                Kind = p.Kind,
                Underlying = underlyings.GetValueOrDefault(p.InstrumentId, string.Empty),
                Quantity = DecimalText.Format(p.Quantity),
                EntryPrice = DecimalText.Format(p.EntryPrice),
                Mark = DecimalText.Format(p.Mark),
                UnderlyingPrice = DecimalText.Format(p.UnderlyingPrice),
                Notional = DecimalText.Format(p.Notional),
                Bracket = p.Bracket,
                UnrealisedPnl = DecimalText.Format(p.UnrealisedPnl),
                PnlCoin = DecimalText.Format(p.PnlCoin),
                OptionValue = DecimalText.Format(p.OptionValue),
                EquityContribution = DecimalText.Format(p.EquityContribution),
                Maintenance = new PositionLevelDocument { Rate = DecimalText.Format(p.MaintenanceRate), Requirement = DecimalText.Format(p.MaintenanceRequirement), Adjusted = DecimalText.Format(p.AdjustedMaintenance) },
                Initial = new PositionLevelDocument { Rate = DecimalText.Format(p.InitialRate), Requirement = DecimalText.Format(p.InitialRequirement), Adjusted = DecimalText.Format(p.AdjustedInitial) },
                PriceUnusableReason = p.PriceUnusableReason,
            }).ToList(),
            LiquidationPlan = plan is null ? null : ToDocument(plan),
            Portfolio = r.Portfolio is null ? null : PortfolioDocument.From(r.Portfolio),
        };
    }
}
