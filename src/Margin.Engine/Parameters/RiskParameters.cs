using System.Collections.Frozen;
using System.Globalization;
using Margin.Engine.Domain;
using Margin.Engine.Instruments;

namespace Margin.Engine.Parameters;

/// <summary>A versioned, validated set of risk parameters; every result records the version it used.</summary>
/// <remarks>
/// Created only through <see cref="Create"/>, which checks every rule of MARGIN-MODEL.md and docs/margin-model.md and
/// reports all problems at once. <see cref="MoneyDecimals"/> is the precision (decimal places of the settlement
/// currency) at which requirements round up and equities round down.
/// </remarks>
public sealed class RiskParameters
{
    private RiskParameters(string version, Asset settlement, FrozenDictionary<string, AssetRiskParameters> assets, FrozenDictionary<string, InstrumentRiskParameters> instruments, StatusThresholds thresholds, PnlWeights pnlWeights, int moneyDecimals, bool killSwitch, decimal dependencyMateriality, PortfolioParameters? portfolio, ProjectionParameters projection)
    {
        DependencyMateriality = dependencyMateriality;
        Portfolio = portfolio;
        Projection = projection;
        Version = version;
        Settlement = settlement;
        Assets = assets;
        Instruments = instruments;
        Thresholds = thresholds;
        PnlWeights = pnlWeights;
        MoneyDecimals = moneyDecimals;
        KillSwitch = killSwitch;
    }

    /// <summary>The version id.</summary>
    public string Version { get; }

    /// <summary>The settlement currency every value is expressed in.</summary>
    public Asset Settlement { get; }

    /// <summary>Collateral assets by symbol.</summary>
    public FrozenDictionary<string, AssetRiskParameters> Assets { get; }

    /// <summary>Instruments by id.</summary>
    public FrozenDictionary<string, InstrumentRiskParameters> Instruments { get; }

    /// <summary>Status thresholds.</summary>
    public StatusThresholds Thresholds { get; }

    /// <summary>PnL and long-option weights.</summary>
    public PnlWeights PnlWeights { get; }

    /// <summary>Decimal places at which money rounds (requirements up, equity down).</summary>
    public int MoneyDecimals { get; }

    /// <summary>Pauses every liquidation.</summary>
    public bool KillSwitch { get; }

    /// <summary>The share of an account's gross exposure below which an unusable price or a per-asset kill switch does not flag it.</summary>
    /// <remarks>
    /// A fraction in [0, 1), default 0.01. Gross exposure is the sum of the absolute USD values of the account's assets and
    /// the notionals of its positions. Without it, a speck of a paused or stale-priced asset would make any account
    /// impossible to liquidate. 0 flags every non-zero dependency.
    /// </remarks>
    public decimal DependencyMateriality { get; }

    /// <summary>The portfolio-mode settings, or null when portfolio mode is not offered (portfolio accounts are then rejected).</summary>
    public PortfolioParameters? Portfolio { get; }

    /// <summary>The pre-emptive projection behind <see cref="Results.MarginFlags.AtRisk"/> (default: <c>z_p</c> 2.33 over one day).</summary>
    public ProjectionParameters Projection { get; }

