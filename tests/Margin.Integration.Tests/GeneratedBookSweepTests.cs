using Margin.Engine.Evaluation;
using Margin.Engine.Results;
using Margin.Infrastructure.Documents;
using Margin.Infrastructure.Tests.Azurite;
using Margin.Sweep.Seeding;

namespace Margin.Integration.Tests;

/// <summary>A full sweep of a few thousand generated accounts against a real Azurite, checked account by account against direct engine evaluation.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class GeneratedBookSweepTests(AzuriteInstance azurite)
{
    private const int Accounts = 3_000;

    [Fact]
    public async Task Sweep_3000GeneratedAccounts_EveryStoredResultIsTheEnginesAndEveryLiquidationHasOneOrder()
    {
        var parametersJson = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "examples", "demo", "parameters.json"));
        var (asOf, market) = MarketDocument.Read(await File.ReadAllTextAsync(Path.Combine(Repository.Root, "examples", "demo", "market.json")));
        var world = await World.CreateAsync(azurite, asOf.AddSeconds(30), partitions: 32, new Sweep.Options.SweepOptions { WorkItems = 8 });
        var parameters = await world.UseParametersAsync(parametersJson);
        var snapshot = ReferenceSnapshot.Create("demo-reference", asOf, parameters, market);
        await world.UseSnapshotAsync(snapshot);
        var book = new BookGenerator(parameters, snapshot).Generate(Accounts, seed: 7).ToList();
        await world.Storage.Accounts.UpsertAsync(book, CancellationToken.None);

        var sweepId = await world.SweepAsync(workers: 4);

        var model = MarginModel.Create(snapshot, parameters);
        var orders = (await world.OrdersAsync()).ToDictionary(o => o.AccountId, StringComparer.Ordinal);
        var statuses = new Dictionary<MarginStatus, int>();
        foreach (var account in book)
        {
            var direct = model.Evaluate(account);
            var stored = await world.ResultAsync(account.Id);
            Assert.Equal(sweepId, stored.SweepId);
            Assert.Equal(account.Version, stored.AccountVersion);
            Assert.Equal(direct.Status, stored.Status);
            Assert.Equal(direct.Summary.MarginRatio, stored.MarginRatio);
            Assert.Equal(direct.Summary.Equity.Amount, stored.Equity);
            Assert.Equal(direct.Summary.AdjustedEquityMaintenance.Amount, stored.AdjustedEquityMaintenance);
            Assert.Equal(direct.Summary.MaintenanceRequirement.Amount, stored.MaintenanceRequirement);
            Assert.Equal(direct.Summary.InitialRequirement.Amount, stored.InitialRequirement);
            var ordered = orders.ContainsKey(account.Id);
            Assert.Equal(direct.Flags | (ordered ? MarginFlags.LiquidationInFlight : MarginFlags.None), stored.Flags);
            // An order exactly where the engine says liquidate (a plan without legs is the only exception, and says so).
            Assert.True(ordered == direct.Summary.ShouldLiquidate || (direct.Summary.ShouldLiquidate && stored.Reason!.Contains("no order", StringComparison.Ordinal)), account.Id);
            statuses[direct.Status] = statuses.GetValueOrDefault(direct.Status) + 1;
        }

        Assert.True(statuses.GetValueOrDefault(MarginStatus.Liquidatable) > 10);
        Assert.True(statuses.GetValueOrDefault(MarginStatus.Bankrupt) > 0);
        var receipts = await world.ReceiptsAsync(sweepId);
        Assert.Equal(32, receipts.Count);
        Assert.Equal(Accounts, receipts.Sum(r => r.Accounts));
        Assert.Equal(Accounts, receipts.Sum(r => r.Written));
        Assert.Equal(orders.Count, receipts.Sum(r => r.Orders));
        foreach (var (status, count) in statuses)
        {
            Assert.Equal(count, receipts.Sum(r => r.ByStatus.GetValueOrDefault(status)));
        }
    }
}
