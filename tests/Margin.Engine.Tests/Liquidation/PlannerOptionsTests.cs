using Margin.Engine.Liquidation;

namespace Margin.Engine.Tests.Liquidation;

public sealed class PlannerOptionsTests
{
    public static TheoryData<decimal, decimal, decimal, decimal, decimal, int, string> Invalid => new()
    {
        { -0.001m, 0.2m, 1_000m, 0m, 0m, 10, "feeRate" },
        { 1m, 0.2m, 1_000m, 0m, 0m, 10, "feeRate" },
        { 0.001m, 0m, 1_000m, 0m, 0m, 10, "maxImpact" },
        { 0.001m, 0.51m, 1_000m, 0m, 0m, 10, "maxImpact" },
        { 0.001m, 0.2m, 0m, 0m, 0m, 10, "maxOrderUsd" },
        { 0.001m, 0.2m, 1_000m, -1m, 0m, 10, "minOrderUsd" },
        { 0.001m, 0.2m, 1_000m, 1_001m, 0m, 10, "minOrderUsd" },
        { 0.001m, 0.2m, 1_000m, 0m, -1m, 10, "moveUsd" },
        { 0.001m, 0.2m, 1_000m, 0m, 0m, 0, "maxMoves" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Create_OutOfRange_ThrowsNamingTheParameter(decimal fee, decimal impact, decimal maxOrder, decimal minOrder, decimal move, int maxMoves, string name)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => PlannerOptions.Create(fee, impact, maxOrder, minOrder, null, move, maxMoves));

        Assert.Equal(name, e.ParamName);
    }

    [Fact]
    public void Create_Boundaries_Accepted()
    {
        var options = PlannerOptions.Create(0m, 0.5m, 1_000m, 1_000m);

        Assert.Equal(0.5m, options.MaxImpact);
        Assert.Null(options.SettlementAsset);
    }
}
