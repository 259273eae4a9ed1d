using System.Text.Json;
using System.Text.Json.Serialization;

namespace Margin.Sweep.Orders;

/// <summary>The executor event's JSON (camelCase, enum names, source-generated).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(LiquidationEvent))]
public sealed partial class LiquidationEventJson : JsonSerializerContext
{
    /// <summary>Serializes an event.</summary>
    public static string Write(LiquidationEvent e) => JsonSerializer.Serialize(e, Default.LiquidationEvent);

    /// <summary>Reads an event, or says why the text is not one (malformed JSON, a missing or invalid field).</summary>
    /// <param name="json">The message body.</param>
    public static (LiquidationEvent? Event, string? Problem) Read(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        LiquidationEvent? e;
        try
        {
            e = JsonSerializer.Deserialize(json, Default.LiquidationEvent);
        }
        catch (JsonException ex)
        {
            return (null, $"not a liquidation event: {ex.Message}");
        }

        if (e is null)
        {
            return (null, "not a liquidation event: the body is null");
        }

        var problems = e.Problems();
        return problems.Count == 0 ? (e with { FilledLegs = e.FilledLegs.IsDefault ? [] : e.FilledLegs }, null) : (null, string.Join("; ", problems));
    }
}
