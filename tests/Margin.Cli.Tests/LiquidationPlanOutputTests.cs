using System.Text.Json;
using System.Text.Json.Nodes;

namespace Margin.Cli.Tests;

public sealed class LiquidationPlanOutputTests
{
    private static readonly string[] s_planned = ["liquidatable", "bankrupt", "suspect-avax", "killswitch-doge", "in-flight"];

    private static readonly string[] s_notPlanned = ["healthy-multi", "warning-eth", "borrower-call", "reduce-only", "tiered-sol", "inverse-hedge", "short-call", "empty"];

    public static TheoryData<string, string> PlanOutcomes => new()
    {
        { "liquidatable", "CannotReachTarget" },
        { "bankrupt", "FullClose" },
        { "suspect-avax", "Suppressed" },
        { "killswitch-doge", "Suppressed" },
        { "in-flight", "Suppressed" },
    };

    public static TheoryData<string, string, string> BadPlannerOptions => new()
    {
        { "fee rate of one", "planner.feeRate", "[0, 1) (got 1)" },
        { "malformed fee rate", "planner.feeRate", "'abc' is not a decimal number" },
        { "impact above one half", "planner.maxImpact", "(0, 0.5] (got 0.6)" },
        { "zero maximum order", "planner.maxOrderUsd", "must be positive" },
        { "missing maximum order", "planner.maxOrderUsd", "is required" },
        { "minimum above maximum", "planner.minOrderUsd", "[0, maxOrderUsd]" },
        { "malformed settlement asset", "planner.settlementAsset", "has the character ' '" },
        { "unknown planner property", "planner.maxImpactUsd", "unknown property" },
        { "planner not an object", "planner", "must be an object" },
    };

    [Fact]
    public async Task Evaluate_BookWithPlanner_PlansOnlyLiquidatableAndBankruptAccounts()
    {
        var run = await CliRunner.RunAsync("evaluate", "--input", Examples.PathOf(Examples.Book), "--output", "json");

        Assert.Equal(0, run.ExitCode);
        Assert.Empty(run.Errors);
        Assert.All(s_planned, id => Assert.Equal(JsonValueKind.Object, run.Result(id)["liquidationPlan"]!.GetValueKind()));
        Assert.All(s_notPlanned, id =>
        {
            Assert.True(run.Result(id).AsObject().ContainsKey("liquidationPlan"), $"{id} lacks liquidationPlan");
            Assert.Null(run.Result(id)["liquidationPlan"]);
        });
    }

