using Margin.Engine.Domain;

namespace Margin.Engine.Tests.Domain;

public class QuantityTests
{
    private static readonly Asset s_usd = Asset.Of("USD");
    private static readonly Asset s_btc = Asset.Of("BTC");

    [Fact]
    public void ValueAt_PriceOfTheSameAsset_IsAmountTimesPriceInTheQuote() =>
        // -0.5 BTC at 50,000 USD/BTC = -25,000 USD.
        Assert.Equal(new Money(-25_000m, s_usd), new Quantity(-0.5m, s_btc).ValueAt(Price.Of(50_000m, s_btc, s_usd)));

    [Fact]
    public void ValueAt_PriceOfAnotherAsset_Throws() =>
        Assert.Throws<InvalidOperationException>(() => new Quantity(1m, s_btc).ValueAt(Price.Of(2_000m, Asset.Of("ETH"), s_usd)));
}
