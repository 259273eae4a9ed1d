using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Margin.Sweep.Orders;

namespace Margin.Sweep.Tests.Contracts;

/// <summary>docs/contracts/liquidation-order.schema.json against what the sweep really publishes, and against bad documents.</summary>
public sealed class LiquidationOrderSchemaTests
{
    [Fact]
    public async Task Sweep_StressedGeneratedBook_EveryPublishedOrderValidates()
    {
        var run = await Contracts.SweepAsync();
        var schema = await Contracts.OrderSchemaAsync();

        var invalid = run.Published
            .Select(o => (o.OrderId, Errors: Contracts.Errors(schema, o.Body)))
            .Where(x => x.Errors.Count > 0)
            .Select(x => $"{x.OrderId}: {string.Join(", ", x.Errors)}")
            .ToList();

        Assert.Empty(invalid);
        Assert.True(run.Published.Count >= 500, $"only {run.Published.Count} orders from {Contracts.Accounts} accounts: the book no longer stresses the schema");
    }

    [Fact]
    public async Task Sweep_StressedGeneratedBook_CoversEveryEnumValueAndTheSpecialRatio()
    {
        var run = await Contracts.SweepAsync();
        var orders = run.Published.Select(o => JsonNode.Parse(o.Body)!).ToList();
        var legs = orders.SelectMany(o => o["legs"]!.AsArray()).Select(l => l!).ToList();

        // Every value the schema's enums allow is produced, so the schema is tested on all of them (and none is dead).
        var order = Contracts.Document("liquidation-order.schema.json");
        var leg = Contracts.Definition(order, "leg");
        Assert.Equal(EnumOf(order, "severity"), orders.Select(o => (string)o["severity"]!).ToHashSet());
        Assert.Equal(EnumOf(order, "outcome"), orders.Select(o => (string)o["outcome"]!).ToHashSet());
        Assert.Equal(EnumOf(leg, "kind"), legs.Select(l => (string)l["kind"]!).ToHashSet());
        Assert.Equal(EnumOf(leg, "side"), legs.Select(l => (string)l["side"]!).ToHashSet());
        Assert.Equal([false, true], orders.Select(o => (bool)o["insuranceFund"]!).Distinct().Order());
        Assert.Contains(orders, o => (string)o["marginRatio"]! == "Infinity");
        Assert.Contains(orders, o => o["legs"]!.AsArray().Count >= 5);
        Assert.Contains(legs, l => (string)l["target"]! == "BTCUSD-INV"); // inverse: value is the face, prices the coin's
        Assert.Contains(legs, l => ((string)l["target"]!).EndsWith("-C", StringComparison.Ordinal) || ((string)l["target"]!).EndsWith("-P", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sweep_StressedGeneratedBook_EveryOrderWritesExactlyTheSchemasProperties()
    {
        var run = await Contracts.SweepAsync();
        var order = Contracts.Document("liquidation-order.schema.json");
        var topLevel = Contracts.PropertyNames(order);
        var leg = Contracts.PropertyNames(Contracts.Definition(order, "leg"));

        foreach (var stored in run.Published)
        {
            var body = JsonNode.Parse(stored.Body)!.AsObject();
            Assert.Equal(topLevel, new SortedSet<string>(body.Select(p => p.Key), StringComparer.Ordinal));
            foreach (var l in body["legs"]!.AsArray())
            {
                Assert.Equal(leg, new SortedSet<string>(l!.AsObject().Select(p => p.Key), StringComparer.Ordinal));
            }
        }
    }

    [Fact]
    public async Task Sweep_StressedGeneratedBook_BodiesAgreeWithTheEnvelopeAndTheDocumentedMeaning()
    {
        var run = await Contracts.SweepAsync();

        foreach (var stored in run.Published)
        {
            var o = LiquidationOrderJson.Read(stored.Body)!;
            // The envelope is built from the stored order: message id, session id, correlation id and TTL must be the body's.
            Assert.Equal(stored.OrderId, o.OrderId);
            Assert.Equal(OrderIds.For(o.AccountId, o.Episode), o.OrderId);
            Assert.Equal(stored.AccountId, o.AccountId);
            Assert.Equal(stored.Episode, o.Episode);
            Assert.Equal(stored.SweepId, o.SweepId);
            Assert.Equal(stored.ExpiresAt, o.ExpiresAt);
            Assert.Equal(run.Options.OrderTimeToLive, o.ExpiresAt - o.CreatedAt);
            Assert.Equal(run.Sweep.SnapshotId, o.SnapshotId);
            Assert.Equal(o.Legs.Length, o.Legs.Select(l => l.Target).Distinct(StringComparer.Ordinal).Count()); // a fill names its leg by target
            Assert.Equal(o.Severity == "Bankrupt", o.Outcome == "FullClose");
            Assert.Equal(o.InsuranceFund, o.Outcome == "FullClose" || Number(o.Shortfall) > 0m);
            Assert.Equal(o.Legs.Sum(l => Number(l.Cost)), Number(o.TotalCost));
            foreach (var leg in o.Legs)
            {
                var limit = Number(leg.LimitPrice);
                var reference = Number(leg.ReferencePrice);
                Assert.True(leg.Side == "Sell" ? limit <= reference : limit >= reference, $"{o.OrderId} {leg.Target}: a {leg.Side} limit {limit} is on the wrong side of {reference}");
                Assert.Equal(leg.Kind switch { "SellCollateral" => "Sell", "RepayBorrow" => "Buy", _ => leg.Side }, leg.Side);
            }
        }
    }

    [Fact]
    public async Task Example_LiquidationOrderJson_ValidatesAndIsWhatTheProducerWrites()
    {
        var schema = await Contracts.OrderSchemaAsync();
        var json = await File.ReadAllTextAsync(Contracts.Path("examples", "liquidation-order.json"));

        Assert.Empty(Contracts.Errors(schema, json));
        var order = LiquidationOrderJson.Read(json)!;
        Assert.Equal(OrderIds.For(order.AccountId, order.Episode), order.OrderId);
        // Written back by the producer's serializer, the example is the same document (only the indentation differs).
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), JsonNode.Parse(LiquidationOrderJson.Write(order))));
    }

