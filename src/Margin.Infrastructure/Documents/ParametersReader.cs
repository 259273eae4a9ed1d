using System.Text.Json;
using System.Collections.Immutable;
using Margin.Engine.Domain;
using Margin.Engine.Instruments;
using Margin.Engine.Parameters;

namespace Margin.Infrastructure.Documents;

/// <summary>Maps the document's <c>parameters</c> object to validated <see cref="RiskParameters"/>.</summary>
/// <remarks>
/// Property names are the engine's parameter names, so a path reported here (a missing or malformed value, an unknown
/// property, <c>borrowable</c> without both borrow rates) and a path reported by <see cref="RiskParameters.Create"/>
/// (tiers not ascending, weights out of range, initial more generous than maintenance, non-positive depth) read alike:
/// <c>parameters.</c> followed by the engine's path. The engine runs only when the shape is right, so its rules are
/// reported on a second pass once the shape problems are fixed.
/// </remarks>
public static partial class ParametersReader
{
    public const string Root = "parameters";

    private static readonly string[] s_types = ["perpetual", "future", "option"];
    private static readonly string[] s_contracts = ["linear", "inverse"];
    private static readonly string[] s_rights = ["call", "put"];

    /// <summary>Reads a parameters document (the evaluate schema's <c>parameters</c> object, as a whole JSON text); every problem names its field under <c>parameters</c>.</summary>
    /// <param name="json">The JSON text of one parameters object.</param>
    /// <returns>The parameter set, or null with at least one problem.</returns>
    public static (ParameterSet? Set, IReadOnlyList<InputProblem> Problems) ReadDocument(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var problems = new List<InputProblem>();
        try
        {
            using var document = JsonDocument.Parse(json);
            var set = InputObject.From(document.RootElement, Root, problems) is { } root ? ReadSet(root, problems) : null;
            return (problems.Count == 0 ? set : null, problems);
        }
        catch (JsonException ex)
        {
            problems.Add(new InputProblem(null, $"not valid JSON: {ex.Message}"));
            return (null, problems);
        }
    }

    internal static RiskParameters? Read(InputObject parameters, List<InputProblem> problems) => ReadSet(parameters, problems)?.Parameters;

    /// <summary>Reads the parameters and their optional <c>metadata</c> block (docs/evaluate.md, "Parameters metadata").</summary>
    internal static ParameterSet? ReadSet(InputObject parameters, List<InputProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(problems);
        var before = problems.Count;
        var metadataObject = parameters.Object(ParametersMetadata.Property);
        var metadata = metadataObject is null ? null : ParametersMetadata.Read(metadataObject);

        // Rule problems found while mapping (borrowable without both rates) do not stop the engine's own checks, so
        // they are reported together with the engine's; shape problems (missing, malformed, unknown) do.
        var rules = new List<InputProblem>();
        var version = parameters.String("version", required: true);
        var settlement = parameters.Symbol("settlement", required: true);
        var moneyDecimals = parameters.Integer("moneyDecimals");
        var killSwitch = parameters.Boolean("killSwitch") ?? false;
        var dependencyMateriality = parameters.Decimal("dependencyMateriality");
        var thresholds = ReadThresholds(parameters.Object("thresholds"));
        var pnlWeights = ReadPnlWeights(parameters.Object("pnlWeights"));
        var assets = ReadBySymbol(parameters.Object("assets", required: true), problems, (asset, o) => ReadAsset(asset, o, rules));

        var instruments = new List<InstrumentRiskParameters>();
        if (parameters.Object("instruments") is { } instrumentMap)
        {
            foreach (var id in instrumentMap.Names.ToList())
            {
                if (string.IsNullOrWhiteSpace(id))
                {
                    instrumentMap.Raw(id);
                    problems.Add(new InputProblem(instrumentMap.Child(id), "an instrument id must not be empty"));
                    continue;
                }

                if (instrumentMap.Object(id, required: true) is { } o && ReadInstrument(id, o) is { } i)
                {
                    instruments.Add(i);
                }
            }
        }

        var portfolio = ReadPortfolio(parameters.Object("portfolio"), problems);
        var projection = ReadProjection(parameters.Object("projection"));
        parameters.RejectUnknown();
        if (moneyDecimals is < 0 or > 18)
        {
            parameters.Fail("moneyDecimals", $"must be between 0 and 18 (got {moneyDecimals})");
        }

        if (problems.Count > before || version is null || settlement is null || thresholds is null || pnlWeights is null)
        {
            problems.AddRange(rules);
            return null;
        }

        try
        {
            var created = RiskParameters.Create(version, settlement.Value, assets, instruments, thresholds, pnlWeights, (int)(moneyDecimals ?? 8), killSwitch, dependencyMateriality ?? 0.01m, portfolio, projection);
            problems.AddRange(rules);
            return rules.Count == 0 ? new ParameterSet(created, metadata) : null;
        }
        catch (InvalidRiskParametersException ex)
        {
            problems.AddRange(rules);
            problems.AddRange(ex.Problems.Select(p => new InputProblem(p.Parameter.Length == 0 ? Root : InputPath.Property(Root, p.Parameter), p.Problem)));
            return null;
        }
    }

