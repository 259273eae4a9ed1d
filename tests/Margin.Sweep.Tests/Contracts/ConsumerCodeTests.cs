using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Margin.Sweep.Orders;

namespace Margin.Sweep.Tests.Contracts;

/// <summary>The reading and writing code docs/consumers.md gives executors (its types and JSON options, copied here without the Service Bus calls), run on real orders.</summary>
public sealed class ConsumerCodeTests
{
    // ---- as in docs/consumers.md ----
    public sealed record LiquidationOrderV1(
        int V, string OrderId, string AccountId, int Episode, string SweepId, string SnapshotId, string ParamsVersion, long AccountVersion,
        string Severity, string Outcome, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, string SettlementAsset,
        decimal TargetRatio, double MarginRatio, decimal TotalCost, decimal Shortfall, bool InsuranceFund, IReadOnlyList<LegV1> Legs);

    public sealed record LegV1(string Kind, string Target, string Side, decimal Quantity, decimal LimitPrice, decimal ReferencePrice, decimal Value, decimal Cost);

    public sealed record LiquidationEventV1(int V, string OrderId, string AccountId, string State, DateTimeOffset At, IReadOnlyList<FilledLegV1> FilledLegs, string? Detail);

    public sealed record FilledLegV1(string Target, string Quantity, string AveragePrice)
    {
        public static FilledLegV1 Of(string target, decimal quantity, decimal averagePrice) =>
            new(target, quantity.ToString(CultureInfo.InvariantCulture), averagePrice.ToString(CultureInfo.InvariantCulture));
    }

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
    // ---- end ----

    [Fact]
    public async Task ConsumerTypes_EveryPublishedOrder_ReadsWithTheExactFigures()
    {
        var run = await Contracts.SweepAsync();

        foreach (var stored in run.Published)
        {
            var theirs = JsonSerializer.Deserialize<LiquidationOrderV1>(stored.Body, s_json)!;
            var ours = LiquidationOrderJson.Read(stored.Body)!;
            Assert.Equal(ours.OrderId, theirs.OrderId);
            Assert.Equal(ours.ExpiresAt, theirs.ExpiresAt);
            Assert.Equal(ours.TotalCost, Text(theirs.TotalCost));
            Assert.Equal(ours.MarginRatio == "Infinity", double.IsPositiveInfinity(theirs.MarginRatio));
            Assert.Equal(ours.Legs.Length, theirs.Legs.Count);
            for (var i = 0; i < ours.Legs.Length; i++)
            {
                // decimal keeps the scale, so the figure comes back character for character.
                Assert.Equal(ours.Legs[i].Quantity, Text(theirs.Legs[i].Quantity));
                Assert.Equal(ours.Legs[i].LimitPrice, Text(theirs.Legs[i].LimitPrice));
                Assert.Equal(ours.Legs[i].Value, Text(theirs.Legs[i].Value));
            }
        }
    }

    [Theory]
    [InlineData("Accepted")]
    [InlineData("PartiallyFilled")]
    [InlineData("Filled")]
    [InlineData("Failed")]
    [InlineData("Expired")]
    public async Task ConsumerEvent_WrittenAsTheDocShows_ValidatesAndTheServiceReadsIt(string state)
    {
        var schema = await Contracts.EventSchemaAsync();
        var order = JsonSerializer.Deserialize<LiquidationOrderV1>(await File.ReadAllTextAsync(Contracts.Path("examples", "liquidation-order.json")), s_json)!;
        FilledLegV1[] fills = state is "Accepted" ? [] : [FilledLegV1.Of(order.Legs[0].Target, order.Legs[0].Quantity, 95000.01m)];
        var e = new LiquidationEventV1(1, order.OrderId, order.AccountId, state, new DateTimeOffset(2026, 12, 1, 0, 2, 7, TimeSpan.Zero), fills, null);

        var json = JsonSerializer.Serialize(e, s_json);

        Assert.Empty(Contracts.Errors(schema, json));
        var (read, problem) = LiquidationEventJson.Read(json);
        Assert.Null(problem);
        Assert.Equal(state, read!.State.ToString());
        Assert.Equal(fills.Select(f => (f.Target, f.Quantity, f.AveragePrice)), read.FilledLegs.Select(f => (f.Target, f.Quantity, f.AveragePrice)));
    }

    [Fact]
    public async Task ConsumerEvent_WithDecimalQuantities_IsRejectedByTheSchemaAndTheService()
    {
        // The mistake the doc warns about: quantities as JSON numbers.
        var schema = await Contracts.EventSchemaAsync();
        var json = JsonSerializer.Serialize(new { v = 1, orderId = OrderIds.For("acct-001968", 1), accountId = "acct-001968", state = "Filled", at = DateTimeOffset.UnixEpoch, filledLegs = new[] { new { target = "BTC", quantity = 0.00452m, averagePrice = 95000.01m } } }, s_json);

        Assert.NotEmpty(Contracts.Errors(schema, json));
        var (read, problem) = LiquidationEventJson.Read(json);
        Assert.Null(read);
        Assert.Contains("not a liquidation event", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("LiquidationOrderV1")]
    [InlineData("LegV1")]
    [InlineData("LiquidationEventV1")]
    [InlineData("FilledLegV1")]
    public void Doc_ConsumerRecord_IsTheOneTestedHere(string record)
    {
        var doc = File.ReadAllText(Support.DemoMarket.RepositoryFile("docs", "consumers.md"));
        var here = File.ReadAllText(Support.DemoMarket.RepositoryFile("tests", "Margin.Sweep.Tests", "Contracts", "ConsumerCodeTests.cs"));

        Assert.Equal(Parameters(here, record), Parameters(doc, record));
        Assert.Contains("new JsonSerializerOptions(JsonSerializerDefaults.Web)", doc, StringComparison.Ordinal);
        Assert.Contains("NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.AllowNamedFloatingPointLiterals,", doc, StringComparison.Ordinal);
    }

    private static string Parameters(string text, string record)
    {
        var match = System.Text.RegularExpressions.Regex.Match(text, $@"public sealed record {record}\(([^)]*)\)");
        Assert.True(match.Success, $"no record {record}");
        return string.Join(' ', match.Groups[1].Value.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
    }

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