    public static TheoryData<string, string, string> BadOrders => new()
    {
        { "orderId missing", "$.orderId", "PropertyRequired" },
        { "legs missing", "$.legs", "PropertyRequired" },
        { "quantity as a JSON number", "$.legs[0].quantity=1.5", "StringExpected" },
        { "v = 2", "$.v=2", "NotInEnumeration" },
        { "a severity that is not one", "$.severity=\"Critical\"", "NotInEnumeration" },
        { "a leg kind that is not one", "$.legs[0].kind=\"Hedge\"", "NotInEnumeration" },
        { "a side in lower case", "$.legs[0].side=\"sell\"", "NotInEnumeration" },
        { "an order id of another form", "$.orderId=\"ord-8A553A09906CD4799B98665FC7660379\"", "PatternMismatch" },
        { "an amount with an exponent", "$.totalCost=\"1.5E+3\"", "PatternMismatch" },
        { "an amount with a decimal comma", "$.legs[0].limitPrice=\"94999,98\"", "PatternMismatch" },
        { "a negative shortfall", "$.shortfall=\"-1\"", "PatternMismatch" },
        { "a zero quantity", "$.legs[0].quantity=\"0.000\"", "PatternMismatch" },
        { "no legs", "$.legs=[]", "TooFewItems" },
        { "a time that is not one", "$.expiresAt=\"in 15 minutes\"", "DateTimeExpected" },
        { "a time without its offset", "$.createdAt=\"2026-12-01T00:00:31.25\"", "PatternMismatch" },
        { "episode 0", "$.episode=0", "NumberTooSmall" },
        { "insuranceFund as a string", "$.insuranceFund=\"false\"", "BooleanExpected" },
        { "a session id too long for Service Bus", $"$.accountId=\"{new string('a', 129)}\"", "StringTooLong" },
    };

    [Theory]
    [MemberData(nameof(BadOrders))]
    public async Task Validate_ABrokenOrder_IsRejectedNamingTheField(string why, string change, string expectedKind)
    {
        var schema = await Contracts.OrderSchemaAsync();
        var example = await File.ReadAllTextAsync(Contracts.Path("examples", "liquidation-order.json"));
        Assert.Empty(Contracts.Errors(schema, example));

        var errors = Contracts.Errors(schema, JsonEdit.Apply(example, change));

        Assert.True(errors.Any(e => e.StartsWith(expectedKind, StringComparison.Ordinal)), $"{why}: expected {expectedKind}, got [{string.Join(", ", errors)}]");
    }

    [Fact]
    public void Schema_LiquidationOrderAndItsLeg_ListExactlyTheRecordsJsonPropertiesAllRequired()
    {
        var order = Contracts.Document("liquidation-order.schema.json");
        var leg = Contracts.Definition(order, "leg");

        var orderNames = JsonNames(typeof(LiquidationOrder), LiquidationOrderJson.Default.LiquidationOrder);
        var legNames = JsonNames(typeof(LiquidationOrderLeg), LiquidationOrderJson.Default.GetTypeInfo(typeof(LiquidationOrderLeg))!);

        Assert.Equal(orderNames, Contracts.PropertyNames(order));
        Assert.Equal(orderNames, Contracts.RequiredNames(order));
        Assert.Equal(legNames, Contracts.PropertyNames(leg));
        Assert.Equal(legNames, Contracts.RequiredNames(leg));
        Assert.Equal(LiquidationOrder.SchemaVersion, (int)order["properties"]!["v"]!["const"]!);
    }

    /// <summary>The JSON names of a record's public properties, as its serializer writes them; every public property must be serialized.</summary>
    internal static SortedSet<string> JsonNames(Type record, JsonTypeInfo info)
    {
        var clr = record.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var serialized = info.Properties.ToDictionary(p => ((PropertyInfo)p.AttributeProvider!).Name, p => p.Name, StringComparer.Ordinal);
        Assert.Equal(clr.Order(StringComparer.Ordinal), serialized.Keys.Order(StringComparer.Ordinal));
        return new SortedSet<string>(serialized.Values, StringComparer.Ordinal);
    }

    private static HashSet<string> EnumOf(JsonObject schema, string property) =>
        [.. schema["properties"]![property]!["enum"]!.AsArray().Select(v => (string)v!)];

    private static decimal Number(string text) => decimal.Parse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
}