    /// <summary>Validates and creates a parameter set.</summary>
    /// <exception cref="InvalidRiskParametersException">Any rule is broken; every problem is listed with its parameter path.</exception>
    public static RiskParameters Create(string version, Asset settlement, IEnumerable<AssetRiskParameters> assets, IEnumerable<InstrumentRiskParameters> instruments, StatusThresholds? thresholds = null, PnlWeights? pnlWeights = null, int moneyDecimals = 8, bool killSwitch = false, decimal dependencyMateriality = 0.01m, PortfolioParameters? portfolio = null, ProjectionParameters? projection = null)
    {
        ArgumentNullException.ThrowIfNull(assets);
        projection ??= new ProjectionParameters();
        ArgumentNullException.ThrowIfNull(instruments);
        thresholds ??= new StatusThresholds();
        pnlWeights ??= new PnlWeights();
        var problems = new List<ParameterProblem>();
        void Fail(string path, string problem) => problems.Add(new ParameterProblem(path, problem));

        if (string.IsNullOrWhiteSpace(version))
        {
            Fail("version", "the version must not be empty");
        }

        if (settlement.IsDefault)
        {
            Fail("settlement", "the settlement asset is missing");
        }

        if (moneyDecimals is < 0 or > 18)
        {
            Fail("moneyDecimals", $"must be between 0 and 18 (got {moneyDecimals})");
        }

        if (dependencyMateriality is < 0m or >= 1m)
        {
            Fail("dependencyMateriality", $"must be in [0, 1) (got {dependencyMateriality})");
        }

        ValidateThresholds(thresholds, Fail);
        ValidatePnlWeights(pnlWeights, Fail);

        var assetMap = new Dictionary<string, AssetRiskParameters>(StringComparer.Ordinal);
        foreach (var asset in assets)
        {
            var path = $"assets.{asset.Asset}";
            if (asset.Asset.IsDefault)
            {
                Fail("assets", "an asset entry has no asset");
                continue;
            }

            if (!assetMap.TryAdd(asset.Asset.Symbol, asset))
            {
                Fail(path, "the asset is configured twice");
                continue;
            }

            ValidateAsset(path, asset, Fail);
        }

        var instrumentMap = new Dictionary<string, InstrumentRiskParameters>(StringComparer.Ordinal);
        foreach (var instrument in instruments)
        {
            var path = $"instruments.{instrument.Instrument.Id}";
            if (!instrumentMap.TryAdd(instrument.Instrument.Id, instrument))
            {
                Fail(path, "the instrument is configured twice");
                continue;
            }

            if (!assetMap.ContainsKey(instrument.Instrument.Underlying.Symbol))
            {
                Fail($"{path}.underlying", $"underlying {instrument.Instrument.Underlying} is not a configured asset");
            }

            ValidateInstrument(path, instrument, Fail);
        }

        ValidateProjection(projection, Fail);
        if (portfolio is not null)
        {
            ValidatePortfolio(portfolio, assetMap, Fail);
        }

        if (problems.Count > 0)
        {
            throw new InvalidRiskParametersException(version ?? string.Empty, problems);
        }

        return new RiskParameters(version!, settlement, assetMap.ToFrozenDictionary(StringComparer.Ordinal), instrumentMap.ToFrozenDictionary(StringComparer.Ordinal), thresholds, pnlWeights, moneyDecimals, killSwitch, dependencyMateriality, portfolio, projection);
    }

    /// <summary>Builds a bracket schedule for <see cref="InstrumentRiskParameters.Brackets"/>; its rules are checked by <see cref="Create"/>.</summary>
    public static BracketSchedule Brackets(params MarginBracket[] brackets) => BracketSchedule.Create([.. brackets]);

    private static void ValidateProjection(ProjectionParameters p, Action<string, string> fail)
    {
        if (!(double.IsFinite(p.Multiplier) && p.Multiplier > 0.0))
        {
            fail("projection.multiplier", $"must be finite and positive (got {p.Multiplier.ToString(CultureInfo.InvariantCulture)})");
        }

        if (!(double.IsFinite(p.HorizonYears) && p.HorizonYears > 0.0))
        {
            fail("projection.horizonYears", $"must be finite and positive (got {p.HorizonYears.ToString(CultureInfo.InvariantCulture)})");
        }
    }

    private static void ValidatePortfolio(PortfolioParameters p, Dictionary<string, AssetRiskParameters> assets, Action<string, string> fail)
    {
        if (!(p.CorrelationStress >= 0.0 && p.CorrelationStress <= 1.0))
        {
            fail("portfolio.correlationStress", $"must be in [0, 1] (got {p.CorrelationStress.ToString(CultureInfo.InvariantCulture)})");
        }

        if (!(p.SumFloorFraction >= 0.0 && p.SumFloorFraction <= 1.0))
        {
            fail("portfolio.sumFloorFraction", $"must be in [0, 1] (got {p.SumFloorFraction.ToString(CultureInfo.InvariantCulture)})");
        }

        if (p.InitialMultiplier <= 1m)
        {
            fail("portfolio.initialMultiplier", $"k must be greater than 1 so that IM exceeds MM (got {p.InitialMultiplier})");
        }

        if (p.Underlyings.Count == 0)
        {
            fail("portfolio.underlyings", "portfolio mode needs at least one underlying with a scenario grid");
        }

        foreach (var (symbol, u) in p.Underlyings.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var path = $"portfolio.underlyings.{symbol}";
            if (!assets.ContainsKey(symbol))
            {
                fail(path, $"{symbol} is not a configured asset");
            }

            if (u.Grid is null)
            {
                fail($"{path}.grid", "the scenario grid is missing");
            }

            if (u.DeltaShockThresholdUsd < 0m)
            {
                fail($"{path}.deltaShockThresholdUsd", $"must not be negative (got {u.DeltaShockThresholdUsd})");
            }

            CheckFraction($"{path}.deltaShockFraction", u.DeltaShockFraction, 1.0, fail);
            CheckFraction($"{path}.rollAnnualMove", u.RollAnnualMove, double.MaxValue, fail);
            CheckFraction($"{path}.rollMinimumMove", u.RollMinimumMove, 1.0, fail);
            if (!double.IsFinite(u.Rate) || Math.Abs(u.Rate) > 1.0)
            {
                fail($"{path}.rate", $"must be finite and within [-1, 1] per year (got {u.Rate.ToString(CultureInfo.InvariantCulture)})");
            }

            if (u.Surface is { } surface)
            {
                ValidateSurface($"{path}.surface", surface, fail);
            }
        }
    }

