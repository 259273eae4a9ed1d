using Margin.Engine.Domain;
using Margin.Engine.Prices;

namespace Margin.Engine.Tests.Prices;

public class AssetPriceTests
{
    private static readonly Asset s_btc = Asset.Of("BTC");
    private static readonly DateTimeOffset s_time = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Create_Defaults_ReferenceIsThePriceAndUsable()
    {
        var price = AssetPrice.Create(s_btc, 50_000m, s_time);

        Assert.Equal(50_000m, price.Price);
        Assert.Equal(50_000m, price.ReferencePrice);
        Assert.Equal(0m, price.Confidence);
        Assert.Equal(s_time, price.PublishTime);
        Assert.True(price.Usable);
        Assert.Null(price.SigmaShort);
        Assert.Null(price.SigmaLong);
    }

    [Fact]
    public void Create_UnusableWithVolatilities_KeepsReasonAndSigmas()
    {
        var price = AssetPrice.Create(s_btc, 50_000m, s_time, 48_000m, 25m, "stale", 0.9, 0.6);

        Assert.False(price.Usable);
        Assert.Equal("stale", price.UnusableReason);
        Assert.Equal(48_000m, price.ReferencePrice);
        Assert.Equal(25m, price.Confidence);
        Assert.Equal(0.9, price.SigmaShort);
        Assert.Equal(0.6, price.SigmaLong);
    }

    private static readonly Dictionary<string, Action> s_invalid = new(StringComparer.Ordinal)
    {
        ["no asset"] = () => AssetPrice.Create(default, 1m, s_time),
        ["zero price"] = () => AssetPrice.Create(s_btc, 0m, s_time),
        ["negative price"] = () => AssetPrice.Create(s_btc, -1m, s_time),
        ["zero reference"] = () => AssetPrice.Create(s_btc, 1m, s_time, 0m),
        ["negative confidence"] = () => AssetPrice.Create(s_btc, 1m, s_time, confidence: -0.01m),
        ["empty reason"] = () => AssetPrice.Create(s_btc, 1m, s_time, unusableReason: ""),
        ["NaN sigma"] = () => AssetPrice.Create(s_btc, 1m, s_time, sigmaShort: double.NaN),
        ["infinite sigma"] = () => AssetPrice.Create(s_btc, 1m, s_time, sigmaLong: double.PositiveInfinity),
        ["negative sigma"] = () => AssetPrice.Create(s_btc, 1m, s_time, sigmaLong: -0.1),
    };

    public static TheoryData<string, string> InvalidCases => new()
    {
        { "no asset", "asset" },
        { "zero price", "price" },
        { "negative price", "price" },
        { "zero reference", "referencePrice" },
        { "negative confidence", "confidence" },
        { "empty reason", "unusableReason" },
        { "NaN sigma", "sigmaShort" },
        { "infinite sigma", "sigmaLong" },
        { "negative sigma", "sigmaLong" },
    };

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void Create_InvalidValue_ThrowsNamingTheParameter(string name, string parameter) =>
        Assert.Equal(parameter, Assert.ThrowsAny<ArgumentException>(s_invalid[name]).ParamName);
}