    /// <summary>Reads an object keyed by asset symbol (<c>assets</c>, <c>portfolio.underlyings</c>): a malformed symbol is a problem at its key, each value an object read by <paramref name="read"/>.</summary>
    private static List<T> ReadBySymbol<T>(InputObject? map, List<InputProblem> problems, Func<Asset, InputObject, T?> read)
        where T : class
    {
        var items = new List<T>();
        foreach (var symbol in map?.Names.ToList() ?? [])
        {
            if (!Asset.TryCreate(symbol, out var asset, out var error))
            {
                map!.Raw(symbol);
                problems.Add(new InputProblem(map.Child(symbol), error));
                continue;
            }

            if (map!.Object(symbol, required: true) is { } o && read(asset, o) is { } item)
            {
                items.Add(item);
            }
        }

        return items;
    }

    private static StatusThresholds? ReadThresholds(InputObject? o)
    {
        var defaults = new StatusThresholds();
        if (o is null)
        {
            return defaults;
        }

        var warning = o.Decimal("warning");
        var marginCall = o.Decimal("marginCall");
        var targetBuffer = o.Decimal("targetBuffer");
        o.RejectUnknown();
        return new StatusThresholds(warning ?? defaults.Warning, marginCall ?? defaults.MarginCall, targetBuffer ?? defaults.TargetBuffer);
    }

    private static PnlWeights? ReadPnlWeights(InputObject? o)
    {
        var defaults = new PnlWeights();
        if (o is null)
        {
            return defaults;
        }

        var positiveInitial = o.Decimal("positivePnlInitial");
        var positiveMaintenance = o.Decimal("positivePnlMaintenance");
        var longInitial = o.Decimal("longOptionInitial");
        var longMaintenance = o.Decimal("longOptionMaintenance");
        o.RejectUnknown();
        return new PnlWeights(
            positiveInitial ?? defaults.PositivePnlInitial,
            positiveMaintenance ?? defaults.PositivePnlMaintenance,
            longInitial ?? defaults.LongOptionInitial,
            longMaintenance ?? defaults.LongOptionMaintenance);
    }

