using System.Globalization;
using System.Text.RegularExpressions;
using Margin.Infrastructure.Reports;

namespace Margin.Infrastructure.Tests.Reports;

public sealed partial class HtmlReportWriterTests
{
    private const string Hostile = "<script>alert(\"x\")</script>&'";
    private const string HostileEscaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;";

    [Fact]
    public void Write_SweepReport_HasEverySweepSectionAndChart()
    {
        var html = HtmlReportWriter.Write(SampleReports.Sweep());

        foreach (var section in new[] { "status", "ratios", "worst", "flows", "prices", "notes" })
        {
            Assert.Contains($"<section id=\"{section}\">", html, StringComparison.Ordinal);
        }

        Assert.Equal(["status", "ratios", "flows", "freshness"], Charts(html));
        Assert.DoesNotContain("id=\"cascade\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"curve\"", html, StringComparison.Ordinal);
        Assert.Contains("<title>Sweep 20250301T120000Z-7f3a</title>", html, StringComparison.Ordinal);
        Assert.Contains("Sweep report", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_StressReport_HasTheCascadeAndTheCurve()
    {
        var data = SampleReports.Stress();

        var html = HtmlReportWriter.Write(data);

        Assert.Equal(HtmlReportWriter.ChartNames, Charts(html));
        Assert.Contains("First round", html, StringComparison.Ordinal);
        Assert.Contains("After cascade", html, StringComparison.Ordinal);
        Assert.Contains("no new liquidation in round 5", html, StringComparison.Ordinal);
        Assert.Contains("BTC price move (%)", html, StringComparison.Ordinal);
        // Every datum is an element with a value: 7 statuses x 2 series, 2 per round, 5 assets x 6 steps, 3 lines x 11 points.
        Assert.Equal(14, DataValues(html, "status"));
        Assert.Equal(2 * data.Cascade!.Rounds.Length, DataValues(html, "cascade"));
        Assert.Equal(5 * 6, DataValues(html, "prices"));
        Assert.Equal(3 * 11, DataValues(html, "curve"));
    }

    [Fact]
    public void Write_Charts_HaveAxisTitlesWithUnitsLegendsAndATooltipPerDatum()
    {
        var html = HtmlReportWriter.Write(SampleReports.Stress());

        foreach (var title in new[] { "Accounts", "Sold / depth (%)", "Price age (seconds)", "New liquidations (accounts)", "Volume sold (USD)", "Price change since round 1 start (%)", "Shortfall (USD)" })
        {
            Assert.Contains($">{title}</text>", html, StringComparison.Ordinal);
        }

        // A legend on every chart but the cascade's two panels, whose titles say what they show; two on the curve's panels.
        Assert.Equal(7, Regex.Count(html, "<g class=\"legend\">"));
        // Every element carrying a value carries its tooltip.
        var data = DataElement().Matches(html);
        Assert.NotEmpty(data);
        Assert.All(data, m => Assert.StartsWith("<title>", m.Groups["after"].Value, StringComparison.Ordinal));
    }

    [Fact]
    public void Write_HostileText_IsEscapedEverywhere()
    {
        var sweep = SampleReports.Sweep();
        var data = sweep with
        {
            Title = Hostile,
            Id = Hostile,
            Facts = [new ReportFact(Hostile, Hostile)],
            WorstAccounts = [sweep.WorstAccounts[0] with { AccountId = Hostile, Reason = Hostile }],
            AssetFlows = [sweep.AssetFlows[0] with { Asset = Hostile }],
            Prices = [sweep.Prices[0] with { Asset = Hostile, Reason = Hostile }],
            Guard = new ReportGuardDecisions
            {
                Quotes = [sweep.Guard!.Quotes[0] with { Asset = Hostile, Source = Hostile, Used = false, Rejection = Hostile }],
                Failures = [new ReportSourceFailure { Source = Hostile, Problem = Hostile }],
            },
            Notes = [Hostile],
        };

        var html = HtmlReportWriter.Write(data);

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("alert(\"x\")", html, StringComparison.Ordinal);
        Assert.DoesNotContain("&amp;lt;", html, StringComparison.Ordinal);
        // Title, id twice, fact label and value, account, reason, asset in the flow chart (category, tooltip) and table,
        // price asset and reason (chart and table), quote asset, source, rejection, failure source and problem, note.
        Assert.True(Regex.Count(html, Regex.Escape(HostileEscaped)) >= 15, html);
    }

    [Fact]
    public void Write_LargestOrders_ListsEachOrderWithItsLegs_EscapedOnce()
    {
        var data = SampleReports.Stress() with
        {
            LargestOrders =
            [
                new ReportOrder
                {
                    AccountId = Hostile,
                    Status = "Bankrupt",
                    Value = 1_234_567.5m,
                    Cost = 1_000m,
                    Shortfall = 250m,
                    Legs =
                    [
                        new ReportOrderLeg { Side = "Sell", Quantity = 1.5m, Target = "BTC", LimitPrice = 60_000m, Value = 90_000m },
                        new ReportOrderLeg { Side = "Buy", Quantity = 10m, Target = Hostile, LimitPrice = 1.01m, Value = 10.1m },
                    ],
                },
            ],
        };

        var html = HtmlReportWriter.Write(data);

        Assert.Contains("The largest orders", html, StringComparison.Ordinal);
        Assert.Contains("Sell 1.5 BTC at &gt;= 60,000 (90,000.00 USD)", html, StringComparison.Ordinal);
        Assert.Contains("1,234,567.50", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("&amp;lt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("The largest orders", HtmlReportWriter.Write(SampleReports.Stress() with { LargestOrders = [] }), StringComparison.Ordinal);
    }

    [Fact]
    public void Write_HostileTextInStressSections_IsEscapedOnce()
    {
        var stress = SampleReports.Stress();
        var rounds = stress.Cascade!.Rounds;
        var withRounds = stress with
        {
            Cascade = new ReportCascade { Rounds = [.. rounds.Select(r => r with { Prices = [r.Prices[0] with { Asset = Hostile }] })], StopReason = Hostile },
            Curve = stress.Curve! with { Asset = Hostile },
            StatusCounts = [],
        };
        var empty = stress with { Cascade = new ReportCascade { Rounds = [], StopReason = Hostile }, Curve = new ReportCurve { Asset = Hostile, Points = [] } };

        foreach (var html in new[] { HtmlReportWriter.Write(withRounds), HtmlReportWriter.Write(empty) })
        {
            Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("&amp;lt;", html, StringComparison.Ordinal);
            Assert.Contains(HostileEscaped, html, StringComparison.Ordinal);
        }

        Assert.Contains($"The cascade ran no round: {HostileEscaped}.", HtmlReportWriter.Write(empty), StringComparison.Ordinal);
        Assert.Contains($"The curve for {HostileEscaped} has no points.", HtmlReportWriter.Write(empty), StringComparison.Ordinal);
    }

    [Fact]
    public void Write_Page_FetchesNothing()
    {
        var html = HtmlReportWriter.Write(SampleReports.Stress());

        Assert.Contains($"<meta http-equiv=\"Content-Security-Policy\" content=\"{HtmlReportWriter.ContentSecurityPolicy}\">", html, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", HtmlReportWriter.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.DoesNotContain(" src=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("://", html, StringComparison.Ordinal);
        var hrefs = Href().Matches(html).Select(m => m.Groups["target"].Value).ToList();
        Assert.NotEmpty(hrefs);
        Assert.All(hrefs, h => Assert.StartsWith("#", h, StringComparison.Ordinal));
    }

    [Fact]
    public void Write_EmptySweep_SaysWhyForEverySection()
    {
        var data = new ReportData { Kind = ReportKind.Sweep, Title = "Empty sweep", Id = "s-1", GeneratedAt = SampleReports.GeneratedAt };

        var html = HtmlReportWriter.Write(data);

        Assert.Empty(Charts(html));
        Assert.Contains("No account was evaluated", html, StringComparison.Ordinal);
        Assert.Contains("No margin ratios were recorded", html, StringComparison.Ordinal);
        Assert.Contains("No account results to rank", html, StringComparison.Ordinal);
        Assert.Contains("No liquidation orders would be issued", html, StringComparison.Ordinal);
        Assert.Contains("No prices were recorded", html, StringComparison.Ordinal);
        Assert.Contains("Guard decisions were not recorded", html, StringComparison.Ordinal);
        Assert.Equal(6, Regex.Count(html, "<p class=\"empty\">"));
        Assert.DoesNotContain("<table", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_StressWithoutCascadeOrCurve_SaysWhy()
    {
        var data = new ReportData { Kind = ReportKind.Stress, Title = "Empty stress", Id = "r-1", GeneratedAt = SampleReports.GeneratedAt };

        var html = HtmlReportWriter.Write(data);

        Assert.Contains("No cascade was recorded for this run.", html, StringComparison.Ordinal);
        Assert.Contains("No sensitivity curve was requested for this run", html, StringComparison.Ordinal);
        Assert.Empty(Charts(html));
    }

    [Fact]
    public void Write_CascadeWithoutRoundsOrPrices_SaysWhy()
    {
        var noRounds = HtmlReportWriter.Write(SampleReports.Stress() with { Cascade = new ReportCascade { Rounds = [], StopReason = "the book was empty" } });
        var stress = SampleReports.Stress();
        var noPrices = HtmlReportWriter.Write(stress with { Cascade = stress.Cascade! with { Rounds = [.. stress.Cascade.Rounds.Select(r => r with { Prices = [] })] } });

        Assert.Contains("The cascade ran no round: the book was empty.", noRounds, StringComparison.Ordinal);
        Assert.DoesNotContain("data-chart=\"cascade\"", noRounds, StringComparison.Ordinal);
        Assert.Contains("No asset prices were recorded per round", noPrices, StringComparison.Ordinal);
        Assert.Contains("data-chart=\"cascade\"", noPrices, StringComparison.Ordinal);
        Assert.DoesNotContain("data-chart=\"prices\"", noPrices, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_FlowsWithoutDepth_SayNoDepthAndDrawNoBar()
    {
        var data = SampleReports.Sweep();
        var noDepth = data with { AssetFlows = [.. data.AssetFlows.Select(f => f with { DepthUsd = 0 })] };

        var html = HtmlReportWriter.Write(data);
        var none = HtmlReportWriter.Write(noDepth);

        Assert.Equal(data.AssetFlows.Length - 1, DataValues(html, "flows"));
        Assert.Contains(">no depth</text>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("data-chart=\"flows\"", none, StringComparison.Ordinal);
        Assert.Contains("No asset with orders has a depth", none, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_InfiniteRatio_ShowsTheInfinitySign()
    {
        var data = SampleReports.Stress();
        var bankrupt = data.WorstAccounts.First(a => double.IsPositiveInfinity(a.MarginRatio));

        var html = HtmlReportWriter.Write(data with { WorstAccounts = [bankrupt] });

        Assert.Contains("<td class=\"num\">∞</td>", html, StringComparison.Ordinal);
        Assert.Contains("data-category=\"∞\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Infinity", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Write_UnderACultureWithOtherSeparators_UsesInvariantNumbers()
    {
        // InvariantGlobalization is on, so de-DE cannot be created: a clone of the invariant culture with its separators.
        var german = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        german.NumberFormat.NumberDecimalSeparator = ",";
        german.NumberFormat.NumberGroupSeparator = ".";
        german.NumberFormat.PercentDecimalSeparator = ",";
        german.NumberFormat.PercentGroupSeparator = ".";
        german.NumberFormat.PositiveInfinitySymbol = "unendlich";
        german.DateTimeFormat.DateSeparator = ".";
        var data = SampleReports.Stress();
        var invariant = HtmlReportWriter.Write(data);
        var before = CultureInfo.CurrentCulture;
        string html;
        try
        {
            CultureInfo.CurrentCulture = german;
            CultureInfo.CurrentUICulture = german;
            Assert.Equal("1.234,5", 1234.5.ToString("#,##0.0", CultureInfo.CurrentCulture));
            html = HtmlReportWriter.Write(data);
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
            CultureInfo.CurrentUICulture = before;
        }

        Assert.Equal(invariant, html);
        Assert.Contains("<td class=\"num\">40,000,000.00</td>", html, StringComparison.Ordinal);
        Assert.Contains("2025-03-01 12:04:31 UTC", html, StringComparison.Ordinal);
        Assert.DoesNotContain("unendlich", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_SameData_SamePage()
    {
        Assert.Equal(HtmlReportWriter.Write(SampleReports.Stress()), HtmlReportWriter.Write(SampleReports.Stress()));
    }

    [Fact]
    public void Write_TextWriter_WritesThePage()
    {
        var data = SampleReports.Sweep();
        using var writer = new StringWriter(CultureInfo.InvariantCulture);

        HtmlReportWriter.Write(data, writer);

        Assert.Equal(HtmlReportWriter.Write(data), writer.ToString());
        Assert.StartsWith("<!DOCTYPE html>", writer.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Write_Facts_AreInTheHeaderInOrder()
    {
        var html = HtmlReportWriter.Write(SampleReports.Stress());

        var header = html[..html.IndexOf("</header>", StringComparison.Ordinal)];
        var scenario = header.IndexOf("<dt>Scenario</dt><dd>BTC=-25%,ETH=-30%,alts=-45%</dd>", StringComparison.Ordinal);
        var stop = header.IndexOf("<dt>Stop reason</dt><dd>no new liquidation in round 5</dd>", StringComparison.Ordinal);
        Assert.True(scenario > 0 && stop > scenario, header);
    }

    [Fact]
    public void Write_StatusCounts_ShownInStatusOrderWithTotals()
    {
        var data = SampleReports.Sweep();
        var shuffled = data with { StatusCounts = [.. data.StatusCounts.Reverse()] };

        var html = HtmlReportWriter.Write(shuffled);

        var categories = Regex.Matches(html, "data-chart=\"status\".*?</svg>", RegexOptions.Singleline)[0].Value;
        var order = Regex.Matches(categories, "data-category=\"(?<c>[^\"]+)\"").Select(m => m.Groups["c"].Value).ToList();
        Assert.Equal(ReportStatusCount.Order, order);
        Assert.Contains("<th>Total</th><th class=\"num\">12,480</th>", html, StringComparison.Ordinal);
        Assert.Contains($"<span class=\"badge s-{ReportStatusCount.Failed}\">", html, StringComparison.Ordinal);
    }

    private static List<string> Charts(string html) =>
        [.. Regex.Matches(html, "<svg [^>]*data-chart=\"(?<name>[^\"]+)\"").Select(m => m.Groups["name"].Value)];

    private static int DataValues(string html, string chart)
    {
        var svg = Regex.Match(html, $"<svg [^>]*data-chart=\"{chart}\".*?</svg>", RegexOptions.Singleline);
        Assert.True(svg.Success, $"no chart {chart}");
        return Regex.Count(svg.Value, "data-value=\"");
    }

    [GeneratedRegex("data-value=\"[^\"]*\"[^>]*>(?<after>.{0,7})", RegexOptions.Singleline)]
    private static partial Regex DataElement();

    [GeneratedRegex("href=\"(?<target>[^\"]*)\"")]
    private static partial Regex Href();
}
