using Margin.Engine.Domain;
using Margin.Engine.Oracles;

namespace Margin.Engine.Tests.Oracles;

public sealed class OracleQuoteTests
{
    [Fact]
    public void Create_ValidArguments_KeepsEveryValue()
    {
        var time = OracleTestData.Now;

        var quote = OracleQuote.Create("pyth", OracleTestData.Btc, 64_000.5m, 12.25m, time);

        Assert.Equal("pyth", quote.SourceId);
        Assert.Equal(OracleTestData.Btc, quote.Asset);
        Assert.Equal(64_000.5m, quote.Price);
        Assert.Equal(12.25m, quote.Confidence);
        Assert.Equal(time, quote.PublishTime);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Create_EmptySourceId_Throws(string sourceId)
    {
        Assert.Throws<ArgumentException>(() => OracleQuote.Create(sourceId, OracleTestData.Btc, 1m, 0m, OracleTestData.Now));
    }

    [Fact]
    public void Create_DefaultAsset_Throws()
    {
        Assert.Throws<ArgumentException>(() => OracleQuote.Create("pyth", default(Asset), 1m, 0m, OracleTestData.Now));
    }

    [Fact]
    public void Create_NonPositivePriceAndNegativeConfidence_AreCarriedForTheReport()
    {
        var quote = OracleQuote.Create("pyth", OracleTestData.Btc, -3m, -1m, OracleTestData.Now);

        Assert.Equal(-3m, quote.Price);
        Assert.Equal(-1m, quote.Confidence);
    }
}
