using Margin.Engine.Domain;
using Margin.Engine.Methodologies;
using Margin.Engine.Parameters;

namespace Margin.Engine.Tests.Methodologies;

/// <summary>
/// Drift's spot weights against Drift's own numbers: drift-labs/protocol-v2, programs/drift/src/math/margin/tests.rs,
/// test <c>spot_market_asset_weight</c> (published in code), and the Drift docs' IMF example.
/// </summary>
public class DriftSpotWeightsTests
{
    private static readonly Asset s_token = Asset.Of("TKN");

    private static AssetRiskParameters Market(decimal initialAsset, decimal maintenanceAsset, decimal initialLiability, decimal maintenanceLiability, decimal imf)
    {
        SizePremium? premium = imf == 0m ? null : new SizePremium(imf, DriftIntegerArithmetic: true);
        return new AssetRiskParameters
        {
            Asset = s_token,
            DepthUsd = 1_000_000m,
            Initial = new WeightSchedule { AssetWeight = initialAsset, LiabilityWeight = initialLiability, SizePremium = premium },
            Maintenance = new WeightSchedule { AssetWeight = maintenanceAsset, LiabilityWeight = maintenanceLiability, SizePremium = premium },
        };
    }

    // spot_market_asset_weight: initial_asset_weight 9000, initial_liability_weight 11000, decimals 6, price 1;
    // size = 1000 * QUOTE_PRECISION is 1,000 tokens. imf_factor is at 1e6, so 10 is 0.00001 and SPOT_IMF_PRECISION / 10 is 0.1.
    public static TheoryData<decimal, decimal, long, long> DriftProgramCases => new()
    {
        { 0m, 1_000m, 9_000, 11_000 },         // imf_factor 0: the base weights
        { 0.00001m, 1_000m, 9_000, 11_000 },   // imf_factor 10: too small to bind at 1,000 tokens
        { 0.01m, 1_000m, 8_357, 11_962 },      // imf_factor 10000: assert_eq!(asset_weight, 8357), assert_eq!(lib_weight, 11962)
        { 0.1m, 1_000m, 2_642, 40_422 },       // imf_factor SPOT_IMF_PRECISION / 10: 2642 and 40422
    };

    [Theory]
    [MemberData(nameof(DriftProgramCases))]
    public void Compute_DriftProgramTestMarket_GivesDriftsInitialWeights(decimal imf, decimal tokens, long assetWeight, long liabilityWeight)
    {
        var market = Market(0.9m, 0.9m, 1.1m, 1.1m, imf);

        var deposit = DriftSpotWeights.Compute(market, tokens);
        var borrow = DriftSpotWeights.Compute(market, -tokens);

        Assert.Equal(assetWeight, deposit.InitialWeight);
        Assert.Equal(liabilityWeight, borrow.InitialWeight);
        Assert.False(deposit.IsLiability);
        Assert.True(borrow.IsLiability);
    }

    [Fact]
    public void Compute_ImfTenAtAThousandTimesTheSize_GivesTheSameWeightAsImfTenThousand()
    {
        // spot_market_asset_weight: "same_asset_weight_diff_imf_factor = 8357" at size * 1_000_000 with imf_factor 10.
        var weights = DriftSpotWeights.Compute(Market(0.9m, 0.9m, 1.1m, 1.1m, 0.00001m), 1_000_000_000m);

        Assert.Equal(8_357, weights.InitialWeight);
        Assert.Equal(1_000_000_000_000_000_000m, weights.SizeAtReservePrecision);
        Assert.Equal(10, weights.InitialImfFactor);
    }

    [Fact]
    public void Compute_DriftMaintenanceLiabilityWithZeroBase_Is31622()
    {
        // spot_market_asset_weight: maintenance_liability_weight is the default 0 there, so the weight is the premium
        // alone: r = isqrt(1e13 + 1) = 3,162,277; 3,162,277 * 100,000 / 1e7 = 31,622. (RiskParameters.Create would reject
        // a liability weight below 1; the arithmetic is Drift's either way.)
        var weights = DriftSpotWeights.Compute(Market(0.9m, 0.9m, 1.1m, 0m, 0.1m), -1_000m);

        Assert.Equal(31_622, weights.MaintenanceWeight);
        Assert.Equal(40_422, weights.InitialWeight);
    }