    private static void ValidateSurface(string path, VolatilitySurface s, Action<string, string> fail)
    {
        if (s.AtTheMoney.IsDefaultOrEmpty)
        {
            fail($"{path}.atTheMoney", "needs at least one point");
            return;
        }

        for (var i = 0; i < s.AtTheMoney.Length; i++)
        {
            var (days, vol) = s.AtTheMoney[i];
            if (!(double.IsFinite(days) && days > 0.0) || (i > 0 && !(days > s.AtTheMoney[i - 1].Days)))
            {
                fail($"{path}.atTheMoney[{i}].days", $"must be positive and strictly increasing (got {days.ToString(CultureInfo.InvariantCulture)})");
            }

            if (!(double.IsFinite(vol) && vol > 0.0 && vol <= 10.0))
            {
                fail($"{path}.atTheMoney[{i}].volatility", $"must be in (0, 10] (got {vol.ToString(CultureInfo.InvariantCulture)})");
            }
        }

        if (!double.IsFinite(s.Skew) || Math.Abs(s.Skew) > 10.0)
        {
            fail($"{path}.skew", $"must be finite and within [-10, 10] (got {s.Skew.ToString(CultureInfo.InvariantCulture)})");
        }
    }

    private static void CheckFraction(string path, double value, double max, Action<string, string> fail)
    {
        if (!(double.IsFinite(value) && value >= 0.0 && value <= max))
        {
            fail(path, $"must be finite, not negative{(max < double.MaxValue ? " and at most 1" : string.Empty)} (got {value.ToString(CultureInfo.InvariantCulture)})");
        }
    }

    private static void ValidateThresholds(StatusThresholds t, Action<string, string> fail)
    {
        if (!(t.Warning > 0m && t.Warning <= t.MarginCall))
        {
            fail("thresholds.warning", $"must be positive and at most the margin-call threshold (got {t.Warning})");
        }

        if (!(t.MarginCall > 0m && t.MarginCall < 1m))
        {
            fail("thresholds.marginCall", $"must be in (0, 1) (got {t.MarginCall})");
        }

        if (!(t.TargetBuffer >= 0m && t.TargetBuffer < t.MarginCall))
        {
            fail("thresholds.targetBuffer", $"must be in [0, marginCall) (got {t.TargetBuffer})");
        }
    }

    private static void ValidatePnlWeights(PnlWeights w, Action<string, string> fail)
    {
        CheckUnit("pnlWeights.positivePnlInitial", w.PositivePnlInitial, fail);
        CheckUnit("pnlWeights.positivePnlMaintenance", w.PositivePnlMaintenance, fail);
        CheckUnit("pnlWeights.longOptionInitial", w.LongOptionInitial, fail);
        CheckUnit("pnlWeights.longOptionMaintenance", w.LongOptionMaintenance, fail);
        if (w.PositivePnlInitial > w.PositivePnlMaintenance)
        {
            fail("pnlWeights.positivePnlInitial", $"is more generous than the maintenance weight ({w.PositivePnlInitial} > {w.PositivePnlMaintenance})");
        }

        if (w.LongOptionInitial > w.LongOptionMaintenance)
        {
            fail("pnlWeights.longOptionInitial", $"is more generous than the maintenance weight ({w.LongOptionInitial} > {w.LongOptionMaintenance})");
        }
    }

