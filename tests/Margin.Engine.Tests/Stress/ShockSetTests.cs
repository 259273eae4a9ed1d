using Margin.Engine.Parameters;
using Margin.Engine.Stress;
using Margin.Engine.Tests.Support;

namespace Margin.Engine.Tests.Stress;

public sealed class ShockSetTests
{
    public static TheoryData<string, string> Malformed => new()
    {
        { "BTC=-25", "must be a percentage ending in %" },
        { "BTC", "expected selector=move%" },
        { "=-5%", "selector" },
        { "BTC=abc%", "is not a number" },
        { "BTC=-100%", "leaves no price" },
        { "BTC=-150%", "leaves no price" },
        { "BTC=-5%,,ETH=1%", "shock 2 is empty" },
        { "BTC=-5%,btc=-6%", "shocked twice" },
        { "BTC=%", "is not a number" },
        { "BTC=-1e2%", "is not a number" },
    };

    [Fact]
    public void TryParse_IssueExample_ParsesEveryShockAsAFraction()
    {
        Assert.True(ShockSet.TryParse("BTC=-25%, ETH=-30% ,alts=-45%,USDT=+0.5%", "--scenario", out var set, out var problems));

        Assert.Empty(problems);
        Assert.Equal(["BTC", "ETH", "alts", "USDT"], set.Shocks.Select(s => s.Selector));
        Assert.Equal([-0.25m, -0.30m, -0.45m, 0.005m], set.Shocks.Select(s => s.Move));
        Assert.Equal("BTC=-25%,ETH=-30%,alts=-45%,USDT=+0.5%", set.ToString());
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void TryParse_Malformed_NamesTheFieldThePositionAndTheProblem(string text, string expected)
    {
        Assert.False(ShockSet.TryParse(text, "--scenario", out var set, out var problems));

        Assert.True(set.IsEmpty);
        var problem = Assert.Single(problems);
        Assert.StartsWith("--scenario: shock ", problem, StringComparison.Ordinal);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_SeveralBadShocks_ReportsEachOne()
    {
        Assert.False(ShockSet.TryParse("BTC=-25,ETH=-200%,SOL=-10%", "scenario", out _, out var problems));

        Assert.Equal(2, problems.Count);
        Assert.Contains("shock 1 ('BTC=-25')", problems[0], StringComparison.Ordinal);
        Assert.Contains("shock 2 ('ETH=-200%')", problems[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void TryParse_Blank_IsTheEmptySet(string? text)
    {
        Assert.True(ShockSet.TryParse(text, "scenario", out var set, out var problems));

        Assert.True(set.IsEmpty);
        Assert.Empty(problems);
    }

    [Fact]
    public void TryResolve_SymbolBeatsClassBeatsEverything_AndSkipsTheSettlementCurrency()
    {
        var set = Parse("BTC=-25%,alts=-45%,*=-10%");

        Assert.True(set.TryResolve(ClassedParameters(), "scenario", out var moves, out var problems));

        Assert.Empty(problems);
        Assert.Equal(-0.25m, moves["BTC"]);
        Assert.Equal(-0.45m, moves["ETH"]);
        Assert.Equal(-0.10m, moves["USDC"]);
        Assert.False(moves.ContainsKey("USD"));
    }

    [Fact]
    public void TryResolve_ClassByNameCaseInsensitive_MovesOnlyThatClass()
    {
        Assert.True(Parse("Stablecoin=+1%").TryResolve(ClassedParameters(), "scenario", out var moves, out _));

        Assert.Equal(new Dictionary<string, decimal> { ["USDC"] = 0.01m }, moves);
    }

    [Fact]
    public void TryResolve_UnknownAsset_NamesItAndListsWhatExists()
    {
        Assert.False(Parse("XYZ=-25%").TryResolve(ClassedParameters(), "scenario", out _, out var problems));

        var problem = Assert.Single(problems);
        Assert.Contains("unknown asset or asset class 'XYZ'", problem, StringComparison.Ordinal);
        Assert.Contains("assets: BTC, ETH, USD, USDC", problem, StringComparison.Ordinal);
        Assert.Contains("aliases: alts, majors, stables", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TryResolve_SymbolsAreCaseSensitive()
    {
        Assert.False(Parse("btc=-25%").TryResolve(ClassedParameters(), "scenario", out _, out var problems));

        Assert.Contains("'btc'", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public void TryResolve_SettlementCurrency_IsRefused()
    {
        Assert.False(Parse("USD=-5%").TryResolve(ClassedParameters(), "scenario", out _, out var problems));

        Assert.Contains("settlement currency", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public void TryResolve_ClassAndItsAlias_IsRefusedAsTwice()
    {
        Assert.False(Parse("altcoin=-5%,alts=-6%").TryResolve(ClassedParameters(), "scenario", out _, out var problems));

        Assert.Contains("shocked twice", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public void Create_MoveAtMinus100Percent_Throws()
    {
        Assert.Throws<ArgumentException>(() => ShockSet.Create([new Shock("BTC", -1m)]));
    }

    internal static RiskParameters ClassedParameters() => TestBook.BookParameters(
    [
        TestBook.UsdParameters() with { AssetClass = "settlement" },
        TestBook.UsdcParameters() with { AssetClass = "stablecoin" },
        TestBook.BtcParameters() with { AssetClass = "bluechip" },
        TestBook.EthParameters() with { AssetClass = "altcoin" },
    ]);

    private static ShockSet Parse(string text)
    {
        Assert.True(ShockSet.TryParse(text, "scenario", out var set, out var problems), string.Join("; ", problems));
        return set;
    }
}
