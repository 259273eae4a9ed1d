using Azure.Data.Tables;
using Margin.Infrastructure.Sweeps;
using Margin.Infrastructure.Tests.Azurite;
using Margin.Sweep.Work;

namespace Margin.Infrastructure.Tests.Sweeps;

[Collection(AzuriteGroup.Name)]
public sealed class TableSweepStoreTests(AzuriteInstance azurite)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private async Task<TableSweepStore> NewStoreAsync()
    {
        var store = new TableSweepStore(new TableServiceClient(azurite.ConnectionString).GetTableClient($"sweeps{Guid.NewGuid():N}"[..30]));
        await store.EnsureCreatedAsync(CancellationToken.None);
        return store;
    }

    private static SweepRecord Sweep(string snapshot = "snap-1") => new($"sweep-{snapshot}", snapshot, "params-3", Now, Now.AddMinutes(5), 16, NoLiquidation: false, PartitionCount: 256);

    [Fact]
    public async Task CreateOrGet_StartsASweepOnce_EvenWhenTwoStartersRace()
    {
        var store = await NewStoreAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => store.CreateOrGetAsync(Sweep() with { StartedAt = Now.AddSeconds(i) }, CancellationToken.None)));

        Assert.Single(results, r => r.Created);
        var winner = results.Single(r => r.Created).Sweep;
        Assert.All(results, r => Assert.Equal(winner, r.Sweep));
        Assert.Equal(winner, await store.GetAsync(winner.SweepId, CancellationToken.None));
        Assert.Null(await store.GetAsync("sweep-nope", CancellationToken.None));
    }

    [Fact]
    public async Task MarkDone_IsIdempotentAndListedInOrder()
    {
        var store = await NewStoreAsync();
        var (sweep, _) = await store.CreateOrGetAsync(Sweep(), CancellationToken.None);

        await store.MarkDoneAsync(sweep.SweepId, 7, Now, CancellationToken.None);
        await store.MarkDoneAsync(sweep.SweepId, 0, Now, CancellationToken.None);
        await store.MarkDoneAsync(sweep.SweepId, 7, Now.AddSeconds(1), CancellationToken.None);

        Assert.Equal([0, 7], await store.DoneAsync(sweep.SweepId, CancellationToken.None));
        Assert.Empty(await store.DoneAsync("sweep-other", CancellationToken.None));
    }

    [Fact]
    public async Task DoneMarkers_EachFinishedWorkItemWithWhenItWasLastMarked_InOrder()
    {
        var store = await NewStoreAsync();
        var (sweep, _) = await store.CreateOrGetAsync(Sweep(), CancellationToken.None);

        await store.MarkDoneAsync(sweep.SweepId, 7, Now, CancellationToken.None);
        await store.MarkDoneAsync(sweep.SweepId, 0, Now.AddSeconds(2), CancellationToken.None);
        await store.MarkDoneAsync(sweep.SweepId, 7, Now.AddSeconds(1), CancellationToken.None);

        Assert.Equal([new WorkItemDone(0, Now.AddSeconds(2)), new WorkItemDone(7, Now.AddSeconds(1))], await store.DoneMarkersAsync(sweep.SweepId, CancellationToken.None));
        Assert.Empty(await store.DoneMarkersAsync("sweep-other", CancellationToken.None));
    }

    [Fact]
    public async Task MarkEnqueued_SetsEnqueuedAt_AndFailsForAnUnknownSweep()
    {
        var store = await NewStoreAsync();
        var (sweep, _) = await store.CreateOrGetAsync(Sweep(), CancellationToken.None);
        Assert.Null(sweep.EnqueuedAt);

        await store.MarkEnqueuedAsync(sweep.SweepId, Now.AddSeconds(3), CancellationToken.None);

        Assert.Equal(sweep with { EnqueuedAt = Now.AddSeconds(3) }, await store.GetAsync(sweep.SweepId, CancellationToken.None));
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => store.MarkEnqueuedAsync("sweep-nope", Now, CancellationToken.None));
        Assert.Contains("sweep-nope", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Latest_IsNullFirst_ThenTheSweepItPointsAt()
    {
        var store = await NewStoreAsync();
        Assert.Null(await store.GetLatestAsync(CancellationToken.None));
        var (first, _) = await store.CreateOrGetAsync(Sweep("a"), CancellationToken.None);
        var (second, _) = await store.CreateOrGetAsync(Sweep("b"), CancellationToken.None);

        await store.SetLatestAsync(first.SweepId, CancellationToken.None);
        await store.SetLatestAsync(second.SweepId, CancellationToken.None);

        Assert.Equal(second, await store.GetLatestAsync(CancellationToken.None));
    }

    [Fact]
    public async Task SetLatest_NeverMovesBackToAnOlderSweep_AndRefusesAnUnknownOne()
    {
        var store = await NewStoreAsync();
        var (older, _) = await store.CreateOrGetAsync(Sweep("a"), CancellationToken.None);
        var (newer, _) = await store.CreateOrGetAsync(Sweep("b") with { StartedAt = Now.AddMinutes(1) }, CancellationToken.None);

        await store.SetLatestAsync(newer.SweepId, CancellationToken.None);
        await store.SetLatestAsync(older.SweepId, CancellationToken.None);

        Assert.Equal(newer, await store.GetLatestAsync(CancellationToken.None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.SetLatestAsync("sweep-nope", CancellationToken.None));
    }

    [Theory]
    [InlineData("sweep")]
    [InlineData("latest")]
    public async Task CreateOrGet_ReservedId_IsRefused(string id)
    {
        var store = await NewStoreAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => store.CreateOrGetAsync(Sweep() with { SweepId = id }, CancellationToken.None));
    }
}
