using Margin.Engine.Oracles;
using Margin.Infrastructure.Documents;
using Margin.Infrastructure.Reports;
using Margin.Infrastructure.Stress;
using Margin.Infrastructure.Tests.Azurite;
using Margin.Infrastructure.Tests.Reports;
using Margin.Sweep.Prices;
using Margin.Sweep.Seeding;
using Margin.Sweep.Stress;
using Margin.Sweep.UseCases;
using Margin.Testing.Browser;

namespace Margin.Integration.Tests.Reports;

/// <summary>
/// The reports of a real sweep and a real stress run of a generated book on Azurite, built from what the stores hold
/// (receipts, results, orders, the snapshot and the guard's decisions; the stored stress result), opened in a real
/// headless Chromium: no console error, no network request, every chart drawn with the run's data, a screenshot kept.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class ReportEndToEndTests(AzuriteInstance azurite) : IAsyncLifetime
{
    private const int Accounts = 2_000;
    private readonly string _pages = Directory.CreateTempSubdirectory("margin-e2e-report-").FullName;
    private HeadlessChromium? _chromium;

    public async Task InitializeAsync() => _chromium = await HeadlessChromium.StartAsync();

    public async Task DisposeAsync()
    {
        if (_chromium is not null)
        {
            await _chromium.DisposeAsync();
        }

        Directory.Delete(_pages, recursive: true);
    }

    [Fact]
    public async Task SweepAndStressReports_FromStoredRuns_RenderInChromiumWithTheirData()
    {
        var parametersJson = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "examples", "demo", "parameters.json"));
        var (asOf, market) = MarketDocument.Read(await File.ReadAllTextAsync(Path.Combine(Repository.Root, "examples", "demo", "market.json")));
        var world = await World.CreateAsync(azurite, asOf.AddSeconds(30), partitions: 16, new Sweep.Options.SweepOptions { WorkItems = 4 });
        var parameters = await world.UseParametersAsync(parametersJson);
        var snapshot = ReferenceSnapshot.Create("demo-reference", asOf, parameters, market);
        await world.UseSnapshotAsync(snapshot);
        await world.Storage.Snapshots.WriteDecisionsAsync(snapshot.Id, Decisions(snapshot));
        await world.Storage.Accounts.UpsertAsync([.. new BookGenerator(parameters, snapshot).Generate(Accounts, seed: 11)], CancellationToken.None);
        var sweepId = await world.SweepAsync(workers: 2);

        var stress = Stress(world);
        var run = (await stress.Start.ExecuteAsync(new StressRequest { Historical = "2022-11-08-ftx-collapse" }, enqueue: false)).Record!;
        Assert.Equal(StressRunOutcomeKind.Completed, (await stress.Run.ExecuteAsync(run.RunId)).Kind);

        var builder = ReportBuilder.Create(world.Storage, world.Time);
        var sweep = (await builder.SweepAsync("latest")).Data!;
        var stressed = (await builder.StressAsync(run.RunId)).Data!;

        // The sweep's page carries the sweep's own figures.
        var receipts = await world.ReceiptsAsync(sweepId);
        Assert.Equal(sweepId, sweep.Id);
        Assert.Equal(Accounts, sweep.StatusCounts.Sum(c => c.Accounts));
        Assert.Equal(receipts.Sum(r => r.ByStatus.GetValueOrDefault(Engine.Results.MarginStatus.Liquidatable)), sweep.StatusCounts.Single(c => c.Status == "Liquidatable").Accounts);
        Assert.Equal(Accounts, sweep.RatioHistogram.Sum(b => b.Accounts));
        Assert.Equal(20, sweep.WorstAccounts.Length);
        Assert.Equal((await world.OrdersAsync()).Count, receipts.Sum(r => r.Orders));
        Assert.NotEmpty(sweep.AssetFlows);
        Assert.Equal(Math.Min(20, receipts.Sum(r => r.Orders)), sweep.LargestOrders.Length);
        Assert.True(sweep.LargestOrders.Zip(sweep.LargestOrders.Skip(1)).All(p => p.First.Value >= p.Second.Value));
        Assert.Contains(sweep.Guard!.Quotes, q => q is { Asset: "BTC", Source: "spiky", Used: false });

        await using (var page = await OpenAsync(sweep, "e2e-sweep-report"))
        {
            await AssertCleanAsync(page, sweep);
            var charts = await ChartsAsync(page);
            Assert.Equal(["status", "ratios", "flows", "freshness"], charts.Select(c => c.Name));
            ReportPages.AssertRendered(charts);
            Assert.Contains("spiky", await page.EvaluateAsync<string>("document.body.innerText"), StringComparison.Ordinal);
            await AssertScreenshotAsync(page, "e2e-sweep-report");
        }

        // The stress page carries the run's cascade and curve.
        var result = (await world.Storage.StressRuns.GetResultAsync(run.RunId))!;
        Assert.Equal(result.Cascade.Rounds.Length, stressed.Cascade!.Rounds.Length);
        Assert.Equal(11, stressed.Curve!.Points.Length);
        Assert.Equal(result.Cascade.Rounds[0].LargestOrders.Select(o => o.AccountId), stressed.LargestOrders.Select(o => o.AccountId));
        Assert.Contains(stressed.Guard!.Quotes, q => q is { Asset: "BTC", Source: "spiky", Used: false });
        Assert.Equal(result.Accounts, stressed.RatioHistogram.Sum(b => b.Accounts) + result.Cascade.Initial.Failed);
        Assert.Equal(result.Cascade.Initial.LiquidatableOrWorse, stressed.StatusCounts.Where(c => c.Status is "Liquidatable" or "Bankrupt").Sum(c => c.Accounts));
        await using (var page = await OpenAsync(stressed, "e2e-stress-report"))
        {
            await AssertCleanAsync(page, stressed);
            var charts = await ChartsAsync(page);
            Assert.Equal(["status", "ratios", "flows", "freshness", "cascade", "prices", "curve"], charts.Select(c => c.Name));
            ReportPages.AssertRendered(charts);
            Assert.Equal(2 * result.Cascade.Rounds.Length, charts.Single(c => c.Name == "cascade").Values);
            Assert.Equal(3 * 11, charts.Single(c => c.Name == "curve").Values);
            var text = await page.EvaluateAsync<string>("document.body.innerText");
            Assert.Contains("2022-11-08-ftx-collapse", text, StringComparison.Ordinal);
            Assert.Contains("spiky", text, StringComparison.Ordinal);
            await AssertScreenshotAsync(page, "e2e-stress-report");
        }
    }

    private static Infrastructure.Composition.StressServices Stress(World world) =>
        Infrastructure.Composition.StressServices.Create(world.Storage, world.Options, new FileScenarioCatalog(Path.Combine(Repository.Root, "scenarios")), world.Time, enqueue: false);

    // Two sources agree on every asset's reference price; a third quotes BTC 30 % high and is dropped as an outlier.
    private static PriceDecisions Decisions(Engine.Prices.PriceSnapshot snapshot)
    {
        var guard = OracleGuardOptions.Create(TimeSpan.FromMinutes(2), 0.05m, 0.05m, 1, 0.5m, 2);
        var decisions = new List<OracleDecision>();
        foreach (var (symbol, price) in snapshot.Assets.Where(kv => kv.Key != "USD"))
        {
            var quotes = new List<OracleQuote>
            {
                OracleQuote.Create("alpha", price.Asset, price.Price, 0m, snapshot.AsOf.AddSeconds(-3)),
                OracleQuote.Create("beta", price.Asset, price.Price, 0m, snapshot.AsOf.AddSeconds(-5)),
            };
            if (symbol == "BTC")
            {
                quotes.Add(OracleQuote.Create("spiky", price.Asset, price.Price * 1.3m, 0m, snapshot.AsOf.AddSeconds(-1)));
            }

            decisions.Add(OracleAggregator.Aggregate(price.Asset, quotes, snapshot.AsOf, price.Price, null, guard));
        }

        return PriceDecisions.From(decisions, [new SourceFailure("gamma", "HTTP 503 Service Unavailable")]);
    }

    private Task<BrowserPage> OpenAsync(ReportData data, string name) => ReportPages.OpenAsync(_chromium!, _pages, data, name);

    private static Task AssertCleanAsync(BrowserPage page, ReportData data) => ReportPages.AssertCleanAsync(page, data);

    private static Task<ReportPages.ChartInfo[]> ChartsAsync(BrowserPage page) => ReportPages.ChartsAsync(page);

    private static Task AssertScreenshotAsync(BrowserPage page, string name) => ReportPages.AssertScreenshotAsync(page, name);
}
