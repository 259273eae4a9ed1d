using Margin.Engine.Domain;
using Margin.Engine.Oracles;
using Margin.Engine.Results;
using Margin.Infrastructure.Tests.Azurite;
using Margin.Sweep.Options;
using Margin.Sweep.Ports;
using Margin.Sweep.Prices;
using Margin.Sweep.UseCases;

namespace Margin.Integration.Tests;

/// <summary>RefreshPrices against a real Azurite with scripted sources: the guards, the snapshot, history and estimates, and what a sweep then does.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class PriceRefreshTests(AzuriteInstance azurite)
{
    private static readonly DateTimeOffset Now = ExampleBook.Snapshot.AsOf; // the book's instruments are live then

    private static readonly Dictionary<string, decimal> Fair = new(StringComparer.Ordinal)
    {
        ["USDC"] = 1m, ["BTC"] = 50_000m, ["ETH"] = 3_000m, ["SOL"] = 100m, ["AVAX"] = 20m, ["DOGE"] = 0.1m,
    };

    private async Task<World> WorldAsync()
    {
        var world = await World.CreateAsync(azurite, Now, partitions: 4);
        await world.UseParametersAsync(ExampleBook.ParametersJson);
        await world.Storage.Accounts.UpsertAsync([.. ExampleBook.Accounts], CancellationToken.None);
        return world;
    }

    // Cold start: no history yet, so the volatility-scaled weights use these priors.
    private static readonly PriceRefreshOptions Options = new()
    {
        VolatilityPriors = new Dictionary<string, double>(StringComparer.Ordinal) { ["USDC"] = 0.01, ["BTC"] = 0.5, ["ETH"] = 0.6, ["SOL"] = 0.8, ["AVAX"] = 0.9, ["DOGE"] = 1.0 },
    };

    private static RefreshPrices Refresh(World world, params IOracleSource[] sources) =>
        new(sources, world.Storage.Snapshots, world.Storage.PriceHistory, world.Storage.Parameters, Options, world.Time);

    [Fact]
    public async Task Refresh_StaleSourceIgnored_SpikeDropped_MedianOfTheRest()
    {
        var world = await WorldAsync();
        var fresh = world.Time.GetUtcNow().AddSeconds(-2);
        var outcome = await Refresh(
            world,
            new ScriptedSource("a", fresh, Fair),
            new ScriptedSource("b", fresh, Fair, ("BTC", 50_100m)),
            new ScriptedSource("c", fresh, Fair, ("BTC", 75_000m)),
            new ScriptedSource("stale", fresh.AddMinutes(-10), Fair, ("BTC", 10_000m))).ExecuteAsync();

        var snapshot = outcome.Snapshot!;
        Assert.Equal(50_050m, snapshot.Assets["BTC"].Price);
        Assert.True(snapshot.Assets["BTC"].Usable);
        var btc = outcome.Decisions.Single(d => d.Asset.Symbol == "BTC");
        Assert.Equal(2, btc.SourceCount);
        Assert.Contains(btc.Quotes, q => q.Quote.SourceId == "c" && !q.Used);
        Assert.Contains(btc.Quotes, q => q.Quote.SourceId == "stale" && !q.Used);
        var stored = (await world.Storage.Snapshots.ReadDecisionsAsync(snapshot.Id, CancellationToken.None))!.Assets.Single(d => d.Asset == "BTC");
        Assert.Equal(PriceDecisionRecord.From(btc), stored);
        Assert.Equal(nameof(QuoteRejectionReason.Stale), Assert.Single(stored.Quotes, q => q.Source == "stale").Rejection);
        Assert.Equal(1m, snapshot.Assets["USD"].Price);
        Assert.Equal(snapshot.Id, await world.Storage.Snapshots.GetLatestAsync(CancellationToken.None));
        Assert.True(outcome.EstimatesRecomputed);
        Assert.Equal(0.5, snapshot.Assets["BTC"].SigmaLong);
        var history = await world.Storage.PriceHistory.ReadAsync("BTC", Now.AddHours(-1), Now.AddHours(1), CancellationToken.None);
        Assert.Equal(50_050m, Assert.Single(history).Price);
    }

    [Fact]
    public async Task Refresh_TwoDisagreeingSources_NoAggregate_LastGoodPriceKeptUnusable()
    {
        var world = await WorldAsync();
        var fresh = world.Time.GetUtcNow().AddSeconds(-2);
        await Refresh(world, new ScriptedSource("a", fresh, Fair), new ScriptedSource("b", fresh, Fair)).ExecuteAsync();
        world.Time.Advance(TimeSpan.FromMinutes(1));
        fresh = world.Time.GetUtcNow().AddSeconds(-2);

        var outcome = await Refresh(world, new ScriptedSource("a", fresh, Fair, ("ETH", 2_700m)), new ScriptedSource("b", fresh, Fair, ("ETH", 3_300m))).ExecuteAsync();

        var eth = outcome.Snapshot!.Assets["ETH"];
        Assert.False(eth.Usable);
        Assert.Equal(3_000m, eth.Price);
        Assert.Equal(OracleDecisionReason.NoAgreement, outcome.Decisions.Single(d => d.Asset.Symbol == "ETH").Reason);
        Assert.True(outcome.Snapshot.Assets["BTC"].Usable);
        Assert.False(outcome.EstimatesRecomputed);
    }

    [Fact]
    public async Task Refresh_AFailingSource_IsReported_AndTheOthersStillCount()
    {
        var world = await WorldAsync();
        var fresh = world.Time.GetUtcNow().AddSeconds(-2);
        var outcome = await Refresh(world, new ScriptedSource("a", fresh, Fair), new FailingSource()).ExecuteAsync();

        var failure = Assert.Single(outcome.SourceFailures);
        Assert.Equal("down", failure.SourceId);
        Assert.Contains("503", failure.Problem, StringComparison.Ordinal);
        Assert.True(outcome.Snapshot!.Assets["BTC"].Usable);
        // The report's "guard decisions per source": stored with the snapshot in Table Storage, the failure included.
        var stored = await world.Storage.Snapshots.ReadDecisionsAsync(outcome.Snapshot.Id, CancellationToken.None);
        Assert.Equal(PriceDecisions.From(outcome.Decisions, outcome.SourceFailures), stored);
        Assert.Equal("down", Assert.Single(stored!.SourceFailures).SourceId);
    }

    [Fact]
    public async Task Refresh_AllSourcesStale_SnapshotUnusable_SweepRunsWithoutLiquidation()
    {
        var world = await WorldAsync();
        var fresh = world.Time.GetUtcNow().AddSeconds(-2);
        await Refresh(world, new ScriptedSource("a", fresh, Fair), new ScriptedSource("b", fresh, Fair)).ExecuteAsync();
        world.Time.Advance(TimeSpan.FromMinutes(10));
        var outcome = await Refresh(world, new ScriptedSource("a", fresh, Fair), new ScriptedSource("b", fresh, Fair)).ExecuteAsync();

        Assert.False(outcome.Snapshot!.Usable);
        var started = await world.Start().ExecuteAsync();
        Assert.True(started.Sweep!.NoLiquidation);
        await world.DrainAsync(started.Sweep.SweepId);
        Assert.Empty(await world.OrdersAsync());
        foreach (var account in ExampleBook.Accounts.Where(a => !a.Balances.IsEmpty || !a.Positions.IsEmpty))
        {
            var result = await world.ResultAsync(account.Id);
            Assert.True(result.Status is not null, $"{account.Id}: {result.Problem}");
            Assert.True(result.Flags.HasFlag(MarginFlags.PriceSuspect), account.Id);
        }
    }

    [Fact]
    public async Task Refresh_WithHistory_EstimatesVolatilitiesAndCorrelationsFromIt_NotThePriors()
    {
        var world = await WorldAsync();
        const double Sigma = 0.6, Rho = 0.8;
        var random = new Random(42);
        decimal btc = 50_000m, eth = 3_000m;
        var points = new List<Sweep.Prices.PriceHistoryPoint>();
        for (var h = 24 * 5; h >= 1; h--)
        {
            var t = Now.AddHours(-h);
            points.Add(new("BTC", t, btc, 0m, 2, "hist"));
            points.Add(new("ETH", t, eth, 0m, 2, "hist"));
            double z1 = Normal(random), z2 = Normal(random), step = Sigma / Math.Sqrt(8760);
            btc = Math.Round(btc * (decimal)Math.Exp(step * z1), 2);
            eth = Math.Round(eth * (decimal)Math.Exp(step * ((Rho * z1) + (Math.Sqrt(1 - (Rho * Rho)) * z2))), 2);
        }

        await world.Storage.PriceHistory.AppendAsync(points, CancellationToken.None);
        var fresh = world.Time.GetUtcNow().AddSeconds(-2);
        var prices = new Dictionary<string, decimal>(Fair, StringComparer.Ordinal) { ["BTC"] = btc, ["ETH"] = eth };

        var outcome = await Refresh(world, new ScriptedSource("a", fresh, prices)).ExecuteAsync();

        var snapshot = outcome.Snapshot!;
        Assert.True(outcome.EstimatesRecomputed);
        var sigmaLong = snapshot.Assets["BTC"].SigmaLong!.Value;
        Assert.InRange(sigmaLong, Sigma * 0.8, Sigma * 1.2);
        Assert.NotEqual(Options.VolatilityPriors["BTC"], sigmaLong);
        Assert.InRange(snapshot.Assets["ETH"].SigmaShort!.Value, Sigma * 0.6, Sigma * 1.4);
        Assert.InRange(snapshot.Correlations![Asset.Of("BTC"), Asset.Of("ETH")], Rho - 0.15, Rho + 0.15);
        Assert.Equal(Options.VolatilityPriors["SOL"], snapshot.Assets["SOL"].SigmaLong);
    }

    private static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>A source double that quotes fixed prices, with overrides, at a fixed publish time.</summary>
    private sealed class ScriptedSource(string id, DateTimeOffset publishTime, Dictionary<string, decimal> prices, params (string Asset, decimal Price)[] overrides) : IOracleSource
    {
        public string SourceId => id;

        public Task<OracleFetch> FetchAsync(IReadOnlyList<Asset> assets, CancellationToken cancellationToken)
        {
            var quotes = new List<OracleQuote>();
            var problems = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var asset in assets)
            {
                var price = overrides.Where(o => o.Asset == asset.Symbol).Select(o => (decimal?)o.Price).FirstOrDefault() ?? prices.GetValueOrDefault(asset.Symbol);
                if (price > 0m)
                {
                    quotes.Add(OracleQuote.Create(id, asset, price, 0m, publishTime));
                }
                else
                {
                    problems[asset.Symbol] = "not listed";
                }
            }

            return Task.FromResult(new OracleFetch(quotes, problems));
        }
    }

    private sealed class FailingSource : IOracleSource
    {
        public string SourceId => "down";

        public Task<OracleFetch> FetchAsync(IReadOnlyList<Asset> assets, CancellationToken cancellationToken) =>
            throw new OracleSourceException("down: HTTP 503 Service Unavailable");
    }
}
