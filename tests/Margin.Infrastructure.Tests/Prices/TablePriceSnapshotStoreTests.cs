using Azure.Data.Tables;
using Margin.Engine.Domain;
using Margin.Engine.Oracles;
using Margin.Engine.Prices;
using Margin.Engine.Statistics;
using Margin.Infrastructure.Prices;
using Margin.Infrastructure.Tests.Azurite;
using Margin.Sweep.Prices;
using Margin.Sweep.UseCases;

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
    /// <summary>Decisions as RefreshPrices records them: one accepted with a rejected outlier, one with no usable quote and no price, one kept, and a failed source.</summary>
    private static PriceDecisions Decisions()
    {
        var guard = OracleGuardOptions.Create(TimeSpan.FromMinutes(2), 0.02m, 0.05m, 2, 0.1m, 3);
        var fresh = AsOf.AddTicks(-12_345_678); // sub-millisecond: the stored time must keep every tick
        var btc = OracleAggregator.Aggregate(
            Asset.Of("BTC"),
            [
                OracleQuote.Create("pyth", Asset.Of("BTC"), 65_432.123456789012345678m, 0.000000000123456789m, fresh),
                OracleQuote.Create("kraken", Asset.Of("BTC"), 65_431.98765432109876m, 1.5m, fresh.AddSeconds(-1)),
                OracleQuote.Create("spiky", Asset.Of("BTC"), 98_000m, 2m, fresh),
            ],
            AsOf,
            65_000.5m,
            65_100.000000001m,
            guard);
        var eth = OracleAggregator.Aggregate(Asset.Of("ETH"), [OracleQuote.Create("pyth", Asset.Of("ETH"), -1m, 0m, fresh)], AsOf, null, null, guard);
        var sol = OracleAggregator.Aggregate(Asset.Of("SOL"), [OracleQuote.Create("pyth", Asset.Of("SOL"), 150m, 0.1m, AsOf.AddMinutes(-10))], AsOf, 149.75m, null, guard);
        return PriceDecisions.From([sol, btc, eth], [new SourceFailure("coinbase", "coinbase did not answer within 5 s: \"timeout\" (±0)")]);
    }

    [Fact]
    public async Task WriteDecisions_ThenRead_RoundTripsEveryFieldExactly()
    {
        var (store, _) = await NewStoreAsync();
        await store.WriteAsync(Snapshot(), CancellationToken.None);
        var decisions = Decisions();

        await store.WriteDecisionsAsync("snap-1", decisions, CancellationToken.None);
        var read = await store.ReadDecisionsAsync("snap-1", CancellationToken.None);

        Assert.NotNull(read);
        Assert.Equal(decisions, read);
        Assert.Equal(["BTC", "ETH", "SOL"], read.Assets.Select(a => a.Asset));
        var btc = read.Assets[0];
        Assert.True(btc.Usable);
        Assert.Equal(nameof(OracleDecisionReason.Accepted), btc.Reason);
        Assert.Equal(65_100.000000001m, btc.Twap);
        var pyth = Assert.Single(btc.Quotes, q => q.Source == "pyth");
        Assert.Equal(65_432.123456789012345678m, pyth.Price);
        Assert.Equal(0.000000000123456789m, pyth.Confidence);
        Assert.Equal(AsOf.AddTicks(-12_345_678), pyth.PublishTime);
        var spiky = Assert.Single(btc.Quotes, q => q.Source == "spiky");
        Assert.False(spiky.Used);
        Assert.Equal(nameof(QuoteRejectionReason.Outlier), spiky.Rejection);
        Assert.False(string.IsNullOrEmpty(spiky.RejectionMessage));
        var eth = read.Assets[1];
        Assert.False(eth.Usable);
        Assert.Null(eth.Price);
        Assert.Null(eth.PublishTime);
        Assert.Equal(nameof(QuoteRejectionReason.NonPositivePrice), Assert.Single(eth.Quotes).Rejection);
        Assert.Equal(149.75m, read.Assets[2].Price); // the last good price, kept
        Assert.Equal(new SourceFailure("coinbase", "coinbase did not answer within 5 s: \"timeout\" (±0)"), Assert.Single(read.SourceFailures));
    }

    [Fact]
    public async Task ReadDecisions_ASnapshotWithoutThem_IsNull_AndTheSnapshotReadsAsBefore()
    {
        var (store, _) = await NewStoreAsync();
        await store.WriteAsync(Snapshot("old"), CancellationToken.None);
        await store.WriteAsync(Snapshot("new"), CancellationToken.None);

        await store.WriteDecisionsAsync("new", Decisions(), CancellationToken.None);

        Assert.Null(await store.ReadDecisionsAsync("old", CancellationToken.None));
        Assert.Null(await store.ReadDecisionsAsync("unknown", CancellationToken.None));
        Assert.Equal(Snapshot("new").Assets.Values.OrderBy(a => a.Asset.Symbol), (await store.ReadAsync("new", CancellationToken.None))!.Assets.Values.OrderBy(a => a.Asset.Symbol));
    }

    [Fact]
    public async Task WriteDecisions_AreImmutable_SameIsIdempotent_OtherFails_UnknownSnapshotFails()
    {
        var (store, _) = await NewStoreAsync();
        await store.WriteAsync(Snapshot(), CancellationToken.None);
        await store.WriteDecisionsAsync("snap-1", Decisions(), CancellationToken.None);

        await store.WriteDecisionsAsync("snap-1", Decisions(), CancellationToken.None);
        var other = await Assert.ThrowsAsync<InvalidOperationException>(() => store.WriteDecisionsAsync("snap-1", Decisions() with { SourceFailures = [] }, CancellationToken.None));
        var unknown = await Assert.ThrowsAsync<InvalidOperationException>(() => store.WriteDecisionsAsync("nope", Decisions(), CancellationToken.None));

        Assert.Contains("other oracle decisions", other.Message, StringComparison.Ordinal);
        Assert.Contains("snapshot nope is not stored", unknown.Message, StringComparison.Ordinal);
        Assert.Single((await store.ReadDecisionsAsync("snap-1", CancellationToken.None))!.SourceFailures);
        Assert.Null(await store.ReadDecisionsAsync("nope", CancellationToken.None));
    }

    [Fact]
    public async Task WriteDecisions_AfterACrashedWrite_ReplacesItsLeftoverRows()
    {
        var (store, table) = await NewStoreAsync();
        await store.WriteAsync(Snapshot(), CancellationToken.None);
        await table.UpsertEntityAsync(new TableEntity("snap-1", "~d:DOGE") { ["Reason"] = "Accepted" });

        Assert.Null(await store.ReadDecisionsAsync("snap-1", CancellationToken.None)); // no header: not written
        await store.WriteDecisionsAsync("snap-1", Decisions(), CancellationToken.None);

        Assert.Equal(Decisions(), await store.ReadDecisionsAsync("snap-1", CancellationToken.None));
        Assert.NotNull(await store.ReadAsync("snap-1", CancellationToken.None));
    }

    [Fact]
    public async Task WriteDecisions_LongerThanOneProperty_RoundTripSplit()
    {
        var (store, table) = await NewStoreAsync();
        await store.WriteAsync(Snapshot(), CancellationToken.None);
        var message = string.Concat(Enumerable.Repeat("the guard band was exceeded; ", 3_000)); // ~87,000 characters
        var quotes = Enumerable.Range(0, 400).Select(i => new PriceQuoteRecord($"source-{i:000}", 65_000m + (i / 1000m), 1m, AsOf.AddSeconds(-i), i % 2 == 0, i % 2 == 0 ? null : "Stale", i % 2 == 0 ? null : $"quote {i} is {i} s old")).ToList();
        var decisions = new PriceDecisions(
            [new PriceDecisionRecord("BTC", false, nameof(OracleDecisionReason.GuardBandExceeded), message, 65_000m, 70_000m, 3m, AsOf, 65_000m, null, 200, quotes)],
            [new SourceFailure("down", message)]);

        await store.WriteDecisionsAsync("snap-1", decisions, CancellationToken.None);

        Assert.Equal(decisions, await store.ReadDecisionsAsync("snap-1", CancellationToken.None));
        var row = (await table.GetEntityAsync<TableEntity>("snap-1", "~d:BTC")).Value;
        Assert.True(row.GetInt32("MessageParts") > 1);
        Assert.True(row.GetInt32("QuotesParts") > 1);
    }

    [Fact]
    public async Task ReadDecisions_AMalformedRow_IsReportedWithItsRowAndProperty()
    {
        var (store, table) = await NewStoreAsync();
        await store.WriteAsync(Snapshot(), CancellationToken.None);
        await store.WriteDecisionsAsync("snap-1", Decisions(), CancellationToken.None);
        var row = (await table.GetEntityAsync<TableEntity>("snap-1", "~d:BTC")).Value;
        row["Price"] = "65,432.1";
        await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace);

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => store.ReadDecisionsAsync("snap-1", CancellationToken.None));

        Assert.Contains("snapshot snap-1, row ~d:BTC: Price is '65,432.1', not an invariant decimal", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadDecisions_ARowRemovedAfterTheWrite_FailsTheRead()
    {
        var (store, table) = await NewStoreAsync();
        await store.WriteAsync(Snapshot(), CancellationToken.None);
        await store.WriteDecisionsAsync("snap-1", Decisions(), CancellationToken.None);
        await table.DeleteEntityAsync("snap-1", "~d:ETH");

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => store.ReadDecisionsAsync("snap-1", CancellationToken.None));

        Assert.Contains("2 decision rows are stored, the header says 3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteDecisions_AnAssetNoRowKeyHolds_IsRefusedBeforeAnyWrite()
    {
        var (store, _) = await NewStoreAsync();
        await store.WriteAsync(Snapshot(), CancellationToken.None);
        var bad = new PriceDecisions([new PriceDecisionRecord("BTC/USD", false, nameof(OracleDecisionReason.NoUsableQuotes), "none", null, null, null, null, null, null, 0, [])], []);

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => store.WriteDecisionsAsync("snap-1", bad, CancellationToken.None));

        Assert.Contains("BTC/USD", ex.Message, StringComparison.Ordinal);
        Assert.Null(await store.ReadDecisionsAsync("snap-1", CancellationToken.None));
    }
}
