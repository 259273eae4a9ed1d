using Azure.Data.Tables;
using Margin.Engine.Results;
using Margin.Infrastructure.Margins;
using Margin.Infrastructure.Tests.Azurite;
using Margin.Sweep.History;

namespace Margin.Infrastructure.Tests.Margins;

[Collection(AzuriteGroup.Name)]
public sealed class TableMarginHistoryStoreTests(AzuriteInstance azurite)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private async Task<(TableMarginHistoryStore Store, TableClient Table)> NewStoreAsync()
    {
        var table = new TableServiceClient(azurite.ConnectionString).GetTableClient($"history{Guid.NewGuid():N}"[..30]);
        var store = new TableMarginHistoryStore(table);
        await store.EnsureCreatedAsync(CancellationToken.None);
        return (store, table);
    }

    private static StatusChange Change(string account, DateTimeOffset at, string sweep = "sweep-1", MarginStatus? from = MarginStatus.MarginCall, MarginStatus? to = MarginStatus.Liquidatable) => new(
        account, at, sweep, "snap-7", "params-3", 42, from, to, MarginFlags.LiquidationInFlight | MarginFlags.KillSwitch, double.PositiveInfinity, "ratio.liquidation: MarginRatio >= 1", $"{account}:1");

    [Fact]
    public async Task Append_ThenRead_RoundTripsEveryFieldNewestFirstAndHonoursMax()
    {
        var (store, _) = await NewStoreAsync();
        var changes = new[]
        {
            Change("alice", T0.AddTicks(1)),
            Change("alice", new DateTimeOffset(2026, 11, 24, 14, 0, 0, TimeSpan.FromHours(1)).AddTicks(3)) with { From = null, To = null, Flags = MarginFlags.None, MarginRatio = 0.30000000000000004, OrderId = null, Reason = "balances[0]: unknown asset" },
            Change("alice", T0.AddDays(-1)),
            Change("bob", T0),
        };

        await store.AppendAsync(changes, CancellationToken.None);
        var all = await store.ReadAsync("alice", 10, CancellationToken.None);
        var two = await store.ReadAsync("alice", 2, CancellationToken.None);

        Assert.Equal([changes[1], changes[0], changes[2]], all);
        Assert.Equal(all.Take(2), two);
        Assert.Empty(await store.ReadAsync("alice", 0, CancellationToken.None));
        Assert.Empty(await store.ReadAsync("carol", 10, CancellationToken.None));
    }

    [Fact]
    public async Task Append_TheSameChangeAgain_ReplacesIt_WhileAnotherSweepAtTheSameTimeIsItsOwnRow()
    {
        var (store, _) = await NewStoreAsync();
        await store.AppendAsync([Change("alice", T0)], CancellationToken.None);

        await store.AppendAsync([Change("alice", T0) with { Reason = "rewritten" }, Change("alice", T0, "sweep-2")], CancellationToken.None);
        var read = await store.ReadAsync("alice", 10, CancellationToken.None);

        Assert.Equal(2, read.Count);
        Assert.Equal("rewritten", read.Single(c => c.SweepId == "sweep-1").Reason);
    }

    [Fact]
    public async Task Prune_DeletesOnlyChangesBeforeTheCutoff_InBatchesOver100()
    {
        var (store, _) = await NewStoreAsync();
        var changes = Enumerable.Range(0, 260).Select(i => Change("alice", T0.AddMinutes(-i))).Append(Change("bob", T0.AddDays(-30))).ToList();
        await store.AppendAsync(changes, CancellationToken.None);
        var cutoff = T0.AddMinutes(-49);

        var deleted = await store.PruneAsync("alice", cutoff, CancellationToken.None);
        var left = await store.ReadAsync("alice", 1_000, CancellationToken.None);

        Assert.Equal(210, deleted);
        Assert.Equal(50, left.Count);
        Assert.Equal(cutoff, left[^1].At);
        Assert.Single(await store.ReadAsync("bob", 10, CancellationToken.None));
        Assert.Equal(0, await store.PruneAsync("alice", cutoff, CancellationToken.None));
    }

    [Fact]
    public async Task Append_BadKeys_AreRefusedNamingTheAccount()
    {
        var (store, _) = await NewStoreAsync();

        var account = await Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync([Change("a#b", T0)], CancellationToken.None));
        var sweep = await Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync([Change("alice", T0, "s?1")], CancellationToken.None));

        Assert.Contains("account a#b", account.Message, StringComparison.Ordinal);
        Assert.Contains("the sweep id contains", sweep.Message, StringComparison.Ordinal);
    }
}