    [Fact]
    public void Compute_DriftSecondTestMarket_Gives337OnBothLevels()
    {
        // spot_market_asset_weight, spot_market2: initial asset 1500, maintenance asset 7500, 100,000 tokens at 0.5,
        // imf_factor SPOT_IMF_PRECISION / 10: assert_eq!(asset_weight, 337) for Initial and Maintenance.
        var weights = DriftSpotWeights.Compute(Market(0.15m, 0.75m, 1.5m, 1.25m, 0.1m), 100_000m);

        Assert.Equal(337, weights.InitialWeight);
        Assert.Equal(337, weights.MaintenanceWeight);
    }

    [Fact]
    public void Compute_DriftDocsExample2000Sol_KeepsTheBaseWeight()
    {
        // docs.drift.trade, Cross-collateral deposits: "Initial Asset Weight on 2000 SOL Collateral ... weight =
        // min(.80, 1.1 / [1 + (0.003 * sqrt(2000)]) = min(.80, ~.96987) = .80". In Drift's integers the discounted
        // weight is floor(11e9 / (1e6 + floor(4,472,135 * 3,000 / 1e5))) = floor(11e9 / 1,134,164) = 9698.
        var sol = Market(0.8m, 0.9m, 1.2m, 1.1m, 0.003m);
        var unbounded = Market(1m, 1m, 1.2m, 1.1m, 0.003m);

        Assert.Equal(8_000, DriftSpotWeights.Compute(sol, 2_000m).InitialWeight);
        Assert.Equal(9_000, DriftSpotWeights.Compute(sol, 2_000m).MaintenanceWeight);
        Assert.Equal(9_698, DriftSpotWeights.Compute(unbounded, 2_000m).InitialWeight);
        Assert.InRange(1.1 / (1 + (0.003 * Math.Sqrt(2000))), 0.96987, 0.96988); // the docs truncate to ~.96987
    }

    [Fact]
    public void Compute_PresetSolAtAMillionTokens_HandDerived()
    {
        // Hand-derived for the drift-spot preset's SOL (IMF 0.00125): r = isqrt(1e16 + 1) = 100,000,000;
        // 100,000,000 * 1,250 / 1e5 = 1,250,000; 11e9 / 2,250,000 = 4,888 on both levels (below 8,000 and 9,000).
        // A 100,000 SOL borrow: r = isqrt(1e15 + 1) = 31,622,776; 31,622,776 * 1,250 / 1e7 = 3,952;
        // initial 12,000 - 2,400 + 3,952 = 13,552, maintenance 11,000 - 2,200 + 3,952 = 12,752.
        var sol = Market(0.8m, 0.9m, 1.2m, 1.1m, 0.00125m);

        var whale = DriftSpotWeights.Compute(sol, 1_000_000m);
        var borrower = DriftSpotWeights.Compute(sol, -100_000m);

        Assert.Equal((4_888L, 4_888L), (whale.InitialWeight, whale.MaintenanceWeight));
        Assert.Equal((13_552L, 12_752L), (borrower.InitialWeight, borrower.MaintenanceWeight));
        Assert.Equal((1_250L, 1_250L), (borrower.InitialImfFactor, borrower.MaintenanceImfFactor));
    }

    [Fact]
    public void Compute_WithoutDriftIntegerFlag_StillUsesDriftsIntegers()
    {
        // The figure is Drift's, whatever the engine's own arithmetic setting: decimal maths would give 0.83566 -> not an integer.
        var market = Market(0.9m, 0.9m, 1.1m, 1.1m, 0m) with
        {
            Initial = new WeightSchedule { AssetWeight = 0.9m, LiabilityWeight = 1.1m, SizePremium = new SizePremium(0.01m) },
        };

        Assert.Equal(8_357, DriftSpotWeights.Compute(market, 1_000m).InitialWeight);
    }
}
