using System.Text.Json;
using System.Text.Json.Serialization;
using Margin.Sweep.Stress;

namespace MarginFunctions.Http;

/// <summary>Reads the body of <c>POST api/stress</c>: a <see cref="StressRequest"/> as camelCase JSON, strictly.</summary>
/// <remarks>
/// Unknown fields are refused, each named, rather than ignored: a misspelt <c>volatilityShock</c> or <c>rounds</c> would
/// otherwise run a different stress from the one asked for, and say nothing (the scenario files are read as strictly).
/// Names are case-sensitive, a field given twice is refused, and each field must have its type (a string or null; a
/// whole number; a number; true or false): every problem is reported at once, naming its field. Whether the values make
/// sense (the shocks, the versions, the curve) is <see cref="StartStress"/>'s to say.
/// </remarks>
internal static class StressRequestReader
{
    private static readonly JsonDocumentOptions s_document = new() { MaxDepth = 16 };

    /// <summary>The request's fields and their CLR types, as the source-generated contract names them.</summary>
    private static readonly Dictionary<string, Type> s_fields =
        StressRequestJsonContext.Default.StressRequest.Properties.ToDictionary(p => p.Name, p => p.PropertyType, StringComparer.Ordinal);

    /// <summary>The field names, in the contract's order.</summary>
    public static IReadOnlyList<string> Fields { get; } = [.. StressRequestJsonContext.Default.StressRequest.Properties.Select(p => p.Name)];

    /// <summary>Reads a body.</summary>
    /// <param name="json">The body's text.</param>
    /// <returns>The request, or the problems (each naming its field).</returns>
    public static (StressRequest? Request, IReadOnlyList<string> Problems) Read(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return (null, ["the body is empty: POST a stress request, e.g. {\"scenario\":\"BTC=-25%,ETH=-30%,alts=-45%\"} or {\"historical\":\"2020-03-12-black-thursday\"} (docs/functions.md)"]);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, s_document);
        }
        catch (JsonException ex)
        {
            return (null, [$"the body is not valid JSON: {ex.Message}"]);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, [$"the body is a JSON {root.ValueKind}, not an object with the request's fields ({string.Join(", ", Fields)})"]);
            }

            var problems = new List<string>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    problems.Add($"{property.Name}: given twice");
                }
                else if (!s_fields.TryGetValue(property.Name, out var type))
                {
                    var near = Fields.FirstOrDefault(f => string.Equals(f, property.Name, StringComparison.OrdinalIgnoreCase));
                    problems.Add(near is null
                        ? $"{property.Name}: unknown field (the fields are {string.Join(", ", Fields)})"
                        : $"{property.Name}: unknown field; did you mean {near}? (names are case-sensitive)");
                }
                else if (TypeProblem(property.Value, type) is { } problem)
                {
                    problems.Add($"{property.Name}: {problem} (got {Shown(property.Value)})");
                }
            }

            if (problems.Count > 0)
            {
                return (null, problems);
            }

            try
            {
                return (root.Deserialize(StressRequestJsonContext.Default.StressRequest), []);
            }
            catch (JsonException ex)
            {
                // Every field's type is checked above; this is a belt to those braces.
                return (null, [$"{ex.Path ?? "the body"}: {ex.Message}"]);
            }
        }
    }

    private static string? TypeProblem(JsonElement value, Type type)
    {
        if (type == typeof(string))
        {
            return value.ValueKind is JsonValueKind.String or JsonValueKind.Null ? null : "must be a string or null";
        }

        if (type == typeof(int))
        {
            return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out _) ? null : "must be a whole number";
        }

        if (type == typeof(decimal))
        {
            return value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out _) ? null : "must be a number (a percentage, e.g. -50)";
        }

        if (type == typeof(bool))
        {
            return value.ValueKind is JsonValueKind.True or JsonValueKind.False ? null : "must be true or false";
        }

        throw new InvalidOperationException($"StressRequest has a field of type {type.Name} that the reader does not check; add it here");
    }

    private static string Shown(JsonElement value)
    {
        var raw = value.GetRawText();
        return raw.Length <= 40 ? raw : raw[..40] + "...";
    }
}

/// <summary>The stress request's serializer: camelCase, the contract of <c>POST api/stress</c> (source-generated, no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, RespectNullableAnnotations = true)]
[JsonSerializable(typeof(StressRequest))]
internal sealed partial class StressRequestJsonContext : JsonSerializerContext;
