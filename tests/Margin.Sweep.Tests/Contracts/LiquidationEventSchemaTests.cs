using System.Globalization;
using System.Text.Json.Nodes;
using Margin.Engine.Results;
using Margin.Sweep.Orders;
using Margin.Sweep.Tests.Support;
using Margin.Sweep.UseCases;

namespace Margin.Sweep.Tests.Contracts;

/// <summary>docs/contracts/liquidation-event.schema.json against the events the service reads, the lifecycle it documents, and bad documents.</summary>
public sealed class LiquidationEventSchemaTests
{
    private static readonly DateTimeOffset s_at = new(2026, 12, 1, 0, 2, 7, 412, TimeSpan.Zero);

    public static TheoryData<OrderState, bool, string?> ExecutorStates()
    {
        var data = new TheoryData<OrderState, bool, string?>();
        foreach (var state in Enum.GetValues<OrderState>().Where(s => s != OrderState.Open))
        {
            data.Add(state, false, null);
            data.Add(state, true, "venue says: post-only rejected");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ExecutorStates))]
    public async Task Write_EveryExecutorState_ValidatesAndReadsBack(OrderState state, bool withFills, string? detail)
    {
        var schema = await Contracts.EventSchemaAsync();
        FilledLeg[] fills = withFills ? [new("ETH-PERP", "2.49", "3400.03"), new("USDT", "793.31", "0.9998")] : [];
        var e = new LiquidationEvent(LiquidationEvent.SchemaVersion, OrderIds.For("acct-001968", 1), "acct-001968", state, s_at, [.. fills], detail);

        var json = LiquidationEventJson.Write(e);

        Assert.Empty(Contracts.Errors(schema, json));
        var (read, problem) = LiquidationEventJson.Read(json);
        Assert.Null(problem);
        Assert.Equal(state, read!.State);
        Assert.Equal(fills, read.FilledLegs);
    }

    [Fact]
    public async Task Example_LiquidationEventJson_ValidatesReadsAndFitsTheExampleOrder()
    {
        var schema = await Contracts.EventSchemaAsync();
        var json = await File.ReadAllTextAsync(Contracts.Path("examples", "liquidation-event.json"));
        var order = LiquidationOrderJson.Read(await File.ReadAllTextAsync(Contracts.Path("examples", "liquidation-order.json")))!;

        Assert.Empty(Contracts.Errors(schema, json));
        var (e, problem) = LiquidationEventJson.Read(json);
        Assert.Null(problem);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), JsonNode.Parse(LiquidationEventJson.Write(e!))));
        Assert.Equal(order.OrderId, e!.OrderId);
        Assert.Equal(order.AccountId, e.AccountId);
        Assert.InRange(e.At, order.CreatedAt, order.ExpiresAt);
        foreach (var fill in e.FilledLegs)
        {
            var leg = Assert.Single(order.Legs, l => l.Target == fill.Target);
            Assert.InRange(Number(fill.Quantity), 0m, Number(leg.Quantity));
            Assert.True(leg.Side == "Sell" ? Number(fill.AveragePrice) >= Number(leg.LimitPrice) : Number(fill.AveragePrice) <= Number(leg.LimitPrice), $"{fill.Target}: {fill.AveragePrice} is beyond the limit {leg.LimitPrice}");
        }

        Assert.Equal(order.Legs.Length, e.FilledLegs.Length); // Filled: every leg
    }

    public static TheoryData<string, string, string> BadEvents => new()
    {
        { "orderId missing", "$.orderId", "PropertyRequired" },
        { "filledLegs missing", "$.filledLegs", "PropertyRequired" },
        { "v = 2", "$.v=2", "NotInEnumeration" },
        { "state Open, which only the service sets", "$.state=\"Open\"", "NotInEnumeration" },
        { "a state in lower case", "$.state=\"filled\"", "NotInEnumeration" },
        { "a state as its number", "$.state=3", "StringExpected" },
        { "a misspelt property", "$.filledLeg=[]", "NoAdditionalPropertiesAllowed" },
        { "a filled quantity as a JSON number", "$.filledLegs[0].quantity=0.00452", "StringExpected" },
        { "a zero filled quantity", "$.filledLegs[0].quantity=\"0\"", "PatternMismatch" },
        { "an unknown property in a fill", "$.filledLegs[0].fee=\"0.1\"", "NoAdditionalPropertiesAllowed" },
        { "a time that is not one", "$.at=\"yesterday\"", "DateTimeExpected" },
        { "a time without its offset", "$.at=\"2026-12-01T00:02:07\"", "PatternMismatch" },
        { "an order id of another form", "$.orderId=\"12345\"", "PatternMismatch" },
        { "detail as a number", "$.detail=42", "NoTypeValidates" },
    };

    [Theory]
    [MemberData(nameof(BadEvents))]
    public async Task Validate_ABrokenEvent_IsRejectedNamingTheField(string why, string change, string expectedKind)
    {
        var schema = await Contracts.EventSchemaAsync();
        var example = await File.ReadAllTextAsync(Contracts.Path("examples", "liquidation-event.json"));
        Assert.Empty(Contracts.Errors(schema, example));

        var errors = Contracts.Errors(schema, JsonEdit.Apply(example, change));

        Assert.True(errors.Any(e => e.StartsWith(expectedKind, StringComparison.Ordinal)), $"{why}: expected {expectedKind}, got [{string.Join(", ", errors)}]");
    }

    [Fact]
    public void Schema_LiquidationEventAndFilledLeg_ListExactlyTheRecordsJsonProperties()
    {
        var schema = Contracts.Document("liquidation-event.schema.json");
        var fill = Contracts.Definition(schema, "filledLeg");

        var eventNames = LiquidationOrderSchemaTests.JsonNames(typeof(LiquidationEvent), LiquidationEventJson.Default.LiquidationEvent);
        var fillNames = LiquidationOrderSchemaTests.JsonNames(typeof(FilledLeg), LiquidationEventJson.Default.GetTypeInfo(typeof(FilledLeg))!);

        Assert.Equal(eventNames, Contracts.PropertyNames(schema));
        Assert.Equal(eventNames.Where(n => n != "detail"), Contracts.RequiredNames(schema));
        Assert.Equal(fillNames, Contracts.PropertyNames(fill));
        Assert.Equal(fillNames, Contracts.RequiredNames(fill));
        Assert.Equal(
            Enum.GetNames<OrderState>().Where(n => n != nameof(OrderState.Open)).Order(StringComparer.Ordinal),
            schema["properties"]!["state"]!["enum"]!.AsArray().Select(v => (string)v!).Order(StringComparer.Ordinal));
        Assert.Equal(LiquidationEvent.SchemaVersion, (int)schema["properties"]!["v"]!["const"]!);
    }

    [Fact]
    public async Task Events_OnAPublishedOrder_MoveItAndTheFlagAsDocsConsumersSays()
    {
        // A sweep of its own: this test changes the store.
        var run = await ContractSweep.RunAsync(300, seed: 5, ContractSweep.Stressed, partitions: 4);
        var schema = await Contracts.EventSchemaAsync();
        var stored = run.Published[0];
        var order = LiquidationOrderJson.Read(stored.Body)!;
        var events = new RecordLiquidationEvent(run.Stores.Margin, run.Options, run.Time);
        var (before, _) = await run.Stores.Margin.ReadAccountAsync(order.AccountId);
        Assert.True(before!.Flags.HasFlag(MarginFlags.LiquidationInFlight));
        Assert.Equal(order.OrderId, before.OpenOrderId);
        var half = order.Legs[0] with { };
        var partial = new FilledLeg(half.Target, half.Quantity, half.ReferencePrice);

        async Task<EventOutcome> Report(OrderState state, FilledLeg[] fills, string? accountId = null)
        {
            run.Time.Now += TimeSpan.FromSeconds(5);
            var json = LiquidationEventJson.Write(new LiquidationEvent(1, order.OrderId, accountId ?? order.AccountId, state, run.Time.Now, [.. fills]));
            Assert.Empty(Contracts.Errors(schema, json));
            var (e, problem) = LiquidationEventJson.Read(json);
            Assert.Null(problem);
            return await events.ExecuteAsync(e!);
        }

        Assert.Equal(EventOutcome.Applied, await Report(OrderState.Accepted, []));
        Assert.Equal(EventOutcome.Ignored, await Report(OrderState.Accepted, [])); // a redelivery
        Assert.Equal(EventOutcome.Applied, await Report(OrderState.PartiallyFilled, [partial]));
        Assert.Equal(EventOutcome.Ignored, await Report(OrderState.Accepted, [])); // backwards
        Assert.Equal(EventOutcome.UnknownOrder, await Report(OrderState.Filled, [partial], accountId: "acct-999999"));
        var (open, _) = await run.Stores.Margin.ReadAccountAsync(order.AccountId);
        Assert.True(open!.Flags.HasFlag(MarginFlags.LiquidationInFlight));

        Assert.Equal(EventOutcome.Closed, await Report(OrderState.Failed, [partial]));
        Assert.Equal(EventOutcome.Ignored, await Report(OrderState.Filled, [partial])); // after a terminal state

        var (after, orders) = await run.Stores.Margin.ReadAccountAsync(order.AccountId);
        Assert.False(after!.Flags.HasFlag(MarginFlags.LiquidationInFlight));
        Assert.Null(after.OpenOrderId);
        Assert.Equal(order.AccountVersion, after.AwaitingLedgerVersion); // fills happened: no new episode until the ledger books them
        Assert.Equal(OrderState.Failed, Assert.Single(orders).State);
    }

    private static decimal Number(string text) => decimal.Parse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
}
