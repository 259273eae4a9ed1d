using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Margin.Sweep.Orders;

/// <summary>The executor event's JSON (camelCase, enum names, source-generated), read as strictly as docs/contracts/liquidation-event.schema.json.</summary>
/// <remarks>
/// Executors write these, so the reader refuses what the schema refuses rather than guessing: an unknown property (a
/// misspelt <c>filledLegs</c> would otherwise lose fills silently), a state given as a number or in another case, a time
/// without its offset (it would be read as this machine's local time). The message is then dead-lettered with the reason.
/// </remarks>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(LiquidationEvent))]
public sealed partial class LiquidationEventJson : JsonSerializerContext
{
    private static readonly string[] s_states = [.. Enum.GetNames<global::Margin.Sweep.Orders.OrderState>()];

    /// <summary>Serializes an event (a default <see cref="LiquidationEvent.FilledLegs"/> is written as an empty list).</summary>
    public static string Write(LiquidationEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return JsonSerializer.Serialize(e.FilledLegs.IsDefault ? e with { FilledLegs = [] } : e, Default.LiquidationEvent);
    }

    /// <summary>Reads an event, or says why the text is not one (malformed JSON, an unknown, missing or invalid field).</summary>
    /// <param name="json">The message body.</param>
    public static (LiquidationEvent? Event, string? Problem) Read(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        LiquidationEvent? e;
        try
        {
            if (FormProblem(json) is { } form)
            {
                return (null, $"not a liquidation event: {form}");
            }

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

    // What the serializer would accept but the schema does not: a state that is not exactly one of the names, a time without an offset.
    private static string? FormProblem(string json)
    {
        using var doc = JsonDocument.Parse(json);
        if (doc.RootElement.ValueKind == JsonValueKind.Null)
        {
            return "the body is null";
        }

        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            return $"the body is a JSON {doc.RootElement.ValueKind}, not an object";
        }

        if (doc.RootElement.TryGetProperty("state", out var state) && (state.ValueKind != JsonValueKind.String || Array.IndexOf(s_states, state.GetString()) < 0))
        {
            return $"state: {state.GetRawText()} is not one of {string.Join(", ", s_states.Where(s => s != nameof(global::Margin.Sweep.Orders.OrderState.Open)))} (a string, exactly as written)";
        }

        if (doc.RootElement.TryGetProperty("at", out var at) && (at.ValueKind != JsonValueKind.String || !HasOffset(at.GetString()!)))
        {
            return $"at: {at.GetRawText()} is not an ISO 8601 time with its offset (e.g. 2026-11-24T10:00:00Z)";
        }

        return null;
    }

    private static bool HasOffset(string text) =>
        global::System.DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out _) &&
        (text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':'));
}
