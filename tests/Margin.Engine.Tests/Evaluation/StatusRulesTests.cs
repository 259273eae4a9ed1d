using Margin.Engine.Domain;
using Margin.Engine.Evaluation;
using Margin.Engine.Parameters;
using Margin.Engine.Results;

namespace Margin.Engine.Tests.Evaluation;

public class StatusRulesTests
{
    private static readonly StatusThresholds s_thresholds = new(Warning: 0.8m, MarginCall: 0.9m, TargetBuffer: 0.1m);
    private static readonly Asset s_usd = Asset.Of("USD");

    public static TheoryData<decimal, decimal, double> RatioCases => new()
    {
        // requirement, adjusted equity, ratio
        { 0m, 0m, 0d },                            // nothing required, AE >= 0: 0
        { 0m, 1_000m, 0d },
        { 0m, -1m, double.PositiveInfinity },      // nothing required but AE < 0: +inf
        { 1m, 0m, double.PositiveInfinity },       // AE <= 0 with a requirement: +inf
        { 1m, -5m, double.PositiveInfinity },
        { 500m, 1_000m, 0.5 },                     // the quotient
        { 1_755m, 30_200m, 1_755d / 30_200d },
        { 3m, 2m, 1.5 },
    };

    [Theory]
    [MemberData(nameof(RatioCases))]
    public void Ratio_RequirementAndEquity_FollowsSectionFive(decimal requirement, decimal adjustedEquity, double expected) =>
        Assert.Equal(expected, StatusRules.Ratio(requirement, adjustedEquity));

    public static TheoryData<decimal, decimal, decimal, decimal, decimal, MarginStatus> ClassifyCases => new()
    {
        // equity, MM, AE_M, IM, AE_I -> status (thresholds: warning 0.8, call 0.9)
        { 0m, 0m, 0m, 0m, 0m, MarginStatus.Healthy },                 // empty account
        { -0.01m, 0m, 0m, 0m, 0m, MarginStatus.Bankrupt },           // equity < 0 wins over everything
        { -1m, 10m, 100m, 10m, 100m, MarginStatus.Bankrupt },        // ... even with healthy ratios
        { 0m, 10m, -5m, 20m, -6m, MarginStatus.Liquidatable },       // equity 0 is not bankrupt; AE_M <= 0 with MM > 0
        { 100m, 100m, 100m, 0m, 100m, MarginStatus.Liquidatable },   // MarginRatio exactly 1
        { 100m, 101m, 100m, 200m, 50m, MarginStatus.Liquidatable },  // first match: Liquidatable before ReduceOnly
        { 100m, 0m, -1m, 0m, -1m, MarginStatus.Liquidatable },       // nothing required but AE_M < 0: ratio +inf
        { 100m, 99.99m, 100m, 0m, 100m, MarginStatus.MarginCall },   // 0.9999 >= 0.9
        { 100m, 90m, 100m, 0m, 100m, MarginStatus.MarginCall },      // exactly at the call threshold
        { 100m, 95m, 100m, 500m, 100m, MarginStatus.MarginCall },    // MarginCall before ReduceOnly
        { 100m, 89.99m, 100m, 0m, 100m, MarginStatus.Warning },      // just below the call threshold
        { 100m, 50m, 100m, 100m, 100m, MarginStatus.ReduceOnly },    // InitialRatio exactly 1
        { 100m, 85m, 100m, 100m, 99m, MarginStatus.ReduceOnly },     // ReduceOnly before Warning
        { 100m, 10m, 100m, 1m, 0m, MarginStatus.ReduceOnly },        // AE_I 0 with IM > 0: +inf
        { 100m, 80m, 100m, 99m, 100m, MarginStatus.Warning },        // exactly at the warning threshold
        { 100m, 79.99m, 100m, 99.99m, 100m, MarginStatus.Healthy },  // below every threshold
        { 100m, 0m, 100m, 0m, 0m, MarginStatus.Healthy },            // IM 0, AE_I 0: InitialRatio 0
        { 0m, 0m, 0m, 0m, -0.01m, MarginStatus.ReduceOnly },         // AE_I < 0 with IM 0: +inf
    };

    [Theory]
    [MemberData(nameof(ClassifyCases))]
    public void Classify_Figures_FirstMatchingRuleInSectionFiveOrder(decimal equity, decimal mm, decimal aeM, decimal im, decimal aeI, MarginStatus expected) =>
        Assert.Equal(expected, StatusRules.Classify(equity, mm, aeM, im, aeI, s_thresholds));

