using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Margin.Infrastructure.Tests.Stress;

/// <summary>
/// Every named historical scenario shipped in <c>scenarios/</c> (docs/stress-scenarios.md) is well formed and runs on the
/// demo book: a file-level check of the format, independent of the engine's scenario parser.
/// </summary>
/// <remarks>
/// A shock key must be an asset of examples/demo/parameters.json other than the settlement currency, one of its asset
/// classes other than <c>settlement</c>, a class alias (<c>stables</c>, <c>majors</c>, <c>alts</c>) or <c>*</c>; a value is a
/// signed percent string above -100 %.
/// </remarks>
public sealed partial class ShippedScenarioFilesTests
{
    private static readonly string s_root = typeof(ShippedScenarioFilesTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    private static readonly HashSet<string> s_known = new(StringComparer.Ordinal)
    {
        "name", "title", "date", "window", "description", "sources", "shocks", "volatilityShocks", "notes",
    };

    private static readonly Dictionary<string, string> s_aliases = new(StringComparer.Ordinal)
    {
        ["stables"] = "stablecoin",
        ["majors"] = "bluechip",
        ["alts"] = "altcoin",
    };

    private static string ScenarioFolder => Path.Combine(s_root, "scenarios");

    /// <summary>The file names in scenarios/.</summary>
    public static TheoryData<string> ScenarioFiles =>
        [.. Directory.GetFiles(ScenarioFolder).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task EveryShippedScenario_LoadsThroughTheCatalog_AndResolvesOnTheDemoParameters()
    {
        var catalog = new Margin.Infrastructure.Stress.FileScenarioCatalog(ScenarioFolder);
        var (set, problems) = Margin.Infrastructure.Documents.ParametersReader.ReadDocument(File.ReadAllText(Path.Combine(s_root, "examples", "demo", "parameters.json")));
        Assert.Empty(problems);

        var names = await catalog.NamesAsync();

        Assert.True(names.Count >= 2, string.Join(", ", names));
        foreach (var name in names)
        {
            var scenario = Assert.IsType<Margin.Engine.Stress.StressScenario>(await catalog.FindAsync(name));
            Assert.Equal(name, scenario.Name);
            Assert.True(scenario.Historical);
            Assert.True(scenario.Prices.TryResolve(set!.Parameters, name, out var moves, out var priceProblems), string.Join("; ", priceProblems));
            Assert.True(moves.ContainsKey("BTC"), $"{name} moves BTC");
            Assert.True(scenario.Volatilities.TryResolve(set.Parameters, name, out _, out var volProblems), string.Join("; ", volProblems));
        }
    }

    [Fact]
    public void ScenarioFolder_HoldsTheIssuesScenarios_AndNothingButJson()
    {
        var files = Directory.GetFiles(ScenarioFolder).Select(f => Path.GetFileName(f)).ToList();

        Assert.Contains("2020-03-12-black-thursday.json", files);
        Assert.Contains("2022-11-08-ftx-collapse.json", files);
        Assert.All(files, f => Assert.EndsWith(".json", f, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(ScenarioFiles))]
    public void ScenarioFile_IsWellFormedAndRunsOnTheDemoBook(string file)
    {
        var problems = Problems(file, File.ReadAllText(Path.Combine(ScenarioFolder, file)), DemoSelectors());

        Assert.True(problems.Count == 0, $"{file}:{Environment.NewLine}{string.Join(Environment.NewLine, problems)}");
    }

    /// <summary>The checks catch what they are for: each broken variant of a valid scenario is reported where it is wrong.</summary>
    [Theory]
    [InlineData("\"name\": \"other\"", "name is 'other'; it must be the file name")]
    [InlineData("\"date\": \"12/03/2020\"", "date is '12/03/2020'; expected an ISO date")]
    [InlineData("\"sources\": []", "sources is empty")]
    [InlineData("\"sources\": [{ \"title\": \"t\", \"url\": \"http://example.com/a\" }]", "sources[0].url is 'http://example.com/a'; expected an absolute https URL")]
    [InlineData("\"shocks\": {}", "shocks is empty")]
    [InlineData("\"shocks\": { \"BTC\": \"-100%\" }", "shocks.BTC is '-100%'; a move must be above -100%")]
    [InlineData("\"shocks\": { \"BTC\": \"-25\" }", "shocks.BTC is '-25'; expected a percent like \"-25%\"")]
    [InlineData("\"shocks\": { \"BTC\": \"-2,5%\" }", "shocks.BTC is '-2,5%'")]
    [InlineData("\"shocks\": { \"FTT\": \"-90%\" }", "shocks.FTT: not an asset, class, alias or * of examples/demo/parameters.json")]
    [InlineData("\"shocks\": { \"USD\": \"-1%\" }", "shocks.USD: the settlement currency cannot be shocked")]
    [InlineData("\"shocks\": { \"BTC\": \"-10%\", \"BTC\": \"-20%\" }", "shocks.BTC appears twice")]
    [InlineData("\"volatilityShocks\": { \"*\": \"+x%\" }", "volatilityShocks.* is '+x%'")]
    [InlineData("\"shock\": { \"BTC\": \"-10%\" }", "shock is not a scenario property")]
    public void Problems_ABrokenScenario_IsReportedWithItsField(string replacement, string expected)
    {
        var property = replacement[1..replacement.IndexOf('"', 1)];
        var valid = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["name"] = "\"name\": \"2020-03-12-x\"",
            ["title"] = "\"title\": \"t\"",
            ["date"] = "\"date\": \"2020-03-12\"",
            ["window"] = "\"window\": \"w\"",
            ["description"] = "\"description\": \"d\"",
            ["sources"] = "\"sources\": [{ \"title\": \"t\", \"url\": \"https://example.com/a\" }]",
            ["shocks"] = "\"shocks\": { \"BTC\": \"-10%\", \"alts\": \"-20.5%\", \"*\": \"-5%\", \"stablecoin\": \"+1%\" }",
            ["volatilityShocks"] = "\"volatilityShocks\": { \"majors\": \"+100%\" }",
            ["notes"] = "\"notes\": \"n\"",
        };
        Assert.Empty(Problems("2020-03-12-x.json", "{" + string.Join(',', valid.Values) + "}", DemoSelectors()));
        valid[property] = replacement; // replaces a valid property, or adds an unknown one

        var problems = Problems("2020-03-12-x.json", "{" + string.Join(',', valid.Values) + "}", DemoSelectors());

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Problems_AMissingRequiredProperty_IsReported()
    {
        var problems = Problems("2020-03-12-x.json", "{ \"name\": \"2020-03-12-x\" }", DemoSelectors());

        Assert.Contains("title is missing", problems);
        Assert.Contains("date is missing", problems);
        Assert.Contains("sources is missing", problems);
        Assert.Contains("shocks is missing", problems);
    }

    /// <summary>The selectors of the demo parameters: asset symbols, asset classes and their aliases, <c>*</c>; and the settlement ones.</summary>
    private static (HashSet<string> Allowed, HashSet<string> Settlement) DemoSelectors()
    {
        using var parameters = JsonDocument.Parse(File.ReadAllText(Path.Combine(s_root, "examples", "demo", "parameters.json")));
        var allowed = new HashSet<string>(StringComparer.Ordinal) { "*" };
        var settlement = new HashSet<string>(StringComparer.Ordinal) { "settlement" };
        var settlementSymbol = parameters.RootElement.GetProperty("settlement").GetString()!;
        foreach (var asset in parameters.RootElement.GetProperty("assets").EnumerateObject())
        {
            var assetClass = asset.Value.GetProperty("assetClass").GetString()!;
            (asset.Name == settlementSymbol ? settlement : allowed).Add(asset.Name);
            if (assetClass != "settlement")
            {
                allowed.Add(assetClass);
            }
        }

        foreach (var (alias, assetClass) in s_aliases)
        {
            if (allowed.Contains(assetClass))
            {
                allowed.Add(alias);
            }
        }

        Assert.Contains("BTC", allowed);
        Assert.Contains("alts", allowed);
        return (allowed, settlement);
    }

    private static List<string> Problems(string file, string json, (HashSet<string> Allowed, HashSet<string> Settlement) selectors)
    {
        var problems = new List<string>();
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Disallow });
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return ["the file is not a JSON object"];
        }

        foreach (var property in root.EnumerateObject().Where(p => !s_known.Contains(p.Name)))
        {
            problems.Add($"{property.Name} is not a scenario property (known: {string.Join(", ", s_known)})");
        }

        Duplicates(root, string.Empty, problems);
        var name = Text(root, "name", problems);
        if (name is not null && name != Path.GetFileNameWithoutExtension(file))
        {
            problems.Add($"name is '{name}'; it must be the file name without .json ('{Path.GetFileNameWithoutExtension(file)}')");
        }

        Text(root, "title", problems);
        Text(root, "window", problems);
        Text(root, "description", problems);
        Text(root, "notes", problems);
        var date = Text(root, "date", problems);
        if (date is not null)
        {
            if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            {
                problems.Add($"date is '{date}'; expected an ISO date (yyyy-MM-dd)");
            }
            else if (name is not null && !name.StartsWith(date + "-", StringComparison.Ordinal))
            {
                problems.Add($"name '{name}' does not start with its date '{date}-'");
            }
        }

        Sources(root, problems);
        Moves(root, "shocks", required: true, selectors, problems);
        Moves(root, "volatilityShocks", required: false, selectors, problems);
        return problems;
    }

