using Azure.Data.Tables;
using Margin.Engine.Domain;
using Margin.Engine.Prices;
using Margin.Engine.Statistics;
using Margin.Infrastructure.Prices;
using Margin.Infrastructure.Tests.Azurite;

namespace Margin.Infrastructure.Tests.Prices;

[Collection(AzuriteGroup.Name)]
public sealed class TablePriceSnapshotStoreTests(AzuriteInstance azurite)
{
    private static readonly DateTimeOffset AsOf = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private async Task<(TablePriceSnapshotStore Store, TableClient Table)> NewStoreAsync()
    {
        var table = new TableServiceClient(azurite.ConnectionString).GetTableClient($"prices{Guid.NewGuid():N}"[..30]);
        var store = new TablePriceSnapshotStore(table);
        await store.EnsureCreatedAsync(CancellationToken.None);
        return (store, table);
    }

    private static PriceSnapshot Snapshot(string id = "snap-1", decimal btc = 65_432.123456789m) => PriceSnapshot.Create(
        id,
        AsOf,
        Asset.Of("USD"),
        [
            AssetPrice.Create(Asset.Of("USD"), 1m, AsOf),
            AssetPrice.Create(Asset.Of("BTC"), btc, AsOf.AddSeconds(-3), 65_000.5m, 12.25m, sigmaShort: 0.81234567890123, sigmaLong: 0.6),
            AssetPrice.Create(Asset.Of("AVAX"), 30m, AsOf.AddMinutes(-20), unusableReason: "stale: 20 min old"),
        ],
        [InstrumentPrice.Create("BTC-PERP", 65_500m), InstrumentPrice.Create("BTC-C-70000", 1_234.5m, 0.55)],
        [new PriceDefect("ETH", "snapshot.assets.ETH.price", "NaN")],
        correlations: CorrelationMatrix.Create([Asset.Of("BTC"), Asset.Of("ETH")], [1.0, 0.8123456789, 0.8123456789, 1.0]));

    [Fact]
    public async Task Write_ThenRead_RoundTripsEveryFieldExactly()
    {
        var (store, _) = await NewStoreAsync();
        var snapshot = Snapshot();

        await store.WriteAsync(snapshot, CancellationToken.None);
        var read = await store.ReadAsync("snap-1", CancellationToken.None);

        Assert.NotNull(read);
        Assert.Equal(snapshot.AsOf, read.AsOf);
        Assert.Equal(snapshot.Quote, read.Quote);
        Assert.Equal(snapshot.Assets.Values.OrderBy(a => a.Asset.Symbol), read.Assets.Values.OrderBy(a => a.Asset.Symbol));
        Assert.Equal(snapshot.Instruments.Values.OrderBy(i => i.InstrumentId), read.Instruments.Values.OrderBy(i => i.InstrumentId));
        Assert.Equal(snapshot.Defects["ETH"], read.Defects["ETH"]);
        Assert.Equal(snapshot.Correlations!.ToArray(), read.Correlations!.ToArray());
        Assert.Null(await store.ReadAsync("nope", CancellationToken.None));
    }

    [Fact]
    public async Task Write_IsImmutable_SameContentIsIdempotent_OtherContentFails()
    {
        var (store, _) = await NewStoreAsync();
        await store.WriteAsync(Snapshot(), CancellationToken.None);

        await store.WriteAsync(Snapshot(), CancellationToken.None);
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => store.WriteAsync(Snapshot(btc: 1m), CancellationToken.None));

        Assert.Contains("snapshots are immutable", ex.Message, StringComparison.Ordinal);
        Assert.Equal(65_432.123456789m, (await store.ReadAsync("snap-1", CancellationToken.None))!.Assets["BTC"].Price);
    }

    [Fact]
    public async Task Write_AfterACrashedWrite_ReplacesItsLeftoverRows()
    {
        var (store, table) = await NewStoreAsync();
        await table.UpsertEntityAsync(new TableEntity("snap-1", "a:DOGE") { ["Price"] = "0.1" });

        await store.WriteAsync(Snapshot(), CancellationToken.None);

        var read = await store.ReadAsync("snap-1", CancellationToken.None);
        Assert.NotNull(read);
        Assert.False(read.Assets.ContainsKey("DOGE"));
    }

    [Fact]
    public async Task Latest_PointsOnlyAtACompleteSnapshot()
    {
        var (store, table) = await NewStoreAsync();
        Assert.Null(await store.GetLatestAsync(CancellationToken.None));

        // A partition without its meta row (a crash mid-write) is not a snapshot.
        await table.UpsertEntityAsync(new TableEntity("half", "a:BTC") { ["Price"] = "1" });
        Assert.Null(await store.ReadAsync("half", CancellationToken.None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.SetLatestAsync("half", CancellationToken.None));

        await store.WriteAsync(Snapshot("snap-2"), CancellationToken.None);
        await store.SetLatestAsync("snap-2", CancellationToken.None);

        Assert.Equal("snap-2", await store.GetLatestAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Latest_NeverMovesBackToAnOlderSnapshot()
    {
        var (store, _) = await NewStoreAsync();
        var older = Snapshot("snap-old");
        var newer = PriceSnapshot.Create("snap-new", older.AsOf.AddMinutes(1), older.Quote, older.Assets.Values, older.Instruments.Values, older.Defects.Values, null, older.Correlations);
        await store.WriteAsync(older, CancellationToken.None);
        await store.WriteAsync(newer, CancellationToken.None);

        await store.SetLatestAsync("snap-new", CancellationToken.None);
        await store.SetLatestAsync("snap-old", CancellationToken.None);

        Assert.Equal("snap-new", await store.GetLatestAsync(CancellationToken.None));
    }
}