    private static AssetRiskParameters? ReadAsset(Asset asset, InputObject o, List<InputProblem> rules)
    {
        var assetClass = o.String("assetClass");
        var depth = o.Decimal("depthUsd", required: true);
        var lotSize = o.Decimal("lotSize");
        var killSwitch = o.Boolean("killSwitch") ?? false;
        var borrowable = o.Boolean("borrowable");
        var borrowObject = o.Object("borrow");
        var initial = ReadSchedule(o.Object("initial", required: true));
        var maintenance = ReadSchedule(o.Object("maintenance", required: true));
        o.RejectUnknown("an asset");

        BorrowRequirement? borrow = null;
        if (borrowObject is not null)
        {
            var initialRate = borrowObject.Decimal("initialRate");
            var maintenanceRate = borrowObject.Decimal("maintenanceRate");
            borrowObject.RejectUnknown();
            if (borrowable == false)
            {
                rules.Add(new InputProblem(o.Child("borrow"), "borrow rates are given for an asset with \"borrowable\": false; remove them or make the asset borrowable"));
            }
            else
            {
                // A borrowable asset without both rates would let a borrower jump from 0 to liquidatable (MARGIN-MODEL.md section 3).
                if (initialRate is null)
                {
                    rules.Add(new InputProblem(borrowObject.Child("initialRate"), "a borrowable asset needs a positive borrow IMR (missing)"));
                }

                if (maintenanceRate is null)
                {
                    rules.Add(new InputProblem(borrowObject.Child("maintenanceRate"), "a borrowable asset needs a positive borrow MMR (missing)"));
                }

                if (initialRate is { } i && maintenanceRate is { } m)
                {
                    borrow = new BorrowRequirement(i, m);
                }
            }
        }
        else if (borrowable == true)
        {
            rules.Add(new InputProblem(o.Child("borrow"), "a borrowable asset needs \"borrow\": {\"initialRate\": IMR, \"maintenanceRate\": MMR}, both positive (missing)"));
        }

        if (depth is null || initial is null || maintenance is null)
        {
            return null;
        }

        return new AssetRiskParameters
        {
            Asset = asset,
            AssetClass = assetClass ?? "unclassified",
            DepthUsd = depth.Value,
            LotSize = lotSize ?? 0.00000001m,
            KillSwitch = killSwitch,
            Borrow = borrow,
            Initial = initial,
            Maintenance = maintenance,
        };
    }

    private static WeightSchedule? ReadSchedule(InputObject? o)
    {
        if (o is null)
        {
            return null;
        }

        var assetWeight = o.Decimal("assetWeight", required: true);
        var liabilityWeight = o.Decimal("liabilityWeight", required: true);
        var tiers = ImmutableArray.CreateBuilder<WeightTier>();
        var ok = true;
        foreach (var (element, path) in o.Array("tiers") ?? [])
        {
            if (InputObject.From(element, path, o.Problems) is not { } t)
            {
                ok = false;
                continue;
            }

            var upTo = t.Decimal("upToUsd");
            var rate = t.Decimal("rate", required: true);
            t.RejectUnknown();
            if (rate is null)
            {
                ok = false;
                continue;
            }

            tiers.Add(new WeightTier(upTo, rate.Value));
        }

        SizePremium? premium = null;
        if (o.Object("sizePremium") is { } p)
        {
            var imf = p.Decimal("imf", required: true);
            var drift = p.Boolean("driftIntegerArithmetic") ?? false;
            p.RejectUnknown();
            premium = imf is { } f ? new SizePremium(f, drift) : null;
            ok &= imf is not null;
        }

        VolatilityScaling? scaling = null;
        if (o.Object("volatilityScaling") is { } v)
        {
            var z = v.Decimal("z", required: true);
            var horizon = v.Decimal("horizonYears", required: true);
            v.RejectUnknown();
            scaling = z is { } zz && horizon is { } h ? new VolatilityScaling(zz, h) : null;
            ok &= scaling is not null;
        }

        o.RejectUnknown("a weight schedule");
        if (assetWeight is null || liabilityWeight is null || !ok)
        {
            return null;
        }

        return new WeightSchedule
        {
            AssetWeight = assetWeight.Value,
            LiabilityWeight = liabilityWeight.Value,
            Tiers = tiers.ToImmutable(),
            SizePremium = premium,
            VolatilityScaling = scaling,
        };
    }

    private static InstrumentRiskParameters? ReadInstrument(string id, InputObject o)
    {
        var type = o.Choice("type", s_types, required: true);
        var underlying = o.Symbol("underlying", required: true);
        var lotSize = o.Decimal("lotSize");
        if (lotSize is <= 0m)
        {
            o.Fail("lotSize", $"must be positive (got {lotSize})");
            lotSize = null;
        }

        return type switch
        {
            "perpetual" or "future" => ReadLinearOrInverse(id, type, underlying, lotSize, o),
            "option" => ReadOption(id, underlying, lotSize, o),
            _ => Skip(o),
        };

        static InstrumentRiskParameters? Skip(InputObject o)
        {
            // The type is missing or unknown (already reported); the other properties cannot be judged without it.
            foreach (var name in o.Names)
            {
                o.Raw(name);
            }

            return null;
        }
    }

