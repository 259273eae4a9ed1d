using System.Globalization;
using System.Text.Json.Nodes;

namespace Margin.Cli.Tests;

public sealed class EvaluateCommandTests
{
    public static TheoryData<string, string, string[]> BookStatuses => new()
    {
        { "healthy-multi", "Healthy", [] },
        { "warning-eth", "Warning", ["AtRisk"] },
        { "borrower-call", "MarginCall", ["AtRisk"] },
        { "reduce-only", "ReduceOnly", ["AtRisk"] },
        { "liquidatable", "Liquidatable", [] },
        { "bankrupt", "Bankrupt", [] },
        { "tiered-sol", "Healthy", [] },
        { "inverse-hedge", "Healthy", [] },
        { "short-call", "Healthy", [] },
        { "suspect-avax", "Liquidatable", ["PriceSuspect"] },
        { "killswitch-doge", "Liquidatable", ["KillSwitch"] },
        { "in-flight", "Liquidatable", ["LiquidationInFlight"] },
        { "empty", "Healthy", [] },
    };

    [Theory]
    [MemberData(nameof(BookStatuses))]
    public async Task Evaluate_Book_EachAccountHasItsDocumentedStatusAndFlags(string accountId, string status, string[] flags)
    {
        var run = await CliRunner.RunAsync("evaluate", "--input", Examples.PathOf(Examples.Book), "--output", "json");

        var result = run.Result(accountId);
        Assert.Equal(status, (string?)result["status"]);
        Assert.Equal(flags, result["flags"]!.AsArray().Select(f => (string?)f).ToArray());
    }

    [Fact]
    public async Task Evaluate_Book_ExitsZeroWithEveryAccountAndNoError()
    {
        var run = await CliRunner.RunAsync("evaluate", "--input", Examples.PathOf(Examples.Book), "--output", "json");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(string.Empty, run.Stderr);
        Assert.Equal(13, run.Results.Count);
        Assert.Empty(run.Errors);
        Assert.Equal(13, (int)run.Json["counts"]!["evaluated"]!);
        Assert.Equal(0, (int)run.Json["counts"]!["failed"]!);
    }

    [Fact]
    public async Task Evaluate_BookStatuses_CoverEveryStatus()
    {
        var run = await CliRunner.RunAsync("evaluate", "--input", Examples.PathOf(Examples.Book), "--output", "json");

        var byStatus = run.Json["counts"]!["byStatus"]!.AsObject();
        Assert.Equal(["Healthy", "Warning", "ReduceOnly", "MarginCall", "Liquidatable", "Bankrupt"], byStatus.Select(kv => kv.Key).ToArray());
        Assert.All(byStatus, kv => Assert.True((int)kv.Value! > 0, $"no account in the book is {kv.Key}"));
    }

    [Fact]
    public async Task Evaluate_JsonOutput_HasTheDocumentedFields()
    {
        var run = await CliRunner.RunAsync("evaluate", "--input", Examples.PathOf(Examples.Book), "--output", "json");
        var doc = run.Json;

        Assert.Equal(1, (int)doc["schemaVersion"]!);
        Assert.Equal("demo-2026-01-15T12:00Z", (string?)doc["snapshotId"]);
        Assert.Equal("demo-v1", (string?)doc["parametersVersion"]);
        Assert.Equal("USD", (string?)doc["settlement"]);
        Assert.NotNull(doc["asOf"]);
        var result = run.Result("healthy-multi");
        foreach (var name in new[] { "accountId", "accountVersion", "marginMode", "status", "flags", "shouldLiquidate", "reason", "summary", "assets", "positions" })
        {
            Assert.True(result.AsObject().ContainsKey(name), $"result lacks {name}");
        }

        var summary = result["summary"]!.AsObject();
        foreach (var name in new[] { "currency", "equity", "adjustedEquityMaintenance", "maintenanceRequirement", "marginRatio", "adjustedEquityInitial", "initialRequirement", "initialRatio" })
        {
            Assert.True(summary.ContainsKey(name), $"summary lacks {name}");
        }

        Assert.NotNull(result["reason"]!["rule"]);
        Assert.NotNull(result["reason"]!["message"]);
        var eth = result["assets"]!.AsArray().Single(a => (string?)a!["asset"] == "ETH")!;
        foreach (var level in new[] { "maintenance", "initial" })
        {
            foreach (var name in new[] { "price", "value", "weight", "adjusted", "borrowRequirement" })
            {
                Assert.Equal(System.Text.Json.JsonValueKind.String, eth[level]![name]!.GetValueKind());
            }
        }

        Assert.Equal("3000", (string?)eth["maintenance"]!["price"]);
        Assert.Equal("2950", (string?)eth["initial"]!["price"]);
        var perp = result["positions"]!.AsArray().Single(p => (string?)p!["instrument"] == "BTC-PERP")!;
        Assert.Equal("LinearPerpetual", (string?)perp["kind"]);
        Assert.Equal(0, (int)perp["bracket"]!);
        Assert.Equal("2000", (string?)perp["initial"]!["requirement"]);
        Assert.Equal("1000", (string?)perp["maintenance"]!["requirement"]);
        Assert.Equal("0.01", (string?)perp["maintenance"]!["rate"]);
        Assert.Equal("4000", (string?)perp["unrealisedPnl"]);
    }

