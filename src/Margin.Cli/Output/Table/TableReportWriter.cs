using System.Globalization;
using Margin.Infrastructure.Documents.Evaluation;
using Margin.Infrastructure.Documents;
using Margin.Engine.Liquidation;
using Margin.Engine.Methodologies;
using Margin.Engine.Results;
using Spectre.Console;

namespace Margin.Cli.Output.Table;

/// <summary>Writes an <see cref="EvaluationReport"/> for people: a summary of every account, each account's breakdown and reason, then the errors in red.</summary>
/// <remarks>
/// Figures are rounded for reading (money to cents, weights to four places); the JSON output is the exact record.
/// When stdout is not a terminal the tables are plain ASCII at a fixed width with no ANSI sequence, so CI logs stay clean.
/// </remarks>
internal static class TableReportWriter
{
    private static readonly CultureInfo s_c = CultureInfo.InvariantCulture;

    public static void Write(EvaluationReport report, TextWriter output, TerminalProfile terminal, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(terminal);
        var console = ConsoleFactory.Create(output, terminal);

        // ASCII borders when redirected: a CI log or a file is not always read as UTF-8.
        var ascii = !terminal.IsTerminal;
        if (title is not null)
        {
            console.MarkupLine($"[bold]{Markup.Escape(title)}[/]");
        }

        console.MarkupLine(Markup.Escape(
            $"snapshot {report.SnapshotId} (as of {report.AsOf?.ToString("yyyy-MM-dd'T'HH:mm:ssK", s_c)}), parameters {report.ParametersVersion}, settlement {report.Settlement}"));
        if (report.Metadata is { } metadata)
        {
            var origin = report.Preset is null ? "parameters" : $"preset {report.Preset}";
            var methodology = metadata.Methodology is { } k ? $"; {JsonReportWriter.FigureName(k)} beside ours" : string.Empty;
            console.MarkupLine(Markup.Escape($"{origin}: {metadata.Name}, numbers taken {metadata.TakenOn.ToString("yyyy-MM-dd", s_c)} from {metadata.Sources.Length.ToString(s_c)} public source(s){methodology} (margin presets list)"));
        }

        var failed = report.Failures.Select(f => f.Index).Distinct().Count();
        console.MarkupLine(Markup.Escape($"{report.AccountCount} account(s): {report.Results.Count} evaluated, {failed} failed"));
        console.WriteLine();
        if (report.Results.Count > 0)
        {
            console.Write(Bordered(SummaryTable(report), ascii));
        }

        foreach (var result in report.Results)
        {
            console.WriteLine();
            WriteBreakdown(console, result, report.Underlyings, ascii);
            if (report.Methodologies.TryGetValue(result.AccountId, out var evaluation))
            {
                WriteMethodology(console, evaluation, ascii);
            }

            if (report.Plans.TryGetValue(result.AccountId, out var plan))
            {
                WritePlan(console, plan, ascii);
            }
        }

        if (report.Failures.Count > 0)
        {
            console.WriteLine();
            console.MarkupLine($"[bold red]Errors: {failed} account(s) could not be evaluated[/]");
            foreach (var failure in report.Failures)
            {
                console.MarkupLine($"[red]  {Markup.Escape(failure.ToString())}[/]");
            }
        }

        if (report.MethodologyFailures.Count > 0)
        {
            console.WriteLine();
            console.MarkupLine($"[bold red]Errors: the methodology figure of {report.MethodologyFailures.Count} account(s) could not be computed[/]");
            foreach (var failure in report.MethodologyFailures)
            {
                console.MarkupLine($"[red]  {Markup.Escape(failure.ToString())}[/]");
            }
        }

        if (report.PlanFailures.Count > 0)
        {
            console.WriteLine();
            console.MarkupLine($"[bold red]Errors: the liquidation plan of {report.PlanFailures.Count} account(s) could not be made[/]");
            foreach (var failure in report.PlanFailures)
            {
                console.MarkupLine($"[red]  {Markup.Escape(failure.ToString())}[/]");
            }
        }

        output.Flush();
    }

