using Margin.Engine.Domain;

namespace Margin.Engine.Tests.Domain;

public class AssetTests
{
    public static TheoryData<string> ValidSymbols => new() { "BTC", "USDC", "1000PEPE", "BTC.b", "wst_ETH", "SOL-SPL", new string('A', 32) };

    [Theory]
    [MemberData(nameof(ValidSymbols))]
    public void Of_ValidSymbol_KeepsItExactly(string symbol)
    {
        var asset = Asset.Of(symbol);

        Assert.Equal(symbol, asset.Symbol);
        Assert.Equal(symbol, asset.ToString());
        Assert.False(asset.IsDefault);
    }

    public static TheoryData<string?> InvalidSymbols => new() { null, "", "BTC USD", "BTC/USD", "ÉTH", new string('A', 33), "BTC\n" };

    [Theory]
    [MemberData(nameof(InvalidSymbols))]
    public void TryCreate_InvalidSymbol_ReturnsFalseWithAReason(string? symbol)
    {
        Assert.False(Asset.TryCreate(symbol, out var asset, out var error));
        Assert.True(asset.IsDefault);
        Assert.False(string.IsNullOrWhiteSpace(error));
        if (symbol is not null)
        {
            Assert.Throws<ArgumentException>(() => Asset.Of(symbol));
        }
    }

    [Fact]
    public void Equals_SameSymbol_IsEqualAndCaseSensitive()
    {
        Assert.Equal(Asset.Of("BTC"), Asset.Of("BTC"));
        Assert.Equal(Asset.Of("BTC").GetHashCode(), Asset.Of("BTC").GetHashCode());
        Assert.NotEqual(Asset.Of("BTC"), Asset.Of("btc"));
    }

    [Fact]
    public void Default_HasNoSymbol()
    {
        Assert.True(default(Asset).IsDefault);
        Assert.Equal("(none)", default(Asset).ToString());
        Assert.Equal(0, default(Asset).GetHashCode());
    }
}
