using Margin.Engine.Parameters;
using Margin.Engine.Tests.Support;

namespace Margin.Engine.Tests.Parameters;

public class BracketScheduleTests
{
    // Binance's published BTCUSDT USD-M brackets (2023): caps 50k / 250k / 3M / 15M / 30M, MMR 0.4 / 0.5 / 1 / 2.5 / 5 %,
    // maintenance amounts 0 / 50 / 1,300 / 46,300 / 421,300; initial rates 1/125, 1/100, 1/50, 1/20, 1/10.
    private static BracketSchedule Binance() => RiskParameters.Brackets(
        new MarginBracket(50_000m, 0.008m, 0.004m),
        new MarginBracket(250_000m, 0.01m, 0.005m),
        new MarginBracket(3_000_000m, 0.02m, 0.01m),
        new MarginBracket(15_000_000m, 0.05m, 0.025m),
        new MarginBracket(30_000_000m, 0.10m, 0.05m));

    [Fact]
    public void CumulativeMaintenance_BinanceBrackets_MatchThePublishedMaintenanceAmounts()
    {
        var schedule = Binance();

        // cum(k) = cum(k-1) + cap(k-1) * (MMR(k) - MMR(k-1)):
        // 0; 50,000 * 0.001 = 50; 50 + 250,000 * 0.005 = 1,300; 1,300 + 3,000,000 * 0.015 = 46,300;
        // 46,300 + 15,000,000 * 0.025 = 421,300.
        Assert.Equal([0m, 50m, 1_300m, 46_300m, 421_300m], Enumerable.Range(0, 5).Select(schedule.CumulativeMaintenance));

        // Initial: 0; 50,000 * 0.002 = 100; 100 + 250,000 * 0.01 = 2,600; 2,600 + 3,000,000 * 0.03 = 92,600;
        // 92,600 + 15,000,000 * 0.05 = 842,600.
        Assert.Equal([0m, 100m, 2_600m, 92_600m, 842_600m], Enumerable.Range(0, 5).Select(schedule.CumulativeInitial));
    }

    [Fact]
    public void Cumulative_TestBookBrackets_AreDerivedFromTheRates()
    {
        var schedule = TestBook.BtcPerpBrackets();

        // IM: 50,000 * (0.05 - 0.02) = 1,500; 1,500 + 250,000 * (0.10 - 0.05) = 14,000.
        Assert.Equal([0m, 1_500m, 14_000m], Enumerable.Range(0, 3).Select(schedule.CumulativeInitial));

        // MM: 50,000 * (0.025 - 0.01) = 750; 750 + 250,000 * (0.05 - 0.025) = 7,000.
        Assert.Equal([0m, 750m, 7_000m], Enumerable.Range(0, 3).Select(schedule.CumulativeMaintenance));
    }

    public static TheoryData<decimal, int> IndexCases => new()
    {
        { 0m, 0 },
        { 49_999.99m, 0 },
        { 50_000m, 0 },                    // caps are inclusive
        { 50_000.000001m, 1 },
        { 250_000m, 1 },
        { 250_000.01m, 2 },
        { 1_000_000_000_000m, 2 },         // the unbounded last bracket
    };

    [Theory]
    [MemberData(nameof(IndexCases))]
    public void IndexOf_Notional_FindsTheBracketWithInclusiveCaps(decimal notional, int expected) =>
        Assert.Equal(expected, TestBook.BtcPerpBrackets().IndexOf(notional));

    public static TheoryData<decimal, int> BoundedLastCases => new()
    {
        { 30_000_000m, 4 },                // exactly at the last cap
        { 30_000_000.01m, 4 },             // beyond the last cap: the last bracket still applies
        { 500_000_000m, 4 },
    };

    [Theory]
    [MemberData(nameof(BoundedLastCases))]
    public void IndexOf_BeyondABoundedLastCap_UsesTheLastBracket(decimal notional, int expected) =>
        Assert.Equal(expected, Binance().IndexOf(notional));

    public static TheoryData<decimal> CapCases => new() { 50_000m, 250_000m, 3_000_000m, 15_000_000m };

    [Theory]
    [MemberData(nameof(CapCases))]
    public void Requirements_AtEveryCap_AreContinuousAcrossBrackets(decimal cap)
    {
        var schedule = Binance();
        var k = schedule.IndexOf(cap);

        // Just at the cap the lower bracket applies; the next bracket's formula gives the same figure there.
        Assert.Equal(schedule.Maintenance(cap, k), schedule.Maintenance(cap, k + 1));
        Assert.Equal(schedule.Initial(cap, k), schedule.Initial(cap, k + 1));
    }

    public static TheoryData<decimal, decimal, decimal> RequirementCases => new()
    {
        // notional, IM, MM (test book brackets)
        { 10_000m, 200m, 100m },            // 10,000 * 2 %, 10,000 * 1 %
        { 50_000m, 1_000m, 500m },          // at the cap
        { 100_200m, 3_510m, 1_755m },       // 5,010 - 1,500; 2,505 - 750
        { 250_000m, 11_000m, 5_500m },      // 12,500 - 1,500; 6,250 - 750
        { 1_000_000m, 86_000m, 43_000m },   // 100,000 - 14,000; 50,000 - 7,000
    };

    [Theory]
    [MemberData(nameof(RequirementCases))]
    public void InitialAndMaintenance_Notional_AreRateTimesNotionalLessCumulative(decimal notional, decimal im, decimal mm)
    {
        var schedule = TestBook.BtcPerpBrackets();
        var k = schedule.IndexOf(notional);

        Assert.Equal(im, schedule.Initial(notional, k));
        Assert.Equal(mm, schedule.Maintenance(notional, k));
    }

    [Fact]
    public void Rates_ByIndex_AreTheConfiguredRates()
    {
        var schedule = TestBook.BtcPerpBrackets();

        Assert.Equal(0.05m, schedule.InitialRate(1));
        Assert.Equal(0.025m, schedule.MaintenanceRate(1));
        Assert.Equal(3, schedule.Brackets.Length);
    }
}