    private static Spectre.Console.Table SummaryTable(EvaluationReport report)
    {
        var table = new Spectre.Console.Table().Title("Accounts");
        table.AddColumn("Account");
        table.AddColumn("Status");
        table.AddColumn("Flags");
        foreach (var heading in new[] { "Equity", "AE_M", "MM", "MarginRatio", "AE_I", "IM", "InitialRatio", "Projected" })
        {
            table.AddColumn(new TableColumn(heading).RightAligned());
        }

        foreach (var r in report.Results)
        {
            var s = r.Summary;
            table.AddRow(
                new Text(r.AccountId),
                Status(r.Status),
                new Text(Flags(r.Flags)),
                new Text(Money(s.Equity.Amount)),
                new Text(Money(s.AdjustedEquityMaintenance.Amount)),
                new Text(Money(s.MaintenanceRequirement.Amount)),
                new Text(Ratio(s.MarginRatio)),
                new Text(Money(s.AdjustedEquityInitial.Amount)),
                new Text(Money(s.InitialRequirement.Amount)),
                new Text(Ratio(s.InitialRatio)),
                new Text(s.ProjectedRatio is { } projected ? Ratio(projected) : "-"));
        }

        return table;
    }

    private static void WriteBreakdown(IAnsiConsole console, MarginResult r, IReadOnlyDictionary<string, string> underlyings, bool ascii)
    {
        var flags = r.Flags == MarginFlags.None ? string.Empty : $" [{Flags(r.Flags)}]";
        console.Write(new Rule($"[bold]{Markup.Escape(r.AccountId)}[/] (v{r.AccountVersion.ToString(s_c)}): {StatusMarkup(r.Status)}{Markup.Escape(flags)}") { Border = ascii ? BoxBorder.Ascii : BoxBorder.Square }.LeftJustified());
        if (r.Assets.Length > 0)
        {
            var assets = new Spectre.Console.Table().Title("Assets (M = maintenance at P, I = initial at the conservative price)");
            assets.AddColumn("Asset");
            foreach (var heading in new[] { "Quantity", "Price M", "Value M", "Weight M", "Adj M", "Price I", "Value I", "Weight I", "Adj I", "Borrow MM", "Borrow IM" })
            {
                assets.AddColumn(new TableColumn(heading).RightAligned());
            }

            foreach (var a in r.Assets)
            {
                var name = a.PriceUnusableReason is null ? a.Asset.Symbol : $"{a.Asset.Symbol} (unusable)";
                assets.AddRow(
                    name,
                    Number(a.Quantity),
                    Number(a.Price),
                    Money(a.ValueMaintenance),
                    Weight(a.WeightMaintenance),
                    Money(a.AdjustedMaintenance),
                    Number(a.InitialPrice),
                    Money(a.ValueInitial),
                    Weight(a.WeightInitial),
                    Money(a.AdjustedInitial),
                    Money(a.BorrowMaintenanceRequirement),
                    Money(a.BorrowInitialRequirement));
            }

            console.Write(Bordered(assets, ascii));
        }

        if (r.Positions.Length > 0)
        {
            var positions = new Spectre.Console.Table().Title("Positions");
            positions.AddColumn("Instrument");
            positions.AddColumn("Kind");
            foreach (var heading in new[] { "Quantity", "Entry", "Mark", "Notional", "Bracket", "IM", "MM", "PnL", "Equity" })
            {
                positions.AddColumn(new TableColumn(heading).RightAligned());
            }

            foreach (var p in r.Positions)
            {
                var name = p.PriceUnusableReason is null ? p.InstrumentId : $"{p.InstrumentId} (unusable)";
                var bracket = p.Bracket is { } k
                    ? $"#{k.ToString(s_c)} {Percent(p.InitialRate)}/{Percent(p.MaintenanceRate)}"
                    : "-";
                var pnl = p.PnlCoin != 0m ? $"{Number(p.PnlCoin)} {underlyings.GetValueOrDefault(p.InstrumentId, "coin")}" : Money(p.UnrealisedPnl);
                positions.AddRow(
                    new Text(name),
                    new Text(p.Kind),
                    new Text(Number(p.Quantity)),
                    new Text(p.EntryPrice == 0m ? "-" : Number(p.EntryPrice)),
                    new Text(Number(p.Mark)),
                    new Text(Money(p.Notional)),
                    new Text(bracket),
                    new Text(Money(p.InitialRequirement)),
                    new Text(Money(p.MaintenanceRequirement)),
                    new Text(pnl),
                    new Text(Money(p.EquityContribution)));
            }

            console.Write(Bordered(positions, ascii));
        }

        if (r.Portfolio is { } risk)
        {
            console.Write(Bordered(PortfolioTable(risk), ascii));
        }

        console.MarkupLine($"Reason ({Markup.Escape(r.Reason.Rule)}): {Markup.Escape(r.Reason.Message)}");
        foreach (var reason in r.Assets.Where(a => a.PriceUnusableReason is not null).Select(a => $"{a.Asset}: {a.PriceUnusableReason}")
                     .Concat(r.Positions.Where(p => p.PriceUnusableReason is not null).Select(p => $"{p.InstrumentId}: {p.PriceUnusableReason}")))
        {
            console.MarkupLine($"[yellow]Unusable price: {Markup.Escape(reason)}[/]");
        }
    }

