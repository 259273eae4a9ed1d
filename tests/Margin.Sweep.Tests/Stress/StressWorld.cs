using Margin.Engine.Parameters;
using Margin.Engine.Stress;
using Margin.Sweep.Options;
using Margin.Sweep.Seeding;
using Margin.Sweep.Stress;
using Margin.Sweep.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Margin.Sweep.Tests.Stress;

// The demo's parameters and snapshot in memory, a generated book, and the stress use cases over them.
public sealed class StressWorld
{
    public StressWorld(int accounts = 1_500, int partitions = 8)
    {
        Stores = new InMemoryStores(partitions);
        Stores.Parameters.Add(DemoMarket.Parameters);
        Stores.Parameters.ActivateAsync(DemoMarket.Parameters.Version).GetAwaiter().GetResult();
        Stores.Snapshots.WriteAsync(DemoMarket.Snapshot).GetAwaiter().GetResult();
        Stores.Snapshots.SetLatestAsync(DemoMarket.Snapshot.Id).GetAwaiter().GetResult();
        if (accounts > 0)
        {
            Stores.Accounts.UpsertAsync([.. new BookGenerator(DemoMarket.Parameters, DemoMarket.Snapshot).Generate(accounts, seed: 7)]).GetAwaiter().GetResult();
        }

        Catalog = new InMemoryScenarioCatalog(new StressScenario
        {
            Name = "2099-01-01-test-crash",
            Title = "A test crash",
            Prices = ShockSet.Create([new Shock("BTC", -0.30m), new Shock("alts", -0.50m)]),
            Volatilities = ShockSet.Create([new Shock("*", 1m)]),
            Sources = [new ScenarioSource("test", "https://example.org/crash")],
        });
        Preparation = new StressPreparation(Stores.Accounts, Stores.Snapshots, Stores.Parameters, Catalog);
        Start = new StartStress(Preparation, Runs, Queue, Time);
        Run = new RunStress(Stores.Accounts, Preparation, Runs, new SweepOptions(), new StressOptions(), Time);
    }

    public InMemoryStores Stores { get; }

    public InMemoryStressRunStore Runs { get; } = new();

    public StressQueueRecorder Queue { get; } = new();

    public InMemoryScenarioCatalog Catalog { get; }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));

    public StressPreparation Preparation { get; }

    public StartStress Start { get; }

    public RunStress Run { get; }

    // The demo parameters under another version, with every non-stable asset's initial and maintenance asset weights cut by a fifth.
    public RiskParameters AddStricterCandidate(string version)
    {
        var p = DemoMarket.Parameters;
        var candidate = RiskParameters.Create(
            version,
            p.Settlement,
            p.Assets.Values.Select(a => a.AssetClass is "bluechip" or "altcoin" ? a with { Initial = a.Initial with { AssetWeight = a.Initial.AssetWeight * 0.8m }, Maintenance = a.Maintenance with { AssetWeight = a.Maintenance.AssetWeight * 0.8m } } : a),
            p.Instruments.Values,
            p.Thresholds,
            p.PnlWeights,
            p.MoneyDecimals,
            p.KillSwitch,
            p.DependencyMateriality,
            p.Portfolio,
            p.Projection);
        Stores.Parameters.Add(candidate);
        return candidate;
    }
}