    private static InstrumentRiskParameters? ReadLinearOrInverse(string id, string type, Asset? underlying, decimal? lotSize, InputObject o)
    {
        var contract = o.Choice("contract", s_contracts) ?? "linear";
        var expiry = type == "future" ? o.Time("expiry", required: true) : null;
        var brackets = ReadBrackets(o);
        o.RejectUnknown($"a {type}");
        if (underlying is null || brackets is null || (type == "future" && expiry is null) || o.HasProblems)
        {
            return null;
        }

        var c = contract == "linear" ? ContractType.Linear : ContractType.Inverse;
        Instrument instrument = type == "future"
            ? new Future(id, underlying.Value, c, expiry!.Value, lotSize ?? 0.001m)
            : new Perpetual(id, underlying.Value, c, lotSize ?? 0.001m);
        return new InstrumentRiskParameters { Instrument = instrument, Brackets = RiskParameters.Brackets([.. brackets]) };
    }

    private static InstrumentRiskParameters? ReadOption(string id, Asset? underlying, decimal? lotSize, InputObject o)
    {
        var right = o.Choice("right", s_rights, required: true);
        var strike = o.Decimal("strike", required: true);
        var expiry = o.Time("expiry", required: true);
        var multiplier = o.Decimal("multiplier");
        var (initial, maintenance) = ReadShortOption(o.Object("shortOption", required: true));
        o.RejectUnknown("an option");
        if (strike is <= 0m)
        {
            o.Fail("strike", $"must be positive (got {strike})");
        }

        if (multiplier is <= 0m)
        {
            o.Fail("multiplier", $"must be positive (got {multiplier})");
        }

        if (underlying is null || right is null || strike is null || expiry is null || initial is null || maintenance is null || o.HasProblems)
        {
            return null;
        }

        var option = new EuropeanOption(id, underlying.Value, right == "call" ? OptionRight.Call : OptionRight.Put, strike.Value, expiry.Value, multiplier ?? 1m, lotSize ?? 0.1m);
        return new InstrumentRiskParameters { Instrument = option, ShortOptionInitial = initial, ShortOptionMaintenance = maintenance };
    }

    private static List<MarginBracket>? ReadBrackets(InputObject o)
    {
        var items = o.Array("brackets", required: true);
        if (items is null)
        {
            return null;
        }

        var brackets = new List<MarginBracket>();
        var ok = true;
        foreach (var (element, path) in items)
        {
            if (InputObject.From(element, path, o.Problems) is not { } b)
            {
                ok = false;
                continue;
            }

            var cap = b.Decimal("notionalCap");
            var initialRate = b.Decimal("initialRate", required: true);
            var maintenanceRate = b.Decimal("maintenanceRate", required: true);
            b.RejectUnknown("a margin bracket");
            if (initialRate is null || maintenanceRate is null)
            {
                ok = false;
                continue;
            }

            brackets.Add(new MarginBracket(cap, initialRate.Value, maintenanceRate.Value));
        }

        return ok ? brackets : null;
    }

    private static (ShortOptionRule? Initial, ShortOptionRule? Maintenance) ReadShortOption(InputObject? o)
    {
        if (o is null)
        {
            return (null, null);
        }

        var initial = ReadRule(o.Object("initial", required: true));
        var maintenance = ReadRule(o.Object("maintenance", required: true));
        o.RejectUnknown("a short-option rule");
        return (initial, maintenance);

        static ShortOptionRule? ReadRule(InputObject? r)
        {
            if (r is null)
            {
                return null;
            }

            var a = r.Decimal("a", required: true);
            var b = r.Decimal("b", required: true);
            r.RejectUnknown("a short-option rule (max(a * S - OTM, b * S) + mark)");
            return a is { } aa && b is { } bb ? new ShortOptionRule(aa, bb) : null;
        }
    }
}