    private static Spectre.Console.Table PortfolioTable(PortfolioRisk risk)
    {
        var a = risk.Aggregation;
        var caption = $"MM = max(correlated {Amount(a.Correlated)}, largest {Amount(a.LargestUnderlying)}, floor {Amount(a.SumFloor)}) + borrow {Amount(a.BorrowMaintenance)}; {a.Binding} binds; "
            + $"stress {risk.CorrelationStress.ToString("0.##", s_c)}, IM = {risk.InitialMultiplier.ToString(s_c)} x MM";
        var table = new Spectre.Console.Table().Title("Risk matrix (scenario figures in USD)").Caption(caption);
        table.AddColumn("Underlying");
        foreach (var heading in new[] { "Spot", "Worst loss", "Worst scenario", "Delta shock", "Roll shock", "L_u", "Delta", "Gamma", "Vega/pt", "Theta/day" })
        {
            table.AddColumn(new TableColumn(heading).RightAligned());
        }

        foreach (var u in risk.Underlyings)
        {
            table.AddRow(
                new Text(u.Underlying.Symbol),
                new Text(Number(u.Spot)),
                new Text(Amount(u.WorstLoss)),
                new Text(u.WorstScenario?.ToString() ?? "-"),
                new Text(Amount(u.DeltaShock)),
                new Text(Amount(u.RollShock)),
                new Text(Amount(u.Loss)),
                new Text(u.Delta.ToString("0.####", s_c)),
                new Text(u.Gamma.ToString("G4", s_c)),
                new Text(Amount(u.Vega)),
                new Text(Amount(u.Theta)));
        }

        return table;
    }

    private static string Coin(double value) => value.ToString("0.##########", s_c);

    private static string Amount(double value) => value.ToString("#,0.00", s_c);

    private static void WriteMethodology(IAnsiConsole console, MethodologyEvaluation e, bool ascii)
    {
        if (e.DriftWeights.Length > 0)
        {
            var weights = new Spectre.Console.Table().Title("Drift weights (Drift's integers: 10000 = 100 %; IMF factor at 1e6)");
            weights.AddColumn("Asset");
            weights.AddColumn("Side");
            foreach (var heading in new[] { "Quantity", "Initial", "Maintenance", "IMF I", "IMF M" })
            {
                weights.AddColumn(new TableColumn(heading).RightAligned());
            }

            foreach (var w in e.DriftWeights)
            {
                weights.AddRow(
                    w.Asset.Symbol,
                    w.IsLiability ? "borrow" : "deposit",
                    Number(w.Quantity),
                    w.InitialWeight.ToString(s_c),
                    w.MaintenanceWeight.ToString(s_c),
                    w.InitialImfFactor.ToString(s_c),
                    w.MaintenanceImfFactor.ToString(s_c));
            }

            console.Write(Bordered(weights, ascii));
        }

        foreach (var d in e.Deribit)
        {
            console.MarkupLine(Markup.Escape(
                $"Deribit {d.Underlying} (index {Number(d.Index)}), in {d.Underlying}: worst case {Coin(d.WorstCase)} + roll {Coin(d.RollShock)} + delta {Coin(d.DeltaShock)} = risk matrix {Coin(d.RiskMatrixMargin)}; MM 0.8 x = {Coin(d.MaintenanceMargin)}"));
        }

        var f = e.Figure;
        var boundary = f.Boundary == LiquidationBoundary.StrictlyBelow ? "below" : "at or below";
        var verdict = f.IsLiquidatable ? "liquidatable" : "not liquidatable";
        var text = $"{JsonReportWriter.FigureName(e.Methodology)} ({ParametersMetadata.NameOf(e.Methodology)}): {Ratio(f.Value)} = {Money(f.Numerator)} / {Money(f.Denominator)}; "
            + $"liquidation {boundary} {f.LiquidationThreshold.ToString("0.####", s_c)}: {verdict}";
        console.MarkupLine($"[{(f.IsLiquidatable ? "red" : "green")}]{Markup.Escape(text)}[/]");
        foreach (var omitted in e.Omitted)
        {
            console.MarkupLine($"[yellow]  not in the figure: {Markup.Escape(omitted)}[/]");
        }
    }

