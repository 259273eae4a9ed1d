using System.Globalization;
using System.Text;

namespace Margin.Infrastructure.Reports;

/// <summary>Writes a <see cref="ReportData"/> as one self-contained HTML page: inline CSS and inline SVG charts, no script, no URL.</summary>
/// <remarks>
/// The page loads nothing: a Content-Security-Policy meta element (<see cref="ContentSecurityPolicy"/>) forbids every fetch
/// but inline styles and data: images, so it opens offline and from a mail attachment alike. Charts are SVG drawn here,
/// each <c>&lt;svg data-chart="..."&gt;</c> with one element per datum carrying <c>data-value</c> and a
/// <c>&lt;title&gt;</c> tooltip. Numbers use the invariant culture (thousands separator ",", decimal point "."), times
/// UTC; every text from the data is HTML-escaped. The output depends only on the data: the same data gives the same page.
/// </remarks>
public static class HtmlReportWriter
{
    /// <summary>The page's Content-Security-Policy: nothing may be fetched; inline styles and data: images only, no script.</summary>
    public const string ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'none'; base-uri 'none'; form-action 'none'";

    /// <summary>The names of the charts a page can have (<c>data-chart</c>), in page order.</summary>
    public static readonly IReadOnlyList<string> ChartNames = ["status", "ratios", "flows", "freshness", "cascade", "prices", "curve"];

    private const double ChartWidth = 1040;

    private const string Usable = "#15803D";
    private const string Unusable = "#B91C1C";
    private const string Primary = "#1D4ED8";
    private const string Secondary = "#93C5FD";
    private const string Danger = "#B91C1C";

    private const string NotRecorded = "<span class=\"muted\">not recorded</span>";

    private static readonly CultureInfo s_invariant = CultureInfo.InvariantCulture;

    /// <summary>The page as a string.</summary>
    public static string Write(ReportData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var page = new StringBuilder(64 * 1024);
        WritePage(data, page);
        return page.ToString();
    }

