using Margin.Sweep.Options;

namespace Margin.Sweep.Tests.Options;

public sealed class SweepOptionsTests
{
    [Fact]
    public void Problems_Defaults_AreValid()
    {
        Assert.Empty(new SweepOptions().Problems());
        Assert.Empty(new PriceRefreshOptions().Problems());
    }

    [Fact]
    public void Problems_EveryBadValue_IsNamed()
    {
        var options = new SweepOptions { WorkItems = 0, Deadline = TimeSpan.Zero, RatioChangeThreshold = double.NaN, PlannerMaxImpact = 1m, PlannerMinOrderUsd = 10m, PlannerMaxOrderUsd = 5m, MaxCommitAttempts = 0 };

        var problems = string.Join("\n", options.Problems());

        foreach (var name in new[] { "WorkItems", "Deadline", "RatioChangeThreshold", "PlannerMaxImpact", "PlannerMinOrderUsd", "MaxCommitAttempts" })
        {
            Assert.Contains($"Sweep:{name}", problems, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Problems_BadPriceOptions_AreNamed()
    {
        var problems = string.Join("\n", new PriceRefreshOptions { SourceTimeout = TimeSpan.Zero, ShortHalfLife = -1, CorrelationMinimumReturns = 1, OutlierBand = -1m }.Problems());

        Assert.Contains("Prices:SourceTimeout", problems, StringComparison.Ordinal);
        Assert.Contains("Prices:ShortHalfLife", problems, StringComparison.Ordinal);
        Assert.Contains("Prices:CorrelationMinimumReturns", problems, StringComparison.Ordinal);
        Assert.Contains("Prices:", problems, StringComparison.Ordinal);
    }
}
