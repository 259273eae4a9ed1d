using System.Text.Json.Nodes;
using Margin.Infrastructure.Stress;

namespace Margin.Infrastructure.Tests.Stress;

public sealed class FileScenarioCatalogTests : IDisposable
{
    private const string BlackThursday = """
        {
          "name": "2020-03-12-black-thursday",
          "title": "Black Thursday: COVID-19 crash",
          "date": "2020-03-12",
          "window": "2020-03-12T00:00Z to 2020-03-13T02:00Z (BTC low on BitMEX)",
          "description": "Crypto fell with every market as COVID-19 spread.",
          "sources": [ { "title": "Exchange daily candles", "url": "https://example.org/btc-usd/2020-03-12" } ],
          "shocks": { "BTC": "-39%", "ETH": "-43%", "alts": "-45%", "stables": "+1%" },
          "volatilityShocks": { "*": "+150%" },
          "notes": "open to low"
        }
        """;

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("margin-scenarios-");

    public void Dispose() => _folder.Delete(recursive: true);

    private FileScenarioCatalog Catalog() => new(Path.Combine(_folder.FullName, "scenarios"));

    private string Write(string name, string json)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_folder.FullName, "scenarios"));
        File.WriteAllText(Path.Combine(dir.FullName, name + ".json"), json);
        return name;
    }

    private string WriteMutated(string name, Action<JsonObject> mutate)
    {
        var node = JsonNode.Parse(BlackThursday)!.AsObject();
        node["name"] = name;
        mutate(node);
        return Write(name, node.ToJsonString());
    }

    [Fact]
    public async Task Find_AWellFormedFile_ReadsEveryField()
    {
        Write("2020-03-12-black-thursday", BlackThursday);

        var scenario = await Catalog().FindAsync("2020-03-12-black-thursday", CancellationToken.None);

        Assert.NotNull(scenario);
        Assert.Equal("2020-03-12-black-thursday", scenario.Name);
        Assert.Equal("Black Thursday: COVID-19 crash", scenario.Title);
        Assert.Equal("2020-03-12", scenario.Date);
        Assert.StartsWith("2020-03-12T00:00Z", scenario.Window, StringComparison.Ordinal);
        Assert.Equal("Crypto fell with every market as COVID-19 spread.", scenario.Description);
        Assert.True(scenario.Historical);
        Assert.Equal("https://example.org/btc-usd/2020-03-12", Assert.Single(scenario.Sources).Url);
        Assert.Equal("BTC=-39%,ETH=-43%,alts=-45%,stables=+1%", scenario.Prices.ToString());
        Assert.Equal(-0.39m, scenario.Prices.Shocks[0].Move);
        Assert.Equal("*=+150%", scenario.Volatilities.ToString());
    }

    [Fact]
    public async Task Names_AreTheJsonFilesSorted_AndAMissingFolderHasNone()
    {
        Assert.Empty(await Catalog().NamesAsync(CancellationToken.None));
        Write("2022-11-08-ftx", BlackThursday);
        Write("2020-03-12-black-thursday", BlackThursday);
        File.WriteAllText(Path.Combine(_folder.FullName, "scenarios", "README.md"), "not a scenario");

        Assert.Equal(["2020-03-12-black-thursday", "2022-11-08-ftx"], await Catalog().NamesAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData("nope")]
    [InlineData("../scenarios/2020-03-12-black-thursday")]
    [InlineData("")]
    [InlineData(".hidden")]
    public async Task Find_AnUnknownOrPathLikeName_IsNull(string name)
    {
        Write("2020-03-12-black-thursday", BlackThursday);

        Assert.Null(await Catalog().FindAsync(name, CancellationToken.None));
    }

    [Fact]
    public void DefaultFolder_IsScenariosBesideTheExecutable()
    {
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "scenarios"), new FileScenarioCatalog().Folder);
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { """{"shocks":{"BTC":"-25"}}""", "scenarios/x.json: shocks.BTC: the move '-25' must be a percentage ending in %" },
        { """{"shocks":{"BTC":"-100%"}}""", "scenarios/x.json: shocks.BTC: a move of -100 % leaves no price" },
        { """{"shocks":{"BTC":-25}}""", "scenarios/x.json: shocks.BTC: the move must be a string such as \"-25%\" (found -25)" },
        { """{"shocks":{}}""", "scenarios/x.json: shocks: is empty" },
        { """{"shocks":{"BTC":"-1%","btc":"-2%"}}""", "scenarios/x.json: shocks.btc: btc is shocked twice" },
        { """{"volatilityShocks":{"*":"double"}}""", "scenarios/x.json: volatilityShocks.*: the move 'double' must be a percentage" },
        { """{"volatilityShocks":["+1%"]}""", "scenarios/x.json: volatilityShocks: must be an object" },
        { """{"name":"y"}""", "scenarios/x.json: name: is 'y' but the file is named 'x'" },
        { """{"date":"12/03/2020"}""", "scenarios/x.json: date: '12/03/2020' is not a date written yyyy-MM-dd" },
        { """{"title":""}""", "scenarios/x.json: title: must be a non-empty string" },
        { """{"sources":[]}""", "scenarios/x.json: sources: must be a non-empty array" },
        { """{"sources":[{"title":"t","url":"http://example.org/x"}]}""", "scenarios/x.json: sources[0].url: 'http://example.org/x' is not an https URL" },
        { """{"sources":[{"title":"t","url":"example.org"}]}""", "scenarios/x.json: sources[0].url: 'example.org' is not an https URL" },
        { """{"sources":[{"url":"https://example.org"}]}""", "scenarios/x.json: sources[0].title: is missing or empty" },
        { """{"volatilityShock":{"*":"+1%"}}""", "scenarios/x.json: volatilityShock: unknown property" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task Find_AMalformedFile_NamesTheFileAndTheField(string change, string expected)
    {
        WriteMutated("x", node =>
        {
            foreach (var (key, value) in JsonNode.Parse(change)!.AsObject())
            {
                node[key] = value?.DeepClone();
            }
        });

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => Catalog().FindAsync("x", CancellationToken.None));

        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("description", "scenarios/x.json: description: is missing")]
    [InlineData("sources", "scenarios/x.json: sources: is missing")]
    [InlineData("shocks", "scenarios/x.json: shocks: is missing")]
    public async Task Find_AFileWithoutARequiredField_NamesIt(string field, string expected)
    {
        WriteMutated("x", node => node.Remove(field));

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => Catalog().FindAsync("x", CancellationToken.None));

        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Find_NotJson_SaysSo()
    {
        Write("x", "{ nope");

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => Catalog().FindAsync("x", CancellationToken.None));

        Assert.StartsWith("scenarios/x.json: not JSON", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Find_WithoutVolatilityShocksOrNotes_IsValid()
    {
        WriteMutated("x", node =>
        {
            node.Remove("volatilityShocks");
            node.Remove("notes");
        });

        var scenario = await Catalog().FindAsync("x", CancellationToken.None);

        Assert.True(scenario!.Volatilities.IsEmpty);
    }
}
