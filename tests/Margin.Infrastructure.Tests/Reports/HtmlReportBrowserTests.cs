using Margin.Infrastructure.Reports;
using Margin.Testing.Browser;

namespace Margin.Infrastructure.Tests.Reports;

/// <summary>
/// The report in a real headless Chromium: it loads with no console error and no network request, every chart renders
/// with data, and a full-page screenshot is kept under <c>.artifacts/test-results/screenshots/</c>.
/// </summary>
[Collection(SharedChromium.Name)]
public sealed class HtmlReportBrowserTests(ChromiumFixture fixture)
{
    [Fact]
    public async Task SweepReport_InChromium_LoadsCleanAndRendersEveryChart()
    {
        var data = SampleReports.Sweep();

        await using var page = await OpenAsync(data, "sweep-report");

        await AssertCleanAsync(page, data);
        var charts = await ChartsAsync(page);
        Assert.Equal(["status", "ratios", "flows", "freshness"], charts.Select(c => c.Name));
        AssertRendered(charts);
        // One element per datum: a bar per status and per histogram bucket, per asset with depth, per price.
        Assert.Equal(data.StatusCounts.Length, charts.Single(c => c.Name == "status").Values);
        Assert.Equal(data.RatioHistogram.Length, charts.Single(c => c.Name == "ratios").Values);
        Assert.Equal(data.AssetFlows.Count(f => f.DepthUsd > 0), charts.Single(c => c.Name == "flows").Values);
        Assert.Equal(data.Prices.Length, charts.Single(c => c.Name == "freshness").Values);
        Assert.Equal(20, await page.EvaluateAsync<int>("document.querySelectorAll('#worst tbody tr').length"));
        await AssertScreenshotAsync(page, "sweep-report");
    }

    [Fact]
    public async Task StressReport_InChromium_LoadsCleanAndRendersEveryChart()
    {
        var data = SampleReports.Stress();

        await using var page = await OpenAsync(data, "stress-report");

        await AssertCleanAsync(page, data);
        var charts = await ChartsAsync(page);
        Assert.Equal(["status", "ratios", "flows", "freshness", "cascade", "prices", "curve"], charts.Select(c => c.Name));
        AssertRendered(charts);
        var rounds = data.Cascade!.Rounds;
        Assert.Equal(2 * data.StatusCounts.Length, charts.Single(c => c.Name == "status").Values);
        Assert.Equal(2 * rounds.Length, charts.Single(c => c.Name == "cascade").Values);
        Assert.Equal(rounds[0].Prices.Length * (rounds.Length + 1), charts.Single(c => c.Name == "prices").Values);
        Assert.Equal(3 * data.Curve!.Points.Length, charts.Single(c => c.Name == "curve").Values);
        Assert.Contains("not recorded", await page.EvaluateAsync<string>("document.querySelector('#prices').innerText"), StringComparison.Ordinal);
        await AssertScreenshotAsync(page, "stress-report");
    }

    [Fact]
    public async Task ManyAssetsAndCurvePoints_InChromium_RenderEveryDatum()
    {
        // 24 assets (rotated labels, a legend over several rows, dashed lines past the palette) and a 41-point curve.
        var stress = SampleReports.Stress();
        var assets = Enumerable.Range(0, 24).Select(i => "ASSET" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var data = stress with
        {
            AssetFlows = [.. assets.Select((a, i) => stress.AssetFlows[0] with { Asset = a, SoldUsd = 10_000m * (i + 1), DepthUsd = 200_000m })],
            Prices = [.. assets.Select((a, i) => stress.Prices[0] with { Asset = a, AgeSeconds = i % 7, Usable = i % 5 != 0 })],
            Cascade = stress.Cascade! with
            {
                Rounds = [.. stress.Cascade.Rounds.Select(r => r with { Prices = [.. assets.Select((a, i) => new ReportRoundPrice { Asset = a, Start = 100m - r.Round - i, AfterImpact = 100m - r.Round - i - 1 })] })],
            },
            Curve = new ReportCurve
            {
                Asset = "ETH",
                Points = [.. Enumerable.Range(0, 41).Select(i => new ReportCurvePoint { Move = 0.5 - (i * 0.025), Liquidatable = i * i, Bankrupt = i, Shortfall = 1_000m * i * i })],
            },
        };

        await using var page = await OpenAsync(data, "many-assets-report");

        await AssertCleanAsync(page, data);
        var charts = await ChartsAsync(page);
        AssertRendered(charts);
        Assert.Equal(assets.Count, charts.Single(c => c.Name == "flows").Values);
        Assert.Equal(assets.Count, charts.Single(c => c.Name == "freshness").Values);
        Assert.Equal(assets.Count * (data.Cascade.Rounds.Length + 1), charts.Single(c => c.Name == "prices").Values);
        Assert.Equal(3 * 41, charts.Single(c => c.Name == "curve").Values);
        await AssertScreenshotAsync(page, "many-assets-report");
    }

    [Fact]
    public async Task HostileText_InChromium_IsShownAsTextAndRunsNothing()
    {
        const string Id = "<img src=x onerror=\"console.error('escaped-not')\"><script>console.error('ran')</script>";
        var data = SampleReports.Sweep() with
        {
            Title = "Sweep <script>console.error('title')</script>",
            WorstAccounts = [SampleReports.Sweep().WorstAccounts[0] with { AccountId = Id, Reason = "</td></tr></table><img src=\"http://127.0.0.1:9/r.png\">" }],
        };

        await using var page = await OpenAsync(data, "hostile-report");

        await AssertCleanAsync(page, data);
        Assert.Equal(Id, await page.EvaluateAsync<string>("document.querySelector('#worst tbody code').textContent"));
        Assert.Equal(0, await page.EvaluateAsync<int>("document.querySelectorAll('body script, body img').length"));
    }

    private Task<BrowserPage> OpenAsync(ReportData data, string name) => ReportPages.OpenAsync(fixture.Chromium, fixture.Pages, data, name);

    private static Task AssertCleanAsync(BrowserPage page, ReportData data) => ReportPages.AssertCleanAsync(page, data);

    private static Task<ReportPages.ChartInfo[]> ChartsAsync(BrowserPage page) => ReportPages.ChartsAsync(page);

    private static void AssertRendered(IEnumerable<ReportPages.ChartInfo> charts) => ReportPages.AssertRendered(charts);

    private static Task AssertScreenshotAsync(BrowserPage page, string name) => ReportPages.AssertScreenshotAsync(page, name);
}
