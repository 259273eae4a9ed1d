using System.Globalization;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Margin.Infrastructure.Composition;
using Margin.Infrastructure.Tests.Azurite;

namespace Margin.Cli.Tests;

/// <summary><c>margin stress</c>, <c>stress show|list|scenarios</c> against a real Azurite: a seeded book of 2,000 generated accounts swept once, stressed in process.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class StressCommandTests(AzuriteInstance azurite) : IDisposable
{
    private const int Accounts = 2_000;

    // Seeding and sweeping a book takes seconds: one book for the runs, one small one for the refusals (whose stressruns
    // table must stay empty), each made once for the class.
    private static readonly SemaphoreSlim s_gate = new(1, 1);
    private static string? s_book;
    private static string? s_refusals;

    private readonly DirectoryInfo _scenarios = Directory.CreateTempSubdirectory("margin-cli-scenarios-");

    public void Dispose() => _scenarios.Delete(recursive: true);

    private Task<CliRun> RunAsync(string prefix, params string[] args) =>
        CliRunner.RunAsync([.. args, "--connection", azurite.ConnectionString, "--prefix", prefix, "--partitions", "8"]);

    private async Task<string> BookAsync(int accounts, Func<string?> get, Action<string> set)
    {
        await s_gate.WaitAsync();
        try
        {
            if (get() is { } ready)
            {
                return ready;
            }

            var prefix = "s" + Guid.NewGuid().ToString("N")[..10];
            var demo = await RunAsync(prefix, "demo", "--accounts", accounts.ToString(CultureInfo.InvariantCulture), "--work-items", "4", "--workers", "2");
            Assert.True(demo.ExitCode == 0, demo.Stderr + demo.Stdout);
            set(prefix);
            return prefix;
        }
        finally
        {
            s_gate.Release();
        }
    }

    private Task<string> SeededBookAsync() => BookAsync(Accounts, () => s_book, p => s_book = p);

    private Task<string> RefusalBookAsync() => BookAsync(200, () => s_refusals, p => s_refusals = p);

    private async Task<int> RowsAsync(string table, string? partition = null)
    {
        var rows = 0;
        var filter = partition is null ? null : TableClient.CreateQueryFilter($"PartitionKey eq {partition}");
        await foreach (var _ in new TableClient(azurite.ConnectionString, table).QueryAsync<TableEntity>(filter, select: ["RowKey"]))
        {
            rows++;
        }

        return rows;
    }

    // Every live table's row count and a digest of every row's keys and ETag (a rewrite of any row changes its ETag, so
    // an overwritten result or order is caught as well as an added one), and the work queue's length.
    private async Task<Dictionary<string, int>> LiveStateAsync(string prefix)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var table in new[] { "accounts", "margin", "marginhistory", "sweeps", "prices", "pricehistory", "riskparameters" })
        {
            counts[table] = await RowsAsync(prefix + table);
            var versions = new List<string>();
            await foreach (var row in new TableClient(azurite.ConnectionString, prefix + table).QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"]))
            {
                versions.Add($"{row.PartitionKey}|{row.RowKey}|{row.ETag}");
            }

            versions.Sort(StringComparer.Ordinal);
            counts[table + ":versions"] = StringComparer.Ordinal.GetHashCode(string.Join("\n", versions));
        }

        var queue = await new QueueClient(azurite.ConnectionString, prefix + "margin-shards").GetPropertiesAsync();
        counts["margin-shards"] = queue.Value.ApproximateMessagesCount;
        return counts;
    }

    private static JsonNode Parse(CliRun run)
    {
        Assert.True(run.ExitCode == 0, run.Stderr + run.Stdout);
        return run.Json;
    }

    private static decimal Dec(JsonNode? node) => decimal.Parse((string)node!, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);

    [Fact]
    public async Task Stress_SeededBook_RunsTheCascadeInProcess_StoresOnlyTheRun_AndShowReadsTheSameDocument()
    {
        var prefix = await SeededBookAsync();
        var before = await LiveStateAsync(prefix);
        Assert.True(before["margin"] > Accounts, "the sweep wrote results and outbox orders");
        Assert.True(before["marginhistory"] > 0);

        var run = await RunAsync(prefix, "stress", "--scenario", "BTC=-25%,ETH=-30%,alts=-45%", "--output", "json");

        var json = Parse(run);
        Assert.Equal(before, await LiveStateAsync(prefix));
        var record = json["run"]!;
        var runId = (string)record["runId"]!;
        Assert.StartsWith("st", runId, StringComparison.Ordinal);
        Assert.Equal("Completed", (string?)record["status"]);
        Assert.Equal(1, (int)record["attempts"]!);
        Assert.False((bool)record["candidate"]!);

        var result = json["result"]!;
        var summary = result["summary"]!;
        Assert.Equal(Accounts, (int)summary["accounts"]!);
        Assert.Equal(0, (int)summary["unreadableAccounts"]!);
        Assert.True((double)summary["bytesPerAccount"]! > 0);
        Assert.Equal("-0.25", (string?)summary["priceMoves"]!["BTC"]);
        Assert.Equal("-0.45", (string?)summary["priceMoves"]!["SOL"]);
        Assert.False(summary["priceMoves"]!.AsObject().ContainsKey("USD"));

        // The shock is applied to the snapshot's prices: round 1 starts at price x (1 + move).
        var storage = MarginStorage.Create(new StorageOptions { ConnectionString = azurite.ConnectionString, Partitions = 8, Prefix = prefix });
        var snapshot = await storage.Snapshots.ReadAsync((string)summary["snapshotId"]!, CancellationToken.None);
        Assert.Equal(snapshot!.Assets["BTC"].Price * 0.75m, Dec(summary["cascade"]!["startPrices"]!["BTC"]));

        // The cascade: liquidations in round 1 sell into depth, prices fall further, more rounds follow.
        var rounds = result["rounds"]!.AsArray();
        var cascade = summary["cascade"]!;
        Assert.Equal(rounds.Count, (int)cascade["rounds"]!);
        Assert.True(rounds.Count >= 2, $"a cascade of {rounds.Count} round(s)");
        Assert.True((int)rounds[0]!["newLiquidations"]! > 0);
        Assert.Equal(rounds.Sum(r => (int)r!["newLiquidations"]!), (int)cascade["liquidations"]!);
        Assert.Equal(rounds.Sum(r => Dec(r!["insuranceFundLoss"])), Dec(cascade["insuranceFundLoss"]));
        Assert.True(Dec(cascade["insuranceFundLoss"]) > 0m);
        if ((string?)cascade["stop"] == "NoNewLiquidation")
        {
            Assert.Equal(0, (int)rounds[^1]!["newLiquidations"]!);
        }
        else
        {
            Assert.Equal(10, rounds.Count);
        }

        for (var i = 0; i < rounds.Count; i++)
        {
            var evaluation = rounds[i]!["evaluation"]!;
            var evaluated = evaluation["byStatus"]!.AsObject().Sum(kv => (int)kv.Value!) + (int)evaluation["closed"]! + (int)evaluation["failed"]!;
            Assert.Equal(Accounts, evaluated);
            Assert.Equal(i + 1, (int)rounds[i]!["round"]!);
        }

        var btc = rounds[0]!["assets"]!.AsArray().Single(a => (string?)a!["asset"] == "BTC")!;
        Assert.True(Dec(btc["soldUsd"]) > 0m);
        Assert.True(Dec(btc["priceAfter"]) < Dec(btc["priceBefore"]), "forced sales move the price down");
        Assert.Equal(Dec(btc["priceAfter"]), Dec(rounds[1]!["assets"]!.AsArray().Single(a => (string?)a!["asset"] == "BTC")!["priceBefore"]));
        Assert.Equal(Dec(result["initial"]!["shortfall"]), Dec(rounds[0]!["evaluation"]!["shortfall"]));
        Assert.Equal(14, result["final"]!["ratioHistogram"]!.AsArray().Count);
        Assert.NotEmpty(result["final"]!["worst"]!.AsArray());

        // The default curve: BTC 0 % to -50 % in 5 % steps; at the scenario's own BTC move it is round 1's book.
        var curve = result["curve"]!.AsArray();
        Assert.Equal("BTC", (string?)summary["curveAsset"]);
        Assert.Equal(11, curve.Count);
        Assert.Equal(["0", "-0.05", "-0.1", "-0.15", "-0.2", "-0.25", "-0.3", "-0.35", "-0.4", "-0.45", "-0.5"], curve.Select(p => (string?)p!["move"]));
        Assert.Equal((int)rounds[0]!["evaluation"]!["liquidatableOrWorse"]!, (int)curve[5]!["liquidatableOrWorse"]!);
        Assert.Equal(Dec(rounds[0]!["evaluation"]!["shortfall"]), Dec(curve[5]!["shortfall"]));

        // Stored: the run's rows only, and show gives back the very same document.
        Assert.Equal(4 + rounds.Count + curve.Count, await RowsAsync(prefix + "stressruns", runId));
        var shown = await RunAsync(prefix, "stress", "show", runId, "--output", "json");
        Assert.Equal(0, shown.ExitCode);
        Assert.Equal(run.Stdout, shown.Stdout);

        var table = await RunAsync(prefix, "stress", "show", runId);
        Assert.Equal(0, table.ExitCode);
        foreach (var expected in new[] { "Accounts per status", "Before cascade", "After cascade", "Insurance fund loss", "Cascade rounds", "Sensitivity curve: BTC", "bytes per account", "Timings", "Sold USD", "Depth USD" })
        {
            Assert.Contains(expected, table.Stdout, StringComparison.Ordinal);
        }

        var list = await RunAsync(prefix, "stress", "list");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains(runId, list.Stdout, StringComparison.Ordinal);
        Assert.Contains("Completed", list.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stress_TableOutput_PrintsTheSummaryAndTheRunId()
    {
        var prefix = await SeededBookAsync();

        var run = await RunAsync(prefix, "stress", "--scenario", "majors=-20%,*=-30%", "--vol", "*=+50%", "--curve", "ETH:0:-30:10", "--rounds", "3");

        Assert.True(run.ExitCode == 0, run.Stderr + run.Stdout);
        Assert.Empty(run.Stderr);
        Assert.Matches(@"run id: st\d{8}T\d{9}Z-[0-9a-f]{8} \(margin stress show", run.Stdout);
        Assert.Matches(@"Volatility shocks\s+\*=\+50%", run.Stdout);
        Assert.Contains("Sensitivity curve: ETH", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("-30%", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("Closed (insurance fund)", run.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"Cascade\s+\d round\(s\); stopped", run.Stdout);
    }

    [Fact]
    public async Task Stress_HistoricalScenarioAndCandidateParameters_AreRecordedWithTheirSources()
    {
        var prefix = await SeededBookAsync();
        await File.WriteAllTextAsync(Path.Combine(_scenarios.FullName, "2099-01-01-test-crash.json"), """
            {
              "name": "2099-01-01-test-crash",
              "title": "A test crash",
              "date": "2099-01-01",
              "window": "one hour",
              "description": "Written by the test.",
              "sources": [ { "title": "The test", "url": "https://example.org/test-crash" } ],
              "shocks": { "BTC": "-30%", "majors": "-35%", "alts": "-50%" },
              "volatilityShocks": { "*": "+100%" }
            }
            """);
        var candidate = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "examples", "demo", "parameters.json")))!;
        candidate["version"] = "demo-candidate";
        var file = Path.Combine(_scenarios.FullName, "candidate.params");
        await File.WriteAllTextAsync(file, candidate.ToJsonString());
        Assert.Equal(0, (await RunAsync(prefix, "params", "import", file)).ExitCode);

        var scenarios = await CliRunner.RunAsync("stress", "scenarios", "--scenarios", _scenarios.FullName);
        Assert.Equal(0, scenarios.ExitCode);
        Assert.Contains("2099-01-01-test-crash  A test crash", scenarios.Stdout, StringComparison.Ordinal);
        Assert.Contains("shocks: BTC=-30%,majors=-35%,alts=-50%; volatility: *=+100%", scenarios.Stdout, StringComparison.Ordinal);
        Assert.Contains("source: The test: https://example.org/test-crash", scenarios.Stdout, StringComparison.Ordinal);

        var json = Parse(await RunAsync(prefix, "stress", "--historical", "2099-01-01-test-crash", "--scenarios", _scenarios.FullName, "--params", "demo-candidate", "--no-curve", "--rounds", "1", "--output", "json"));

        Assert.True((bool)json["run"]!["candidate"]!);
        Assert.Equal("demo-candidate", (string?)json["run"]!["paramsVersion"]);
        Assert.Equal("2099-01-01-test-crash", (string?)json["run"]!["scenarioName"]);
        var scenario = json["result"]!["summary"]!["scenario"]!;
        Assert.True((bool)scenario["historical"]!);
        Assert.Equal("A test crash", (string?)scenario["title"]);
        Assert.Equal("https://example.org/test-crash", (string?)scenario["sources"]![0]!["url"]);
        Assert.Equal("-0.3", (string?)json["result"]!["summary"]!["priceMoves"]!["BTC"]);
        Assert.Equal("-0.35", (string?)json["result"]!["summary"]!["priceMoves"]!["ETH"]);
        Assert.Equal("1", (string?)json["result"]!["summary"]!["volatilityMoves"]!["ETH"]);
        Assert.Empty(json["result"]!["curve"]!.AsArray());
        Assert.Null((string?)json["result"]!["summary"]!["curveAsset"]);
        Assert.Single(json["result"]!["rounds"]!.AsArray());
    }

    public static TheoryData<string[], string[]> BadInput => new()
    {
        { ["--scenario", "XYZ=-10%"], ["--scenario: unknown asset or asset class 'XYZ' in parameters demo-1"] },
        { ["--scenario", "BTC=-25"], ["--scenario: shock 1 ('BTC=-25'): the move '-25' must be a percentage ending in %"] },
        { ["--scenario", "BTC=-100%"], ["--scenario: shock 1 ('BTC=-100%'): a move of -100 % leaves no price"] },
        { ["--scenario", "BTC=-25,ETH=-150%,SOL=-5%"], ["1 ('BTC=-25'): the move '-25' must be a percentage", "2 ('ETH=-150%'): a move of -150 % leaves no price", "2 problem(s)"] },
        { ["--scenario", "BTC=-10%", "--params", "nope"], ["--params: unknown parameter version 'nope' (stored: demo-1)"] },
        { ["--historical", "nope"], ["--historical: unknown scenario 'nope' (shipped: 2020-03-12-black-thursday"] },
        { ["--scenario", "BTC=-10%", "--vol", "*=-100%"], ["--vol: shock 1 ('*=-100%'): a move of -100 % leaves no price"] },
        { ["--scenario", "BTC=-10%", "--snapshot", "nope"], ["--snapshot: unknown price snapshot 'nope'"] },
        { ["--scenario", "BTC=-10%", "--curve", "FOO"], ["--curve: unknown asset 'FOO' in parameters demo-1"] },
        { ["--scenario", "BTC=-10%", "--curve", "BTC:0:x:5"], ["--curve: TO 'x' is not a number of percent"] },
        { ["--scenario", "BTC=-10%", "--curve", "BTC:0:-100:5"], ["--curve: a move of -100% leaves no price"] },
        { ["--scenario", "BTC=-10%", "--rounds", "0"], ["--rounds: must be 1 to 100 (got 0)"] },
        { ["--scenario", "BTC=-10%", "--historical", "x"], ["--scenario and --historical: give one, not both"] },
        { [], ["--scenario: give the shocks"] },
        { ["--scenario", "USD=-5%"], ["--scenario: USD is the settlement currency"] },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task Stress_BadInput_PrintsEveryProblem_ExitsWithTheInputCode_AndStoresNothing(string[] args, string[] expected)
    {
        var prefix = await RefusalBookAsync();
        var before = await LiveStateAsync(prefix);

        var run = await RunAsync(prefix, ["stress", .. args]);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("margin stress: nothing was run or stored;", run.Stderr, StringComparison.Ordinal);
        foreach (var text in expected)
        {
            Assert.Contains(text, run.Stderr, StringComparison.Ordinal);
        }

        Assert.Equal(0, await RowsAsync(prefix + "stressruns"));
        Assert.Equal(0, (await new QueueClient(azurite.ConnectionString, prefix + "margin-stress").GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Equal(before, await LiveStateAsync(prefix));
    }

    [Fact]
    public async Task Stress_EmptyBook_IsRefusedAndStoresNothing()
    {
        // Parameters and a snapshot (a sweep of no account), but no account.
        var prefix = "e" + Guid.NewGuid().ToString("N")[..10];
        Assert.Equal(0, (await RunAsync(prefix, "params", "import", Path.Combine(AppContext.BaseDirectory, "examples", "demo", "parameters.json"), "--activate")).ExitCode);
        Assert.Equal(0, (await RunAsync(prefix, "sweep", "--work-items", "1", "--workers", "1")).ExitCode);

        var run = await RunAsync(prefix, "stress", "--scenario", "BTC=-25%");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("book: the book is empty (no account in any of its 8 partitions)", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, await RowsAsync(prefix + "stressruns"));
    }

    [Fact]
    public async Task Stress_MalformedScenarioFile_NamesTheFileAndFieldAndStoresNothing()
    {
        var prefix = await RefusalBookAsync();
        await File.WriteAllTextAsync(Path.Combine(_scenarios.FullName, "bad.json"), """
            { "name": "bad", "title": "t", "date": "2020-01-01", "window": "w", "description": "d",
              "sources": [ { "title": "s", "url": "https://example.org" } ], "shocks": { "BTC": "-25" } }
            """);

        var run = await RunAsync(prefix, "stress", "--historical", "bad", "--scenarios", _scenarios.FullName);
        var list = await CliRunner.RunAsync("stress", "scenarios", "--scenarios", _scenarios.FullName);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{_scenarios.Name}/bad.json: shocks.BTC: the move '-25' must be a percentage ending in %", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, await RowsAsync(prefix + "stressruns"));
        Assert.Equal(2, list.ExitCode);
        Assert.Contains("bad.json: shocks.BTC", list.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stress_NoSnapshotYet_SaysHowToMakeOne_AndStoresNothing()
    {
        var prefix = "n" + Guid.NewGuid().ToString("N")[..10];
        Assert.Equal(0, (await RunAsync(prefix, "params", "import", Path.Combine(AppContext.BaseDirectory, "examples", "demo", "parameters.json"), "--activate")).ExitCode);

        var run = await RunAsync(prefix, "stress", "--scenario", "BTC=-25%");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--snapshot: there is no price snapshot yet (refresh prices first: margin sweep", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, await RowsAsync(prefix + "stressruns"));
    }

    [Fact]
    public async Task Show_AnUnknownRun_SaysSo_AndListOfNoRunSaysNoneYet()
    {
        var prefix = "u" + Guid.NewGuid().ToString("N")[..10];

        var show = await RunAsync(prefix, "stress", "show", "st-nope");
        var list = await RunAsync(prefix, "stress", "list");

        Assert.Equal(2, show.ExitCode);
        Assert.Contains("no stress run st-nope is stored", show.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("no stress run is stored yet", list.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scenarios_NoFolder_SaysNoneIsShipped()
    {
        var run = await CliRunner.RunAsync("stress", "scenarios", "--scenarios", Path.Combine(_scenarios.FullName, "none"));

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("no historical scenario is shipped in", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_SweepAndStress_WriteOneSelfContainedPageEach()
    {
        var prefix = await SeededBookAsync();
        var run = Parse(await RunAsync(prefix, "stress", "--scenario", "BTC=-20%,alts=-35%", "--rounds", "3", "--output", "json"));
        var runId = (string)run["run"]!["runId"]!;
        var sweepPage = Path.Combine(_scenarios.FullName, "sweep.html");
        var stressPage = Path.Combine(_scenarios.FullName, "stress.html");

        var sweep = await RunAsync(prefix, "report", "--sweep", "latest", "--out", sweepPage);
        var stress = await RunAsync(prefix, "report", "--stress", runId, "--out", stressPage);
        var latest = await RunAsync(prefix, "report", "--stress", "latest", "--out", stressPage + ".latest.html");

        Assert.True(sweep.ExitCode == 0, sweep.Stderr);
        Assert.True(stress.ExitCode == 0, stress.Stderr);
        Assert.True(latest.ExitCode == 0, latest.Stderr);
        Assert.Contains($"Stress run {runId}", latest.Stdout, StringComparison.Ordinal);
        Assert.Contains("wrote " + sweepPage, sweep.Stdout, StringComparison.Ordinal);
        var sweepHtml = await File.ReadAllTextAsync(sweepPage);
        var stressHtml = await File.ReadAllTextAsync(stressPage);
        foreach (var chart in new[] { "status", "ratios", "flows", "freshness" })
        {
            Assert.Contains($"data-chart=\"{chart}\"", sweepHtml, StringComparison.Ordinal);
        }

        foreach (var chart in new[] { "status", "ratios", "cascade", "prices", "curve" })
        {
            Assert.Contains($"data-chart=\"{chart}\"", stressHtml, StringComparison.Ordinal);
        }

        Assert.Contains($"Stress run {runId}", stressHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", stressHtml, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" src=", stressHtml + sweepHtml, StringComparison.OrdinalIgnoreCase);
    }

    public static TheoryData<string[], string> ReportBadInput => new()
    {
        { [], "give one of --sweep ID (or latest) and --stress ID (or latest)" },
        { ["--sweep", "latest", "--stress", "st-x"], "give one of --sweep ID (or latest) and --stress ID (or latest)" },
        { ["--sweep", "sw-nope"], "no sweep sw-nope is stored" },
        { ["--stress", "st-nope"], "no stress run st-nope is stored" },
    };

    [Theory]
    [MemberData(nameof(ReportBadInput))]
    public async Task Report_BadInput_SaysWhatIsWrong_AndWritesNoFile(string[] args, string expected)
    {
        var prefix = await RefusalBookAsync();
        var page = Path.Combine(_scenarios.FullName, "bad.html");

        var run = await RunAsync(prefix, ["report", .. args, "--out", page]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(expected, run.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(page));
    }

    [Fact]
    public async Task Report_OutInAMissingFolder_IsRefused()
    {
        var run = await CliRunner.RunAsync("report", "--sweep", "latest", "--out", Path.Combine(_scenarios.FullName, "missing", "r.html"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("does not exist", run.Stderr, StringComparison.Ordinal);
    }
}