    private static void ValidateAsset(string path, AssetRiskParameters a, Action<string, string> fail)
    {
        ValidateSchedule($"{path}.initial", a.Initial, fail);
        ValidateSchedule($"{path}.maintenance", a.Maintenance, fail);
        CompareLevels(path, a.Initial, a.Maintenance, fail);
        if (a.DepthUsd <= 0m)
        {
            fail($"{path}.depthUsd", $"must be positive (got {a.DepthUsd})");
        }

        if (a.LotSize <= 0m)
        {
            fail($"{path}.lotSize", $"must be positive (got {a.LotSize})");
        }

        if (a.Borrow is { } b)
        {
            if (b.InitialRate <= 0m)
            {
                fail($"{path}.borrow.initialRate", $"a borrowable asset needs a positive borrow IMR (got {b.InitialRate})");
            }

            if (b.MaintenanceRate <= 0m)
            {
                fail($"{path}.borrow.maintenanceRate", $"a borrowable asset needs a positive borrow MMR (got {b.MaintenanceRate})");
            }

            if (b.InitialRate < b.MaintenanceRate)
            {
                fail($"{path}.borrow.initialRate", $"is below the maintenance rate ({b.InitialRate} < {b.MaintenanceRate})");
            }
        }
    }

    private static void ValidateSchedule(string path, WeightSchedule s, Action<string, string> fail)
    {
        if (s is null)
        {
            fail(path, "the weight schedule is missing");
            return;
        }

        CheckUnit($"{path}.assetWeight", s.AssetWeight, fail);
        if (s.LiabilityWeight < 1m)
        {
            fail($"{path}.liabilityWeight", $"must be at least 1 (got {s.LiabilityWeight})");
        }

        decimal previous = 0m;
        var tiers = s.Tiers.IsDefault ? [] : s.Tiers;
        for (var i = 0; i < tiers.Length; i++)
        {
            var tier = tiers[i];
            CheckUnit($"{path}.tiers[{i}].rate", tier.Rate, fail);
            if (tier.UpToUsd is { } upTo)
            {
                if (upTo <= previous)
                {
                    fail($"{path}.tiers[{i}].upToUsd", $"tiers must be strictly ascending and positive ({upTo} after {previous})");
                }

                previous = upTo;
            }
            else if (i != tiers.Length - 1)
            {
                fail($"{path}.tiers[{i}].upToUsd", "only the last tier may be unbounded");
            }
        }

        if (s.SizePremium is { } imf && imf.Imf < 0m)
        {
            fail($"{path}.sizePremium.imf", $"must not be negative (got {imf.Imf})");
        }

        if (s.VolatilityScaling is { } vol)
        {
            if (vol.Z < 0m)
            {
                fail($"{path}.volatilityScaling.z", $"must not be negative (got {vol.Z})");
            }

            if (vol.HorizonYears <= 0m)
            {
                fail($"{path}.volatilityScaling.horizonYears", $"must be positive (got {vol.HorizonYears})");
            }
        }
    }

    private static void CompareLevels(string path, WeightSchedule initial, WeightSchedule maintenance, Action<string, string> fail)
    {
        if (initial is null || maintenance is null)
        {
            return;
        }

        if (initial.AssetWeight > maintenance.AssetWeight)
        {
            fail($"{path}.initial.assetWeight", $"initial weights must not be more generous than maintenance ones ({initial.AssetWeight} > {maintenance.AssetWeight})");
        }

        if (initial.LiabilityWeight < maintenance.LiabilityWeight)
        {
            fail($"{path}.initial.liabilityWeight", $"initial weights must not be more generous than maintenance ones ({initial.LiabilityWeight} < {maintenance.LiabilityWeight})");
        }

        if (!maintenance.Tiers.IsDefaultOrEmpty)
        {
            if (initial.Tiers.IsDefaultOrEmpty)
            {
                fail($"{path}.initial.tiers", "maintenance has tiers, so initial needs tiers at least as strict");
            }
            else
            {
                // Both schedules are piecewise linear in the value, so comparing at every breakpoint of either (and beyond the last) is exact.
                var points = initial.Tiers.Concat(maintenance.Tiers).Select(t => t.UpToUsd).OfType<decimal>().Append(0m).ToList();
                var far = points.Max() * 2m + 1m;
                points.Add(far);
                foreach (var v in points.Distinct().Order())
                {
                    if (CollateralWeights.TieredValue(initial.Tiers.AsSpan(), v) > CollateralWeights.TieredValue(maintenance.Tiers.AsSpan(), v))
                    {
                        fail($"{path}.initial.tiers", $"initial tiers count more than maintenance tiers at a value of {v.ToString(CultureInfo.InvariantCulture)} USD");
                        break;
                    }
                }
            }
        }

        if (maintenance.SizePremium is { } mImf && (initial.SizePremium is not { } iImf || iImf.Imf < mImf.Imf))
        {
            fail($"{path}.initial.sizePremium", "maintenance has a size premium, so initial needs one with an IMF at least as large");
        }
        else if (maintenance.SizePremium is { } m && initial.SizePremium is { } i && m.DriftIntegerArithmetic != i.DriftIntegerArithmetic)
        {
            // Drift's integers floor the asset weight and the liability premium, so mixing the two arithmetics can make
            // one level's weight more generous than the other's at the same IMF.
            fail($"{path}.initial.sizePremium", "initial and maintenance size premiums must use the same arithmetic (driftIntegerArithmetic)");
        }

        if (maintenance.VolatilityScaling is { } mVol)
        {
            if (initial.VolatilityScaling is not { } iVol)
            {
                fail($"{path}.initial.volatilityScaling", "maintenance has volatility scaling, so initial needs it too");
            }
            else if (iVol.Z * iVol.Z * iVol.HorizonYears < mVol.Z * mVol.Z * mVol.HorizonYears)
            {
                fail($"{path}.initial.volatilityScaling", "z * sqrt(horizonYears) must be at least the maintenance one");
            }
        }
    }

