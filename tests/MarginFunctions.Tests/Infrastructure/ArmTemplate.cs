using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MarginFunctions.Tests.Infrastructure;

/// <summary>
/// Reads the ARM JSON that <c>bicep build</c> writes (languageVersion 2.0: resources keyed by symbolic name; a module
/// is a Microsoft.Resources/deployments resource with its own template in properties.template).
/// </summary>
internal static partial class ArmTemplate
{
    private static readonly JsonSerializerOptions Unescaped = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The template as JSON text with quotes left as they are (ARM expressions use ' a lot).</summary>
    public static string Text(JsonNode node) => node.ToJsonString(Unescaped);

    /// <summary>A resource by its Bicep symbolic name.</summary>
    public static JsonObject Resource(JsonObject template, string symbolicName) =>
        template["resources"]?[symbolicName]?.AsObject()
            ?? throw new InvalidOperationException($"the template has no resource '{symbolicName}'");

    /// <summary>Every resource of the template and of the templates of its modules, depth first.</summary>
    public static IEnumerable<JsonObject> AllResources(JsonObject template)
    {
        foreach (var resource in ResourcesOf(template))
        {
            yield return resource;
            if (resource["properties"]?["template"] is JsonObject nested)
            {
                foreach (var inner in AllResources(nested))
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>The template of the module with this symbolic name.</summary>
    public static JsonObject ModuleTemplate(JsonObject template, string symbolicName) =>
        Resource(template, symbolicName)["properties"]?["template"]?.AsObject()
            ?? throw new InvalidOperationException($"'{symbolicName}' is not a module");

    public static IEnumerable<JsonObject> OfType(JsonObject template, string type) =>
        AllResources(template).Where(r => string.Equals((string?)r["type"], type, StringComparison.OrdinalIgnoreCase));

    /// <summary>The default value of a parameter of the template.</summary>
    public static JsonNode? DefaultOf(JsonObject template, string parameter) =>
        (template["parameters"]?[parameter] ?? throw new InvalidOperationException($"no parameter '{parameter}'"))["defaultValue"];

    /// <summary>
    /// Replaces <c>variables('name').member</c> in an ARM expression with the variable's literal value, so an
    /// assertion can read the GUID a role assignment uses.
    /// </summary>
    public static string ResolveVariableMembers(JsonObject template, string expression) =>
        VariableMember().Replace(expression, match =>
        {
            var value = template["variables"]?[match.Groups["name"].Value]?[match.Groups["member"].Value];
            return value is null ? match.Value : $"'{(string?)value}'";
        });

    private static IEnumerable<JsonObject> ResourcesOf(JsonObject template) =>
        template["resources"] switch
        {
            JsonObject byName => byName.Select(pair => pair.Value!.AsObject()),
            JsonArray list => list.Select(node => node!.AsObject()),
            _ => [],
        };

    [GeneratedRegex(@"variables\('(?<name>\w+)'\)\.(?<member>\w+)")]
    private static partial Regex VariableMember();
}
