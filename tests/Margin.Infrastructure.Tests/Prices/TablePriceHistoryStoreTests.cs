using Azure.Data.Tables;
using Margin.Infrastructure.Prices;
using Margin.Infrastructure.Tests.Azurite;
using Margin.Sweep.Prices;

namespace Margin.Infrastructure.Tests.Prices;

[Collection(AzuriteGroup.Name)]
public sealed class TablePriceHistoryStoreTests(AzuriteInstance azurite)
{
    private static readonly DateTimeOffset Day = new(2026, 11, 24, 0, 0, 0, TimeSpan.Zero);

    private async Task<(TablePriceHistoryStore Store, TableClient Table)> NewStoreAsync()
    {
        var table = new TableServiceClient(azurite.ConnectionString).GetTableClient($"pricehist{Guid.NewGuid():N}"[..30]);
        var store = new TablePriceHistoryStore(table);
        await store.EnsureCreatedAsync(CancellationToken.None);
        return (store, table);
    }

    private static PriceHistoryPoint Point(string asset, DateTimeOffset time, decimal price = 65_432.123456789012345678m) =>
        new(asset, time, price, 12.25m, 3, $"snap-{time.UtcTicks}");

    [Fact]
    public async Task Append_AcrossDays_ReadReturnsTheRangeOldestFirst()
    {
        var (store, table) = await NewStoreAsync();

        // Every 4 hours over three days, one point exactly at each midnight, one in a +05:00 offset near midnight UTC.
        var points = Enumerable.Range(0, 18).Select(i => Point("BTC", Day.AddHours(4 * i).AddTicks(i))).ToList();
        points.Add(Point("BTC", new DateTimeOffset(2026, 11, 25, 4, 30, 0, TimeSpan.FromHours(5)), 1m));
        points.Add(Point("ETH", Day.AddHours(1), 3_000m));

        await store.AppendAsync(points, CancellationToken.None);
        var all = await store.ReadAsync("BTC", Day.AddDays(-1), Day.AddDays(5), CancellationToken.None);
        var range = await store.ReadAsync("BTC", Day.AddHours(20), Day.AddDays(1).AddHours(8).AddTicks(8), CancellationToken.None);

        Assert.Equal(points.Where(p => p.Asset == "BTC").OrderBy(p => p.Time), all);
        Assert.Equal([Day.AddHours(20).AddTicks(5), new DateTimeOffset(2026, 11, 24, 23, 30, 0, TimeSpan.Zero), Day.AddHours(24).AddTicks(6), Day.AddHours(28).AddTicks(7)], range.Select(p => p.Time));
        Assert.Equal(1m, range[1].Price);
        var partition = await table.GetEntityAsync<TableEntity>("BTC-20261124", (DateTimeOffset.MaxValue.UtcTicks - Day.UtcTicks).ToString("D19", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("65432.123456789012345678", partition.Value.GetString("Price"));
    }

    [Fact]
    public async Task Read_SinceIsInclusive_UntilIsExclusive_AnEmptyRangeIsEmpty()
    {
        var (store, _) = await NewStoreAsync();
        await store.AppendAsync([Point("BTC", Day), Point("BTC", Day.AddHours(1))], CancellationToken.None);

        Assert.Equal([Day], (await store.ReadAsync("BTC", Day, Day.AddHours(1), CancellationToken.None)).Select(p => p.Time));
        Assert.Empty(await store.ReadAsync("BTC", Day.AddHours(1), Day.AddHours(1), CancellationToken.None));
        Assert.Empty(await store.ReadAsync("SOL", Day, Day.AddDays(1), CancellationToken.None));
    }

    [Fact]
    public async Task Append_ManyPointsInADay_SplitsTransactions_AndRewritingIsIdempotent()
    {
        var (store, _) = await NewStoreAsync();
        var points = Enumerable.Range(0, 1_250).Select(i => Point("BTC", Day.AddSeconds(i * 60))).ToList();

        await store.AppendAsync(points, CancellationToken.None);
        await store.AppendAsync([points[7] with { Price = 2m }], CancellationToken.None);
        var read = await store.ReadAsync("BTC", Day, Day.AddDays(1), CancellationToken.None);

        Assert.Equal(1_250, read.Count);
        Assert.Equal(points.Select(p => p.Time), read.Select(p => p.Time));
        Assert.Equal(2m, read[7].Price);
    }

    [Fact]
    public async Task Append_AnAssetAKeyCannotHold_IsRefused()
    {
        var (store, _) = await NewStoreAsync();

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync([Point("BTC/USD", Day)], CancellationToken.None));

        Assert.Contains("BTC/USD", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.ReadAsync("BTC", DateTimeOffset.MinValue, Day, CancellationToken.None));
    }
}