    private static void WritePlan(IAnsiConsole console, LiquidationPlan plan, bool ascii)
    {
        if (plan.Legs.Length > 0)
        {
            var legs = new Spectre.Console.Table().Title($"Liquidation plan (limit prices; value at the reference price, in {plan.TotalCost.Currency})");
            legs.AddColumn("Leg");
            legs.AddColumn("Target");
            legs.AddColumn("Side");
            foreach (var heading in new[] { "Quantity", "Lots", "Reference", "Limit price", "Value", "Cost" })
            {
                legs.AddColumn(new TableColumn(heading).RightAligned());
            }

            foreach (var leg in plan.Legs)
            {
                legs.AddRow(
                    new Text(leg.Kind.ToString()),
                    new Text(leg.Target),
                    new Text(leg.Side.ToString()),
                    new Text(Number(leg.Quantity)),
                    new Text(leg.Lots.ToString(s_c)),
                    new Text(Number(leg.ReferencePrice)),
                    new Text(Number(leg.LimitPrice)),
                    new Text(Money(leg.Value.Amount)),
                    new Text(Money(leg.Cost.Amount)));
            }

            console.Write(Bordered(legs, ascii));
        }

        var after = plan.After;
        var colour = plan.ReachesTarget ? "green" : "yellow";
        var outcome = $"Liquidation plan: {plan.Outcome}, {plan.Legs.Length.ToString(s_c)} leg(s), total cost {Money(plan.TotalCost.Amount)} {plan.TotalCost.Currency}, settles in {plan.SettlementAsset}";
        var projected = $"  after: MarginRatio {Ratio(plan.Before.MarginRatio)} -> {Ratio(after.MarginRatio)} (target <= {plan.TargetRatio.ToString("0.####", s_c)}), "
            + $"equity {Money(plan.Before.Equity.Amount)} -> {Money(after.Equity.Amount)}, MM {Money(after.MaintenanceRequirement.Amount)}, AE_M {Money(after.AdjustedEquityMaintenance.Amount)}";
        console.MarkupLine($"[{colour}]{Markup.Escape(outcome)}[/]");
        console.MarkupLine($"[{colour}]{Markup.Escape(projected)}[/]");
        if (plan.InsuranceFund)
        {
            console.MarkupLine($"[red]{Markup.Escape($"  insurance fund: covers a shortfall of {Money(plan.Shortfall.Amount)} {plan.Shortfall.Currency}")}[/]");
        }

        if (plan.Reason is not null)
        {
            console.MarkupLine($"[{colour}]  {Markup.Escape(plan.Reason)}[/]");
        }
    }

    private static Spectre.Console.Table Bordered(Spectre.Console.Table table, bool ascii) => table.Border(ascii ? TableBorder.Ascii : TableBorder.Rounded);

    private static Text Status(MarginStatus status) => new(status.ToString(), new Style(StatusColour(status)));

    private static string StatusMarkup(MarginStatus status) => $"[{StatusColour(status).ToMarkup()}]{status}[/]";

    private static Color StatusColour(MarginStatus status) => status switch
    {
        MarginStatus.Healthy => Color.Green,
        MarginStatus.Warning => Color.Yellow,
        MarginStatus.ReduceOnly => Color.Orange1,
        MarginStatus.MarginCall => Color.DarkOrange,
        _ => Color.Red,
    };

    private static string Flags(MarginFlags flags) => flags == MarginFlags.None ? "-" : string.Join(", ", JsonReportWriter.FlagNames(flags));

    private static string Money(decimal value) => value.ToString("#,0.00", s_c);

    private static string Number(decimal value) => value.ToString("#,0.########", s_c);

    private static string Weight(decimal value) => value.ToString("0.0000", s_c);

    private static string Percent(decimal? rate) => rate is { } r ? (r * 100m).ToString("0.###", s_c) + "%" : "-";

    private static string Ratio(double ratio) => double.IsPositiveInfinity(ratio) ? "Infinity" : ratio.ToString("0.0000", s_c);
}
