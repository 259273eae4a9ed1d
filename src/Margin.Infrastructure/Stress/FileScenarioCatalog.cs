using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Margin.Engine.Stress;
using Margin.Sweep.Stress;

namespace Margin.Infrastructure.Stress;

/// <summary>The shipped historical scenarios: one JSON file per scenario in a folder (default <c>scenarios/</c> beside the executable), named after the scenario.</summary>
/// <remarks>
/// <para>A file <c>NAME.json</c> holds one object (docs/cli.md, "Historical scenarios"): <c>name</c> (equal to
/// <c>NAME</c>), <c>title</c>, <c>date</c> (<c>yyyy-MM-dd</c>), <c>window</c>, <c>description</c>, <c>sources</c> (at
/// least one <c>{title, url}</c>, each url https), <c>shocks</c> (selector to move, e.g. <c>"BTC": "-39%"</c>, at least
/// one), and optionally <c>volatilityShocks</c> (likewise) and <c>notes</c>. Moves are parsed as a scenario's are
/// (<see cref="ShockSet.TryParseShock"/>); selectors are resolved against the parameters when a run is checked. Any
/// other property is refused, so that a misspelt one (<c>volatilityShock</c>) is not silently ignored.</para>
/// <para>Files are read on every call (they are few and small), so an edited file counts at once. A malformed file is an
/// <see cref="InvalidDataException"/> naming the file and the field; a name that is not a plain file name (a path, an
/// empty name) names no scenario.</para>
/// </remarks>
public sealed class FileScenarioCatalog : IScenarioCatalog
{
    /// <summary>The default folder's name, beside the executable.</summary>
    public const string DefaultFolderName = "scenarios";

    private static readonly string[] s_known = ["name", "title", "date", "window", "description", "sources", "shocks", "volatilityShocks", "notes"];

    /// <summary>Creates the catalog over a folder.</summary>
    /// <param name="folder">The folder, or null for <c>scenarios/</c> beside the executable (<see cref="AppContext.BaseDirectory"/>).</param>
    public FileScenarioCatalog(string? folder = null)
    {
        Folder = string.IsNullOrWhiteSpace(folder) ? Path.Combine(AppContext.BaseDirectory, DefaultFolderName) : folder;
    }

    /// <summary>The folder the scenarios are read from.</summary>
    public string Folder { get; }

