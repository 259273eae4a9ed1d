using Margin.Infrastructure.Documents;

namespace Margin.Cli.Presets;

/// <summary>The methodology presets shipped inside the CLI: the repository's <c>presets/*.json</c>, embedded as resources.</summary>
/// <remarks>
/// Embedded rather than copied beside the executable, so a published or single-file <c>margin</c> finds them from any
/// directory. Each file is a <c>parameters</c> object of docs/evaluate.md with a <c>metadata</c> block whose
/// <c>name</c> is the file name.
/// </remarks>
internal static class PresetCatalog
{
    private const string Prefix = "presets/";
    private const string Extension = ".json";

    /// <summary>The shipped preset names, sorted.</summary>
    public static IReadOnlyList<string> Names =>
        [.. typeof(PresetCatalog).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(Extension, StringComparison.Ordinal))
            .Select(n => n[Prefix.Length..^Extension.Length])
            .Order(StringComparer.Ordinal)];

    /// <summary>Whether <paramref name="name"/> is a shipped preset (exact, case-sensitive).</summary>
    public static bool Exists(string name) => Names.Contains(name, StringComparer.Ordinal);

    /// <summary>The message for an unknown preset: what was asked and what exists.</summary>
    public static string Unknown(string name) => $"unknown preset '{name}'; the available presets are: {string.Join(", ", Names)} (margin presets list)";

    /// <summary>The preset file's JSON text, or null when there is no such preset.</summary>
    public static string? Text(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        using var stream = typeof(PresetCatalog).Assembly.GetManifestResourceStream(Prefix + name + Extension);
        if (stream is null)
        {
            return null;
        }

        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Reads and validates a preset; every problem's field is prefixed with <c>preset NAME: </c>.</summary>
    /// <exception cref="ArgumentException">There is no preset named <paramref name="name"/>.</exception>
    public static (ParameterSet? Set, IReadOnlyList<InputProblem> Problems) Load(string name)
    {
        var text = Text(name) ?? throw new ArgumentException(Unknown(name), nameof(name));
        var (set, read) = ParametersReader.ReadDocument(text);
        var problems = read.ToList();
        if (set is not null && set.Metadata is null)
        {
            problems.Add(new InputProblem($"{ParametersReader.Root}.{ParametersMetadata.Property}", "a preset must carry a metadata block naming its sources"));
        }
        else if (set?.Metadata is { } metadata && metadata.Name != name)
        {
            problems.Add(new InputProblem($"{ParametersReader.Root}.{ParametersMetadata.Property}.name", $"'{metadata.Name}' must equal the file name '{name}'"));
        }

        var prefixed = problems.Select(p => p with { Field = $"preset {name}: {p.Field ?? ParametersReader.Root}" }).ToList();
        return (prefixed.Count == 0 ? set : null, prefixed);
    }
}
