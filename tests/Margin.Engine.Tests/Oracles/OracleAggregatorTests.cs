using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Margin.Engine.Domain;
using Margin.Engine.Oracles;
using static Margin.Engine.Tests.Oracles.OracleTestData;

namespace Margin.Engine.Tests.Oracles;

public sealed class OracleAggregatorTests
{
    // aggregate, last accepted, TWAP, band 10 %, breached?
    public static TheoryData<decimal, decimal?, decimal?, bool> GuardBoundaries => new()
    {
        { 110m, 100m, 100m, false },
        { 110.01m, 100m, 100m, true },
        { 89.99m, 100m, 100m, true },
        { 90m, 100m, 100m, false },
        { 120m, 100m, 115m, false },
        { 120m, 115m, 100m, false },
        { 130m, 100m, 115m, true },
        { 120m, null, 100m, true },
        { 105m, null, 100m, false },
        { 120m, 100m, null, true },
        { 105m, 100m, null, false },
        { 1000m, null, null, false },
    };

    [Fact]
    public void Aggregate_ThreeAgreeingSources_AcceptsTheirMedian()
    {
        var decision = OracleAggregator.Aggregate(Btc, [Quote("a", 100m, 0.5m), Quote("b", 101m, 0.25m), Quote("c", 102m, 1m)], Now, 100m, 100m, Options());

        Assert.Equal(OracleDecisionReason.Accepted, decision.Reason);
        Assert.True(decision.Usable);
        Assert.Equal(101m, decision.Price);
        Assert.Equal(101m, decision.Aggregate);
        Assert.Equal(3, decision.SourceCount);

        // max(|100 - 101| + 0.5, |101 - 101| + 0.25, |102 - 101| + 1) = 2
        Assert.Equal(2m, decision.Confidence);
        Assert.Equal(Now - TimeSpan.FromSeconds(1), decision.PublishTime);
    }

    [Fact]
    public void Aggregate_OneSpikeOfThree_DropsSpikeAndTakesMedianOfTheRest()
    {
        var decision = OracleAggregator.Aggregate(Btc, [Quote("a", 100m), Quote("b", 102m), Quote("c", 150m)], Now, 100m, null, Options());

        Assert.Equal(OracleDecisionReason.Accepted, decision.Reason);
        Assert.Equal(102m, decision.UsableMedian);
        Assert.Equal(101m, decision.Price);
        Assert.Equal(2, decision.SourceCount);
        Assert.Equal(QuoteRejectionReason.Outlier, decision.Quotes.Single(q => q.Quote.SourceId == "c").Rejection?.Reason);
    }

