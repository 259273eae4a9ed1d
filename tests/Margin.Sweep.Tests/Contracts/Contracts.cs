using System.Text.Json.Nodes;
using Margin.Sweep.Tests.Support;
using NJsonSchema;
using NJsonSchema.Validation;

namespace Margin.Sweep.Tests.Contracts;

/// <summary>The published schemas (docs/contracts), the example messages, and the sweep whose orders are checked against them.</summary>
public static class Contracts
{
    private static readonly Lazy<Task<JsonSchema>> s_order = new(() => LoadAsync("liquidation-order.schema.json"));
    private static readonly Lazy<Task<JsonSchema>> s_event = new(() => LoadAsync("liquidation-event.schema.json"));
    private static readonly Lazy<Task<ContractSweep>> s_sweep = new(() => ContractSweep.RunAsync(Accounts, seed: 20261201, ContractSweep.Stressed));

    /// <summary>The size of the generated book.</summary>
    public const int Accounts = 3_000;

    public static Task<JsonSchema> OrderSchemaAsync() => s_order.Value;

    public static Task<JsonSchema> EventSchemaAsync() => s_event.Value;

    /// <summary>One sweep over a stressed generated book, shared by the tests that read its orders.</summary>
    public static Task<ContractSweep> SweepAsync() => s_sweep.Value;

    public static string Path(params string[] parts) => DemoMarket.RepositoryFile(["docs", "contracts", .. parts]);

    /// <summary>The schema file as plain JSON (for reading its property lists without a validator's interpretation).</summary>
    public static JsonObject Document(string file) => (JsonObject)JsonNode.Parse(File.ReadAllText(Path(file)))!;

    /// <summary>The names under an object schema's <c>properties</c>.</summary>
    public static SortedSet<string> PropertyNames(JsonObject schema) => new(((JsonObject)schema["properties"]!).Select(p => p.Key), StringComparer.Ordinal);

    /// <summary>The names under an object schema's <c>required</c>.</summary>
    public static SortedSet<string> RequiredNames(JsonObject schema) => new(((JsonArray)schema["required"]!).Select(n => (string)n!), StringComparer.Ordinal);

    /// <summary>A definition under <c>definitions</c>.</summary>
    public static JsonObject Definition(JsonObject schema, string name) => (JsonObject)schema["definitions"]![name]!;

    /// <summary>The validation errors of a document, as "kind at path" lines (empty when valid), with the errors inside array items and alternatives after the error that holds them.</summary>
    public static IReadOnlyList<string> Errors(JsonSchema schema, string json) => [.. Flatten(schema.Validate(json))];

    private static IEnumerable<string> Flatten(IEnumerable<ValidationError> errors)
    {
        foreach (var e in errors)
        {
            yield return $"{e.Kind} at {e.Path}";
            if (e is ChildSchemaValidationError child)
            {
                foreach (var inner in Flatten(child.Errors.Values.SelectMany(v => v)))
                {
                    yield return inner;
                }
            }
        }
    }

    private static Task<JsonSchema> LoadAsync(string file) => JsonSchema.FromFileAsync(Path(file));
}
