using Margin.Engine.Prices;

namespace Margin.Engine.Tests.Prices;

public class InstrumentPriceTests
{
    [Fact]
    public void Create_ValidMark_KeepsValues()
    {
        var mark = InstrumentPrice.Create("BTC-C-60000", 1_000m, 0.55, "no quorum");

        Assert.Equal("BTC-C-60000", mark.InstrumentId);
        Assert.Equal(1_000m, mark.Mark);
        Assert.Equal(0.55, mark.ImpliedVolatility);
        Assert.False(mark.Usable);
        Assert.True(InstrumentPrice.Create("BTC-PERP", 1m).Usable);
    }

    private static readonly Dictionary<string, Action> s_invalid = new(StringComparer.Ordinal)
    {
        ["no id"] = () => InstrumentPrice.Create(" ", 1m),
        ["zero mark"] = () => InstrumentPrice.Create("X", 0m),
        ["negative mark"] = () => InstrumentPrice.Create("X", -5m),
        ["zero vol"] = () => InstrumentPrice.Create("X", 1m, 0d),
        ["NaN vol"] = () => InstrumentPrice.Create("X", 1m, double.NaN),
        ["empty reason"] = () => InstrumentPrice.Create("X", 1m, unusableReason: ""),
    };

    public static TheoryData<string, string> InvalidCases => new()
    {
        { "no id", "instrumentId" },
        { "zero mark", "mark" },
        { "negative mark", "mark" },
        { "zero vol", "impliedVolatility" },
        { "NaN vol", "impliedVolatility" },
        { "empty reason", "unusableReason" },
    };

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void Create_InvalidValue_ThrowsNamingTheParameter(string name, string parameter) =>
        Assert.Equal(parameter, Assert.ThrowsAny<ArgumentException>(s_invalid[name]).ParamName);
}
