using Margin.Engine.Domain;
using Margin.Engine.Instruments;

namespace Margin.Engine.Tests.Instruments;

public class EuropeanOptionTests
{
    private static readonly Asset s_btc = Asset.Of("BTC");
    private static readonly DateTimeOffset s_expiry = new(2025, 3, 28, 8, 0, 0, TimeSpan.Zero);

    public static TheoryData<OptionRight, decimal, decimal, decimal> OutOfTheMoneyCases => new()
    {
        // right, strike, spot, OTM per unit
        { OptionRight.Call, 60_000m, 50_000m, 10_000m },   // K - S
        { OptionRight.Call, 45_000m, 50_000m, 0m },        // in the money
        { OptionRight.Put, 40_000m, 50_000m, 10_000m },    // S - K
        { OptionRight.Put, 55_000m, 50_000m, 0m },
        { OptionRight.Call, 50_000m, 50_000m, 0m },        // at the money
    };

    [Theory]
    [MemberData(nameof(OutOfTheMoneyCases))]
    public void OutOfTheMoney_Spot_IsTheDistanceOutOfTheMoney(OptionRight right, decimal strike, decimal spot, decimal expected) =>
        Assert.Equal(expected, new EuropeanOption("O", s_btc, right, strike, s_expiry).OutOfTheMoney(spot));

    [Fact]
    public void Constructor_Defaults_KeepTheTerms()
    {
        var option = new EuropeanOption("BTC-C", s_btc, OptionRight.Call, 60_000m, s_expiry);

        Assert.Equal(1m, option.Multiplier);
        Assert.Equal(0.1m, option.LotSize);
        Assert.Equal(s_expiry, option.Expiry);
        Assert.Equal(s_btc, option.Underlying);
    }

    [Fact]
    public void Constructor_InvalidTerms_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new EuropeanOption("O", s_btc, OptionRight.Call, 0m, s_expiry));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EuropeanOption("O", s_btc, OptionRight.Call, 1m, s_expiry, multiplier: 0m));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EuropeanOption("O", s_btc, (OptionRight)3, 1m, s_expiry));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EuropeanOption("O", s_btc, OptionRight.Put, 1m, s_expiry, lotSize: 0m));
        Assert.Throws<ArgumentException>(() => new EuropeanOption(" ", s_btc, OptionRight.Put, 1m, s_expiry));
        Assert.Throws<ArgumentException>(() => new EuropeanOption("O", default, OptionRight.Put, 1m, s_expiry));
    }
}