    [Fact]
    public void Aggregate_TwoDisagreeingSources_HasNoAggregateAndKeepsLastGoodPrice()
    {
        var decision = OracleAggregator.Aggregate(Btc, [Quote("a", 100m), Quote("b", 120m)], Now, 99m, 98m, Options());

        Assert.Equal(OracleDecisionReason.NoAgreement, decision.Reason);
        Assert.False(decision.Usable);
        Assert.Null(decision.Aggregate);
        Assert.Equal(99m, decision.Price);
        Assert.Equal(110m, decision.UsableMedian);
        Assert.All(decision.Quotes, q => Assert.Equal(QuoteRejectionReason.Outlier, q.Rejection?.Reason));
        Assert.EndsWith("keeping the last good price 99, unusable", decision.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Aggregate_FewerSourcesThanMinimum_KeepsLastGoodPrice()
    {
        var quotes = new[] { Quote("a", 100m), Quote("b", 100m, age: TimeSpan.FromMinutes(2)) };

        var decision = OracleAggregator.Aggregate(Btc, quotes, Now, 97m, null, Options(minSources: 2));

        Assert.Equal(OracleDecisionReason.TooFewSources, decision.Reason);
        Assert.False(decision.Usable);
        Assert.Equal(97m, decision.Price);
        Assert.Null(decision.Aggregate);
        Assert.Equal(QuoteRejectionReason.Stale, decision.Quotes[1].Rejection?.Reason);
    }

    [Fact]
    public void Aggregate_MinimumSourcesMet_Accepts()
    {
        var decision = OracleAggregator.Aggregate(Btc, [Quote("a", 100m), Quote("b", 101m)], Now, 100m, null, Options(minSources: 2));

        Assert.Equal(OracleDecisionReason.Accepted, decision.Reason);
        Assert.Equal(100.5m, decision.Price);
    }

    [Fact]
    public void Aggregate_NoUsableQuotes_ReportsEveryReasonAndKeepsLastGoodPrice()
    {
        var quotes = new[]
        {
            Quote("stale", 100m, age: TimeSpan.FromMinutes(1)),
            Quote("zero", 0m),
            Quote("wide", 100m, 5m),
            Quote("future", 100m, age: TimeSpan.FromSeconds(-10)),
        };

        var decision = OracleAggregator.Aggregate(Btc, quotes, Now, 95m, 96m, Options());

        Assert.Equal(OracleDecisionReason.NoUsableQuotes, decision.Reason);
        Assert.Equal(95m, decision.Price);
        Assert.False(decision.Usable);
        Assert.Null(decision.UsableMedian);
        Assert.Equal(
            [("future", QuoteRejectionReason.FromTheFuture), ("stale", QuoteRejectionReason.Stale), ("wide", QuoteRejectionReason.ConfidenceTooWide), ("zero", QuoteRejectionReason.NonPositivePrice)],
            decision.Quotes.Select(q => (q.Quote.SourceId, q.Rejection!.Reason)));
    }

    [Fact]
    public void Aggregate_NoQuotesAndNoHistory_HasNoPrice()
    {
        var decision = OracleAggregator.Aggregate(Btc, [], Now, null, null, Options());

        Assert.Equal(OracleDecisionReason.NoUsableQuotes, decision.Reason);
        Assert.Null(decision.Price);
        Assert.False(decision.Usable);
        Assert.EndsWith("there is no last good price", decision.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Aggregate_BeyondGuardFromBothReferencesBelowQuorum_RejectsAndKeepsLastGoodPrice()
    {
        var decision = OracleAggregator.Aggregate(Btc, [Quote("a", 120m), Quote("b", 121m)], Now, 100m, 100m, Options(quorum: 3));

        Assert.Equal(OracleDecisionReason.GuardBandExceeded, decision.Reason);
        Assert.False(decision.Usable);
        Assert.Equal(100m, decision.Price);
        Assert.Equal(120.5m, decision.Aggregate);
        Assert.All(decision.Quotes, q => Assert.True(q.Used));
    }

    [Fact]
    public void Aggregate_BeyondGuardWithQuorum_IsConfirmed()
    {
        var decision = OracleAggregator.Aggregate(Btc, [Quote("a", 120m), Quote("b", 121m), Quote("c", 122m)], Now, 100m, 100m, Options(quorum: 3));

        Assert.Equal(OracleDecisionReason.ConfirmedByQuorum, decision.Reason);
        Assert.True(decision.Usable);
        Assert.Equal(121m, decision.Price);
    }

    [Fact]
    public void Aggregate_BeyondLastAcceptedButWithinTwap_Accepts()
    {
        var decision = OracleAggregator.Aggregate(Btc, [Quote("a", 120m)], Now, 100m, 115m, Options());

        Assert.Equal(OracleDecisionReason.Accepted, decision.Reason);
        Assert.Equal(120m, decision.Price);
    }

    [Fact]
    public void Aggregate_OnlyTwapAndBeyondIt_RejectsWithoutLastGoodPrice()
    {
        var decision = OracleAggregator.Aggregate(Btc, [Quote("a", 120m)], Now, null, 100m, Options());

        Assert.Equal(OracleDecisionReason.GuardBandExceeded, decision.Reason);
        Assert.Null(decision.Price);
        Assert.Equal(120m, decision.Aggregate);
    }

    [Fact]
    public void Aggregate_NoReferencePrice_AcceptsWithoutGuard()
    {
        var decision = OracleAggregator.Aggregate(Btc, [Quote("a", 120m)], Now, null, null, Options());

        Assert.Equal(OracleDecisionReason.AcceptedWithoutReference, decision.Reason);
        Assert.True(decision.Usable);
        Assert.Equal(120m, decision.Price);
    }

    [Fact]
    public void Aggregate_SameSourceTwice_UsesNewestAndCountsTheSourceOnce()
    {
        var quotes = new[]
        {
            Quote("a", 122m, age: TimeSpan.FromSeconds(1)),
            Quote("a", 120m, age: TimeSpan.FromSeconds(5)),
            Quote("b", 121m),
        };

        var decision = OracleAggregator.Aggregate(Btc, quotes, Now, 100m, 100m, Options(quorum: 3));

        Assert.Equal(OracleDecisionReason.GuardBandExceeded, decision.Reason);
        Assert.Equal(2, decision.SourceCount);
        Assert.Equal(121.5m, decision.Aggregate);
        var superseded = Assert.Single(decision.Quotes, q => !q.Used);
        Assert.Equal(120m, superseded.Quote.Price);
        Assert.Equal(QuoteRejectionReason.Superseded, superseded.Rejection?.Reason);
    }

    [Fact]
    public void Aggregate_NewestQuoteOfSourceUnusable_DoesNotFallBackToOlder()
    {
        var quotes = new[] { Quote("a", 100m, 50m, TimeSpan.FromSeconds(1)), Quote("a", 100m, 0m, TimeSpan.FromSeconds(5)) };

        var decision = OracleAggregator.Aggregate(Btc, quotes, Now, 100m, null, Options());

        Assert.Equal(OracleDecisionReason.NoUsableQuotes, decision.Reason);
        Assert.Equal([QuoteRejectionReason.Superseded, QuoteRejectionReason.ConfidenceTooWide], decision.Quotes.Select(q => q.Rejection!.Reason));
    }

    [Fact]
    public void Aggregate_QuoteOfAnotherAsset_Throws()
    {
        var eth = OracleQuote.Create("a", Asset.Of("ETH"), 3000m, 0m, Now);

        Assert.Throws<ArgumentException>(() => OracleAggregator.Aggregate(Btc, [eth], Now, null, null, Options()));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, -1)]
    public void Aggregate_NonPositiveReference_Throws(int last, int twap)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => OracleAggregator.Aggregate(Btc, [Quote("a", 1m)], Now, last, twap, Options()));
    }

    [Fact]
    public void Aggregate_ShuffledInput_GivesTheSameDecision()
    {
        var quotes = new[] { Quote("c", 150m), Quote("a", 100m), Quote("b", 102m), Quote("a", 99m, age: TimeSpan.FromSeconds(3)) };

        var first = OracleAggregator.Aggregate(Btc, quotes, Now, 100m, null, Options());
        var second = OracleAggregator.Aggregate(Btc, quotes.Reverse(), Now, 100m, null, Options());

        Assert.Equal(first.Price, second.Price);
        Assert.Equal(first.Message, second.Message);
        Assert.Equal(first.Quotes.ToArray(), second.Quotes.ToArray());
        Assert.Equal(["a", "a", "b", "c"], first.Quotes.Select(q => q.Quote.SourceId));
    }

    [Theory]
    [MemberData(nameof(GuardBoundaries))]
    public void BreachesGuardBand_Boundary_MatchesLiteralRule(decimal aggregate, decimal? last, decimal? twap, bool expected)
    {
        Assert.Equal(expected, OracleAggregator.BreachesGuardBand(aggregate, last, twap, 0.10m));
    }

    [Property(MaxTest = 200)]
    public Property Aggregate_AnyQuotes_AggregateLiesWithinUsedQuotesAndPriceFollowsUsability()
    {
        var prices = Gen.Choose(9_000, 11_000).Select(i => i / 100m).NonEmptyListOf();
        var last = Gen.Choose(9_000, 11_000).Select(i => i / 100m);
        return Prop.ForAll(prices.ToArbitrary(), last.ToArbitrary(), (list, lastPrice) =>
        {
            var quotes = list.Select((p, i) => Quote($"s{i}", p));
            var decision = OracleAggregator.Aggregate(Btc, quotes, Now, lastPrice, null, Options(minSources: 2, quorum: 4, outlierBand: 0.03m, guardBand: 0.05m));
            var used = decision.Quotes.Where(q => q.Used).Select(q => q.Quote.Price).ToArray();
            var aggregateInRange = decision.Aggregate is not { } a || (a >= used.Min() && a <= used.Max());
            var priceRule = decision.Usable ? decision.Price == decision.Aggregate : decision.Price == lastPrice;
            return aggregateInRange && priceRule && decision.Quotes.Length == list.Count;
        });
    }
}
