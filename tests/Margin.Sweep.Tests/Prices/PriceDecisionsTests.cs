using Margin.Engine.Domain;
using Margin.Engine.Oracles;
using Margin.Sweep.Prices;
using Margin.Sweep.UseCases;

namespace Margin.Sweep.Tests.Prices;

public sealed class PriceDecisionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly OracleGuardOptions Guard = OracleGuardOptions.Create(TimeSpan.FromMinutes(2), 0.02m, 0.05m, 1, 0.1m, 3);

    private static OracleDecision Decide(string symbol, params (string Source, decimal Price)[] quotes) =>
        OracleAggregator.Aggregate(Asset.Of(symbol), quotes.Select(q => OracleQuote.Create(q.Source, Asset.Of(symbol), q.Price, 0.5m, Now.AddSeconds(-1))), Now, null, null, Guard);

    [Fact]
    public void From_KeepsEveryFieldAndVerdict_OrderedBySymbolAndSource()
    {
        var eth = Decide("ETH", ("b", 3_000m), ("a", 3_001m), ("x", 9_000m));

        var decisions = PriceDecisions.From([eth, Decide("BTC", ("a", 50_000m))], [new SourceFailure("z", "z: down"), new SourceFailure("m", "m: down")]);

        Assert.Equal(["BTC", "ETH"], decisions.Assets.Select(a => a.Asset));
        Assert.Equal(["m", "z"], decisions.SourceFailures.Select(f => f.SourceId));
        var record = decisions.Assets[1];
        Assert.Equal((eth.Usable, eth.Reason.ToString(), eth.Message, eth.Price, eth.Aggregate, eth.Confidence, eth.PublishTime, eth.SourceCount), (record.Usable, record.Reason, record.Message, record.Price, record.Aggregate, record.Confidence, record.PublishTime, record.SourceCount));
        Assert.Equal(eth.Quotes.Select(q => (q.Quote.SourceId, q.Quote.Price, q.Used, q.Rejection?.Reason.ToString(), q.Rejection?.Message)), record.Quotes.Select(q => (q.Source, q.Price, q.Used, q.Rejection, q.RejectionMessage)));
        Assert.Contains(record.Quotes, q => q is { Source: "x", Used: false, Rejection: nameof(QuoteRejectionReason.Outlier) });
    }

    [Fact]
    public void Equals_ComparesTheListsElementByElement()
    {
        var one = PriceDecisions.From([Decide("BTC", ("a", 50_000m))], [new SourceFailure("z", "down")]);
        var same = PriceDecisions.From([Decide("BTC", ("a", 50_000m))], [new SourceFailure("z", "down")]);
        var otherQuote = PriceDecisions.From([Decide("BTC", ("a", 50_000.01m))], [new SourceFailure("z", "down")]);

        Assert.Equal(one, same);
        Assert.NotEqual(one, otherQuote);
        Assert.NotEqual(one, one with { SourceFailures = [] });
    }

    [Fact]
    public void From_TwoDecisionsForOneAsset_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => PriceDecisions.From([Decide("BTC", ("a", 1m)), Decide("BTC", ("b", 1m))], []));

        Assert.Contains("two oracle decisions are for BTC", ex.Message, StringComparison.Ordinal);
    }
}
