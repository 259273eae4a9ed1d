using Margin.Infrastructure.Documents;
using Margin.Cli.Presets;
using Margin.Engine.Methodologies;
using Margin.Engine.Parameters;

namespace Margin.Cli.Tests;

/// <summary>Every shipped preset loads, validates and names its sources; each matches the worked examples of its source.</summary>
public sealed class PresetCatalogTests
{
    public static TheoryData<string, MethodologyKind> Presets => new()
    {
        { "aave-v3", MethodologyKind.AaveHealthFactor },
        { "binance-unified", MethodologyKind.BinanceUniMmr },
        { "drift-spot", MethodologyKind.DriftSpotWeights },
        { "deribit-portfolio", MethodologyKind.DeribitPortfolioMargin },
    };

    private static ParameterSet Load(string name)
    {
        var (set, problems) = PresetCatalog.Load(name);
        Assert.Empty(problems);
        return set!;
    }

    [Fact]
    public void Names_AreTheShippedPresetFiles()
    {
        Assert.Equal(["aave-v3", "binance-unified", "deribit-portfolio", "drift-spot"], PresetCatalog.Names);
    }

    [Theory]
    [MemberData(nameof(Presets))]
    public void Load_EachPreset_ValidatesAndNamesItsMethodologyAndSources(string name, MethodologyKind methodology)
    {
        var set = Load(name);
        var metadata = set.Metadata!;

        Assert.Equal(name, metadata.Name);
        Assert.Equal(methodology, metadata.Methodology);
        Assert.NotEmpty(metadata.Sources);
        Assert.All(metadata.Sources, s => Assert.StartsWith("https://", s.Url, StringComparison.Ordinal));
        Assert.NotEmpty(metadata.Notes);
        Assert.Equal(new DateOnly(2026, 11, 24), metadata.TakenOn);
        Assert.Contains(name, set.Parameters.Version, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnknownPreset_ThrowsListingTheAvailableOnes()
    {
        var ex = Assert.Throws<ArgumentException>(() => PresetCatalog.Load("okx"));

        Assert.Contains("unknown preset 'okx'; the available presets are: aave-v3, binance-unified, deribit-portfolio, drift-spot", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BinanceUnified_BtcTiers_ReproduceTheCollateralHaircutFaqExample1()
    {
        // Binance Cross Margin collateral-haircut FAQ, Example 1 (published): 6,000 BTC at 20,000 USDT is 120,000,000;
        // "Collateral Value (USDT) = (100,000,000) * 100% + (120,000,000 - 100,000,000) * 97.5% = 119,500,000 USDT".
        var btc = Load("binance-unified").Parameters.Assets["BTC"];

        Assert.Equal(119_500_000m, CollateralWeights.Adjusted(btc.Maintenance, 120_000_000m, 6_000m, btc.DepthUsd, 0d));
        Assert.Equal(119_500_000m, CollateralWeights.Adjusted(btc.Initial, 120_000_000m, 6_000m, btc.DepthUsd, 0d));
    }

    [Fact]
    public void BinanceUnified_OrdiTiers_HandDerived()
    {
        // Hand-derived from the PM Pro table announced for 2025-10-24: 500,000 USD of ORDI counts
        // 200,000 * 100 % + 200,000 * 80 % + 100,000 * 70 % = 430,000; 2,000,000 counts 200,000 + 160,000 + 280,000 + 80,000 + 200,000 = 920,000.
        var ordi = Load("binance-unified").Parameters.Assets["ORDI"];

        Assert.Equal(430_000m, CollateralWeights.Adjusted(ordi.Maintenance, 500_000m, 50_000m, ordi.DepthUsd, 0d));
        Assert.Equal(920_000m, CollateralWeights.Adjusted(ordi.Maintenance, 2_000_000m, 200_000m, ordi.DepthUsd, 0d));
    }

    [Fact]
    public void BinanceUnified_BtcUsdtBrackets_MaintenanceAmountsHandDerivedFromThePublishedRates()
    {
        // Binance announcement of 2021-03-18 publishes caps and rates; the maintenance amounts are derived by hand:
        // cum(k) = cum(k-1) + cap(k-1) * (MMR(k) - MMR(k-1)): 0, 50, 1,300, 16,300, 266,300, 1,266,300, 2,516,300,
        // 5,016,300, 25,016,300, 100,016,300.
        var brackets = Load("binance-unified").Parameters.Instruments["BTCUSDT"].Brackets!;

        Assert.Equal(
            [0m, 50m, 1_300m, 16_300m, 266_300m, 1_266_300m, 2_516_300m, 5_016_300m, 25_016_300m, 100_016_300m],
            Enumerable.Range(0, brackets.Brackets.Length).Select(brackets.CumulativeMaintenance).ToArray());
        Assert.Equal(13_700m, brackets.Maintenance(1_200_000m, brackets.IndexOf(1_200_000m)));
    }

    [Fact]
    public void BinanceUnified_LoanMmr_ReproducesThePortfolioMarginProExample()
    {
        // Binance PM Pro FAQ example (published): BTC loan 0.04 -> Margin MM 0.004; ETH loan 15 -> 1.5.
        var parameters = Load("binance-unified").Parameters;

        Assert.Equal(0.004m, 0.04m * parameters.Assets["BTC"].Borrow!.MaintenanceRate);
        Assert.Equal(0.1m, parameters.Assets["USDT"].Borrow!.MaintenanceRate);
    }

    [Fact]
    public void DriftSpot_Weights_AreTheDocsTableInDriftsIntegers()
    {
        // docs.drift.trade, Cross-collateral deposits: initial/maintenance asset, initial/maintenance liability, IMF.
        var assets = Load("drift-spot").Parameters.Assets;
        var expected = new Dictionary<string, (decimal, decimal, decimal, decimal, decimal)>
        {
            ["USDC"] = (1m, 1m, 1m, 1m, 0m),
            ["SOL"] = (0.8m, 0.9m, 1.2m, 1.1m, 0.00125m),
            ["WBTC"] = (0.8m, 0.9m, 1.2m, 1.1m, 0.105m),
            ["WETH"] = (0.8m, 0.9m, 1.2m, 1.1m, 0.025m),
            ["USDT"] = (0.9m, 0.95m, 1.1m, 1.05m, 0.0004m),
        };

        Assert.Equal(expected.Keys.Order(), assets.Keys.Order());
        foreach (var (symbol, (ia, ma, il, ml, imf)) in expected)
        {
            var a = assets[symbol];
            Assert.Equal((ia, ma, il, ml), (a.Initial.AssetWeight, a.Maintenance.AssetWeight, a.Initial.LiabilityWeight, a.Maintenance.LiabilityWeight));
            Assert.Equal(imf, a.Initial.SizePremium?.Imf ?? 0m);
            Assert.Equal(imf, a.Maintenance.SizePremium?.Imf ?? 0m);
            Assert.True(a.Initial.SizePremium?.DriftIntegerArithmetic ?? true, $"{symbol} must use Drift's integers");
        }
    }

    [Fact]
    public void DriftSpot_Sol2000_KeepsTheBaseWeightsAsInTheDocsExample()
    {
        // Drift docs: "weight = min(.80, 1.1 / [1 + (0.003 * sqrt(2000)]) = .80" (published with IMF 0.003; the preset's
        // 0.00125 discounts less, so the base weights hold a fortiori): 8000 initial, 9000 maintenance.
        var weights = DriftSpotWeights.Compute(Load("drift-spot").Parameters.Assets["SOL"], 2_000m);

        Assert.Equal((8_000L, 9_000L), (weights.InitialWeight, weights.MaintenanceWeight));
    }

    [Fact]
    public void AaveV3_Weights_AreGauntletsLtvAndLiquidationThresholds()
    {
        // governance.aave.com ARC "Aave V3 Ethereum Deployment: Assets and Configurations", Gauntlet's table (bps).
        var assets = Load("aave-v3").Parameters.Assets;
        var expected = new Dictionary<string, (decimal Ltv, decimal Lt)>
        {
            ["USDC"] = (0.865m, 0.885m),
            ["WETH"] = (0.825m, 0.86m),
            ["WBTC"] = (0.72m, 0.82m),
            ["USDT"] = (0.75m, 0.81m),
            ["DAI"] = (0.765m, 0.89m),
            ["LINK"] = (0.695m, 0.825m),
        };

        Assert.Equal(expected.Keys.Order(), assets.Keys.Order());
        foreach (var (symbol, (ltv, lt)) in expected)
        {
            Assert.Equal((ltv, lt, 1m, 1m), (assets[symbol].Initial.AssetWeight, assets[symbol].Maintenance.AssetWeight, assets[symbol].Initial.LiabilityWeight, assets[symbol].Maintenance.LiabilityWeight));
        }
    }
}
