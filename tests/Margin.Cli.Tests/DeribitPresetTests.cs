namespace Margin.Cli.Tests;

/// <summary>
/// The Deribit preset against <c>private/pme/simulate</c> responses (docs/presets.md): Deribit's published docs example for
/// BTC, and a captured mainnet response for ETH that cannot be cited by address. The worst-scenario P&amp;L and the roll
/// shock match; the maintenance margin's residual is reported.
/// </summary>
public sealed class DeribitPresetTests
{
    private static async Task<CliRun> RunAsync() =>
        await CliRunner.RunAsync("evaluate", "--preset", "deribit-portfolio", "--input", Examples.PathOf("presets/deribit-portfolio.json"), "--output", "json");

    [Fact]
    public async Task DocsExample_Btc_MatchesWorstCaseAndRollShock()
    {
        var run = await RunAsync();

        // Deribit API docs (2024-06-17): worst_case 0.05968587238095239, roll_shock 0.00315725898 (BTC).
        var btc = Deribit(run, "deribit-docs-btc", "BTC");
        Assert.Equal(0.05968587238095239, (double)btc["worstCase"]!, 14);
        Assert.Equal(0.00315725898, (double)btc["rollShock"]!, 14);
        Assert.Equal(0.0, (double)btc["deltaShock"]!);

        // Residual: Deribit publishes risk_matrix_margin 0.06284313098 and MM 0.8 of it, 0.050274504784; ours is the sum of
        // the two matched figures (0.06284313136), 3.8e-10 BTC above Deribit's rounding.
        Assert.Equal(0.050274504784, (double)btc["maintenanceMargin"]!, 9);
        Assert.InRange((double)btc["riskMatrixMargin"]! - 0.06284313098, 0.0, 1e-9);
    }

    [Fact]
    public async Task MainnetExample_Eth_MatchesWorstCaseAndRollShock()
    {
        var run = await RunAsync();

        // pme/simulate on mainnet (2026-02-15): worst_case 0.15246412672881357 at +18 %, roll_shock 0.004997435265 (ETH).
        var eth = Deribit(run, "deribit-mainnet-eth", "ETH");
        Assert.Equal(0.15246412672881357, (double)eth["worstCase"]!, 14);
        Assert.Equal(0.004997435265, (double)eth["rollShock"]!, 14);

        // Deribit's MM 0.125969249812 = 0.8 * 0.157461562265; ours from the matched figures, 2.7e-10 ETH apart.
        Assert.Equal(0.125969249812, (double)eth["maintenanceMargin"]!, 9);
    }

    [Fact]
    public async Task Figure_IsEquityOverDeribitsMaintenanceMargin_AndOurMmIsTheUsdLoss()
    {
        var run = await RunAsync();
        var result = run.Result("deribit-docs-btc");
        var figure = result["methodology"]!;

        // Our MM: the worst loss in USD at the crash price plus the roll shock at the index:
        // 0.313350830 BTC * 65,666.19 * 0.16 + 0.315725898 * 65,666.19 * 0.01 = 3,292.24 + 207.33.
        var mm = decimal.Parse((string)result["summary"]!["maintenanceRequirement"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(3_499.574m, decimal.Round(mm, 3));
        Assert.Equal("deribit-portfolio-margin", (string?)figure["kind"]);
        Assert.Equal("atOrBelow", (string?)figure["boundary"]);
        Assert.False((bool)figure["liquidatable"]!);

        // Equity 10,000 USD over Deribit's MM in USD: 0.8 * (worst + roll).
        var denominator = decimal.Parse((string)figure["denominator"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(0.8m * mm, denominator, 6);
        Assert.NotEmpty(figure["omitted"]!.AsArray());
    }

    private static System.Text.Json.Nodes.JsonNode Deribit(CliRun run, string account, string underlying) =>
        run.Result(account)["methodology"]!["deribit"]!.AsArray().Single(d => (string?)d!["underlying"] == underlying)!;
}
