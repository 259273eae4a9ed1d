using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using Margin.Infrastructure.Documents;
using Margin.Infrastructure.Parameters;
using Margin.Infrastructure.Tests.Azurite;
using Margin.Sweep.Ports;

namespace Margin.Infrastructure.Tests.Parameters;

[Collection(AzuriteGroup.Name)]
public sealed class TableRiskParameterStoreTests(AzuriteInstance azurite)
{
    private static readonly string Root = typeof(TableRiskParameterStoreTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    /// <summary>Every parameters document the repository ships: the examples' <c>parameters</c> objects and the presets.</summary>
    public static TheoryData<string> Documents => new()
    {
        "examples/evaluate-book.json",
        "examples/evaluate-minimal.json",
        "examples/evaluate-portfolio.json",
        "presets/aave-v3.json",
        "presets/binance-unified.json",
        "presets/deribit-portfolio.json",
        "presets/drift-spot.json",
    };

    private async Task<(TableRiskParameterStore Store, TableClient Table)> NewStoreAsync()
    {
        var table = new TableServiceClient(azurite.ConnectionString).GetTableClient($"params{Guid.NewGuid():N}"[..30]);
        var store = new TableRiskParameterStore(table);
        await store.EnsureCreatedAsync(CancellationToken.None);
        return (store, table);
    }

    private static string Document(string file)
    {
        var node = JsonNode.Parse(File.ReadAllText(Path.Combine(Root, file)))!;
        return (node["parameters"] ?? node).ToJsonString();
    }

    private static string Book(Action<JsonObject>? change = null)
    {
        var node = JsonNode.Parse(Document("examples/evaluate-book.json"))!.AsObject();
        change?.Invoke(node);
        return node.ToJsonString();
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public async Task Import_ThenGet_RoundTripsTheShippedDocumentsToEqualParameters(string file)
    {
        var (store, _) = await NewStoreAsync();
        var json = Document(file);
        var expected = ParametersReader.ReadDocument(json).Set!;

        var (version, created) = await store.ImportAsync(json);
        var read = await store.GetAsync(version, CancellationToken.None);
        var document = await store.GetDocumentAsync(version);

        Assert.True(created);
        Assert.Equal(expected.Parameters.Version, version);
        Assert.NotNull(read);
        Assert.Equal(ParametersDump.Of(expected.Parameters), ParametersDump.Of(read));
        var reread = ParametersReader.ReadDocument(document!).Set!;
        Assert.Equal(ParametersDump.Of(expected), ParametersDump.Of(reread));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), JsonNode.Parse(document!)));
    }

    [Fact]
    public async Task Import_TheSameVersionAgain_SameContentIsANoOp_OtherContentFails()
    {
        var (store, _) = await NewStoreAsync();
        var json = Book();
        var (version, _) = await store.ImportAsync(json);

        var again = await store.ImportAsync(JsonNode.Parse(json)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        var other = await Assert.ThrowsAsync<InvalidOperationException>(() => store.ImportAsync(Book(d => d["assets"]!["BTC"]!["depthUsd"] = "1")));
        var otherGlobal = await Assert.ThrowsAsync<InvalidOperationException>(() => store.ImportAsync(Book(d => d["killSwitch"] = true)));

        Assert.Equal((version, false), again);
        Assert.Contains($"parameters version {version} is already stored with other content (rows a:BTC differ)", other.Message, StringComparison.Ordinal);
        Assert.Contains("the global members differ", otherGlobal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_AnInvalidDocument_ListsEveryProblemWithItsField()
    {
        var (store, _) = await NewStoreAsync();

        var ex = await Assert.ThrowsAsync<ParametersDocumentException>(() => store.ImportAsync(Book(d =>
        {
            d["assets"]!["BTC"]!["depthUsd"] = "lots";
            d["moneyDecimals"] = 40;
        })));

        Assert.Contains(ex.Problems, p => p.Field == "parameters.assets.BTC.depthUsd");
        Assert.Contains(ex.Problems, p => p.Field == "parameters.moneyDecimals");
        Assert.Contains("parameters.assets.BTC.depthUsd", ex.Message, StringComparison.Ordinal);
        Assert.Empty(await store.ListAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Import_AnInstrumentIdOrVersionAKeyCannotHold_IsRefusedNamingTheField()
    {
        var (store, _) = await NewStoreAsync();

        var instrument = await Assert.ThrowsAsync<ParametersDocumentException>(() => store.ImportAsync(Book(d =>
        {
            var instruments = d["instruments"]!.AsObject();
            var first = instruments.First();
            instruments.Add("BTC/PERP", first.Value!.DeepClone());
        })));
        var version = await Assert.ThrowsAsync<ParametersDocumentException>(() => store.ImportAsync(Book(d => d["version"] = "active")));

        Assert.Equal("parameters.instruments.BTC/PERP", Assert.Single(instrument.Problems).Field);
        Assert.Contains("'active' is reserved", Assert.Single(version.Problems).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_AFragmentLongerThanOneProperty_IsSplitAndReadBack()
    {
        var (store, table) = await NewStoreAsync();
        var notes = Enumerable.Range(0, 40).Select(i => (JsonNode?)JsonValue.Create($"note {i}: {new string('é', 2_000)} \"quoted\"")).ToArray();
        var json = Book(d => d["metadata"] = new JsonObject
        {
            ["name"] = "book",
            ["methodology"] = "none",
            ["takenOn"] = "2026-11-24",
            ["sources"] = new JsonArray(new JsonObject { ["title"] = "t", ["url"] = "https://example.org/" }),
            ["notes"] = new JsonArray(notes),
        });

        var (version, _) = await store.ImportAsync(json);
        var global = (await table.GetEntityAsync<TableEntity>(version, "global")).Value;
        var document = await store.GetDocumentAsync(version);

        Assert.Equal(3, global.GetInt32("JsonParts"));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), JsonNode.Parse(document!)));
        Assert.NotNull(await store.GetAsync(version, CancellationToken.None));
    }

    [Fact]
    public async Task Import_AfterACrashedImport_ReplacesWhatItLeft()
    {
        var (store, table) = await NewStoreAsync();
        var version = JsonNode.Parse(Book())!["version"]!.GetValue<string>();
        await table.AddEntityAsync(new TableEntity(version, "a:XYZ") { ["Json"] = "{}", ["Index"] = 0 });
        Assert.Null(await store.GetAsync(version, CancellationToken.None));

        var (_, created) = await store.ImportAsync(Book());

        Assert.True(created);
        Assert.DoesNotContain("XYZ", (await store.GetAsync(version, CancellationToken.None))!.Assets.Keys);
    }

    [Fact]
    public async Task Activate_PointsAtAStoredVersion_UnknownVersionIsKeyNotFound_ListIsOrdinal()
    {
        var (store, table) = await NewStoreAsync();
        var (first, _) = await store.ImportAsync(Book(d => d["version"] = "v10"));
        var (second, _) = await store.ImportAsync(Book(d => d["version"] = "v9"));
        Assert.Null(await store.GetActiveVersionAsync(CancellationToken.None));

        await Assert.ThrowsAsync<KeyNotFoundException>(() => store.ActivateAsync("v11", CancellationToken.None));
        await store.ActivateAsync(first, CancellationToken.None);
        await store.ActivateAsync(second, CancellationToken.None);
        await store.ActivateAsync(second, CancellationToken.None);

        Assert.Equal("v9", await store.GetActiveVersionAsync(CancellationToken.None));
        Assert.Equal("v10", (await table.GetEntityAsync<TableEntity>("active", "active")).Value.GetString("Previous"));
        Assert.Equal(["v10", "v9"], await store.ListAsync(CancellationToken.None));
        Assert.Null(await store.GetAsync("v11", CancellationToken.None));
        Assert.Null(await store.GetAsync("active", CancellationToken.None));
    }

    [Fact]
    public async Task Get_AStoredFragmentThatNoLongerParses_ThrowsNamingTheVersionAndField()
    {
        var (store, table) = await NewStoreAsync();
        var (version, _) = await store.ImportAsync(Book());
        var row = (await table.GetEntityAsync<TableEntity>(version, "a:BTC")).Value;
        row["Json"] = row.GetString("Json")!.Replace("\"depthUsd\":", "\"depthUsd\":\"lots\",\"was\":", StringComparison.Ordinal);
        await table.UpdateEntityAsync(row, Azure.ETag.All, TableUpdateMode.Replace);

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => store.GetAsync(version, CancellationToken.None));
        await Assert.ThrowsAsync<InvalidDataException>(() => store.ActivateAsync(version, CancellationToken.None));

        Assert.Contains($"parameters version {version}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("parameters.assets.BTC.depthUsd", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_ARowThatIsNotJsonOrWasChanged_ThrowsNamingTheRow()
    {
        var (store, table) = await NewStoreAsync();
        var (version, _) = await store.ImportAsync(Book());
        var row = (await table.GetEntityAsync<TableEntity>(version, "a:BTC")).Value;

        row["Json"] = "{\"depthUsd\":";
        await table.UpdateEntityAsync(row, Azure.ETag.All, TableUpdateMode.Replace);
        var broken = await Assert.ThrowsAsync<InvalidDataException>(() => store.GetDocumentAsync(version));

        var btc = JsonNode.Parse(Document("examples/evaluate-book.json"))!["assets"]!["BTC"]!;
        btc["depthUsd"] = 1;
        row["Json"] = btc.ToJsonString();
        await table.UpdateEntityAsync(row, Azure.ETag.All, TableUpdateMode.Replace);
        var changed = await Assert.ThrowsAsync<InvalidDataException>(() => store.GetAsync(version, CancellationToken.None));

        Assert.Contains($"parameters version {version}, parameters.assets.BTC (row a:BTC)", broken.Message, StringComparison.Ordinal);
        Assert.Contains("changed after the import", changed.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Activate_WhenThePointerChangesBetweenReadAndWrite_ThrowsConflict(bool pointerExists)
    {
        var name = $"params{Guid.NewGuid():N}"[..30];
        var table = new RacingTableClient(azurite.ConnectionString, name);
        var store = new TableRiskParameterStore(table);
        await store.EnsureCreatedAsync(CancellationToken.None);
        var (version, _) = await store.ImportAsync(Book());
        if (pointerExists)
        {
            await table.AddEntityAsync(new TableEntity("active", "active") { ["Version"] = "before" });
        }

        table.Race = true;
        var ex = await Assert.ThrowsAsync<StoreConflictException>(() => store.ActivateAsync(version, CancellationToken.None));

        Assert.Contains("riskparameters table, partition active, row active", ex.Message, StringComparison.Ordinal);
        Assert.Equal("racer", await store.GetActiveVersionAsync(CancellationToken.None));
    }

    [Fact]
    public void ParametersDump_TellsDocumentsApart()
    {
        var book = ParametersReader.ReadDocument(Book()).Set!.Parameters;
        var again = ParametersReader.ReadDocument(Book()).Set!.Parameters;
        var deeper = ParametersReader.ReadDocument(Book(d => d["assets"]!["BTC"]!["maintenance"]!["assetWeight"] = "0.85")).Set!.Parameters;

        Assert.Equal(ParametersDump.Of(book), ParametersDump.Of(again));
        Assert.NotEqual(ParametersDump.Of(book), ParametersDump.Of(deeper));
        Assert.Contains("AssetWeight=0.85;", ParametersDump.Of(deeper), StringComparison.Ordinal);
    }

    /// <summary>A table client on which another writer sets the <c>active</c> pointer right after the store reads it.</summary>
    private sealed class RacingTableClient(string connectionString, string tableName) : TableClient(connectionString, tableName)
    {
        private readonly TableClient _racer = new(connectionString, tableName);

        public bool Race { get; set; }

        public override async Task<NullableResponse<T>> GetEntityIfExistsAsync<T>(string partitionKey, string rowKey, IEnumerable<string>? select = null, CancellationToken cancellationToken = default)
        {
            var read = await base.GetEntityIfExistsAsync<T>(partitionKey, rowKey, select, cancellationToken);
            if (Race && partitionKey == "active")
            {
                Race = false;
                await _racer.UpsertEntityAsync(new TableEntity("active", "active") { ["Version"] = "racer" }, TableUpdateMode.Replace, cancellationToken);
            }

            return read;
        }
    }
}
