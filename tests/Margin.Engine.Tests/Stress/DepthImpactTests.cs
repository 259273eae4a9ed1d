using Margin.Engine.Liquidation;
using Margin.Engine.Stress;

namespace Margin.Engine.Tests.Stress;

public sealed class DepthImpactTests
{
    public static TheoryData<decimal, decimal, decimal> Cases => new()
    {
        { 0m, 1_000_000m, 1m },
        { 250_000m, 1_000_000m, 0.75m },
        { 1_000_000m, 1_000_000m, DepthImpact.MinimumFactor },
        { 5_000_000m, 1_000_000m, DepthImpact.MinimumFactor },
        { 990_000m, 1_000_000m, 0.01m },
        { -100_000m, 1_000_000m, 1.1m },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Factor_LinearImpactFlooredPerRound(decimal net, decimal depth, decimal expected)
    {
        Assert.Equal(expected, DepthImpact.Factor(net, depth));
    }

    [Theory]
    [InlineData(995_000, true)]
    [InlineData(990_000, false)]
    [InlineData(-5_000_000, false)]
    public void Floored_OnlyBelowTheFloor(decimal net, bool floored)
    {
        Assert.Equal(floored, DepthImpact.Floored(net, 1_000_000m));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Factor_NonPositiveDepth_Throws(decimal depth)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DepthImpact.Factor(1m, depth));
    }

    [Theory]
    [InlineData(LegKind.SellCollateral, "ETH", "ETH")]
    [InlineData(LegKind.RepayBorrow, "USDC", "USDC")]
    [InlineData(LegKind.ReducePosition, "BTC-PERP", "BTC")]
    [InlineData(LegKind.ReducePosition, "BTC-INV", "BTC")]
    [InlineData(LegKind.ReducePosition, "BTC-FUT-0101", "BTC")]
    [InlineData(LegKind.ReducePosition, "BTC-C-60000", null)]
    [InlineData(LegKind.ReducePosition, "NOPE", null)]
    public void AssetOf_SalesOnThemselves_FuturesOnTheUnderlying_OptionsNowhere(LegKind kind, string target, string? expected)
    {
        Assert.Equal(expected, DepthImpact.AssetOf(Support.TestBook.BookParameters(), kind, target));
    }
}
