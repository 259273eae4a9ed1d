using Margin.Engine.Domain;
using Margin.Engine.Oracles;
using Margin.Sweep.Options;
using Margin.Sweep.Ports;
using Margin.Sweep.Prices;
using Margin.Sweep.Tests.Support;
using Margin.Sweep.UseCases;

namespace Margin.Sweep.Tests.UseCases;

/// <summary>RefreshPrices records the oracle guard's decisions with each snapshot it writes, for the sweep report.</summary>
public sealed class RefreshPricesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly InMemoryStores _stores = new(4);
    private readonly InMemoryPriceHistoryStore _history = new();
    private readonly ManualTime _time = new(Now);
    private readonly PriceRefreshOptions _options = new();

    public RefreshPricesTests()
    {
        _stores.Parameters.Add(DemoMarket.Parameters);
        _stores.Parameters.ActivateAsync(DemoMarket.Parameters.Version).GetAwaiter().GetResult();
    }

    private RefreshPrices Refresh(params IOracleSource[] sources) => new(sources, _stores.Snapshots, _history, _stores.Parameters, _options, _time);

    [Fact]
    public async Task ExecuteAsync_RecordsTheAggregatorsDecisions_AfterTheSnapshotAndBeforeLatest()
    {
        var fresh = Now.AddSeconds(-2);
        var spike = new Dictionary<string, decimal>(StringComparer.Ordinal) { ["BTC"] = Demo("BTC") * 2 };

        var outcome = await Refresh(new DemoSource("a", fresh), new DemoSource("b", fresh.AddSeconds(-1)), new DemoSource("c", fresh, spike), new DownSource()).ExecuteAsync();

        var id = outcome.Snapshot!.Id;
        var stored = await _stores.Snapshots.ReadDecisionsAsync(id);
        Assert.NotNull(stored);
        Assert.Equal(PriceDecisions.From(outcome.Decisions, outcome.SourceFailures), stored);
        Assert.Equal(["snapshot " + id, "decisions " + id, "latest " + id], _stores.Snapshots.Calls);

        // Every asset but the settlement currency, each as the aggregator decides it from the same quotes.
        var assets = DemoMarket.Parameters.Assets.Values.Select(a => a.Asset).Where(a => !a.Equals(DemoMarket.Parameters.Settlement)).ToList();
        Assert.Equal(assets.Select(a => a.Symbol).Order(StringComparer.Ordinal), stored.Assets.Select(d => d.Asset));
        var quotes = new[] { new DemoSource("a", fresh), new DemoSource("b", fresh.AddSeconds(-1)), new DemoSource("c", fresh, spike) }.SelectMany(s => s.Quotes(assets)).ToList();
        foreach (var asset in assets)
        {
            var expected = OracleAggregator.Aggregate(asset, quotes.Where(q => q.Asset.Equals(asset)), Now, null, null, _options.Guard());
            Assert.Equal(PriceDecisionRecord.From(expected), stored.Assets.Single(d => d.Asset == asset.Symbol));
        }

        var btc = stored.Assets.Single(d => d.Asset == "BTC");
        Assert.True(btc.Usable);
        Assert.Equal(2, btc.SourceCount);
        var outlier = Assert.Single(btc.Quotes, q => !q.Used);
        Assert.Equal(("c", nameof(QuoteRejectionReason.Outlier)), (outlier.Source, outlier.Rejection));
        Assert.Equal(Demo("BTC") * 2, outlier.Price);
        var failure = Assert.Single(stored.SourceFailures);
        Assert.Equal(("down", "down: HTTP 503 Service Unavailable"), (failure.SourceId, failure.Problem));
    }

    [Fact]
    public async Task ExecuteAsync_ASecondRefresh_RecordsTheGuardAgainstTheFirstPrice()
    {
        await Refresh(new DemoSource("a", Now.AddSeconds(-2)), new DemoSource("b", Now.AddSeconds(-2))).ExecuteAsync();
        _time.Now = Now.AddMinutes(1);
        var jump = new Dictionary<string, decimal>(StringComparer.Ordinal) { ["ETH"] = Demo("ETH") * 1.5m };

        var outcome = await Refresh(new DemoSource("a", _time.Now.AddSeconds(-2), jump), new DemoSource("b", _time.Now.AddSeconds(-2), jump)).ExecuteAsync();

        var eth = (await _stores.Snapshots.ReadDecisionsAsync(outcome.Snapshot!.Id))!.Assets.Single(d => d.Asset == "ETH");
        Assert.False(eth.Usable);
        Assert.Equal(nameof(OracleDecisionReason.GuardBandExceeded), eth.Reason);
        Assert.Equal(Demo("ETH"), eth.LastAcceptedPrice);
        Assert.Equal(Demo("ETH"), eth.Price); // the last good price, kept
        Assert.Equal(Demo("ETH") * 1.5m, eth.Aggregate);
    }

    [Fact]
    public async Task ExecuteAsync_NoActiveParameters_RecordsNothing()
    {
        var stores = new InMemoryStores(4);

        var outcome = await new RefreshPrices([new DemoSource("a", Now)], stores.Snapshots, _history, stores.Parameters, _options, _time).ExecuteAsync();

        Assert.Null(outcome.Snapshot);
        Assert.Empty(stores.Snapshots.Calls);
    }

    private static decimal Demo(string symbol) => DemoMarket.Market.Single(m => m.Asset.Symbol == symbol).Price;

    /// <summary>Quotes every asset at its demo reference price (or an override), published at one time.</summary>
    private sealed class DemoSource(string id, DateTimeOffset published, Dictionary<string, decimal>? overrides = null) : IOracleSource
    {
        public string SourceId => id;

        public List<OracleQuote> Quotes(IEnumerable<Asset> assets) =>
            [.. assets.Select(a => OracleQuote.Create(id, a, overrides?.GetValueOrDefault(a.Symbol) is { } p and > 0 ? p : Demo(a.Symbol), 0m, published))];

        public Task<OracleFetch> FetchAsync(IReadOnlyList<Asset> assets, CancellationToken cancellationToken = default) =>
            Task.FromResult(new OracleFetch(Quotes(assets), new Dictionary<string, string>(StringComparer.Ordinal)));
    }

    private sealed class DownSource : IOracleSource
    {
        public string SourceId => "down";

        public Task<OracleFetch> FetchAsync(IReadOnlyList<Asset> assets, CancellationToken cancellationToken = default) =>
            throw new OracleSourceException("down: HTTP 503 Service Unavailable");
    }
}
