using System.Text.Json;
using System.Text.RegularExpressions;
using Margin.Engine.Domain;

namespace Margin.Infrastructure.Documents;

/// <summary>Reads one JSON object of the input strictly: typed properties with precise paths, duplicates and unknown properties reported.</summary>
/// <remarks>
/// A property whose value is JSON <c>null</c> counts as absent. Properties whose name starts with <c>$</c> (such as
/// <c>$comment</c>) are annotations and are ignored everywhere. Every other property must be read before
/// <see cref="RejectUnknown()"/>, which reports the rest: the input contract rejects what it does not know, so a typo in a
/// risk parameter can never be ignored silently.
/// </remarks>
internal sealed partial class InputObject
{
    private readonly Dictionary<string, JsonElement> _properties;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);
    private readonly List<InputProblem> _problems;
    private readonly int _problemsBefore;

    private InputObject(string path, Dictionary<string, JsonElement> properties, List<InputProblem> problems, int problemsBefore)
    {
        Path = path;
        _properties = properties;
        _problems = problems;
        _problemsBefore = problemsBefore;
    }

    /// <summary>The list problems are reported to (shared with the objects read inside this one).</summary>
    public List<InputProblem> Problems => _problems;

    /// <summary>Whether a problem was reported inside this object since it was opened.</summary>
    public bool HasProblems => _problems.Skip(_problemsBefore).Any(p => p.Field is { } f && (Path.Length == 0 || f.StartsWith(Path, StringComparison.Ordinal)));

    /// <summary>The object's own path ("" for an account's root).</summary>
    public string Path { get; }

    /// <summary>The names of the object's properties, in document order, without annotations.</summary>
    public IEnumerable<string> Names => _properties.Keys;

    /// <summary>Wraps <paramref name="element"/>, reporting a problem and returning null when it is not an object.</summary>
    public static InputObject? From(JsonElement element, string path, List<InputProblem> problems)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            problems.Add(new InputProblem(path, $"must be an object (got {NumberText.Describe(element)})"));
            return null;
        }

        var before = problems.Count;
        var properties = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (property.Name.StartsWith('$'))
            {
                continue;
            }

            if (!properties.TryAdd(property.Name, property.Value))
            {
                problems.Add(new InputProblem(InputPath.Property(path, property.Name), "the property appears twice"));
            }
        }

        return new InputObject(path, properties, problems, before);
    }

    /// <summary>The path of a child property.</summary>
    public string Child(string name) => InputPath.Property(Path, name);

    /// <summary>Records a problem at a child property.</summary>
    public void Fail(string name, string problem) => _problems.Add(new InputProblem(Child(name), problem));

    /// <summary>The raw value of a property, or null when it is absent or JSON null; marks it as read.</summary>
    public JsonElement? Raw(string name)
    {
        _read.Add(name);
        return _properties.TryGetValue(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;
    }

    public string? String(string name, bool required = false)
    {
        if (Present(name, required) is not { } e)
        {
            return null;
        }

        if (e.ValueKind != JsonValueKind.String)
        {
            Fail(name, $"must be a string (got {NumberText.Describe(e)})");
            return null;
        }

        var s = e.GetString()!;
        if (s.Length == 0)
        {
            Fail(name, "must not be empty");
            return null;
        }

        return s;
    }

    /// <summary>An asset symbol, validated by <see cref="Asset.TryCreate"/>.</summary>
    public Asset? Symbol(string name, bool required = false)
    {
        var symbol = String(name, required);
        if (symbol is null)
        {
            return null;
        }

        if (!Asset.TryCreate(symbol, out var asset, out var error))
        {
            Fail(name, error);
            return null;
        }

        return asset;
    }

    public decimal? Decimal(string name, bool required = false)
    {
        if (Present(name, required) is not { } e)
        {
            return null;
        }

        if (!NumberText.TryDecimal(e, out var value, out var problem))
        {
            Fail(name, problem!);
            return null;
        }

        return value;
    }

    public double? Double(string name, bool required = false)
    {
        if (Present(name, required) is not { } e)
        {
            return null;
        }

        if (!NumberText.TryDouble(e, out var value, out var problem))
        {
            Fail(name, problem!);
            return null;
        }

        return value;
    }

    public long? Integer(string name, bool required = false)
    {
        if (Present(name, required) is not { } e)
        {
            return null;
        }

        if (!NumberText.TryInteger(e, out var value, out var problem))
        {
            Fail(name, problem!);
            return null;
        }

        return value;
    }

    public bool? Boolean(string name, bool required = false)
    {
        if (Present(name, required) is not { } e)
        {
            return null;
        }

        if (e.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            Fail(name, $"must be true or false (got {NumberText.Describe(e)})");
            return null;
        }

        return e.GetBoolean();
    }

    /// <summary>An ISO 8601 timestamp with an explicit offset (<c>Z</c> or <c>+hh:mm</c>), so the result never depends on the machine's time zone.</summary>
    public DateTimeOffset? Time(string name, bool required = false)
    {
        if (Present(name, required) is not { } e)
        {
            return null;
        }

        if (e.ValueKind != JsonValueKind.String)
        {
            Fail(name, $"must be an ISO 8601 timestamp string (got {NumberText.Describe(e)})");
            return null;
        }

        var s = e.GetString()!;
        if (!OffsetSuffix().IsMatch(s) || !e.TryGetDateTimeOffset(out var value))
        {
            Fail(name, $"'{s}' is not an ISO 8601 timestamp with an offset, such as 2026-01-15T12:00:00Z");
            return null;
        }

        return value;
    }

    /// <summary>One of <paramref name="allowed"/>, compared case-insensitively; returns the allowed spelling.</summary>
    public string? Choice(string name, IReadOnlyList<string> allowed, bool required = false)
    {
        var s = String(name, required);
        if (s is null)
        {
            return null;
        }

        foreach (var a in allowed)
        {
            if (string.Equals(a, s, StringComparison.OrdinalIgnoreCase))
            {
                return a;
            }
        }

        Fail(name, $"'{s}' is not one of {string.Join(", ", allowed.Select(a => $"'{a}'"))}");
        return null;
    }

    public InputObject? Object(string name, bool required = false) =>
        Present(name, required) is { } e ? From(e, Child(name), _problems) : null;

    /// <summary>The elements of an array property with their paths.</summary>
    public IReadOnlyList<(JsonElement Element, string Path)>? Array(string name, bool required = false)
    {
        if (Present(name, required) is not { } e)
        {
            return null;
        }

        if (e.ValueKind != JsonValueKind.Array)
        {
            Fail(name, $"must be an array (got {NumberText.Describe(e)})");
            return null;
        }

        var path = Child(name);
        return e.EnumerateArray().Select((item, i) => (item, InputPath.Index(path, i))).ToList();
    }

    /// <summary>Reports every property that was not read.</summary>
    public void RejectUnknown()
    {
        foreach (var name in _properties.Keys)
        {
            if (!_read.Contains(name))
            {
                _problems.Add(new InputProblem(Child(name), "unknown property (schemaVersion 1 does not define it; annotations must start with '$')"));
            }
        }
    }

    /// <summary>Reports every property that was not read, as not applicable to <paramref name="what"/>.</summary>
    public void RejectUnknown(string what)
    {
        foreach (var name in _properties.Keys)
        {
            if (!_read.Contains(name))
            {
                _problems.Add(new InputProblem(Child(name), $"unknown property for {what} (schemaVersion 1 does not define it; annotations must start with '$')"));
            }
        }
    }

    private JsonElement? Present(string name, bool required)
    {
        var e = Raw(name);
        if (e is null && required)
        {
            Fail(name, "is required");
        }

        return e;
    }

    [GeneratedRegex(@"(Z|z|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex OffsetSuffix();
}
