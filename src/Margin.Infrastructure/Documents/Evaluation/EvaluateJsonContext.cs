using System.Text.Json.Serialization;

namespace Margin.Infrastructure.Documents.Evaluation;

/// <summary>Source-generated serialization of the evaluate output (STYLE.md convention 11): no reflection.</summary>
/// <remarks>Named floating-point literals are allowed so that an infinite ratio is written as <c>"Infinity"</c>.</remarks>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(EvaluateDocument))]
public sealed partial class EvaluateJsonContext : JsonSerializerContext;