    private static string? Text(JsonElement root, string property, List<string> problems)
    {
        if (!root.TryGetProperty(property, out var value))
        {
            problems.Add($"{property} is missing");
            return null;
        }

        if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
        {
            problems.Add($"{property} must be a non-empty string");
            return null;
        }

        return value.GetString();
    }

    private static void Sources(JsonElement root, List<string> problems)
    {
        if (!root.TryGetProperty("sources", out var sources))
        {
            problems.Add("sources is missing");
            return;
        }

        if (sources.ValueKind != JsonValueKind.Array)
        {
            problems.Add("sources must be an array of { title, url }");
            return;
        }

        if (sources.GetArrayLength() == 0)
        {
            problems.Add("sources is empty; name at least one public source");
        }

        var i = 0;
        foreach (var source in sources.EnumerateArray())
        {
            var at = $"sources[{i++}]";
            if (source.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{at} must be an object {{ title, url }}");
                continue;
            }

            if (!source.TryGetProperty("title", out var title) || title.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(title.GetString()))
            {
                problems.Add($"{at}.title must be a non-empty string");
            }

            var url = source.TryGetProperty("url", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps || string.IsNullOrEmpty(uri.Host))
            {
                problems.Add($"{at}.url is '{url}'; expected an absolute https URL");
            }

            foreach (var extra in source.EnumerateObject().Where(p => p.Name is not ("title" or "url")))
            {
                problems.Add($"{at}.{extra.Name} is not a source property (title, url)");
            }
        }
    }

