using System.Diagnostics;
using System.Diagnostics.Metrics;
using Margin.Engine.Domain;
using Margin.Engine.Oracles;
using Margin.Sweep.Options;
using Margin.Sweep.Ports;
using Margin.Sweep.Prices;
using Margin.Sweep.Telemetry;
using Margin.Sweep.Tests.Support;
using Margin.Sweep.UseCases;

namespace Margin.Sweep.Tests.Telemetry;

/// <summary>RefreshPrices' span and margin.price.age per asset of the snapshot it wrote.</summary>
public sealed class RefreshPricesTelemetryTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly InMemoryStores _stores = new(4);
    private readonly InMemoryPriceHistoryStore _history = new();
    private readonly ManualTime _time = new(Now);

    public RefreshPricesTelemetryTests()
    {
        _stores.Parameters.Add(DemoMarket.Parameters);
        _stores.Parameters.ActivateAsync(DemoMarket.Parameters.Version).GetAwaiter().GetResult();
    }

    private RefreshPrices Refresh(IOracleSource source) =>
        new([source], _stores.Snapshots, _history, _stores.Parameters, new PriceRefreshOptions(), _time);

    // Each asset published its age in seconds ago: 1 s for the first, 2 s for the second, and so on.
    private static Dictionary<string, TimeSpan> Ages(IEnumerable<string> symbols) =>
        symbols.Order(StringComparer.Ordinal).Select((s, i) => (s, TimeSpan.FromSeconds(i + 1))).ToDictionary(p => p.s, p => p.Item2, StringComparer.Ordinal);

    [Fact]
    public async Task ExecuteAsync_RecordsEachAssetsPriceAge_ButNotTheSettlementCurrency()
    {
        var quoted = DemoMarket.Market.Where(a => !a.Asset.Equals(DemoMarket.Parameters.Settlement)).ToList();
        var ages = Ages(quoted.Select(a => a.Asset.Symbol));
        using var capture = TelemetryCapture.Start();

        var outcome = await Refresh(new AgedSource(Now, ages)).ExecuteAsync();

        var snapshot = outcome.Snapshot!;
        var recorded = capture.Of(SweepTelemetry.PriceAgeMetric);
        Assert.Equal(ages.Keys.Order(StringComparer.Ordinal), recorded.Select(m => (string)m.Tag(SweepTelemetry.AssetTag)!).Order(StringComparer.Ordinal));
        Assert.All(recorded, m =>
        {
            Assert.Equal(ages[(string)m.Tag(SweepTelemetry.AssetTag)!].TotalSeconds, m.Value, 9);
            Assert.IsType<Gauge<double>>(m.Instrument);
            Assert.Equal("s", m.Instrument.Unit);
        });
        Assert.Contains(DemoMarket.Parameters.Settlement.Symbol, snapshot.Assets.Keys);

        var span = Assert.Single(capture.Spans(SweepTelemetry.RefreshPricesSpan));
        Assert.Equal(snapshot.Id, span.GetTagItem(SweepTelemetry.SnapshotIdTag));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
    }

    [Fact]
    public async Task ExecuteAsync_APriceKeptFromTheLastSnapshot_AgesUntilQuotedAgain()
    {
        var quoted = DemoMarket.Market.Where(a => !a.Asset.Equals(DemoMarket.Parameters.Settlement)).Select(a => a.Asset.Symbol).ToList();
        await Refresh(new AgedSource(Now, Ages(quoted))).ExecuteAsync();
        var btcAge = Ages(quoted)["BTC"];
        _time.Now = Now.AddMinutes(3);
        using var capture = TelemetryCapture.Start();

        var outcome = await Refresh(new AgedSource(_time.Now, Ages(quoted), missing: "BTC")).ExecuteAsync();

        Assert.False(outcome.Snapshot!.Assets["BTC"].Usable);
        var btc = Assert.Single(capture.Of(SweepTelemetry.PriceAgeMetric), m => Equals(m.Tag(SweepTelemetry.AssetTag), "BTC"));
        Assert.Equal((TimeSpan.FromMinutes(3) + btcAge).TotalSeconds, btc.Value, 9);
    }

    [Fact]
    public async Task ExecuteAsync_NoActiveParameters_RecordsNoAgeAndTheSpanSaysWhy()
    {
        var stores = new InMemoryStores(4);
        using var capture = TelemetryCapture.Start();

        var outcome = await new RefreshPrices([new AgedSource(Now, [])], stores.Snapshots, _history, stores.Parameters, new PriceRefreshOptions(), _time).ExecuteAsync();

        Assert.Null(outcome.Snapshot);
        Assert.Empty(capture.Of(SweepTelemetry.PriceAgeMetric));
        Assert.Equal(outcome.Skipped, Assert.Single(capture.Spans(SweepTelemetry.RefreshPricesSpan)).GetTagItem("margin.skipped"));
    }

    [Fact]
    public async Task ExecuteAsync_TheStoreFails_TheSpanFailsAndNoAgeIsRecorded()
    {
        var quoted = DemoMarket.Market.Where(a => !a.Asset.Equals(DemoMarket.Parameters.Settlement)).Select(a => a.Asset.Symbol).ToList();
        var refresh = new RefreshPrices([new AgedSource(Now, Ages(quoted))], new FailingSnapshots(), _history, _stores.Parameters, new PriceRefreshOptions(), _time);
        using var capture = TelemetryCapture.Start();

        await Assert.ThrowsAsync<TimeoutException>(() => refresh.ExecuteAsync());

        Assert.Equal(ActivityStatusCode.Error, Assert.Single(capture.Spans(SweepTelemetry.RefreshPricesSpan)).Status);
        Assert.Empty(capture.Of(SweepTelemetry.PriceAgeMetric));
    }

    /// <summary>Quotes every asset it is given an age for at its demo reference price, published that long before <c>now</c>.</summary>
    private sealed class AgedSource(DateTimeOffset now, Dictionary<string, TimeSpan> ages, string? missing = null) : IOracleSource
    {
        public string SourceId => "aged";

        public Task<OracleFetch> FetchAsync(IReadOnlyList<Asset> assets, CancellationToken cancellationToken = default)
        {
            var quotes = new List<OracleQuote>();
            var problems = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var asset in assets)
            {
                if (asset.Symbol != missing && ages.TryGetValue(asset.Symbol, out var age))
                {
                    quotes.Add(OracleQuote.Create(SourceId, asset, DemoMarket.Market.Single(m => m.Asset.Equals(asset)).Price, 0m, now - age));
                }
                else
                {
                    problems[asset.Symbol] = "not listed";
                }
            }

            return Task.FromResult(new OracleFetch(quotes, problems));
        }
    }

    private sealed class FailingSnapshots : IPriceSnapshotStore
    {
        public Task WriteAsync(Engine.Prices.PriceSnapshot snapshot, CancellationToken cancellationToken = default) => throw new TimeoutException("the snapshot write timed out");

        public Task<Engine.Prices.PriceSnapshot?> ReadAsync(string snapshotId, CancellationToken cancellationToken = default) => Task.FromResult<Engine.Prices.PriceSnapshot?>(null);

        public Task WriteDecisionsAsync(string snapshotId, PriceDecisions decisions, CancellationToken cancellationToken = default) => throw new TimeoutException("the decisions write timed out");

        public Task<PriceDecisions?> ReadDecisionsAsync(string snapshotId, CancellationToken cancellationToken = default) => Task.FromResult<PriceDecisions?>(null);

        public Task SetLatestAsync(string snapshotId, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task<string?> GetLatestAsync(CancellationToken cancellationToken = default) => Task.FromResult<string?>(null);
    }
}
