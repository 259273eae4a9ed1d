using System.Collections.Immutable;
using System.Globalization;
using Margin.Engine.Methodologies;

namespace Margin.Infrastructure.Documents;

/// <summary>Where a parameter set comes from: the <c>parameters.metadata</c> block every preset carries (optional elsewhere).</summary>
/// <param name="Name">The preset's name, lower-case letters, digits and '-' (<c>binance-unified</c>).</param>
/// <param name="Methodology">The public methodology whose own figure is reported beside ours, or null for none.</param>
/// <param name="Description">One sentence on what the parameter set reproduces, or null.</param>
/// <param name="TakenOn">The date the numbers were taken from the sources.</param>
/// <param name="Sources">The public sources, at least one, each with a title and an absolute http(s) URL.</param>
/// <param name="Notes">What is exact, what is simplified, and anything else a reader must know.</param>
public sealed record ParametersMetadata(
    string Name,
    MethodologyKind? Methodology,
    string? Description,
    DateOnly TakenOn,
    ImmutableArray<MetadataSource> Sources,
    ImmutableArray<string> Notes)
{
    public const string Property = "metadata";

    /// <summary>The methodology names of the input, with the engine's kinds; "none" reports no figure.</summary>
    public static readonly IReadOnlyList<(string Name, MethodologyKind? Kind)> Methodologies =
    [
        ("aave-health-factor", MethodologyKind.AaveHealthFactor),
        ("binance-unimmr", MethodologyKind.BinanceUniMmr),
        ("binance-cross-margin-level", MethodologyKind.BinanceCrossMarginLevel),
        ("drift-spot-weights", MethodologyKind.DriftSpotWeights),
        ("deribit-portfolio-margin", MethodologyKind.DeribitPortfolioMargin),
        ("none", null),
    ];

    /// <summary>The input name of a methodology kind.</summary>
    public static string NameOf(MethodologyKind kind) => Methodologies.First(m => m.Kind == kind).Name;

    /// <summary>Reads and validates a metadata block; returns null (with problems reported) when it is not usable.</summary>
    internal static ParametersMetadata? Read(InputObject o)
    {
        var name = o.String("name", required: true);
        var methodology = o.Choice("methodology", [.. Methodologies.Select(m => m.Name)], required: true);
        var description = o.String("description");
        var takenOnText = o.String("takenOn", required: true);
        var sources = ImmutableArray.CreateBuilder<MetadataSource>();
        var items = o.Array("sources", required: true);
        foreach (var (element, path) in items ?? [])
        {
            if (InputObject.From(element, path, o.Problems) is not { } s)
            {
                continue;
            }

            var title = s.String("title", required: true);
            var url = s.String("url", required: true);
            s.RejectUnknown("a source ({\"title\", \"url\"})");
            if (url is not null && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)))
            {
                s.Fail("url", $"'{url}' is not an absolute http(s) URL");
                continue;
            }

            if (title is not null && url is not null)
            {
                sources.Add(new MetadataSource(title, url));
            }
        }

        var notes = ImmutableArray.CreateBuilder<string>();
        foreach (var (element, path) in o.Array("notes") ?? [])
        {
            if (element.ValueKind != System.Text.Json.JsonValueKind.String || string.IsNullOrWhiteSpace(element.GetString()))
            {
                o.Problems.Add(new InputProblem(path, "a note must be a non-empty string"));
                continue;
            }

            notes.Add(element.GetString()!);
        }

        o.RejectUnknown("parameters metadata (name, methodology, description, takenOn, sources, notes)");
        if (name is not null && (name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')))
        {
            o.Fail("name", $"'{name}' must be 1 to 64 lower-case ASCII letters, digits or '-'");
            name = null;
        }

        DateOnly? takenOn = null;
        if (takenOnText is not null)
        {
            if (DateOnly.TryParseExact(takenOnText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
            {
                takenOn = d;
            }
            else
            {
                o.Fail("takenOn", $"'{takenOnText}' is not a date in the form yyyy-MM-dd");
            }
        }

        if (items is { Count: 0 })
        {
            o.Fail("sources", "must name at least one public source");
        }

        if (name is null || methodology is null || takenOn is null || items is null || o.HasProblems)
        {
            return null;
        }

        var kind = Methodologies.First(m => m.Name == methodology).Kind;
        return new ParametersMetadata(name, kind, description, takenOn.Value, sources.ToImmutable(), notes.ToImmutable());
    }
}

/// <summary>One public source of a parameter set.</summary>
public sealed record MetadataSource(string Title, string Url);

/// <summary>Validated risk parameters and, when the input has it, where they come from.</summary>
public sealed record ParameterSet(Margin.Engine.Parameters.RiskParameters Parameters, ParametersMetadata? Metadata);
