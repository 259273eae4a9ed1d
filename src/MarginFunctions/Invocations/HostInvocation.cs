using System.Globalization;
using System.Text.Json;

namespace MarginFunctions.Invocations;

/// <summary>One invocation as the Functions host sends it to a custom handler: <c>{"Data":{...},"Metadata":{...}}</c>, read leniently.</summary>
/// <remarks>
/// The host serializes binding values with Json.NET: an object becomes JSON, anything else (a string, a number, a time)
/// becomes a JSON <em>string</em>, and a string value is often JSON-encoded twice (<c>"Id":"\"4e77...\""</c>);
/// numbers arrive as strings (<c>"DequeueCount":"1"</c>). docs/notes/functions-custom-handler.md §1.3 has the sources.
/// So every accessor here unwraps as many string layers as it finds and accepts numbers written either way.
/// </remarks>
internal sealed class HostInvocation : IDisposable
{
    private readonly JsonDocument _document;

    private HostInvocation(JsonDocument document, JsonElement data, JsonElement metadata)
    {
        _document = document;
        Data = data;
        Metadata = metadata;
    }

    /// <summary>The <c>Data</c> object (binding values by binding name); an empty object when missing.</summary>
    public JsonElement Data { get; }

    /// <summary>The <c>Metadata</c> object (trigger metadata); an empty object when missing.</summary>
    public JsonElement Metadata { get; }

    /// <summary>Reads an invocation body.</summary>
    /// <param name="body">The request body.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The invocation, or the problem (the body is not JSON, or not an object).</returns>
    public static async Task<(HostInvocation? Invocation, string? Problem)> ReadAsync(Stream body, CancellationToken cancellationToken = default)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(body, default, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            return (null, $"the invocation body is not JSON ({ex.Message})");
        }

        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            var kind = root.ValueKind;
            document.Dispose();
            return (null, $"the invocation body is a JSON {kind}, not an object with Data and Metadata");
        }

        return (new HostInvocation(document, ObjectOrEmpty(root, "Data"), ObjectOrEmpty(root, "Metadata")), null);
    }

    /// <summary>A binding value as text: a string unwrapped of every JSON-string layer, or an object's or array's raw JSON; null when missing or null.</summary>
    /// <param name="name">The binding name (a key of <c>Data</c>).</param>
    public string? DataText(string name) => Text(Data, name);

    /// <summary>A metadata value as text, unwrapped like <see cref="DataText"/> and trimmed of the quotes the host leaves around ids.</summary>
    /// <param name="name">The metadata key.</param>
    public string? MetadataText(string name) => Text(Metadata, name) is { } text ? text.Trim('"') : null;

    /// <summary>A metadata value as an integer, written as a number or as a string; null when missing or not an integer.</summary>
    /// <param name="name">The metadata key.</param>
    public long? MetadataInteger(string name) =>
        Metadata.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)
            ? number
            : long.TryParse(MetadataText(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;

    /// <summary>Whether a timer invocation is past due (<c>Data.{name}.IsPastDue</c>, a boolean or a string); false when missing.</summary>
    /// <param name="name">The timer binding's name.</param>
    public bool IsPastDue(string name)
    {
        var timer = Data.TryGetProperty(name, out var value) ? Unwrap(value) : default;
        if (timer.ValueKind == JsonValueKind.String && TryParseObject(timer.GetString(), out var parsed))
        {
            timer = parsed;
        }

        if (timer.ValueKind != JsonValueKind.Object || !timer.TryGetProperty("IsPastDue", out var pastDue))
        {
            return false;
        }

        pastDue = Unwrap(pastDue);
        return pastDue.ValueKind == JsonValueKind.True
            || (pastDue.ValueKind == JsonValueKind.String && bool.TryParse(pastDue.GetString(), out var flag) && flag);
    }

    /// <inheritdoc/>
    public void Dispose() => _document.Dispose();

    private static string? Text(JsonElement container, string name)
    {
        if (!container.TryGetProperty(name, out var value))
        {
            return null;
        }

        value = Unwrap(value);
        return value.ValueKind switch
        {
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            JsonValueKind.String => value.GetString(),
            _ => value.GetRawText(),
        };
    }

    // A string whose content is itself a JSON string literal ("\"abc\"") is unwrapped until it is not.
    private static JsonElement Unwrap(JsonElement value)
    {
        for (var depth = 0; depth < 4 && value.ValueKind == JsonValueKind.String; depth++)
        {
            var text = value.GetString()!;
            if (text.Length < 2 || text[0] != '"' || text[^1] != '"')
            {
                break;
            }

            try
            {
                using var inner = JsonDocument.Parse(text);
                value = inner.RootElement.Clone();
            }
            catch (JsonException)
            {
                break;
            }
        }

        return value;
    }

    private static bool TryParseObject(string? text, out JsonElement value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text) || text.TrimStart()[0] != '{')
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            value = document.RootElement.Clone();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static JsonElement ObjectOrEmpty(JsonElement root, string name)
    {
        if (root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object)
        {
            return value;
        }

        using var empty = JsonDocument.Parse("{}");
        return empty.RootElement.Clone();
    }
}
