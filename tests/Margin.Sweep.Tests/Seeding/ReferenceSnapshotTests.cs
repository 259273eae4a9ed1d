using Margin.Engine.Domain;
using Margin.Engine.Prices;
using Margin.Sweep.Seeding;
using Margin.Sweep.Tests.Support;

namespace Margin.Sweep.Tests.Seeding;

public sealed class ReferenceSnapshotTests
{
    private static readonly DateTimeOffset s_asOf = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Create_DemoMarket_PricesEveryAssetAndMarksEveryInstrumentUsably()
    {
        var snapshot = ReferenceSnapshot.Create("ref-1", s_asOf, DemoMarket.Parameters, DemoMarket.Market);

        Assert.Equal("ref-1", snapshot.Id);
        Assert.Equal(s_asOf, snapshot.AsOf);
        Assert.Equal(DemoMarket.Parameters.Settlement, snapshot.Quote);
        Assert.Equal(DemoMarket.Parameters.Assets.Keys.Order(StringComparer.Ordinal), snapshot.Assets.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(DemoMarket.Parameters.Instruments.Keys.Order(StringComparer.Ordinal), snapshot.Instruments.Keys.Order(StringComparer.Ordinal));
        Assert.All(snapshot.Assets.Values, p => Assert.True(p.Usable));
        Assert.All(snapshot.Instruments.Values, m => Assert.True(m.Usable, m.UnusableReason));
        Assert.Equal(InstrumentMarks.Derive(DemoMarket.Parameters, snapshot.Assets, s_asOf), snapshot.Instruments.Values.OrderBy(m => m.InstrumentId, StringComparer.Ordinal));
    }

    [Fact]
    public void Create_Entry_PricedAtItsPriceWithItsVolatilityBothWindows()
    {
        var snapshot = ReferenceSnapshot.Create("ref-1", s_asOf, DemoMarket.Parameters, DemoMarket.Market);

        var btc = snapshot.Assets["BTC"];
        Assert.Equal(95_000m, btc.Price);
        Assert.Equal(95_000m, btc.ReferencePrice);
        Assert.Equal(0m, btc.Confidence);
        Assert.Equal(s_asOf, btc.PublishTime);
        Assert.Equal(0.5, btc.SigmaLong);
        Assert.Equal(0.5, btc.SigmaShort);
        Assert.Equal(95_000m, snapshot.Instruments["BTC-PERP"].Mark);
    }

    [Fact]
    public void Create_Loadings_CorrelationIsTheirProduct()
    {
        var snapshot = ReferenceSnapshot.Create("ref-1", s_asOf, DemoMarket.Parameters, DemoMarket.Market);

        var c = snapshot.Correlations!;
        Assert.Equal(0.9 * 0.85, c[Asset.Of("BTC"), Asset.Of("ETH")], 15);
        Assert.Equal(0.0, c[Asset.Of("USDC"), Asset.Of("BTC")]);
        Assert.Equal(1.0, c[Asset.Of("SOL"), Asset.Of("SOL")]);
        Assert.True(c.MinimumEigenvalue() >= -1e-12, "a one-factor matrix is positive semi-definite");
    }

    public static TheoryData<ReferenceAsset, string> BadEntries => new()
    {
        { new ReferenceAsset(Asset.Of("BTC"), 0m, 0.5), "reference asset BTC: price must be positive (got 0)" },
        { new ReferenceAsset(Asset.Of("BTC"), 1m, -0.5), "reference asset BTC: volatility must be finite and not negative (got -0.5)" },
        { new ReferenceAsset(Asset.Of("BTC"), 1m, double.NaN), "reference asset BTC: volatility must be finite and not negative (got NaN)" },
        { new ReferenceAsset(Asset.Of("ETH"), 1m, 0.5, 1.5), "reference asset ETH: marketLoading must be in [-1, 1] (got 1.5)" },
        { new ReferenceAsset(default, 1m, 0.5), "a reference asset has no asset" },
    };

    [Theory]
    [MemberData(nameof(BadEntries))]
    public void Create_BadEntry_ThrowsNamingTheAssetAndField(ReferenceAsset entry, string message) =>
        Assert.StartsWith(message, Assert.Throws<ArgumentException>(() => ReferenceSnapshot.Create("r", s_asOf, DemoMarket.Parameters, [entry])).Message, StringComparison.Ordinal);

    [Fact]
    public void Create_AssetTwice_Throws()
    {
        var btc = new ReferenceAsset(Asset.Of("BTC"), 1m, 0.5);

        var ex = Assert.Throws<ArgumentException>(() => ReferenceSnapshot.Create("r", s_asOf, DemoMarket.Parameters, [btc, btc]));

        Assert.StartsWith("asset BTC appears twice in the reference market", ex.Message, StringComparison.Ordinal);
    }
}
