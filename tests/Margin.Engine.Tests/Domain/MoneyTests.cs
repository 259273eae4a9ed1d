using Margin.Engine.Domain;

namespace Margin.Engine.Tests.Domain;

public class MoneyTests
{
    private static readonly Asset s_usd = Asset.Of("USD");
    private static readonly Asset s_btc = Asset.Of("BTC");

    [Fact]
    public void Arithmetic_SameAsset_AddsSubtractsNegatesAndScales()
    {
        var a = new Money(100.5m, s_usd);
        var b = new Money(0.25m, s_usd);

        Assert.Equal(new Money(100.75m, s_usd), a + b);
        Assert.Equal(new Money(100.25m, s_usd), a - b);
        Assert.Equal(new Money(-100.5m, s_usd), -a);
        Assert.Equal(new Money(201m, s_usd), a * 2m);
        Assert.Equal(a + b, Money.Add(a, b));
        Assert.Equal(a - b, Money.Subtract(a, b));
        Assert.Equal(-a, Money.Negate(a));
        Assert.Equal(a * 3m, Money.Multiply(a, 3m));
        Assert.Equal(new Money(0m, s_usd), Money.Zero(s_usd));
    }

    [Fact]
    public void Comparison_SameAsset_ComparesAmounts()
    {
        var small = new Money(1m, s_usd);
        var large = new Money(2m, s_usd);

        Assert.True(small < large);
        Assert.True(large > small);
        Assert.True(small <= new Money(1.00m, s_usd));
        Assert.True(large >= small);
        Assert.Equal(-1, small.CompareTo(large));
    }

    [Fact]
    public void Arithmetic_DifferentAssets_Throws()
    {
        var usd = new Money(1m, s_usd);
        var btc = new Money(1m, s_btc);

        var ex = Assert.Throws<InvalidOperationException>(() => usd + btc);
        Assert.Contains("USD", ex.Message, StringComparison.Ordinal);
        Assert.Contains("BTC", ex.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => usd - btc);
        Assert.Throws<InvalidOperationException>(() => usd < btc);
        Assert.Throws<InvalidOperationException>(() => usd.CompareTo(btc));
    }

    [Fact]
    public void Default_CombinesWithAnyAsset()
    {
        var sum = default(Money) + new Money(5m, s_btc);

        Assert.Equal(new Money(5m, s_btc), sum);
        Assert.Equal(new Money(5m, s_btc), new Money(5m, s_btc) - default(Money));
    }

    [Fact]
    public void ToString_Invariant_AmountAndAsset() =>
        Assert.Equal("1234.5 USD", new Money(1234.5m, s_usd).ToString());
}
