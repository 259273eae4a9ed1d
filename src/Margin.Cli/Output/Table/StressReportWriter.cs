using System.Globalization;
using Margin.Engine.Results;
using Margin.Engine.Stress;
using Margin.Sweep.Stress;
using Spectre.Console;

namespace Margin.Cli.Output.Table;

/// <summary>Writes a stress run for people: what was shocked, accounts per status before and after the cascade, per asset what was sold against its depth and how its price moved, each round, the curve, the worst accounts, and what the run cost.</summary>
/// <remarks>Figures are rounded for reading (money to cents, prices to their scale); <c>--output json</c> is the exact record (docs/storage.md, <c>stressruns</c>).</remarks>
internal static class StressReportWriter
{
    private const int WorstShown = 10;

    private const int PricesShown = 3;

    private static readonly CultureInfo s_c = CultureInfo.InvariantCulture;

    public static void Write(StressRunRecord record, StressRunResult? result, TextWriter output, TerminalProfile terminal)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(terminal);
        var console = ConsoleFactory.Create(output, terminal);
        var ascii = !terminal.IsTerminal;
        console.Write(new Rule($"Stress run {Markup.Escape(record.RunId)}"));
        var grid = new Grid().AddColumn().AddColumn();
        void Row(string name, string value) => grid.AddRow(Markup.Escape(name), Markup.Escape(value));
        Row("Status", record.Status + (record.Error is { } e ? $": {e}" : string.Empty));
        Row("Scenario", record.ScenarioName + (result?.Scenario.Title is { } title ? $" ({title})" : string.Empty));
        if (result is not null)
        {
            var scenario = result.Scenario;
            if (scenario.Historical)
            {
                Row("Shocks", scenario.Prices.ToString());
                Row("Date", $"{scenario.Date}; {scenario.Window}");
                foreach (var source in scenario.Sources)
                {
                    Row("Source", $"{source.Title}: {source.Url}");
                }
            }

            if (!scenario.Volatilities.IsEmpty)
            {
                Row("Volatility shocks", scenario.Volatilities.ToString());
            }

            Row("Snapshot", string.Create(s_c, $"{result.SnapshotId} (as of {result.SnapshotAsOf:yyyy-MM-dd'T'HH:mm:ssK})"));
        }
        else
        {
            Row("Snapshot", record.SnapshotId);
        }

        Row("Parameters", record.ParamsVersion + (record.Candidate ? " (candidate: not the active version when the run was accepted)" : string.Empty));
        Row("Requested", record.RequestedAt.ToString("yyyy-MM-dd'T'HH:mm:ss.fffK", s_c) + string.Create(s_c, $", {record.Attempts} attempt(s)"));
        if (result is null)
        {
            console.Write(grid);
            return;
        }

        var cascade = result.Cascade;
        Row("Accounts", string.Create(s_c, $"{result.Accounts:N0} evaluated, {result.UnreadableAccounts:N0} unreadable (never evaluated)"));
        Row("Book in memory", string.Create(s_c, $"{result.BookBytes:N0} bytes = {result.BytesPerAccount:N0} bytes per account"));
        Row("Cascade", string.Create(s_c, $"{cascade.Rounds.Length} round(s); {Stop(cascade.Stop, record.Request.MaxRounds)}"));
        Row("Liquidations", string.Create(s_c, $"{cascade.Liquidations:N0} plan(s) issued ({cascade.Rounds.Sum(r => r.WithoutOrder):N0} liquidatable account-rounds without an order)"));
        Row("Insurance fund loss", Usd(cascade.InsuranceFundLoss) + " USD (loss beyond equity)");
        Row("Liquidation cost", Usd(cascade.LiquidationCost) + " USD (fees and impact)");
        Row("Timings", string.Create(s_c, $"read {result.ReadTime.TotalSeconds:0.000} s, cascade {result.CascadeTime.TotalSeconds:0.000} s, curve {result.CurveTime.TotalSeconds:0.000} s"));
        console.Write(grid);

        console.WriteLine();
        console.Write(Bordered(StatusTable(cascade.Initial, cascade.Final), ascii));
        console.WriteLine();
        console.Write(Bordered(AssetTable(result), ascii));
        console.WriteLine();
        console.Write(Bordered(RoundTable(cascade), ascii));
        if (!result.Curve.IsDefaultOrEmpty)
        {
            console.WriteLine();
            console.Write(Bordered(CurveTable(result), ascii));
        }

        if (!cascade.Rounds[0].LargestOrders.IsDefaultOrEmpty)
        {
            console.WriteLine();
            console.Write(Bordered(OrderTable(cascade.Rounds[0]), ascii));
        }

        if (!cascade.Final.Worst.IsDefaultOrEmpty)
        {
            console.WriteLine();
            console.Write(Bordered(WorstTable(cascade.Final), ascii));
        }