    /// <summary>Writes the page to a writer (UTF-8 is what the page declares: give it a UTF-8 writer).</summary>
    public static void Write(ReportData data, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Write(data));
    }

    private static void WritePage(ReportData data, StringBuilder page)
    {
        var kind = data.Kind == ReportKind.Stress ? "Stress run" : "Sweep";
        page.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        page.Append(s_invariant, $"<meta http-equiv=\"Content-Security-Policy\" content=\"{ContentSecurityPolicy}\">\n");
        page.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        page.Append("<meta name=\"generator\" content=\"MarginFunctions\">\n");
        page.Append(s_invariant, $"<title>{E(data.Title)}</title>\n<style>{Css}</style>\n</head>\n<body>\n<main>\n");

        page.Append(s_invariant, $"<header class=\"top\"><div class=\"kind\">{kind} report</div><h1>{E(data.Title)}</h1>");
        page.Append(s_invariant, $"<p class=\"id\">{kind} <code>{E(data.Id)}</code> &middot; generated {E(ReportFormat.Time(data.GeneratedAt))}</p>");
        if (data.Facts.Length > 0)
        {
            page.Append("<dl class=\"facts\">");
            foreach (var fact in data.Facts)
            {
                page.Append(s_invariant, $"<div><dt>{E(fact.Label)}</dt><dd>{E(fact.Value)}</dd></div>");
            }

            page.Append("</dl>");
        }

        page.Append("</header>\n<nav>");
        var sections = new List<(string Id, string Title)>
        {
            ("status", "Accounts per status"),
            ("ratios", "Margin ratios"),
            ("worst", "Worst accounts"),
            ("flows", "Orders against depth"),
            ("prices", "Prices and guard"),
        };
        if (data.Kind == ReportKind.Stress)
        {
            sections.Add(("cascade", "Cascade"));
            sections.Add(("curve", "Sensitivity curve"));
        }

        if (data.Notes.Length > 0)
        {
            sections.Add(("notes", "Notes"));
        }

        foreach (var (id, title) in sections)
        {
            page.Append(s_invariant, $"<a href=\"#{id}\">{title}</a>");
        }

        page.Append("</nav>\n");
        StatusSection(data, page);
        RatioSection(data, page);
        WorstSection(data, page);
        FlowSection(data, page);
        PriceSection(data, page);
        if (data.Kind == ReportKind.Stress)
        {
            CascadeSection(data, page);
            CurveSection(data, page);
        }

        if (data.Notes.Length > 0)
        {
            page.Append("<section id=\"notes\"><h2>Notes</h2><ul class=\"notes\">");
            foreach (var note in data.Notes)
            {
                page.Append(s_invariant, $"<li>{E(note)}</li>");
            }

            page.Append("</ul></section>\n");
        }

        page.Append(s_invariant, $"<footer>MarginFunctions {(data.Kind == ReportKind.Stress ? "stress" : "sweep")} report <code>{E(data.Id)}</code>, generated {E(ReportFormat.Time(data.GeneratedAt))}. A self-contained page: it loads nothing from anywhere and opens offline.</footer>\n");
        page.Append("</main>\n</body>\n</html>\n");
    }

    private static void StatusSection(ReportData data, StringBuilder page)
    {
        var stress = data.StatusCounts.Any(c => c.AfterCascade is not null);
        page.Append("<section id=\"status\"><h2>Accounts per status</h2>");
        page.Append(stress
            ? "<p class=\"lead\">How many accounts are in each margin status under the scenario: after the first round's evaluation (before any forced sale moves prices), and after the cascade's last round.</p>"
            : "<p class=\"lead\">How many accounts the sweep put in each margin status. Failed: accounts that could not be read or evaluated.</p>");
        if (data.StatusCounts.Length == 0)
        {
            Empty(page, "No account was evaluated, so there are no statuses to count (the book was empty or no result was recorded).");
            page.Append("</section>\n");
            return;
        }

        var counts = data.StatusCounts.OrderBy(c => ReportStatusCount.Order.IndexOf(c.Status)).ToList();
        var total = counts.Sum(c => (long)c.Accounts);
        var totalAfter = counts.Sum(c => (long)(c.AfterCascade ?? 0));
        var categories = counts.Select(c => c.Status).ToList();
        var series = new List<BarSeries>
        {
            new(
                stress ? "First round" : "Accounts",
                stress ? Secondary : Primary,
                [.. counts.Select(c => (ChartDatum?)new ChartDatum(c.Accounts, ReportFormat.Data(c.Accounts), $"{c.Status}{(stress ? ", first round" : "")}: {ReportFormat.Count(c.Accounts)} accounts ({Share(c.Accounts, total)})", ReportFormat.Count(c.Accounts)))]),
        };
        if (stress)
        {
            series.Add(new BarSeries(
                "After cascade",
                Primary,
                [.. counts.Select(c => (ChartDatum?)new ChartDatum(c.AfterCascade!.Value, ReportFormat.Data(c.AfterCascade.Value), $"{c.Status}, after cascade: {ReportFormat.Count(c.AfterCascade.Value)} accounts ({Share(c.AfterCascade.Value, totalAfter)})", ReportFormat.Count(c.AfterCascade.Value)))]));
        }

        var chart = new SvgChart("status", ChartWidth, 340, stress ? "Accounts per status, first round and after the cascade" : "Accounts per status");
        var legend = chart.Legend(70, 6, ChartWidth - 80, [.. series.Select(s => new LegendItem(s.Name, s.Color))]);
        chart.Bars(new ChartBox(0, 6 + legend, ChartWidth, 340 - 6 - legend), categories, series, "Margin status", new ValueAxis("Accounts", ReportFormat.Tick, Integer: true));
        page.Append(chart.Finish());

        page.Append("<div class=\"table-wrap\"><table><thead><tr><th>Status</th>");
        page.Append(stress
            ? "<th class=\"num\">First round (accounts)</th><th class=\"num\">Share</th><th class=\"num\">After cascade (accounts)</th><th class=\"num\">Share</th>"
            : "<th class=\"num\">Accounts</th><th class=\"num\">Share</th>");
        page.Append("</tr></thead><tbody>");
        foreach (var c in counts)
        {
            page.Append(s_invariant, $"<tr><td>{Badge(c.Status)}</td><td class=\"num\">{ReportFormat.Count(c.Accounts)}</td><td class=\"num\">{E(Share(c.Accounts, total))}</td>");
            if (stress)
            {
                page.Append(s_invariant, $"<td class=\"num\">{ReportFormat.Count(c.AfterCascade!.Value)}</td><td class=\"num\">{E(Share(c.AfterCascade.Value, totalAfter))}</td>");
            }

            page.Append("</tr>");
        }

        page.Append(s_invariant, $"</tbody><tfoot><tr><th>Total</th><th class=\"num\">{ReportFormat.Count(total)}</th><th class=\"num\">100%</th>");
        if (stress)
        {
            page.Append(s_invariant, $"<th class=\"num\">{ReportFormat.Count(totalAfter)}</th><th class=\"num\">100%</th>");
        }

        page.Append("</tr></tfoot></table></div></section>\n");
    }

    private static void RatioSection(ReportData data, StringBuilder page)
    {
        page.Append("<section id=\"ratios\"><h2>Distribution of margin ratios</h2>");
        page.Append("<p class=\"lead\">Margin ratio = maintenance requirement / adjusted equity (dimensionless; lower is safer). At 1 or more an account is liquidatable; ∞ when its adjusted equity is not positive and something is required.</p>");
        if (data.RatioHistogram.Length == 0)
        {
            Empty(page, "No margin ratios were recorded, so there is no distribution to draw (no account result is stored for this report).");
            page.Append("</section>\n");
            return;
        }

        var total = data.RatioHistogram.Sum(b => (long)b.Accounts);
        var categories = data.RatioHistogram.Select(b => b.Label).ToList();
        var series = new BarSeries(
            "Accounts",
            Primary,
            [.. data.RatioHistogram.Select(b => (ChartDatum?)new ChartDatum(
                b.Accounts,
                ReportFormat.Data(b.Accounts),
                $"Margin ratio {b.Label}: {ReportFormat.Count(b.Accounts)} accounts ({Share(b.Accounts, total)})",
                ReportFormat.Count(b.Accounts),
                b.From >= 1 ? Danger : Primary))]);
        var chart = new SvgChart("ratios", ChartWidth, 340, "Distribution of margin ratios");
        var legend = chart.Legend(70, 6, ChartWidth - 80, [new LegendItem("Below 1: not liquidatable", Primary), new LegendItem("1 or more: liquidatable (∞: adjusted equity not positive)", Danger)]);
        chart.Bars(new ChartBox(0, 6 + legend, ChartWidth, 340 - 6 - legend), categories, [series], "Margin ratio (maintenance requirement / adjusted equity)", new ValueAxis("Accounts", ReportFormat.Tick, Integer: true));
        page.Append(chart.Finish());
        page.Append(s_invariant, $"<p class=\"muted\">{ReportFormat.Count(total)} accounts in {data.RatioHistogram.Length} buckets; each bucket holds ratios from its lower bound up to, not including, its upper bound.</p></section>\n");
    }

    private static void WorstSection(ReportData data, StringBuilder page)
    {
        page.Append(s_invariant, $"<section id=\"worst\"><h2>The worst {ReportData.MaxWorstAccounts} accounts</h2>");
        page.Append("<p class=\"lead\">The accounts with the highest margin ratios, worst first, with the figures behind the status and the engine's reason. Money in USD.</p>");
        if (data.WorstAccounts.Length == 0)
        {
            Empty(page, "No account results to rank, so there are no worst accounts to show.");
            page.Append("</section>\n");
            return;
        }

        page.Append("<div class=\"table-wrap\"><table class=\"worst\"><thead><tr><th class=\"num\">#</th><th>Account</th><th>Status</th><th class=\"num\">Margin ratio</th><th class=\"num\">Equity (USD)</th><th class=\"num\">Adjusted equity, maintenance (USD)</th><th class=\"num\">Maintenance requirement (USD)</th><th>Reason</th></tr></thead><tbody>");
        var rank = 0;
        foreach (var a in data.WorstAccounts)
        {
            rank++;
            page.Append(s_invariant, $"<tr><td class=\"num\">{rank}</td><td class=\"account\"><code>{E(a.AccountId)}</code></td><td>{Badge(a.Status.ToString())}</td><td class=\"num\">{ReportFormat.Ratio(a.MarginRatio)}</td>");
            page.Append(s_invariant, $"<td class=\"num\">{ReportFormat.Usd(a.Equity)}</td><td class=\"num\">{ReportFormat.Usd(a.AdjustedEquityMaintenance)}</td><td class=\"num\">{ReportFormat.Usd(a.MaintenanceRequirement)}</td><td class=\"reason\">{E(a.Reason)}</td></tr>");
        }

        page.Append("</tbody></table></div>");
        if (data.WorstAccounts.Length < ReportData.MaxWorstAccounts)
        {
            page.Append(s_invariant, $"<p class=\"muted\">{data.WorstAccounts.Length} account{(data.WorstAccounts.Length == 1 ? "" : "s")}: the book has no more results to rank.</p>");
        }

        page.Append("</section>\n");
    }

    private static void FlowSection(ReportData data, StringBuilder page)
    {
        page.Append("<section id=\"flows\"><h2>Liquidation orders by asset, against depth</h2>");
        page.Append("<p class=\"lead\">What the liquidation orders would sell per asset, as a share of that asset's depth in the parameters. The impact model is linear (selling x USD at once moves the price by x / depth), so the share is also the price move the sales alone would cause; at 100% they would exhaust the depth.</p>");
        if (data.AssetFlows.Length == 0)
        {
            Empty(page, "No liquidation orders would be issued: no account was liquidatable or bankrupt, so nothing is sold against depth.");
            page.Append("</section>\n");
            return;
        }

        var categories = data.AssetFlows.Select(f => f.Asset).ToList();
        var series = new BarSeries(
            "Sold / depth",
            Primary,
            [.. data.AssetFlows.Select(f => f.SoldShareOfDepth is { } share
                ? new ChartDatum(
                    share * 100,
                    ReportFormat.Data(share * 100),
                    $"{f.Asset}: sold {ReportFormat.UsdText(f.SoldUsd)} = {ReportFormat.Share(share)} of depth {ReportFormat.UsdText(f.DepthUsd)}; bought {ReportFormat.UsdText(f.BoughtUsd)}; {ReportFormat.Count(f.Orders)} order legs",
                    ReportFormat.Share(share),
                    share > 1 ? Danger : Primary)
                : null)],
            "no depth");
        if (series.Data.All(d => d is null))
        {
            Empty(page, "No asset with orders has a depth in the parameters, so no share of depth can be drawn; the table gives the amounts.");
        }
        else
        {
            var chart = new SvgChart("flows", ChartWidth, 340, "Sold as a share of depth per asset");
            var legend = chart.Legend(70, 6, ChartWidth - 80, [new LegendItem("Sold at most the depth", Primary), new LegendItem("Sold more than the depth", Danger), new LegendItem("100% of depth", SvgChart.ReferenceColor, Line: true, SvgChart.ReferenceDash, Dot: false)]);
            chart.Bars(new ChartBox(0, 6 + legend, ChartWidth, 340 - 6 - legend), categories, [series], "Asset", new ValueAxis("Sold / depth (%)", v => ReportFormat.Tick(v) + "%"), reference: 100);
            page.Append(chart.Finish());
        }

        page.Append("<div class=\"table-wrap\"><table><thead><tr><th>Asset</th><th class=\"num\">Order legs</th><th class=\"num\">Sold (USD)</th><th class=\"num\">Bought (USD)</th><th class=\"num\">Depth (USD)</th><th class=\"num\">Sold / depth</th></tr></thead><tbody>");
        foreach (var f in data.AssetFlows)
        {
            var share = f.SoldShareOfDepth is { } s ? E(ReportFormat.Share(s)) : "no depth";
            page.Append(s_invariant, $"<tr><td>{E(f.Asset)}</td><td class=\"num\">{ReportFormat.Count(f.Orders)}</td><td class=\"num\">{ReportFormat.Usd(f.SoldUsd)}</td><td class=\"num\">{ReportFormat.Usd(f.BoughtUsd)}</td><td class=\"num\">{ReportFormat.Usd(f.DepthUsd)}</td><td class=\"num\">{share}</td></tr>");
        }

        page.Append(s_invariant, $"</tbody><tfoot><tr><th>Total</th><th class=\"num\">{ReportFormat.Count(data.AssetFlows.Sum(f => (long)f.Orders))}</th><th class=\"num\">{ReportFormat.Usd(data.AssetFlows.Sum(f => f.SoldUsd))}</th><th class=\"num\">{ReportFormat.Usd(data.AssetFlows.Sum(f => f.BoughtUsd))}</th><th></th><th></th></tr></tfoot></table></div>");
        OrderTable(data, page);
        page.Append("</section>\n");
    }

    private static void OrderTable(ReportData data, StringBuilder page)
    {
        if (data.LargestOrders.Length == 0)
        {
            return;
        }

        page.Append(s_invariant, $"<h3 id=\"orders\">The largest orders</h3><p class=\"lead\">{(data.Kind == ReportKind.Stress ? "The orders the first round (the shocked book) would issue" : "The orders the sweep issued")}, largest value first, with their legs: side, quantity, what, and the worst acceptable price. Money in USD.</p>");
        page.Append("<div class=\"table-wrap\"><table class=\"orders\"><thead><tr><th class=\"num\">#</th><th>Account</th><th>Status</th><th>Legs</th><th class=\"num\">Value (USD)</th><th class=\"num\">Cost (USD)</th><th class=\"num\">Left to the fund (USD)</th></tr></thead><tbody>");
        var rank = 0;
        foreach (var o in data.LargestOrders)
        {
            rank++;
            var legs = string.Join("<br>", o.Legs.Select(l => E($"{l.Side} {ReportFormat.Price(l.Quantity)} {l.Target} at {(l.Side == "Sell" ? ">=" : "<=")} {ReportFormat.Price(l.LimitPrice)} ({ReportFormat.UsdText(l.Value)})")));
            page.Append(s_invariant, $"<tr><td class=\"num\">{rank}</td><td class=\"account\"><code>{E(o.AccountId)}</code></td><td>{Badge(o.Status)}</td><td class=\"reason\">{legs}</td><td class=\"num\">{ReportFormat.Usd(o.Value)}</td><td class=\"num\">{ReportFormat.Usd(o.Cost)}</td><td class=\"num\">{ReportFormat.Usd(o.Shortfall)}</td></tr>");
        }

        page.Append("</tbody></table></div>");
    }

    private static void PriceSection(ReportData data, StringBuilder page)
    {
        page.Append("<section id=\"prices\"><h2>Price freshness and guard decisions</h2>");
        page.Append("<p class=\"lead\">The price of each asset the report used, its age at the snapshot, and whether the oracle guard let it be used; then every source's quote with the guard's decision.</p>");
        if (data.Prices.Length == 0)
        {
            Empty(page, "No prices were recorded for this report, so there is no freshness to show.");
        }
        else
        {
            var chart = new SvgChart("freshness", ChartWidth, 320, "Price age per asset");
            var legend = chart.Legend(70, 6, ChartWidth - 80, [new LegendItem("Usable", Usable), new LegendItem("Not usable", Unusable)]);
            var series = new BarSeries(
                "Age",
                Usable,
                [.. data.Prices.Select(p => (ChartDatum?)new ChartDatum(
                    p.AgeSeconds,
                    ReportFormat.Data(p.AgeSeconds),
                    $"{p.Asset}: {ReportFormat.Price(p.Price)} USD published {ReportFormat.Time(p.PublishTime)}, {ReportFormat.Seconds(p.AgeSeconds)} old, {(p.Usable ? "usable" : "not usable")}{(p.Reason is null ? "" : ": " + p.Reason)}",
                    ReportFormat.Seconds(p.AgeSeconds),
                    p.Usable ? Usable : Unusable))]);
            chart.Bars(new ChartBox(0, 6 + legend, ChartWidth, 320 - 6 - legend), [.. data.Prices.Select(p => p.Asset)], [series], "Asset", new ValueAxis("Price age (seconds)", ReportFormat.Tick));
            page.Append(chart.Finish());
            page.Append("<div class=\"table-wrap\"><table><thead><tr><th>Asset</th><th class=\"num\">Price (USD)</th><th>Published (UTC)</th><th class=\"num\">Age</th><th>Usable</th><th>Reason</th></tr></thead><tbody>");
            foreach (var p in data.Prices)
            {
                page.Append(s_invariant, $"<tr><td>{E(p.Asset)}</td><td class=\"num\">{ReportFormat.Price(p.Price)}</td><td>{E(ReportFormat.Time(p.PublishTime))}</td><td class=\"num\">{ReportFormat.Seconds(p.AgeSeconds)}</td><td>{YesNo(p.Usable, "usable", "not usable")}</td><td>{Optional(p.Reason)}</td></tr>");
            }

            page.Append("</tbody></table></div>");
        }

        page.Append("<h3>Guard decisions per source</h3>");
        if (data.Guard is not { } guard)
        {
            Empty(page, "Guard decisions were not recorded: the price snapshot carries no per-source decisions (for example a seeded or imported snapshot), so which quotes were used or rejected is not known.");
        }
        else
        {
            if (guard.Quotes.Length == 0)
            {
                Empty(page, "No source quote was recorded with this snapshot.");
            }
            else
            {
                page.Append("<div class=\"table-wrap\"><table><thead><tr><th>Asset</th><th>Source</th><th class=\"num\">Price (USD)</th><th>Published (UTC)</th><th class=\"num\">Age</th><th>Decision</th></tr></thead><tbody>");
                foreach (var q in guard.Quotes)
                {
                    var decision = q.Used ? "<span class=\"ok\">used</span>" : $"<span class=\"bad\">rejected</span>: {(q.Rejection is null ? "<span class=\"muted\">reason not recorded</span>" : E(q.Rejection))}";
                    page.Append(s_invariant, $"<tr><td>{E(q.Asset)}</td><td>{E(q.Source)}</td><td class=\"num\">{(q.Price is { } price ? ReportFormat.Price(price) : NotRecorded)}</td><td>{(q.PublishTime is { } time ? E(ReportFormat.Time(time)) : NotRecorded)}</td><td class=\"num\">{(q.AgeSeconds is { } age ? ReportFormat.Seconds(age) : NotRecorded)}</td><td>{decision}</td></tr>");
                }

                page.Append("</tbody></table></div>");
            }

            if (guard.Failures.Length == 0)
            {
                page.Append("<p class=\"muted\">No source failed as a whole at this refresh.</p>");
            }
            else
            {
                page.Append("<h3>Sources that failed</h3><div class=\"table-wrap\"><table><thead><tr><th>Source</th><th>Problem</th></tr></thead><tbody>");
                foreach (var f in guard.Failures)
                {
                    page.Append(s_invariant, $"<tr><td>{E(f.Source)}</td><td>{E(f.Problem)}</td></tr>");
                }

                page.Append("</tbody></table></div>");
            }
        }

        page.Append("</section>\n");
    }

    private static void CascadeSection(ReportData data, StringBuilder page)
    {
        page.Append("<section id=\"cascade\"><h2>Liquidation cascade</h2>");
        page.Append("<p class=\"lead\">Each round evaluates every account at the round's prices, liquidates the liquidatable accounts (again, for an account liquidated before whose prices kept falling), and lets their forced sales move the prices (the depth model) for the next round, until a round liquidates nothing or the round limit is hit.</p>");
        if (data.Cascade is not { } cascade)
        {
            Empty(page, "No cascade was recorded for this run.");
            page.Append("</section>\n");
            return;
        }

        if (cascade.Rounds.Length == 0)
        {
            Empty(page, $"The cascade ran no round{(cascade.StopReason is null ? "" : ": " + cascade.StopReason)}.");
            page.Append("</section>\n");
            return;
        }

        var rounds = cascade.Rounds;
        var categories = rounds.Select(r => "Round " + r.Round.ToString(s_invariant)).ToList();
        var chart = new SvgChart("cascade", ChartWidth, 330, "New liquidations and volume sold per cascade round");
        var half = ChartWidth / 2;
        var left = new ChartBox(0, 22, half - 10, 308);
        var right = new ChartBox(half + 10, 22, half - 10, 308);
        chart.PanelTitle(new ChartBox(60, 0, half, 22), "New liquidations per round");
        chart.PanelTitle(new ChartBox(half + 70, 0, half, 22), "Volume sold per round");
        chart.Bars(
            left,
            categories,
            [new BarSeries("New liquidations", Danger, [.. rounds.Select(r => (ChartDatum?)new ChartDatum(r.NewLiquidations, ReportFormat.Data(r.NewLiquidations), string.Create(s_invariant, $"Round {r.Round}: {ReportFormat.Count(r.NewLiquidations)} liquidations{(r.NewAccounts is { } first ? $" ({ReportFormat.Count(first)} accounts for the first time)" : string.Empty)}; {ReportFormat.Count(r.Liquidatable)} liquidatable after the round"), ReportFormat.Count(r.NewLiquidations)))])],
            "Cascade round",
            new ValueAxis("New liquidations (accounts)", ReportFormat.Tick, Integer: true));
        chart.Bars(
            right,
            categories,
            [new BarSeries("Sold", Primary, [.. rounds.Select(r => (ChartDatum?)new ChartDatum((double)r.SoldUsd, ReportFormat.Data(r.SoldUsd), string.Create(s_invariant, $"Round {r.Round}: sold {ReportFormat.UsdText(r.SoldUsd)}, bought {ReportFormat.UsdText(r.BoughtUsd)}"), ReportFormat.Compact((double)r.SoldUsd)))])],
            "Cascade round",
            new ValueAxis("Volume sold (USD)", ReportFormat.Tick));
        page.Append(chart.Finish());

        page.Append("<div class=\"table-wrap\"><table><thead><tr><th class=\"num\">Round</th><th class=\"num\">Liquidations</th><th class=\"num\">Accounts for the first time</th><th class=\"num\">Liquidatable after (accounts)</th><th class=\"num\">Sold (USD)</th><th class=\"num\">Bought (USD)</th><th class=\"num\">Insurance fund loss (USD)</th><th class=\"num\">Shortfall (USD)</th></tr></thead><tbody>");
        foreach (var r in rounds)
        {
            page.Append(s_invariant, $"<tr><td class=\"num\">{r.Round}</td><td class=\"num\">{ReportFormat.Count(r.NewLiquidations)}</td><td class=\"num\">{(r.NewAccounts is { } first ? ReportFormat.Count(first) : "-")}</td><td class=\"num\">{ReportFormat.Count(r.Liquidatable)}</td><td class=\"num\">{ReportFormat.Usd(r.SoldUsd)}</td><td class=\"num\">{ReportFormat.Usd(r.BoughtUsd)}</td><td class=\"num\">{ReportFormat.Usd(r.InsuranceFundLoss)}</td><td class=\"num\">{ReportFormat.Usd(r.Shortfall)}</td></tr>");
        }

        page.Append(s_invariant, $"</tbody><tfoot><tr><th>Total</th><th class=\"num\">{ReportFormat.Count(rounds.Sum(r => (long)r.NewLiquidations))}</th><th class=\"num\">{(rounds.All(r => r.NewAccounts is not null) ? ReportFormat.Count(rounds.Sum(r => (long)r.NewAccounts!.Value)) : "-")}</th><th class=\"num\">{ReportFormat.Count(rounds[^1].Liquidatable)}</th><th class=\"num\">{ReportFormat.Usd(rounds.Sum(r => r.SoldUsd))}</th><th class=\"num\">{ReportFormat.Usd(rounds.Sum(r => r.BoughtUsd))}</th><th class=\"num\">{ReportFormat.Usd(rounds.Sum(r => r.InsuranceFundLoss))}</th><th class=\"num\">{ReportFormat.Usd(rounds[^1].Shortfall)}</th></tr></tfoot></table></div>");
        page.Append(s_invariant, $"<p class=\"muted\">Stopped after round {rounds[^1].Round}: {(cascade.StopReason is null ? "reason not recorded" : E(cascade.StopReason))}. Totals: liquidatable and shortfall after the last round; the rest summed over rounds.</p>");

        PricePath(rounds, page);
        page.Append("</section>\n");
    }

    private static void PricePath(IReadOnlyList<ReportCascadeRound> rounds, StringBuilder page)
    {
        page.Append("<h3>Price path per asset</h3>");
        var assets = rounds.SelectMany(r => r.Prices.Select(p => p.Asset)).Distinct(StringComparer.Ordinal).ToList();
        if (assets.Count == 0)
        {
            Empty(page, "No asset prices were recorded per round, so there is no price path to draw.");
            return;
        }

        // Step 0 is round 1's start (the shocked price); step r is the price after round r's sales.
        var lines = new List<LineSeries>();
        var table = new List<(string Asset, decimal Start, decimal End)>();
        for (var a = 0; a < assets.Count; a++)
        {
            var asset = assets[a];
            var points = new List<(double X, ChartDatum Y)>();
            decimal? start = null;
            decimal end = 0;
            foreach (var round in rounds)
            {
                if (round.Prices.FirstOrDefault(p => p.Asset == asset) is not { } price)
                {
                    continue;
                }

                if (start is null)
                {
                    start = price.Start;
                    points.Add((round.Round - 1, PricePoint(asset, round.Round - 1, price.Start, price.Start)));
                }

                points.Add((round.Round, PricePoint(asset, round.Round, price.AfterImpact, start.Value)));
                end = price.AfterImpact;
            }

            lines.Add(new LineSeries(asset, SvgChart.Palette[a % SvgChart.Palette.Count], a < SvgChart.Palette.Count ? null : "6 3", points));
            table.Add((asset, start!.Value, end));
        }

        var steps = Enumerable.Range(0, rounds.Count + 1).Select(i => (double)i).ToList();
        var chart = new SvgChart("prices", ChartWidth, 360, "Price path per asset over the cascade, as a change from the price at round 1's start");
        var legend = chart.Legend(70, 6, ChartWidth - 80, [.. lines.Select(l => new LegendItem(l.Name, l.Color, Line: true, l.Dash))]);
        chart.Lines(
            new ChartBox(0, 6 + legend, ChartWidth, 360 - 6 - legend),
            steps,
            s => s == 0 ? "start" : "after " + s.ToString("0", s_invariant),
            "Cascade round (price at round 1's start, then after each round's sales)",
            lines,
            new ValueAxis("Price change since round 1 start (%)", v => ReportFormat.Tick(v) + "%"),
            includeZero: true);
        page.Append(chart.Finish());

        page.Append("<div class=\"table-wrap\"><table><thead><tr><th>Asset</th><th class=\"num\">Round 1 start (USD)</th><th class=\"num\">After the last round (USD)</th><th class=\"num\">Change from the cascade</th></tr></thead><tbody>");
        foreach (var (asset, start, end) in table)
        {
            page.Append(s_invariant, $"<tr><td>{E(asset)}</td><td class=\"num\">{ReportFormat.Price(start)}</td><td class=\"num\">{ReportFormat.Price(end)}</td><td class=\"num\">{ReportFormat.SignedPercent((double)((end / start) - 1) * 100)}</td></tr>");
        }

        page.Append("</tbody></table></div>");
    }

    private static ChartDatum PricePoint(string asset, int step, decimal price, decimal start)
    {
        var change = (double)((price / start) - 1) * 100;
        var when = step == 0 ? "at round 1's start" : $"after round {step.ToString(s_invariant)}";
        return new ChartDatum(change, ReportFormat.Data(change), $"{asset} {when}: {ReportFormat.Price(price)} USD ({ReportFormat.SignedPercent(change)} since round 1's start)");
    }

    private static void CurveSection(ReportData data, StringBuilder page)
    {
        page.Append("<section id=\"curve\"><h2>Sensitivity curve</h2>");
        if (data.Curve is not { } curve)
        {
            page.Append("<p class=\"lead\">Liquidatable accounts and shortfall as one asset's price moves, everything else as in the scenario.</p>");
            Empty(page, "No sensitivity curve was requested for this run (margin stress --curve ASSET[:FROM:TO:STEP] asks for one).");
            page.Append("</section>\n");
            return;
        }

        page.Append(s_invariant, $"<p class=\"lead\">Liquidatable accounts and shortfall as {E(curve.Asset)} moves, everything else as in the scenario; each point is a first-round evaluation at that move.</p>");
        if (curve.Points.Length == 0)
        {
            Empty(page, $"The curve for {curve.Asset} has no points.");
            page.Append("</section>\n");
            return;
        }

        var moves = curve.Points.Select(p => p.Move * 100).ToList();
        var chart = new SvgChart("curve", ChartWidth, 360, $"Sensitivity of the book to {curve.Asset}: liquidatable accounts and shortfall by price move");
        var half = ChartWidth / 2;
        chart.PanelTitle(new ChartBox(60, 0, half, 22), "Liquidatable accounts");
        chart.PanelTitle(new ChartBox(half + 70, 0, half, 22), "Shortfall");
        var leftLegend = chart.Legend(70, 24, half - 80, [new LegendItem("Liquidatable (bankrupt included)", Danger, Line: true), new LegendItem("Bankrupt", "#7F1D1D", Line: true, "5 3")]);
        var rightLegend = chart.Legend(half + 80, 24, half - 90, [new LegendItem("Shortfall", Primary, Line: true)]);
        var top = 24 + Math.Max(leftLegend, rightLegend);
        var xTitle = $"{curve.Asset} price move (%)";
        var move = (Func<double, string>)(m => ReportFormat.SignedPercent(m));
        chart.Lines(
            new ChartBox(0, top, half - 10, 360 - top),
            moves,
            move,
            xTitle,
            [
                new LineSeries("Liquidatable", Danger, null, [.. curve.Points.Select(p => (p.Move * 100, new ChartDatum(p.Liquidatable, ReportFormat.Data(p.Liquidatable), $"{curve.Asset} {ReportFormat.Move(p.Move)}: {ReportFormat.Count(p.Liquidatable)} liquidatable accounts, {ReportFormat.Count(p.Bankrupt)} of them bankrupt")))]),
                new LineSeries("Bankrupt", "#7F1D1D", "5 3", [.. curve.Points.Select(p => (p.Move * 100, new ChartDatum(p.Bankrupt, ReportFormat.Data(p.Bankrupt), $"{curve.Asset} {ReportFormat.Move(p.Move)}: {ReportFormat.Count(p.Bankrupt)} bankrupt accounts")))]),
            ],
            new ValueAxis("Accounts", ReportFormat.Tick, Integer: true),
            includeZero: true);
        chart.Lines(
            new ChartBox(half + 10, top, half - 10, 360 - top),
            moves,
            move,
            xTitle,
            [new LineSeries("Shortfall", Primary, null, [.. curve.Points.Select(p => (p.Move * 100, new ChartDatum((double)p.Shortfall, ReportFormat.Data(p.Shortfall), $"{curve.Asset} {ReportFormat.Move(p.Move)}: shortfall {ReportFormat.UsdText(p.Shortfall)}")))])],
            new ValueAxis("Shortfall (USD)", ReportFormat.Tick),
            includeZero: true);
        page.Append(chart.Finish());

        page.Append(s_invariant, $"<div class=\"table-wrap\"><table><thead><tr><th class=\"num\">{E(curve.Asset)} move</th><th class=\"num\">Liquidatable (accounts)</th><th class=\"num\">Bankrupt (accounts)</th><th class=\"num\">Shortfall (USD)</th></tr></thead><tbody>");
        foreach (var p in curve.Points)
        {
            page.Append(s_invariant, $"<tr><td class=\"num\">{ReportFormat.Move(p.Move)}</td><td class=\"num\">{ReportFormat.Count(p.Liquidatable)}</td><td class=\"num\">{ReportFormat.Count(p.Bankrupt)}</td><td class=\"num\">{ReportFormat.Usd(p.Shortfall)}</td></tr>");
        }

        page.Append("</tbody></table></div></section>\n");
    }

    private static string E(string text) => HtmlText.Escape(text);

    /// <summary>The sentence that stands for an empty section; plain text (escaped here), so callers pass data unescaped.</summary>
    private static void Empty(StringBuilder page, string why) => page.Append(s_invariant, $"<p class=\"empty\">{E(why)}</p>");

    private static string Optional(string? text) => text is null ? NotRecorded : E(text);

    private static string YesNo(bool value, string yes, string no) =>
        value ? $"<span class=\"ok\">{yes}</span>" : $"<span class=\"bad\">{no}</span>";

    private static string Badge(string status) => $"<span class=\"badge s-{E(status)}\">{E(status)}</span>";

    private static string Share(long part, long total) => total == 0 ? "0%" : ReportFormat.Share((double)part / total);

    private const string Css = """
        :root { --ink: #1f2933; --muted: #5f6b7a; --line: #d9dee5; --bg: #f3f5f8; --card: #fff; --accent: #1d4ed8; }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", "Liberation Sans", Arial, sans-serif; }
        main { max-width: 1140px; margin: 0 auto; padding: 24px; }
        header.top { background: #0f172a; color: #f8fafc; padding: 20px 24px; border-radius: 10px; }
        header.top code { color: #bfdbfe; }
        .kind { text-transform: uppercase; letter-spacing: .08em; font-size: 12px; color: #93c5fd; }
        h1 { margin: 4px 0 6px; font-size: 24px; line-height: 1.25; overflow-wrap: anywhere; }
        p.id { margin: 0; color: #cbd5e1; }
        .facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 10px 24px; margin: 16px 0 0; }
        .facts div { border-left: 3px solid #334155; padding-left: 10px; }
        .facts dt { font-size: 11px; text-transform: uppercase; letter-spacing: .05em; color: #94a3b8; }
        .facts dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
        nav { margin: 16px 0; display: flex; flex-wrap: wrap; gap: 8px; }
        nav a { color: var(--accent); text-decoration: none; background: #e0e7ff; padding: 4px 12px; border-radius: 999px; font-size: 13px; }
        section { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 18px 22px; margin: 16px 0; }
        h2 { margin: 0 0 4px; font-size: 19px; }
        h3 { font-size: 15px; margin: 20px 0 6px; }
        p.lead { color: var(--muted); margin: 0 0 10px; max-width: 900px; }
        p.empty { background: #fff7ed; border: 1px dashed #fdba74; color: #9a3412; padding: 12px 14px; border-radius: 8px; }
        p.muted, .muted { color: var(--muted); }
        svg.chart { width: 100%; height: auto; display: block; margin: 8px 0 12px; }
        svg.chart text { font-family: inherit; font-size: 12px; fill: #334155; }
        svg.chart .axis-title, svg.chart .panel-title { font-weight: 600; fill: #1f2933; }
        svg.chart .panel-title { font-size: 13px; }
        svg.chart .bar-label { font-size: 11px; fill: #1f2933; }
        svg.chart .missing { font-size: 11px; font-style: italic; fill: #64748b; }
        svg.chart .bar-label { paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
        svg.chart .axis line { stroke: #94a3b8; }
        svg.chart .grid line { stroke: #e5e7eb; }
        svg.chart rect[data-value]:hover, svg.chart circle[data-value]:hover { opacity: .75; }
        .table-wrap { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 6px 0 4px; }
        th, td { padding: 6px 10px; border-bottom: 1px solid #e5e7eb; text-align: left; vertical-align: top; }
        thead th { background: #f1f5f9; font-weight: 600; color: #334155; }
        tfoot th { background: #f8fafc; border-top: 2px solid #cbd5e1; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        td.num { white-space: nowrap; }
        td code { overflow-wrap: break-word; }
        td.account code { white-space: nowrap; }
        tbody tr:nth-child(even) { background: #fafbfc; }
        tbody tr:hover { background: #eef2ff; }
        td.reason { min-width: 260px; }
        .badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; white-space: nowrap; }
        .s-Healthy { background: #dcfce7; color: #166534; }
        .s-Warning { background: #fef9c3; color: #854d0e; }
        .s-ReduceOnly { background: #ffedd5; color: #9a3412; }
        .s-MarginCall { background: #fed7aa; color: #9a3412; }
        .s-Liquidatable { background: #fee2e2; color: #991b1b; }
        .s-Bankrupt { background: #7f1d1d; color: #fff; }
        .s-Failed { background: #e5e7eb; color: #374151; }
        .ok { color: #15803d; font-weight: 600; }
        .bad { color: #b91c1c; font-weight: 600; }
        code { font-family: ui-monospace, "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 12.5px; overflow-wrap: anywhere; }
        ul.notes li { margin: 4px 0; }
        footer { color: var(--muted); font-size: 12px; text-align: center; margin: 24px 0 8px; }
        """;
}
