using Margin.Engine.Domain;
using Margin.Engine.Prices;

namespace Margin.Engine.Tests.Prices;

public class PriceSnapshotTests
{
    private static readonly Asset s_usd = Asset.Of("USD");
    private static readonly Asset s_btc = Asset.Of("BTC");
    private static readonly DateTimeOffset s_time = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Create_PricesMarksAndDefects_IndexesThemByKey()
    {
        var snapshot = PriceSnapshot.Create(
            "snap-7",
            s_time,
            s_usd,
            [AssetPrice.Create(s_btc, 50_000m, s_time)],
            [InstrumentPrice.Create("BTC-PERP", 50_010m)],
            [new PriceDefect("ETH", "prices.assets.ETH.price", "NaN")]);

        Assert.Equal("snap-7", snapshot.Id);
        Assert.Equal(s_time, snapshot.AsOf);
        Assert.Equal(s_usd, snapshot.Quote);
        Assert.Equal(50_000m, snapshot.Assets["BTC"].Price);
        Assert.Equal(50_010m, snapshot.Instruments["BTC-PERP"].Mark);
        Assert.Equal("NaN", snapshot.Defects["ETH"].Problem);
        Assert.True(snapshot.Usable);
    }

    [Fact]
    public void Create_WithReason_IsUnusable()
    {
        var snapshot = PriceSnapshot.Create("s", s_time, s_usd, [], [], unusableReason: "older than 30 s");

        Assert.False(snapshot.Usable);
        Assert.Equal("older than 30 s", snapshot.UnusableReason);
        Assert.Empty(snapshot.Defects);
    }

    private static readonly Dictionary<string, Action> s_invalid = new(StringComparer.Ordinal)
    {
        ["empty id"] = () => PriceSnapshot.Create("", s_time, s_usd, [], []),
        ["no quote"] = () => PriceSnapshot.Create("s", s_time, default, [], []),
        ["asset twice"] = () => PriceSnapshot.Create("s", s_time, s_usd, [AssetPrice.Create(s_btc, 1m, s_time), AssetPrice.Create(s_btc, 2m, s_time)], []),
        ["instrument twice"] = () => PriceSnapshot.Create("s", s_time, s_usd, [], [InstrumentPrice.Create("X", 1m), InstrumentPrice.Create("X", 2m)]),
    };

    public static TheoryData<string, string> InvalidCases => new()
    {
        { "empty id", "id" },
        { "no quote", "quote" },
        { "asset twice", "assets" },
        { "instrument twice", "instruments" },
    };

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void Create_InvalidInput_ThrowsNamingTheParameter(string name, string parameter) =>
        Assert.Equal(parameter, Assert.Throws<ArgumentException>(s_invalid[name]).ParamName);
}