    public static TheoryData<decimal, decimal, MarginStatus> ExactThresholdCases => new()
    {
        // MM, AE_M -> status. Each ratio is exactly at a threshold, but (double)MM / (double)AE_M lands one ulp below the
        // double threshold (803.184 / 1,003.98 gives 0.7999999999999999): the comparison must be made on the decimals.
        { 803.184m, 1_003.98m, MarginStatus.Warning },      // 0.8 exactly
        { 0.08m, 0.1m, MarginStatus.Warning },
        { 0.009m, 0.01m, MarginStatus.MarginCall },         // 0.9 exactly
        { 0.063m, 0.07m, MarginStatus.MarginCall },
        { 803.18399999m, 1_003.98m, MarginStatus.Healthy }, // just below 0.8
        { 0.00899999m, 0.01m, MarginStatus.Warning },       // just below 0.9
    };

    [Theory]
    [MemberData(nameof(ExactThresholdCases))]
    public void Classify_RatioExactlyAtAThreshold_ReachesTheThreshold(decimal mm, decimal aeM, MarginStatus expected) =>
        Assert.Equal(expected, StatusRules.Classify(aeM, mm, aeM, 0m, aeM, s_thresholds));

    [Fact]
    public void Classify_RatioOneUlpBelowOne_IsNotLiquidatable()
    {
        // 0.99999999999999999999 / 1 converts to the double 1.0; the comparison with 1 is exact on the decimals.
        var mm = 0.99999999999999999999m;

        Assert.Equal(1.0, StatusRules.Ratio(mm, 1m));
        Assert.Equal(MarginStatus.MarginCall, StatusRules.Classify(1m, mm, 1m, 0m, 1m, s_thresholds));
        Assert.Equal(MarginStatus.Healthy, StatusRules.Classify(1m, 0m, 1m, mm, 1m, s_thresholds));
    }

    [Fact]
    public void Classify_OtherThresholds_AreHonoured()
    {
        var thresholds = new StatusThresholds(Warning: 0.5m, MarginCall: 0.5m, TargetBuffer: 0.2m);

        Assert.Equal(MarginStatus.MarginCall, StatusRules.Classify(10m, 5m, 10m, 0m, 10m, thresholds));  // 0.5: call checked first
        Assert.Equal(MarginStatus.Healthy, StatusRules.Classify(10m, 4.99m, 10m, 0m, 10m, thresholds));
    }

    public static TheoryData<MarginStatus, decimal, decimal, string> ExplainCases => new()
    {
        // status, MM, AE_M, rule
        { MarginStatus.Bankrupt, 10m, -5m, "EquityBelowZero" },
        { MarginStatus.Liquidatable, 10m, 5m, "MarginRatioAtOrAboveOne" },
        { MarginStatus.MarginCall, 9m, 10m, "MarginRatioAtOrAboveCall" },
        { MarginStatus.ReduceOnly, 1m, 10m, "InitialRatioAtOrAboveOne" },
        { MarginStatus.Warning, 8m, 10m, "MarginRatioAtOrAboveWarning" },
        { MarginStatus.Healthy, 1m, 10m, "BelowAllThresholds" },
        { MarginStatus.Healthy, 0m, 0m, "Empty" },
        { MarginStatus.Healthy, 0m, 0m, "BelowAllThresholds" },  // holds only zero-weight assets: not empty
    };

    [Theory]
    [MemberData(nameof(ExplainCases))]
    public void Explain_Status_NamesTheRule(MarginStatus status, decimal mm, decimal aeM, string rule)
    {
        var summary = Summary(status, mm, aeM, MarginFlags.None);

        var reason = StatusRules.Explain(summary, s_thresholds, accountIsEmpty: rule == "Empty");

        Assert.Equal(rule, reason.Rule);
        Assert.False(string.IsNullOrWhiteSpace(reason.Message));
    }

    [Fact]
    public void Explain_Liquidatable_MessageCarriesTheFiguresAndFlags()
    {
        // MM 1,234.5 vs AE_M 1,000: ratio 1.2345.
        var summary = Summary(MarginStatus.Liquidatable, 1_234.5m, 1_000m, MarginFlags.PriceSuspect | MarginFlags.KillSwitch);

        var reason = StatusRules.Explain(summary, s_thresholds, accountIsEmpty: false);

        Assert.Equal("MarginRatio 1.2345 >= 1: MM 1,234.50 USD vs AE_M 1,000.00 USD [flags: PriceSuspect, KillSwitch]", reason.Message);
    }

    [Fact]
    public void Explain_InfiniteRatio_WritesInfinity()
    {
        var summary = Summary(MarginStatus.Liquidatable, 10m, 0m, MarginFlags.None);

        Assert.Contains("MarginRatio Infinity >= 1", StatusRules.Explain(summary, s_thresholds, accountIsEmpty: false).Message, StringComparison.Ordinal);
    }

    private static MarginSummary Summary(MarginStatus status, decimal mm, decimal aeM, MarginFlags flags) => new(
        new Money(aeM, s_usd),
        new Money(aeM, s_usd),
        new Money(aeM, s_usd),
        new Money(mm, s_usd),
        new Money(mm, s_usd),
        StatusRules.Ratio(mm, aeM),
        StatusRules.Ratio(mm, aeM),
        status,
        flags);
}