    private static void Moves(JsonElement root, string property, bool required, (HashSet<string> Allowed, HashSet<string> Settlement) selectors, List<string> problems)
    {
        if (!root.TryGetProperty(property, out var moves))
        {
            if (required)
            {
                problems.Add($"{property} is missing");
            }

            return;
        }

        if (moves.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{property} must be an object of selector: \"percent\"");
            return;
        }

        if (!moves.EnumerateObject().Any())
        {
            problems.Add($"{property} is empty");
        }

        foreach (var move in moves.EnumerateObject())
        {
            var at = $"{property}.{move.Name}";
            if (selectors.Settlement.Contains(move.Name))
            {
                problems.Add($"{at}: the settlement currency cannot be shocked (it is priced at exactly 1)");
            }
            else if (!selectors.Allowed.Contains(move.Name))
            {
                problems.Add($"{at}: not an asset, class, alias or * of examples/demo/parameters.json ({string.Join(", ", selectors.Allowed.Order(StringComparer.Ordinal))})");
            }

            var text = move.Value.ValueKind == JsonValueKind.String ? move.Value.GetString()! : move.Value.GetRawText();
            if (move.Value.ValueKind != JsonValueKind.String || !Percent().IsMatch(text))
            {
                problems.Add($"{at} is '{text}'; expected a percent like \"-25%\" or \"+100%\"");
            }
            else if (decimal.Parse(text[..^1], NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture) <= -100m)
            {
                problems.Add($"{at} is '{text}'; a move must be above -100% (a price or volatility cannot reach zero)");
            }
        }
    }

    // JsonDocument keeps both of two equal property names; a scenario must not say two things about one selector.
    private static void Duplicates(JsonElement element, string path, List<string> problems)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in element.EnumerateObject())
            {
                var at = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
                if (!seen.Add(property.Name))
                {
                    problems.Add($"{at} appears twice");
                }

                Duplicates(property.Value, at, problems);
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var item in element.EnumerateArray())
            {
                Duplicates(item, $"{path}[{i++}]", problems);
            }
        }
    }

    [GeneratedRegex(@"^[+-]?\d+(\.\d+)?%$", RegexOptions.CultureInvariant)]
    private static partial Regex Percent();
}
