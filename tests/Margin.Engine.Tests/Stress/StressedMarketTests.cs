using Margin.Engine.Instruments;
using Margin.Engine.Pricing;
using Margin.Engine.Stress;
using Margin.Engine.Tests.Support;

namespace Margin.Engine.Tests.Stress;

public sealed class StressedMarketTests
{
    [Fact]
    public void Apply_NoMove_KeepsEveryPriceAndMarkExactly()
    {
        var snapshot = TestBook.Snapshot();

        var moved = StressedMarket.Apply(snapshot, TestBook.BookParameters(), "moved", new Dictionary<string, decimal>());

        Assert.Equal("moved", moved.Id);
        Assert.Equal(snapshot.Assets.Values.OrderBy(a => a.Asset.Symbol), moved.Assets.Values.OrderBy(a => a.Asset.Symbol));
        Assert.Equal(snapshot.Instruments.Values.OrderBy(i => i.InstrumentId), moved.Instruments.Values.OrderBy(i => i.InstrumentId));
    }

    [Fact]
    public void Apply_BtcDown25_MovesBtcItsPerpetualsAndOptions_AndNothingElse()
    {
        var snapshot = TestBook.Snapshot();
        var parameters = TestBook.BookParameters();

        var moved = StressedMarket.Apply(snapshot, parameters, "moved", new Dictionary<string, decimal> { ["BTC"] = 0.75m });

        Assert.Equal(37_500m, moved.Assets["BTC"].Price);
        Assert.Equal(36_000m, moved.Assets["BTC"].ReferencePrice);
        Assert.Equal(2_000m, moved.Assets["ETH"].Price);
        Assert.Equal(1m, moved.Assets["USD"].Price);
        Assert.Equal(50_100m * 0.75m, moved.Instruments["BTC-PERP"].Mark);
        Assert.Equal(50_000m * 0.75m, moved.Instruments["BTC-INV"].Mark);

        // The put gains what Black-76 says it gains at 0.6 vol; the call loses.
        var years = (TestBook.OptionExpiry - TestBook.AsOf).TotalDays / 365.0;
        var gain = Black76.Price(OptionRight.Put, 37_500, 40_000, years, 0.6, 0) - Black76.Price(OptionRight.Put, 50_000, 40_000, years, 0.6, 0);
        Assert.Equal(500.0 + gain, (double)moved.Instruments["BTC-P-40000"].Mark, 0.01);
        Assert.True(moved.Instruments["BTC-C-60000"].Mark < 1_000m);
        Assert.True(moved.Instruments["BTC-C-60000"].Mark > 0m);
    }

    [Fact]
    public void Apply_VolatilityDoubled_DoublesSigmasAndImpliedVolsAndRaisesOptionMarks()
    {
        var snapshot = TestBook.Snapshot([TestBook.Price(TestBook.Usd, 1m), TestBook.Price(TestBook.Btc, 50_000m, sigmaLong: 0.5), TestBook.Price(TestBook.Eth, 2_000m)]);

        var moved = StressedMarket.Apply(snapshot, TestBook.BookParameters(), "moved", new Dictionary<string, decimal>(), new Dictionary<string, double> { ["BTC"] = 2.0 });

        Assert.Equal(1.0, moved.Assets["BTC"].SigmaLong);
        Assert.Equal(1.2, moved.Instruments["BTC-C-60000"].ImpliedVolatility);
        Assert.True(moved.Instruments["BTC-C-60000"].Mark > 1_000m);
        Assert.Equal(50_100m, moved.Instruments["BTC-PERP"].Mark);
    }

    [Fact]
    public void Apply_UnusablePriceStaysUnusable_ButTheSnapshotItselfIsUsable()
    {
        var snapshot = TestBook.Snapshot([TestBook.Price(TestBook.Usd, 1m), TestBook.Price(TestBook.Btc, 50_000m, unusable: "stale"), TestBook.Price(TestBook.Eth, 2_000m)], unusable: "too old");

        var moved = StressedMarket.Apply(snapshot, TestBook.BookParameters(), "moved", new Dictionary<string, decimal> { ["BTC"] = 0.5m });

        Assert.True(moved.Usable);
        Assert.Equal("stale", moved.Assets["BTC"].UnusableReason);
        Assert.Equal(25_000m, moved.Assets["BTC"].Price);
    }

    [Fact]
    public void Apply_NonPositiveFactor_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => StressedMarket.Apply(TestBook.Snapshot(), TestBook.BookParameters(), "x", new Dictionary<string, decimal> { ["BTC"] = 0m }));
    }
}