    /// <inheritdoc/>
    /// <remarks>Empty when the folder does not exist.</remarks>
    public Task<IReadOnlyList<string>> NamesAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyList<string> names = Directory.Exists(Folder)
            ? [.. Directory.EnumerateFiles(Folder, "*.json").Select(Path.GetFileNameWithoutExtension).OfType<string>().Where(IsName).Order(StringComparer.Ordinal)]
            : [];
        return Task.FromResult(names);
    }

    /// <inheritdoc/>
    public async Task<StressScenario?> FindAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!IsName(name))
        {
            return null;
        }

        var path = Path.Combine(Folder, name + ".json");
        string text;
        try
        {
            text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        return Read(text, name, $"{Path.GetFileName(Path.TrimEndingDirectorySeparator(Folder))}/{name}.json");
    }

    /// <summary>Reads a scenario file's text.</summary>
    /// <param name="json">The file's text.</param>
    /// <param name="name">The scenario's name (the file's name without <c>.json</c>).</param>
    /// <param name="file">The file, as named in problems (<c>scenarios/NAME.json</c>).</param>
    /// <returns>The scenario.</returns>
    /// <exception cref="InvalidDataException">The text is not a valid scenario; the message names the file and the field.</exception>
    public static StressScenario Read(string json, string name, string file)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(name);
        InvalidDataException Bad(string field, string problem) => new($"{file}: {field}: {problem}");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{file}: not JSON: {ex.Message}", ex);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{file}: expected a JSON object, found {root.ValueKind}");
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!s_known.Contains(property.Name, StringComparer.Ordinal))
                {
                    throw Bad(property.Name, $"unknown property (a scenario has {string.Join(", ", s_known)})");
                }

                if (!seen.Add(property.Name))
                {
                    throw Bad(property.Name, "appears twice");
                }
            }

            string Text(string field, bool required = true)
            {
                if (!root.TryGetProperty(field, out var e) || e.ValueKind == JsonValueKind.Null)
                {
                    return required ? throw Bad(field, "is missing") : string.Empty;
                }

                if (e.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(e.GetString()))
                {
                    throw Bad(field, $"must be a non-empty string (found {Describe(e)})");
                }

                return e.GetString()!.Trim();
            }

            var declared = Text("name");
            if (!string.Equals(declared, name, StringComparison.Ordinal))
            {
                throw Bad("name", $"is '{declared}' but the file is named '{name}'; they must be equal");
            }

            var date = Text("date");
            if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            {
                throw Bad("date", $"'{date}' is not a date written yyyy-MM-dd");
            }

            var title = Text("title");
            var window = Text("window");
            var description = Text("description");
            _ = Text("notes", required: false);
            var sources = Sources(root, Bad);
            var prices = Shocks(root, "shocks", required: true, Bad);
            var volatilities = Shocks(root, "volatilityShocks", required: false, Bad);
            return new StressScenario
            {
                Name = name,
                Title = title,
                Date = date,
                Window = window,
                Description = description,
                Sources = sources,
                Prices = prices,
                Volatilities = volatilities,
            };
        }
    }

    private static ImmutableArray<ScenarioSource> Sources(JsonElement root, Func<string, string, InvalidDataException> bad)
    {
        if (!root.TryGetProperty("sources", out var e) || e.ValueKind == JsonValueKind.Null)
        {
            throw bad("sources", "is missing (a historical scenario names the public source of its figures)");
        }

        if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() == 0)
        {
            throw bad("sources", $"must be a non-empty array of {{\"title\", \"url\"}} (found {Describe(e)})");
        }

        var sources = ImmutableArray.CreateBuilder<ScenarioSource>();
        var i = 0;
        foreach (var s in e.EnumerateArray())
        {
            var field = string.Create(CultureInfo.InvariantCulture, $"sources[{i++}]");
            if (s.ValueKind != JsonValueKind.Object)
            {
                throw bad(field, $"must be an object {{\"title\", \"url\"}} (found {Describe(s)})");
            }

            foreach (var p in s.EnumerateObject())
            {
                if (p.Name is not ("title" or "url"))
                {
                    throw bad($"{field}.{p.Name}", "unknown property (a source has title and url)");
                }
            }

            var title = s.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(t.GetString())
                ? t.GetString()!.Trim()
                : throw bad($"{field}.title", "is missing or empty");
            var url = s.TryGetProperty("url", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString()!.Trim() : throw bad($"{field}.url", "is missing or not a string");
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps || string.IsNullOrEmpty(uri.Host))
            {
                throw bad($"{field}.url", $"'{url}' is not an https URL");
            }

            sources.Add(new ScenarioSource(title, url));
        }

        return sources.ToImmutable();
    }

    private static ShockSet Shocks(JsonElement root, string field, bool required, Func<string, string, InvalidDataException> bad)
    {
        if (!root.TryGetProperty(field, out var e) || e.ValueKind == JsonValueKind.Null)
        {
            return required ? throw bad(field, "is missing (an object of selector to move, e.g. {\"BTC\": \"-25%\"})") : ShockSet.Empty;
        }

        if (e.ValueKind != JsonValueKind.Object)
        {
            throw bad(field, $"must be an object of selector to move, e.g. {{\"BTC\": \"-25%\"}} (found {Describe(e)})");
        }

        var shocks = new List<Shock>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in e.EnumerateObject())
        {
            var where = $"{field}.{p.Name}";
            if (p.Value.ValueKind != JsonValueKind.String)
            {
                throw bad(where, $"the move must be a string such as \"-25%\" (found {Describe(p.Value)})");
            }

            if (!ShockSet.TryParseShock(p.Name, p.Value.GetString(), out var shock, out var problem))
            {
                throw bad(where, problem ?? "invalid shock");
            }

            if (!seen.Add(shock.Selector))
            {
                throw bad(where, $"{shock.Selector} is shocked twice");
            }

            shocks.Add(shock);
        }

        if (required && shocks.Count == 0)
        {
            throw bad(field, "is empty; a scenario moves at least one asset");
        }

        return ShockSet.Create(shocks);
    }

    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => $"'{e.GetString()}'",
        JsonValueKind.Object or JsonValueKind.Array => e.ValueKind.ToString().ToLowerInvariant(),
        _ => e.GetRawText(),
    };

    // A scenario's name is a plain file name: letters, digits, '-', '_' and '.', not starting with '.'.
    private static bool IsName(string? name) =>
        !string.IsNullOrWhiteSpace(name) && name.Length <= 128 && name[0] != '.' && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
