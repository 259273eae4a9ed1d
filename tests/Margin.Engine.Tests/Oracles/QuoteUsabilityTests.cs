using Margin.Engine.Oracles;
using static Margin.Engine.Tests.Oracles.OracleTestData;

namespace Margin.Engine.Tests.Oracles;

public sealed class QuoteUsabilityTests
{
    // Options: max age 30 s, clock skew 2 s, confidence at most 2 % of the price.
    public static TheoryData<TimeSpan, QuoteRejectionReason?> AgeBoundaries => new()
    {
        { TimeSpan.Zero, null },
        { TimeSpan.FromSeconds(30), null },
        { TimeSpan.FromSeconds(30) + TimeSpan.FromTicks(1), QuoteRejectionReason.Stale },
        { TimeSpan.FromMinutes(5), QuoteRejectionReason.Stale },
        { TimeSpan.FromSeconds(-2), null },
        { TimeSpan.FromSeconds(-2) - TimeSpan.FromTicks(1), QuoteRejectionReason.FromTheFuture },
    };

    public static TheoryData<decimal, decimal, QuoteRejectionReason?> ValueBoundaries => new()
    {
        { 100m, 0m, null },
        { 100m, 2m, null },
        { 100m, 2.0000001m, QuoteRejectionReason.ConfidenceTooWide },
        { 0.5m, 0.01m, null },
        { 0.5m, 0.0101m, QuoteRejectionReason.ConfidenceTooWide },
        { 0m, 0m, QuoteRejectionReason.NonPositivePrice },
        { -1m, 0m, QuoteRejectionReason.NonPositivePrice },
        { 100m, -0.01m, QuoteRejectionReason.NegativeConfidence },
    };

    [Theory]
    [MemberData(nameof(AgeBoundaries))]
    public void Check_AgeBoundary_RejectsOnlyBeyondLimits(TimeSpan age, QuoteRejectionReason? expected)
    {
        var rejection = QuoteUsability.Check(Quote("pyth", 100m, 1m, age), Now, Options());

        Assert.Equal(expected, rejection?.Reason);
    }

    [Theory]
    [MemberData(nameof(ValueBoundaries))]
    public void Check_PriceAndConfidenceBoundary_RejectsOnlyBeyondLimits(decimal price, decimal confidence, QuoteRejectionReason? expected)
    {
        var rejection = QuoteUsability.Check(Quote("pyth", price, confidence), Now, Options());

        Assert.Equal(expected, rejection?.Reason);
    }

    [Fact]
    public void Check_StaleAndNonPositive_ReportsStaleFirst()
    {
        var rejection = QuoteUsability.Check(Quote("pyth", -5m, 0m, TimeSpan.FromMinutes(1)), Now, Options());

        Assert.Equal(QuoteRejectionReason.Stale, rejection?.Reason);
    }

    [Fact]
    public void Check_Stale_MessageStatesAgeAndLimit()
    {
        var rejection = QuoteUsability.Check(Quote("pyth", 100m, 0m, TimeSpan.FromSeconds(45)), Now, Options());

        Assert.NotNull(rejection);
        Assert.Equal("published 45 s before the refresh; the maximum age is 30 s", rejection.Message);
    }

    [Fact]
    public void Check_ConfidenceTooWide_MessageStatesLimit()
    {
        var rejection = QuoteUsability.Check(Quote("pyth", 100m, 3m), Now, Options());

        Assert.NotNull(rejection);
        Assert.Equal("the confidence 3 exceeds 0.02 of the price 100 (2.00)", rejection.Message);
    }
}