        var problems = result.Unreadable.Select(u => $"unreadable: {u.AccountId}: {u.Problem}")
            .Concat(cascade.Final.Problems.Select(p => $"not evaluated: {p.AccountId}: {p.Problem}"))
            .Concat(cascade.Rounds.SelectMany(r => r.Unplanned.Select(u => string.Create(s_c, $"round {r.Round}, no order: {u.AccountId}: {u.Problem}")))).ToList();
        foreach (var line in problems.Take(10))
        {
            console.MarkupLine($"[red]{Markup.Escape(line)}[/]");
        }
    }

    public static void WriteList(IReadOnlyList<StressRunRecord> runs, TextWriter output, TerminalProfile terminal)
    {
        var console = ConsoleFactory.Create(output, terminal);
        var table = new Spectre.Console.Table().Title("Stress runs, newest first");
        foreach (var heading in new[] { "Run", "Status", "Requested", "Scenario", "Parameters", "Snapshot", "Completed" })
        {
            // Ids and times whole (they are copied into other commands); the scenario and the parameters wrap.
            var column = new TableColumn(heading);
            table.AddColumn(heading is "Scenario" or "Parameters" ? column : column.NoWrap());
        }

        foreach (var r in runs)
        {
            table.AddRow(
                Markup.Escape(r.RunId),
                Markup.Escape(r.Status.ToString()),
                r.RequestedAt.ToString("yyyy-MM-dd HH:mm:ss", s_c),
                Markup.Escape(r.ScenarioName.Length > 60 ? r.ScenarioName[..57] + "..." : r.ScenarioName),
                Markup.Escape(r.ParamsVersion + (r.Candidate ? " (candidate)" : string.Empty)),
                Markup.Escape(r.SnapshotId),
                r.CompletedAt?.ToString("yyyy-MM-dd HH:mm:ss", s_c) ?? "-");
        }

        console.Write(Bordered(table, !terminal.IsTerminal));
    }

    private static string Stop(CascadeStop stop, int maxRounds) => stop switch
    {
        CascadeStop.NoNewLiquidation => "stopped: the last round liquidated no account",
        _ => string.Create(s_c, $"stopped at the round limit ({maxRounds}) with liquidations still going"),
    };

    private static Spectre.Console.Table StatusTable(BookEvaluation before, BookEvaluation after)
    {
        var table = new Spectre.Console.Table().Title("Accounts per status")
            .AddColumn("Status").AddColumn(new TableColumn("Before cascade").RightAligned()).AddColumn(new TableColumn("After cascade").RightAligned());
        foreach (var status in Enum.GetValues<MarginStatus>())
        {
            table.AddRow(status.ToString(), Count(before.ByStatus.GetValueOrDefault(status)), Count(after.ByStatus.GetValueOrDefault(status)));
        }

        table.AddRow("Closed (insurance fund)", Count(before.Closed), Count(after.Closed));
        table.AddRow("PriceSuspect (never liquidated)", Count(before.PriceSuspect), Count(after.PriceSuspect));
        table.AddRow("Failed (engine refused)", Count(before.Failed), Count(after.Failed));
        table.AddRow("Shortfall USD", Usd(before.Shortfall), Usd(after.Shortfall));
        table.AddRow("Negative equity USD", Usd(before.NegativeEquity), Usd(after.NegativeEquity));
        return table;
    }

    private static Spectre.Console.Table AssetTable(StressRunResult result)
    {
        var table = new Spectre.Console.Table().Title("Per asset: the shock, forced sales against depth, and the price path");
        table.AddColumn("Asset");
        foreach (var heading in new[] { "Shock", "Start price", "Final price", "Cascade move", "Sold USD", "Bought USD", "Depth USD", "Net / depth", "Legs" })
        {
            table.AddColumn(new TableColumn(heading).RightAligned());
        }

        table.AddColumn("Floored");
        foreach (var flow in result.Cascade.Totals)
        {
            var move = flow.PriceBefore == 0m ? 0m : (flow.PriceAfter / flow.PriceBefore) - 1m;
            table.AddRow(
                Markup.Escape(flow.Asset),
                result.PriceMoves.TryGetValue(flow.Asset, out var shock) ? Percent(shock) : "-",
                Price(flow.PriceBefore),
                Price(flow.PriceAfter),
                Percent(move),
                Usd(flow.SoldUsd),
                Usd(flow.BoughtUsd),
                Usd(flow.DepthUsd),
                Percent(flow.NetOfDepth),
                flow.Legs.ToString("N0", s_c),
                flow.Floored ? "yes" : string.Empty);
        }

        return table;
    }

    private static Spectre.Console.Table RoundTable(CascadeResult cascade)
    {
        var table = new Spectre.Console.Table().Title("Cascade rounds");
        table.AddColumn(new TableColumn("Round").RightAligned());
        foreach (var heading in new[] { "New liquidations", "First time", "Without order", "Liquidatable+", "Sold USD", "Bought USD", "Fund loss USD", "Shortfall USD" })
        {
            table.AddColumn(new TableColumn(heading).RightAligned());
        }

        table.AddColumn("Largest price moves after impact");
        foreach (var r in cascade.Rounds)
        {
            // The largest moves of the round; the asset table has every asset's whole path.
            var moved = r.Assets.Where(a => a.PriceAfter != a.PriceBefore && a.PriceBefore != 0m)
                .Select(a => (a.Asset, a.PriceBefore, a.PriceAfter, Move: (a.PriceAfter / a.PriceBefore) - 1m))
                .OrderByDescending(a => Math.Abs(a.Move)).ThenBy(a => a.Asset, StringComparer.Ordinal).ToList();
            var shown = moved.Take(PricesShown).Select(a => $"{a.Asset} {Price(a.PriceBefore)} -> {Price(a.PriceAfter)} ({Percent(a.Move)})").ToList();
            if (moved.Count > PricesShown)
            {
                shown.Add(string.Create(s_c, $"{moved.Count - PricesShown} more"));
            }

            table.AddRow(
                r.Round.ToString(s_c),
                Count(r.NewLiquidations),
                Count(r.NewAccounts),
                Count(r.WithoutOrder),
                Count(r.Evaluation.LiquidatableOrWorse),
                Usd(r.SoldUsd),
                Usd(r.BoughtUsd),
                Usd(r.InsuranceFundLoss),
                Usd(r.Evaluation.Shortfall),
                Markup.Escape(shown.Count == 0 ? "unchanged" : string.Join(", ", shown)));
        }

        return table;
    }

    private static Spectre.Console.Table CurveTable(StressRunResult result)
    {
        var table = new Spectre.Console.Table().Title($"Sensitivity curve: {Markup.Escape(result.CurveAsset ?? "?")} moves, every other shock as in the scenario, no cascade");
        foreach (var heading in new[] { "Move", "Price", "Liquidatable", "Bankrupt", "Shortfall USD", "Negative equity USD" })
        {
            table.AddColumn(new TableColumn(heading).RightAligned());
        }

        foreach (var p in result.Curve)
        {
            table.AddRow(Percent(p.Move), Price(p.Price), Count(p.Liquidatable), Count(p.Bankrupt), Usd(p.Shortfall), Usd(p.NegativeEquity));
        }

        return table;
    }

    private static Spectre.Console.Table OrderTable(CascadeRound first)
    {
        var table = new Spectre.Console.Table().Title(string.Create(s_c, $"Largest orders the shocked book would get (round 1, first {Math.Min(WorstShown, first.LargestOrders.Length)} of {first.NewLiquidations:N0})"));
        table.AddColumn("Account").AddColumn("Status").AddColumn("Legs");
        foreach (var heading in new[] { "Value USD", "Cost USD", "Fund USD" })
        {
            table.AddColumn(new TableColumn(heading).RightAligned());
        }

        foreach (var o in first.LargestOrders.Take(WorstShown))
        {
            table.AddRow(
                Markup.Escape(o.AccountId),
                o.Status.ToString(),
                Markup.Escape(string.Join("; ", o.Legs.Select(l => string.Create(s_c, $"{l.Side} {l.Quantity} {l.Target} @ {l.LimitPrice}")))),
                Usd(o.Value),
                Usd(o.Cost),
                Usd(o.Shortfall));
        }

        return table;
    }

    private static Spectre.Console.Table WorstTable(BookEvaluation final)
    {
        var table = new Spectre.Console.Table().Title(string.Create(s_c, $"Worst accounts after the cascade (first {Math.Min(WorstShown, final.Worst.Length)})"));
        table.AddColumn("Account").AddColumn("Status");
        foreach (var heading in new[] { "MarginRatio", "Equity USD", "AE_M USD", "MM USD" })
        {
            table.AddColumn(new TableColumn(heading).RightAligned());
        }

        table.AddColumn("Reason");
        foreach (var a in final.Worst.Take(WorstShown))
        {
            table.AddRow(
                Markup.Escape(a.AccountId),
                a.Status.ToString(),
                double.IsPositiveInfinity(a.MarginRatio) ? "inf" : a.MarginRatio.ToString("0.0000", s_c),
                Usd(a.Equity),
                Usd(a.AdjustedEquityMaintenance),
                Usd(a.MaintenanceRequirement),
                Markup.Escape(a.Reason));
        }

        return table;
    }

    private static string Count(int n) => n.ToString("N0", s_c);

    private static string Usd(decimal value) => value.ToString("#,0.00", s_c);

    private static string Price(decimal value) =>
        Math.Abs(value) >= 100m ? value.ToString("#,0.00", s_c)
        : Math.Abs(value) >= 1m ? value.ToString("0.0000", s_c)
        : value.ToString("0.00000000", s_c);

    private static string Percent(decimal fraction) => (fraction * 100m).ToString("+0.##;-0.##;0", s_c) + "%";

    private static Spectre.Console.Table Bordered(Spectre.Console.Table table, bool ascii) => table.Border(ascii ? TableBorder.Ascii : TableBorder.Rounded);
}
