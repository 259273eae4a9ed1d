using Margin.Engine.Domain;

namespace Margin.Engine.Tests.Domain;

public class PriceTests
{
    private static readonly Asset s_usd = Asset.Of("USD");
    private static readonly Asset s_btc = Asset.Of("BTC");

    [Fact]
    public void Of_PositiveValue_KeepsValueAndPair()
    {
        var price = Price.Of(50_000m, s_btc, s_usd);

        Assert.Equal(50_000m, price.Value);
        Assert.Equal(s_btc, price.Base);
        Assert.Equal(s_usd, price.Quote);
        Assert.Equal("50000 USD/BTC", price.ToString());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Of_NonPositiveValue_Throws(int value) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Price.Of(value, s_btc, s_usd));
}
