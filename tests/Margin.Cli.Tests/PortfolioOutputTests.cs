using System.Text.Json.Nodes;

namespace Margin.Cli.Tests;

/// <summary>Portfolio mode and the projection through <c>margin evaluate</c>: input sections, JSON and table output.</summary>
public sealed class PortfolioOutputTests
{
    [Fact]
    public async Task PortfolioExample_EvaluatesEveryAccountWithItsRiskMatrix()
    {
        var run = await CliRunner.RunAsync("evaluate", "--input", Examples.PathOf(Examples.Portfolio), "--output", "json");

        Assert.Equal(0, run.ExitCode);
        Assert.Empty(run.Errors);

        // Cash and carry: no price risk, the roll shock 1 * 50,000 * 0.001 = 50; IM = 1.3 * 50.
        var carry = run.Result("cash-and-carry");
        Assert.Equal("Portfolio", (string?)carry["marginMode"]);
        Assert.Equal("50", (string?)carry["summary"]!["maintenanceRequirement"]);
        Assert.Equal("65", (string?)carry["summary"]!["initialRequirement"]);
        Assert.Equal("50000", (string?)carry["summary"]!["adjustedEquityMaintenance"]);
        var btc = carry["portfolio"]!["underlyings"]!.AsArray().Single(u => (string?)u!["underlying"] == "BTC")!;
        Assert.Equal(50.0, (double)btc["rollShock"]!, 9);
        Assert.Equal(0.0, (double)btc["worstLoss"]!);
        Assert.Null(btc["worstScenario"]);

        // The correlation used: 0.8 frozen, shrunk by stress 0.2 toward 1: 0.84.
        var correlation = carry["portfolio"]!["correlation"]!;
        Assert.Equal(new[] { "BTC", "ETH" }, correlation["assets"]!.AsArray().Select(a => (string)a!).ToArray());
        Assert.Equal(0.84, (double)correlation["matrix"]![0]![1]!, 12);

        // The leveraged account is healthy today but at risk after the projected move; the same book in standard mode is not.
        var levered = run.Result("levered-eth");
        Assert.Equal("Healthy", (string?)levered["status"]);
        Assert.Equal(new[] { "AtRisk" }, levered["flags"]!.AsArray().Select(f => (string)f!).ToArray());
        Assert.True((double)levered["summary"]!["projectedRatio"]! >= 1.0);
        Assert.False((bool)levered["shouldLiquidate"]!);
        Assert.Null(run.Result("levered-eth-standard")["portfolio"]);

        // The strangle's Greeks are present per underlying.
        var strangle = run.Result("short-strangle")["portfolio"]!["underlyings"]!.AsArray();
        Assert.All(strangle, u => Assert.NotNull(u!["greeks"]!["vega"]));
        Assert.True((double)strangle[0]!["greeks"]!["gamma"]! < 0.0);
    }

    [Fact]
    public async Task PortfolioExample_LiquidatableAccountGetsAPlanThatReachesTheTargetOnTheGrid()
    {
        var run = await CliRunner.RunAsync("evaluate", "--input", Examples.PathOf(Examples.Portfolio), "--output", "json");

        // MM = 40 * 3,000 * 0.2 + roll 40 * 3,000 * 0.001 = 24,120 against AE_M 20,000.
        var account = run.Result("over-levered-eth");
        Assert.Equal("Liquidatable", (string?)account["status"]);
        Assert.Equal("24120", (string?)account["summary"]!["maintenanceRequirement"]);
        var plan = account["liquidationPlan"]!;
        Assert.Equal("ReachesTarget", (string?)plan["outcome"]);
        var leg = Assert.Single(plan["legs"]!.AsArray());
        Assert.Equal("ReducePosition", (string?)leg!["kind"]);
        Assert.Equal("Sell", (string?)leg["side"]);
        Assert.True((double)plan["after"]!["marginRatio"]! <= 0.8);
        Assert.Equal(0, run.ExitCode);
    }

    [Fact]
    public async Task PortfolioExample_TableShowsTheRiskMatrixAndProjection()
    {
        var run = await CliRunner.RunAsync("evaluate", "--input", Examples.PathOf(Examples.Portfolio), "--output", "table");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Risk matrix", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("Projected", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("Correlated binds", run.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("grid range", "parameters.portfolio.underlyings.BTC", "the scenario grid is invalid")]
    [InlineData("missing points", "parameters.portfolio.underlyings.BTC.points", "required")]
    [InlineData("stress", "parameters.portfolio.correlationStress", "[0, 1]")]
    [InlineData("multiplier", "parameters.portfolio.initialMultiplier", "greater than 1")]
    [InlineData("surface", "parameters.portfolio.underlyings.ETH.surface.atTheMoney[1].days", "strictly increasing")]
    [InlineData("horizon", "parameters.projection.horizonYears", "positive")]
    [InlineData("correlation", "snapshot.correlations.BTC/ETH", "[-1, 1]")]
    [InlineData("correlation key", "snapshot.correlations.BTC", "two different assets")]
    [InlineData("correlation twice", "snapshot.correlations.ETH/BTC", "already given as \"BTC/ETH\"")]
    public async Task BadPortfolioInput_IsReportedWithItsPath(string mutation, string field, string problem)
    {
        var run = await CliRunner.EvaluateMutatedAsync(Examples.Portfolio, doc => Mutate(mutation, doc));

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(run.Errors, e => (string?)e!["field"] == field && ((string?)e["problem"])!.Contains(problem, StringComparison.Ordinal));
    }

    private static void Mutate(string mutation, JsonNode doc)
    {
        var portfolio = doc["parameters"]!["portfolio"]!;
        switch (mutation)
        {
            case "grid range":
                portfolio["underlyings"]!["BTC"]!["range"] = 1.5;
                break;
            case "missing points":
                portfolio["underlyings"]!["BTC"]!.AsObject().Remove("points");
                break;
            case "stress":
                portfolio["correlationStress"] = 2;
                break;
            case "multiplier":
                portfolio["initialMultiplier"] = "0.9";
                break;
            case "surface":
                portfolio["underlyings"]!["ETH"]!["surface"]!["atTheMoney"]![1]!["days"] = 3;
                break;
            case "horizon":
                doc["parameters"]!["projection"]!["horizonDays"] = 0;
                break;
            case "correlation":
                doc["snapshot"]!["correlations"]!["BTC/ETH"] = 1.2;
                break;
            case "correlation twice":
                doc["snapshot"]!["correlations"] = JsonNode.Parse("""{"BTC/ETH": 1.0, "ETH/BTC": -0.5}""");
                break;
            case "correlation key":
                doc["snapshot"]!["correlations"] = JsonNode.Parse("""{"BTC": 0.5}""");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(mutation), mutation, "unknown mutation");
        }
    }
}