    [Fact]
    public async Task Evaluate_BorrowerWithNegativeInitialEquity_WritesInfinityAsString()
    {
        var run = await CliRunner.RunAsync("evaluate", "--input", Examples.PathOf(Examples.Book), "--output", "json");

        var summary = run.Result("borrower-call")["summary"]!;
        Assert.Equal(System.Text.Json.JsonValueKind.String, summary["initialRatio"]!.GetValueKind());
        Assert.Equal("Infinity", (string?)summary["initialRatio"]);
        Assert.Equal(System.Text.Json.JsonValueKind.Number, summary["marginRatio"]!.GetValueKind());
        Assert.Contains("\"initialRatio\": \"Infinity\"", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_BorrowerCall_MatchesTheHandCheckInTheDocs()
    {
        var run = await CliRunner.RunAsync("evaluate", "--input", Examples.PathOf(Examples.Book), "--output", "json");

        var summary = run.Result("borrower-call")["summary"]!;
        Assert.Equal("14500", (string?)summary["equity"]);
        Assert.Equal("4500", (string?)summary["adjustedEquityMaintenance"]);
        Assert.Equal("4275", (string?)summary["maintenanceRequirement"]);
        Assert.Equal(0.95, (double)summary["marginRatio"]!, 12);
        Assert.Equal("-5500", (string?)summary["adjustedEquityInitial"]);
        Assert.Equal("8550", (string?)summary["initialRequirement"]);
        var usd = run.Result("borrower-call")["assets"]!.AsArray().Single(a => (string?)a!["asset"] == "USD")!;
        Assert.Equal("4275", (string?)usd["maintenance"]!["borrowRequirement"]);
        Assert.Equal("8550", (string?)usd["initial"]!["borrowRequirement"]);
    }

    [Fact]
    public async Task Evaluate_WarningEth_MatchesTheHandCheckInTheDocs()
    {
        var run = await CliRunner.RunAsync("evaluate", "--input", Examples.PathOf(Examples.Book), "--output", "json");

        var result = run.Result("warning-eth");
        var summary = result["summary"]!;
        Assert.Equal("9600", (string?)summary["equity"]);
        Assert.Equal("9600", (string?)summary["adjustedEquityMaintenance"]);
        Assert.Equal("8100", (string?)summary["maintenanceRequirement"]);
        Assert.Equal(0.84375, (double)summary["marginRatio"]!, 12);
        Assert.Equal("9000", (string?)summary["initialRequirement"]);
        Assert.Equal(0.9375, (double)summary["initialRatio"]!, 12);
        Assert.Equal("MarginRatioAtOrAboveWarning", (string?)result["reason"]!["rule"]);
    }

    [Fact]
    public async Task Evaluate_PriceSuspectAccount_IsNotToBeLiquidated()
    {
        var run = await CliRunner.RunAsync("evaluate", "--input", Examples.PathOf(Examples.Book), "--output", "json");

        Assert.False((bool)run.Result("suspect-avax")["shouldLiquidate"]!);
        Assert.False((bool)run.Result("killswitch-doge")["shouldLiquidate"]!);
        Assert.True((bool)run.Result("liquidatable")["shouldLiquidate"]!);
        Assert.NotNull((string?)run.Result("suspect-avax")["assets"]![0]!["priceUnusableReason"]);
    }

    [Fact]
    public async Task Evaluate_InversePerpetual_ReportsCoinPnlInItsUnderlying()
    {
        var run = await CliRunner.RunAsync("evaluate", "--input", Examples.PathOf(Examples.Book), "--output", "json");

        var result = run.Result("inverse-hedge");
        var position = result["positions"]![0]!;
        Assert.Equal("InversePerpetual", (string?)position["kind"]);
        Assert.Equal("BTC", (string?)position["underlying"]);
        Assert.Equal("-0.25", (string?)position["pnlCoin"]);
        Assert.Equal("0.75", (string?)result["assets"]![0]!["quantity"]);
    }

    [Fact]
    public async Task Evaluate_TableOutput_ListsEveryAccountWithItsStatusAndNoAnsi()
    {
        var run = await CliRunner.RunAsync("evaluate", "--input", Examples.PathOf(Examples.Book));

        Assert.Equal(0, run.ExitCode);
        foreach (var (id, status) in new[] { ("healthy-multi", "Healthy"), ("warning-eth", "Warning"), ("borrower-call", "MarginCall"), ("reduce-only", "ReduceOnly"), ("liquidatable", "Liquidatable"), ("bankrupt", "Bankrupt"), ("suspect-avax", "PriceSuspect"), ("killswitch-doge", "KillSwitch") })
        {
            var row = run.Stdout.Split('\n').FirstOrDefault(l => l.Contains($" {id} ", StringComparison.Ordinal));
            Assert.True(row is not null, $"no summary row for {id}");
            Assert.Contains(status, row, StringComparison.Ordinal);
        }

        Assert.DoesNotContain('\u001b', run.Stdout);
        Assert.All(run.Stdout.Split('\n'), line => Assert.True(line.TrimEnd('\r').Length <= 160, $"line wider than 160: {line}"));
        Assert.Contains("Infinity", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("Reason (MarginRatioAtOrAboveCall)", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_BadAccounts_ReportsEachByAccountAndFieldAndEvaluatesTheOthers()
    {
        var run = await CliRunner.RunAsync("evaluate", "--input", Examples.PathOf("bad/accounts.json"), "--output", "json");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(new[] { "ok", "ok-last" }, run.Results.Select(r => (string)r!["accountId"]!).ToArray());
        Assert.Equal(15, (int)run.Json["counts"]!["accounts"]!);
        Assert.Equal(13, (int)run.Json["counts"]!["failed"]!);
        AssertError(run, "unknown-asset", "balances[0].asset", "XRP");
        AssertError(run, "bad-quantity", "balances[0].quantity", "'abc'");
        AssertError(run, null, "id", "required");
        AssertError(run, "expired-option", "positions[0].instrument", "expired");
        AssertError(run, "nan-price", "balances[0].asset", "snapshot.assets.ETH.price");
        AssertError(run, "negative-price", "balances[0].asset", "must be positive (got -5)");
        AssertError(run, "missing-price", "balances[0].asset", "no price for LINK");
        AssertError(run, "zero-mark", "positions[0].instrument", "snapshot.instruments.BTC-PERP-Z.mark");
        AssertError(run, "malformed-price", "balances[0].asset", "'abc' is not a decimal number");
        AssertError(run, "unknown-instrument", "positions[0].instrument", "XRP-PERP");
        AssertError(run, "unknown-property", "balance", "unknown property");
        AssertError(run, "portfolio-mode", "marginMode", "Portfolio");
        AssertError(run, "ok", "id", "appears twice");
        var noId = Assert.Single(run.ErrorsOf(null));
        Assert.Equal(3, (int)noId["accountIndex"]!);
    }

    [Fact]
    public async Task Evaluate_BadAccountsAsTable_ListsErrorsAfterTheResultsAndOnStderr()
    {
        var run = await CliRunner.RunAsync("evaluate", "--input", Examples.PathOf("bad/accounts.json"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(" ok-last ", run.Stdout, StringComparison.Ordinal);
        var errors = run.Stdout.IndexOf("Errors: 13 account(s) could not be evaluated", StringComparison.Ordinal);
        Assert.True(errors > run.Stdout.IndexOf(" ok-last ", StringComparison.Ordinal), "errors must come after the results");
        Assert.Contains("account 'bad-quantity' (accounts[2]), field 'balances[0].quantity': 'abc' is not a decimal number", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("13 of 15 account(s) could not be evaluated; the other 2 were evaluated. Failures:", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("account 'nan-price' (accounts[5]), field 'balances[0].asset'", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bad/malformed.json", null, "not valid JSON")]
    [InlineData("bad/no-schema-version.json", "schemaVersion", "is required")]
    [InlineData("bad/schema-version-2.json", "schemaVersion", "unsupported schemaVersion 2")]
    public async Task Evaluate_UnusableDocument_EvaluatesNothingAndExitsTwo(string example, string? field, string problem)
    {
        var run = await CliRunner.RunAsync("evaluate", "--input", Examples.PathOf(example), "--output", "json");

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Results);
        var error = Assert.Single(run.Errors)!;
        Assert.Equal("input", (string?)error["scope"]);
        Assert.Equal(field, (string?)error["field"]);
        Assert.Contains(problem, (string?)error["problem"], StringComparison.Ordinal);
        Assert.Contains(problem, run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_InvalidParametersFile_ReportsEveryProblemByParameterPath()
    {
        var run = await CliRunner.RunAsync("evaluate", "--input", Examples.PathOf("bad/parameters.json"), "--output", "json");

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Results);
        var fields = run.Errors.Select(e => (string?)e!["field"]).ToHashSet();
        Assert.Contains("parameters.assets.BTC.maintenance.tiers[1].upToUsd", fields);
        Assert.Contains("parameters.assets.BTC.depthUsd", fields);
        Assert.Contains("parameters.assets.ETH.maintenance.assetWeight", fields);
        Assert.Contains("parameters.assets.ETH.borrow", fields);
        Assert.Contains("parameters.assets.SOL.initial.assetWeight", fields);
        Assert.Contains("parameters.assets.BTC.maintenance.tiers[1].upToUsd", run.Stderr, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> ParameterMutations => new()
    {
        { "tiers not ascending", "parameters.assets.BTC.maintenance.tiers[1].upToUsd", "ascending" },
        { "weight above one", "parameters.assets.BTC.maintenance.assetWeight", "[0, 1]" },
        { "liability weight below one", "parameters.assets.BTC.maintenance.liabilityWeight", "at least 1" },
        { "initial more generous", "parameters.assets.BTC.initial.assetWeight", "more generous" },
        { "borrowable without borrow", "parameters.assets.BTC.borrow", "borrowable" },
        { "borrowable without MMR", "parameters.assets.USD.borrow.maintenanceRate", "MMR" },
        { "borrowable without IMR", "parameters.assets.USD.borrow.initialRate", "IMR" },
        { "zero borrow MMR", "parameters.assets.USD.borrow.maintenanceRate", "positive" },
        { "non-positive depth", "parameters.assets.BTC.depthUsd", "positive" },
        { "brackets falling", "parameters.instruments.BTC-PERP.brackets[1]", "must not fall" },
        { "unknown parameter", "parameters.assets.BTC.maintenance.assetWieght", "unknown property" },
        { "malformed weight", "parameters.assets.BTC.initial.assetWeight", "'0,8' is not a decimal number" },
        { "NaN threshold", "parameters.thresholds.warning", "not a finite number" },
        { "unknown instrument type", "parameters.instruments.BTC-PERP.type", "'swap' is not one of" },
        { "underlying not configured", "parameters.instruments.BTC-PERP.underlying", "not a configured asset" },
        { "quote differs from settlement", "snapshot.quote", "settle in USD" },
        { "asOf without offset", "snapshot.asOf", "offset" },
        { "unknown top-level property", "acounts", "unknown property" },
    };

    [Theory]
    [MemberData(nameof(ParameterMutations))]
    public async Task Evaluate_InconsistentParameters_NamesTheParameterAndEvaluatesNothing(string mutation, string field, string problem)
    {
        var run = await CliRunner.EvaluateMutatedAsync(Examples.Minimal, doc => Mutate(mutation, doc));

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Results);
        Assert.Contains(run.Errors, e => (string?)e!["scope"] == "input" && (string?)e["field"] == field && ((string?)e["problem"])!.Contains(problem, StringComparison.Ordinal));
        Assert.Contains(field, run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_MissingFile_ExitsTwoAndNamesTheFile()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"margin-missing-{Guid.NewGuid():N}.json");

        var run = await CliRunner.RunAsync("evaluate", "--input", missing);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(missing, run.Stderr, StringComparison.Ordinal);
        Assert.Contains("does not exist", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.Stdout);
    }

    [Fact]
    public async Task Evaluate_MissingFileAsJson_StillWritesADocumentWithTheError()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"margin-missing-{Guid.NewGuid():N}.json");

        var run = await CliRunner.RunAsync("evaluate", "--input", missing, "--output", "json");

        Assert.Equal(2, run.ExitCode);
        var error = Assert.Single(run.Errors)!;
        Assert.Equal("--input", (string?)error["field"]);
    }

    [Theory]
    [InlineData("evaluate")]
    [InlineData("evaluate", "--input", "x.json", "--output", "xml")]
    [InlineData("frobnicate")]
    public async Task Run_BadCommandLine_ExitsOne(params string[] args)
    {
        var run = await CliRunner.RunAsync(args);

        Assert.Equal(1, run.ExitCode);
        Assert.NotEqual(string.Empty, run.Stderr);
    }

    [Fact]
    public async Task Evaluate_NumbersAsJsonNumbersOrStrings_GiveTheSameExactResult()
    {
        var asStrings = await CliRunner.RunAsync("evaluate", "--input", Examples.PathOf(Examples.Minimal), "--output", "json");
        var asNumbers = await CliRunner.EvaluateMutatedAsync(Examples.Minimal, doc =>
        {
            var alice = doc["accounts"]![0]!;
            alice["balances"]![0]!["quantity"] = 10000;
            alice["balances"]![1]!["quantity"] = 0.5m;
            alice["positions"]![0]!["entryPrice"] = JsonValue.Create(49000);
            doc["snapshot"]!["assets"]!["BTC"]!["price"] = 5e4;
        });

        Assert.Equal(0, asNumbers.ExitCode);
        Assert.Equal(asStrings.Result("alice").ToJsonString(), asNumbers.Result("alice").ToJsonString());
    }

    [Fact]
    public async Task Evaluate_AnnotationsStartingWithDollar_AreIgnored()
    {
        var run = await CliRunner.EvaluateMutatedAsync(Examples.Minimal, doc =>
        {
            doc["$schema"] = "https://example.invalid/evaluate-1.json";
            doc["accounts"]![0]!["$comment"] = "anything";
            doc["parameters"]!["assets"]!["BTC"]!["$comment"] = "anything";
        });

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(2, run.Results.Count);
    }

    [Fact]
    public async Task Evaluate_DefectiveReferencePrice_FailsOnlyTheAccountsHoldingTheAsset()
    {
        var run = await CliRunner.EvaluateMutatedAsync(Examples.Minimal, doc => doc["snapshot"]!["assets"]!["BTC"]!["referencePrice"] = "-1");

        Assert.Equal(2, run.ExitCode);
        var alice = Assert.Single(run.ErrorsOf("alice"));
        Assert.Equal("balances[1].asset", (string?)alice["field"]);
        Assert.Contains("snapshot.assets.BTC.referencePrice", (string?)alice["problem"], StringComparison.Ordinal);
        var bob = Assert.Single(run.Results);
        Assert.Equal("bob", (string?)bob!["accountId"]);
    }

    [Fact]
    public async Task Evaluate_BalanceThatUnderflowsADecimal_FailsThatAccountByFieldAndEvaluatesTheOthers()
    {
        var run = await CliRunner.EvaluateMutatedAsync(Examples.Minimal, doc =>
            doc["accounts"]!.AsArray().Insert(1, JsonNode.Parse("""{ "id": "dust", "balances": [ { "asset": "USD", "quantity": "10" }, { "asset": "BTC", "quantity": 1e-40 } ] }""")));

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(new[] { "alice", "bob" }, run.Results.Select(r => (string)r!["accountId"]!).ToArray());
        var error = Assert.Single(run.ErrorsOf("dust"));
        Assert.Equal(1, (int)error["accountIndex"]!);
        Assert.Equal("balances[1].quantity", (string?)error["field"]);
        Assert.Equal(
            "1e-40 cannot be represented exactly as a decimal (underflow: it is not zero but smaller in magnitude than 1e-28, the smallest non-zero decimal)",
            (string?)error["problem"]);
        Assert.Contains("1 of 3 account(s) could not be evaluated; the other 2 were evaluated. Failures:", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("account 'dust' (accounts[1]), field 'balances[1].quantity': 1e-40 cannot be represented exactly", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_EmptyBook_ExitsZero()
    {
        var run = await CliRunner.EvaluateMutatedAsync(Examples.Minimal, doc => doc["accounts"] = new JsonArray());

        Assert.Equal(0, run.ExitCode);
        Assert.Empty(run.Results);
        Assert.Empty(run.Errors);
    }

    [Fact]
    public async Task Evaluate_MoneyStrings_ParseBackToTheExactDecimals()
    {
        var run = await CliRunner.RunAsync("evaluate", "--input", Examples.PathOf(Examples.Book), "--output", "json");

        var adjusted = (string?)run.Result("healthy-multi")["summary"]!["adjustedEquityInitial"];
        Assert.Equal(126620.64875m, decimal.Parse(adjusted!, NumberStyles.Float, CultureInfo.InvariantCulture));
    }

    private static void AssertError(CliRun run, string? accountId, string field, string problem)
    {
        var errors = run.ErrorsOf(accountId);
        Assert.True(errors.Count > 0, $"no error for account {accountId ?? "(no id)"}");
        Assert.Contains(errors, e => (string?)e["field"] == field && ((string?)e["problem"])!.Contains(problem, StringComparison.Ordinal));
        Assert.Contains(accountId ?? "no id", run.Stderr, StringComparison.Ordinal);
    }

    private static void Mutate(string mutation, JsonNode doc)
    {
        var parameters = doc["parameters"]!;
        var btc = parameters["assets"]!["BTC"]!;
        var usd = parameters["assets"]!["USD"]!;
        switch (mutation)
        {
            case "tiers not ascending":
                btc["maintenance"]!["tiers"] = JsonNode.Parse("""[{"upToUsd":"500000","rate":"0.9"},{"upToUsd":"100000","rate":"0.8"}]""");
                btc["initial"]!["tiers"] = JsonNode.Parse("""[{"upToUsd":"500000","rate":"0.8"},{"upToUsd":"1000000","rate":"0.7"}]""");
                break;
            case "weight above one":
                btc["maintenance"]!["assetWeight"] = "1.01";
                break;
            case "liability weight below one":
                btc["maintenance"]!["liabilityWeight"] = "0.99";
                break;
            case "initial more generous":
                btc["initial"]!["assetWeight"] = "0.95";
                break;
            case "borrowable without borrow":
                btc["borrowable"] = true;
                break;
            case "borrowable without MMR":
                usd["borrow"] = JsonNode.Parse("""{"initialRate":"0.1"}""");
                break;
            case "borrowable without IMR":
                usd["borrow"] = JsonNode.Parse("""{"maintenanceRate":"0.05"}""");
                break;
            case "zero borrow MMR":
                usd["borrow"]!["maintenanceRate"] = "0";
                break;
            case "non-positive depth":
                btc["depthUsd"] = "-1";
                break;
            case "brackets falling":
                parameters["instruments"]!["BTC-PERP"]!["brackets"]![1]!["maintenanceRate"] = "0.005";
                break;
            case "unknown parameter":
                btc["maintenance"]!["assetWieght"] = "0.9";
                break;
            case "malformed weight":
                btc["initial"]!["assetWeight"] = "0,8";
                break;
            case "NaN threshold":
                parameters["thresholds"] = JsonNode.Parse("""{"warning":"NaN"}""");
                break;
            case "unknown instrument type":
                parameters["instruments"]!["BTC-PERP"]!["type"] = "swap";
                break;
            case "underlying not configured":
                parameters["instruments"]!["BTC-PERP"]!["underlying"] = "ETH";
                break;
            case "quote differs from settlement":
                doc["snapshot"]!["quote"] = "USDT";
                break;
            case "asOf without offset":
                doc["snapshot"]!["asOf"] = "2026-01-15T12:00:00";
                break;
            case "unknown top-level property":
                doc["acounts"] = new JsonArray();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(mutation), mutation, "unknown mutation");
        }
    }
}
