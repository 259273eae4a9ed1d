using System.Text.Json;
using System.Text.Json.Serialization;

namespace Margin.Sweep.Orders;

/// <summary>The order message's JSON (camelCase, source-generated): what the outbox stores and the broker carries.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false)]
[JsonSerializable(typeof(LiquidationOrder))]
public sealed partial class LiquidationOrderJson : JsonSerializerContext
{
    /// <summary>Serializes an order.</summary>
    public static string Write(LiquidationOrder order) => JsonSerializer.Serialize(order, Default.LiquidationOrder);

    /// <summary>Reads an order written by <see cref="Write"/>, or null when the text is not one.</summary>
    public static LiquidationOrder? Read(string json) => JsonSerializer.Deserialize(json, Default.LiquidationOrder);
}