    private static void ValidateInstrument(string path, InstrumentRiskParameters p, Action<string, string> fail)
    {
        if (p.Instrument is EuropeanOption)
        {
            if (p.ShortOptionInitial is not { } im || p.ShortOptionMaintenance is not { } mm)
            {
                fail($"{path}.shortOption", "an option needs initial and maintenance short-option rules");
                return;
            }

            CheckRule($"{path}.shortOption.initial", im, fail);
            CheckRule($"{path}.shortOption.maintenance", mm, fail);
            if (im.A < mm.A || im.B < mm.B)
            {
                fail($"{path}.shortOption.initial", $"must be at least as strict as maintenance (a {im.A} vs {mm.A}, b {im.B} vs {mm.B})");
            }

            return;
        }

        if (p.Brackets is not { } schedule || schedule.Brackets.IsDefaultOrEmpty)
        {
            fail($"{path}.brackets", "a perpetual or future needs at least one margin bracket");
            return;
        }

        decimal previous = 0m;
        var brackets = schedule.Brackets;
        for (var i = 0; i < brackets.Length; i++)
        {
            var b = brackets[i];
            if (b.MaintenanceRate <= 0m || b.MaintenanceRate > 1m)
            {
                fail($"{path}.brackets[{i}].maintenanceRate", $"must be in (0, 1] (got {b.MaintenanceRate})");
            }

            if (b.InitialRate <= 0m || b.InitialRate > 1m)
            {
                fail($"{path}.brackets[{i}].initialRate", $"must be in (0, 1] (got {b.InitialRate})");
            }

            if (b.InitialRate < b.MaintenanceRate)
            {
                fail($"{path}.brackets[{i}].initialRate", $"is below the maintenance rate ({b.InitialRate} < {b.MaintenanceRate})");
            }

            if (i > 0 && (b.InitialRate < brackets[i - 1].InitialRate || b.MaintenanceRate < brackets[i - 1].MaintenanceRate))
            {
                fail($"{path}.brackets[{i}]", "rates must not fall as the notional grows");
            }

            if (b.NotionalCap is { } cap)
            {
                if (cap <= previous)
                {
                    fail($"{path}.brackets[{i}].notionalCap", $"caps must be strictly ascending and positive ({cap} after {previous})");
                }

                previous = cap;
            }
            else if (i != brackets.Length - 1)
            {
                fail($"{path}.brackets[{i}].notionalCap", "only the last bracket may be unbounded");
            }
        }
    }

    private static void CheckRule(string path, ShortOptionRule rule, Action<string, string> fail)
    {
        if (rule.A < 0m || rule.A > 1m)
        {
            fail($"{path}.a", $"must be in [0, 1] (got {rule.A})");
        }

        if (rule.B < 0m || rule.B > rule.A)
        {
            fail($"{path}.b", $"must be in [0, a] (got {rule.B})");
        }
    }

    private static void CheckUnit(string path, decimal value, Action<string, string> fail)
    {
        if (value is < 0m or > 1m)
        {
            fail(path, $"must be in [0, 1] (got {value})");
        }
    }
}