    [Theory]
    [MemberData(nameof(PlanOutcomes))]
    public async Task Evaluate_BookWithPlanner_EachPlannedAccountHasItsOutcome(string accountId, string outcome)
    {
        var run = await CliRunner.RunAsync("evaluate", "--input", Examples.PathOf(Examples.Book), "--output", "json");

        var plan = run.Result(accountId)["liquidationPlan"]!;
        Assert.Equal(outcome, (string?)plan["outcome"]);
        if (outcome == "Suppressed")
        {
            Assert.Empty(plan["legs"]!.AsArray());
            Assert.Equal("0", (string?)plan["totalCost"]);
            Assert.Contains(((string?)run.Result(accountId)["flags"]![0])!, (string?)plan["reason"], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Evaluate_BankruptAccount_PlanIsAFullCloseWithTheDocumentedFields()
    {
        var run = await CliRunner.RunAsync("evaluate", "--input", Examples.PathOf(Examples.Book), "--output", "json");

        var plan = run.Result("bankrupt")["liquidationPlan"]!.AsObject();
        foreach (var name in new[] { "outcome", "reachesTarget", "reason", "targetRatio", "settlementAsset", "totalCost", "insuranceFund", "shortfall", "after", "legs" })
        {
            Assert.True(plan.ContainsKey(name), $"plan lacks {name}");
        }

        // Buy back 5 BTC-PERP at the limit 50,000 x (1 + 250,000 / 200,000,000) = 50,062.5: cost 250,000 x 0.0005 + 250,000^2 / 400,000,000.
        Assert.False((bool)plan["reachesTarget"]!);
        Assert.Equal(0.8, (double)plan["targetRatio"]!, 12);
        Assert.Equal("USD", (string?)plan["settlementAsset"]);
        Assert.True((bool)plan["insuranceFund"]!);
        Assert.Equal("281.25", (string?)plan["totalCost"]);
        // Equity after: 1,000 - 5 x (50,062.5 - 49,000) - the fee 250,000 x 0.0005 = -4,437.5.
        Assert.Equal("4437.5", (string?)plan["shortfall"]);
        Assert.Equal("-4437.5", (string?)plan["after"]!["equity"]);
        Assert.Equal("USD", (string?)plan["after"]!["currency"]);
        var leg = Assert.Single(plan["legs"]!.AsArray())!.AsObject();
        Assert.Equal("ReducePosition", (string?)leg["kind"]);
        Assert.Equal("BTC-PERP", (string?)leg["target"]);
        Assert.Equal("Buy", (string?)leg["side"]);
        Assert.Equal("5", (string?)leg["quantity"]);
        Assert.Equal(5000, (int)leg["lots"]!);
        Assert.Equal("0.001", (string?)leg["lotSize"]);
        Assert.Equal("50000", (string?)leg["referencePrice"]);
        Assert.Equal("50062.5", (string?)leg["limitPrice"]);
        Assert.Equal("250000", (string?)leg["value"]);
        Assert.Equal("281.25", (string?)leg["cost"]);
        Assert.False(string.IsNullOrEmpty((string?)leg["reason"]));
        foreach (var name in new[] { "quantity", "lotSize", "referencePrice", "limitPrice", "value", "cost" })
        {
            Assert.Equal(JsonValueKind.String, leg[name]!.GetValueKind());
        }
    }

    [Fact]
    public async Task Evaluate_LiquidatableAccountWhoseCloseCostsMoreThanItsEquity_SaysWhyItCannotReachTheTarget()
    {
        var run = await CliRunner.RunAsync("evaluate", "--input", Examples.PathOf(Examples.Book), "--output", "json");

        // Selling all 10 BTC-PERP at the limit 49,875 realises 10 x (49,875 - 50,400) = -5,250 against 5,000 USD.
        var plan = run.Result("liquidatable")["liquidationPlan"]!;
        Assert.False((bool)plan["reachesTarget"]!);
        Assert.False(string.IsNullOrEmpty((string?)plan["reason"]));
        // The close leaves equity at -250, and -500 after the fee (500,000 x 0.0005): the insurance fund covers it, even
        // though the account was not bankrupt.
        Assert.True((bool)plan["insuranceFund"]!);
        Assert.Equal("500", (string?)plan["shortfall"]);
        var leg = Assert.Single(plan["legs"]!.AsArray())!;
        Assert.Equal("Sell", (string?)leg["side"]);
        Assert.Equal("49875", (string?)leg["limitPrice"]);
        Assert.Equal("875", (string?)leg["cost"]);
        Assert.Equal("-500", (string?)plan["after"]!["equity"]);
    }

    [Fact]
    public async Task Evaluate_PlannerMoveBudget_IsReadAndSaysWhyThePlanStopped()
    {
        // A budget of one move on the deep book (where a partial reduction reaches the target in more than one move).
        var run = await CliRunner.EvaluateMutatedAsync(Examples.Book, doc =>
        {
            doc["parameters"]!["assets"]!["BTC"]!["depthUsd"] = "1000000000";
            doc["planner"]!["maxMoves"] = 1;
            doc["planner"]!["moveUsd"] = "1";
        });

        var plan = run.Result("liquidatable")["liquidationPlan"]!;
        Assert.Equal("CannotReachTarget", (string?)plan["outcome"]);
        Assert.Contains("move budget of 1 moves", (string?)plan["reason"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_LiquidatableAccountWithDeepBook_ReachesTheTargetWithAPartialReduction()
    {
        var run = await CliRunner.EvaluateMutatedAsync(Examples.Book, doc => doc["parameters"]!["assets"]!["BTC"]!["depthUsd"] = "1000000000");

        Assert.Equal(0, run.ExitCode);
        var plan = run.Result("liquidatable")["liquidationPlan"]!;
        Assert.Equal("ReachesTarget", (string?)plan["outcome"]);
        Assert.True((bool)plan["reachesTarget"]!);
        Assert.Null((string?)plan["reason"]);
        Assert.True((double)plan["after"]!["marginRatio"]! <= (double)plan["targetRatio"]!);
        var quantity = decimal.Parse((string)Assert.Single(plan["legs"]!.AsArray())!["quantity"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(quantity, 0.001m, 9.999m);
    }

    [Fact]
    public async Task Evaluate_NoPlannerSection_WritesNullPlansForEveryAccount()
    {
        var run = await CliRunner.EvaluateMutatedAsync(Examples.Book, doc => doc.AsObject().Remove("planner"));

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(13, run.Results.Count);
        Assert.All(run.Results, r => Assert.Null(r!["liquidationPlan"]));
        Assert.DoesNotContain("Liquidation plan", (await CliRunner.EvaluateMutatedAsync(Examples.Book, doc => doc.AsObject().Remove("planner"), output: "table")).Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BadPlannerOptions))]
    public async Task Evaluate_BadPlannerOption_NamesTheFieldEvaluatesNothingAndExitsTwo(string mutation, string field, string problem)
    {
        var run = await CliRunner.EvaluateMutatedAsync(Examples.Book, doc => MutatePlanner(mutation, doc));

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Results);
        Assert.Contains(run.Errors, e => (string?)e!["scope"] == "input" && (string?)e["field"] == field && ((string?)e["problem"])!.Contains(problem, StringComparison.Ordinal));
        Assert.Contains(field, run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_PlannerNumbersAsJsonNumbers_AreReadLikeStrings()
    {
        var asStrings = await CliRunner.RunAsync("evaluate", "--input", Examples.PathOf(Examples.Book), "--output", "json");
        var asNumbers = await CliRunner.EvaluateMutatedAsync(Examples.Book, doc =>
            doc["planner"] = JsonNode.Parse("""{ "feeRate": 0.0005, "maxImpact": 0.2, "maxOrderUsd": 1e6, "minOrderUsd": 10 }"""));

        Assert.Equal(0, asNumbers.ExitCode);
        Assert.Equal(asStrings.Result("bankrupt").ToJsonString(), asNumbers.Result("bankrupt").ToJsonString());
    }

    [Fact]
    public async Task Evaluate_SettlementAssetNotConfigured_FailsEachPlanByFieldPlannerAndKeepsTheResults()
    {
        var run = await CliRunner.EvaluateMutatedAsync(Examples.Book, doc => doc["planner"]!["settlementAsset"] = "USDT");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(13, run.Results.Count);
        Assert.Equal(0, (int)run.Json["counts"]!["failed"]!);
        Assert.All(s_planned, id =>
        {
            Assert.Null(run.Result(id)["liquidationPlan"]);
            var error = Assert.Single(run.ErrorsOf(id));
            Assert.Equal("planner", (string?)error["field"]);
            Assert.Contains("settlement asset USDT is not a configured, priced asset", (string?)error["problem"], StringComparison.Ordinal);
        });
        Assert.Equal(s_planned.Length, run.Errors.Count);
        Assert.Contains("account 'bankrupt' (accounts[5]), field 'planner': no liquidation plan", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_TableWithPlanner_ShowsEachPlanAfterItsBreakdown()
    {
        var run = await CliRunner.RunAsync("evaluate", "--input", Examples.PathOf(Examples.Book));

        Assert.Equal(0, run.ExitCode);
        var text = run.Stdout;
        var bankrupt = text.IndexOf("-- bankrupt (v2)", StringComparison.Ordinal);
        var plan = text.IndexOf("Liquidation plan: FullClose", StringComparison.Ordinal);
        Assert.True(bankrupt >= 0 && plan > bankrupt, "the bankrupt account's plan must follow its breakdown");
        Assert.Contains("Liquidation plan (limit prices", text, StringComparison.Ordinal);
        Assert.Contains("| ReducePosition | BTC-PERP | Buy  |", text, StringComparison.Ordinal);
        Assert.Contains("50,062.5", text, StringComparison.Ordinal);
        Assert.Contains("insurance fund: covers a shortfall of 4,437.50 USD", text, StringComparison.Ordinal);
        Assert.Contains("Liquidation plan: CannotReachTarget, 1 leg(s), total cost 875.00 USD", text, StringComparison.Ordinal);
        Assert.Contains("Liquidation plan: Suppressed", text, StringComparison.Ordinal);
        Assert.Contains("-> Infinity (target <= 0.8)", text, StringComparison.Ordinal);
        Assert.All(text.Split('\n'), line => Assert.True(line.TrimEnd('\r').Length <= 160, $"line wider than 160: {line}"));
    }

    private static void MutatePlanner(string mutation, JsonNode doc)
    {
        var planner = doc["planner"]!;
        switch (mutation)
        {
            case "fee rate of one":
                planner["feeRate"] = "1";
                break;
            case "malformed fee rate":
                planner["feeRate"] = "abc";
                break;
            case "impact above one half":
                planner["maxImpact"] = "0.6";
                break;
            case "zero maximum order":
                planner["maxOrderUsd"] = "0";
                planner["minOrderUsd"] = "0";
                break;
            case "missing maximum order":
                planner.AsObject().Remove("maxOrderUsd");
                break;
            case "minimum above maximum":
                planner["minOrderUsd"] = "2000000";
                break;
            case "malformed settlement asset":
                planner["settlementAsset"] = "U S D";
                break;
            case "unknown planner property":
                planner["maxImpactUsd"] = "1";
                break;
            case "planner not an object":
                doc["planner"] = "0.0005";
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(mutation), mutation, "unknown mutation");
        }
    }
}
