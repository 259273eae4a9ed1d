using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Margin.Engine.Results;
using Margin.Engine.Stress;
using Margin.Infrastructure.Documents;
using Margin.Sweep.Stress;

namespace Margin.Infrastructure.Stress;

/// <summary>The stress run document (<see cref="StressRunJson"/>): the body of <c>GET api/stress/{id}</c> and of <c>margin stress show --output json</c>, and the parts the <c>stressruns</c> table stores.</summary>
/// <remarks>
/// Writing is exact: decimals canonical (<see cref="DecimalText"/>: no exponent, no trailing zeros), doubles shortest
/// round-trip with <c>"Infinity"</c>, times ISO 8601 with their offset; reading a written document gives back equal
/// values (a status absent from an evaluation and one written with zero accounts read back alike: absent). Reading is
/// strict: an unknown schema version, status or stop, a missing or malformed field, or a ratio histogram whose buckets
/// are not <see cref="RatioHistogram"/>'s is a <see cref="FormatException"/> naming where.
/// </remarks>
public static class StressRunDocument
{
    /// <summary>The version of the document's shape.</summary>
    public const int SchemaVersion = 1;

    private static readonly StressRunJsonContext s_compact = new(new JsonSerializerOptions(StressRunJsonContext.Default.Options) { WriteIndented = false });

    /// <summary>The source-generated context without indentation, for the stored rows.</summary>
    internal static StressRunJsonContext Compact => s_compact;

    /// <summary>Writes a run's document (indented JSON).</summary>
    /// <param name="record">The run's record.</param>
    /// <param name="result">Its result, or null (queued, running, failed).</param>
    /// <returns>The JSON text.</returns>
    public static string Serialize(StressRunRecord record, StressRunResult? result) =>
        JsonSerializer.Serialize(ToJson(record, result), StressRunJsonContext.Default.StressRunJson);

    /// <summary>The document's object form.</summary>
    /// <param name="record">The run's record.</param>
    /// <param name="result">Its result, or null.</param>
    /// <exception cref="ArgumentException">The result belongs to another run.</exception>
    public static StressRunJson ToJson(StressRunRecord record, StressRunResult? result)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (result is not null && !string.Equals(result.RunId, record.RunId, StringComparison.Ordinal))
        {
            throw new ArgumentException($"the result is run {result.RunId}'s, not run {record.RunId}'s", nameof(result));
        }

        return new StressRunJson { Run = Record(record), Result = result is null ? null : Result(result) };
    }

    /// <summary>Reads a document written by <see cref="Serialize"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The record and the result (null when the document has none).</returns>
    /// <exception cref="FormatException">The text is not such a document; the message says where.</exception>
    public static (StressRunRecord Record, StressRunResult? Result) Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var document = Parse(json, StressRunJsonContext.Default.StressRunJson, "the document");
        if (document.SchemaVersion != SchemaVersion)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"schemaVersion is {document.SchemaVersion}; this version reads {SchemaVersion}"));
        }

        var record = Record(document.Run, "run.");
        if (document.Result is not { } r)
        {
            return (record, null);
        }

        var result = Result(r.Summary, r.Initial, r.Final, r.Rounds, r.Curve, Places.Document);
        if (!string.Equals(result.RunId, record.RunId, StringComparison.Ordinal))
        {
            throw new FormatException($"result.summary.runId is {result.RunId}, not the run's id {record.RunId}");
        }

        return (record, result);
    }

    internal static T Parse<T>(string json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string where)
    {
        try
        {
            return JsonSerializer.Deserialize(json, type) ?? throw new FormatException($"{where} is JSON null");
        }
        catch (JsonException ex)
        {
            throw new FormatException($"{where}: {ex.Message}", ex);
        }
    }

    internal static StressRecordJson Record(StressRunRecord r) => new()
    {
        RunId = r.RunId,
        Status = r.Status.ToString(),
        Request = r.Request,
        SnapshotId = r.SnapshotId,
        ParamsVersion = r.ParamsVersion,
        Candidate = r.Candidate,
        ScenarioName = r.ScenarioName,
        RequestedAt = r.RequestedAt,
        StartedAt = r.StartedAt,
        CompletedAt = r.CompletedAt,
        Attempts = r.Attempts,
        Error = r.Error,
    };

    internal static StressRunRecord Record(StressRecordJson j, string where) => new(
        j.RunId,
        Status(j.Status, $"{where}status"),
        j.Request,
        j.SnapshotId,
        j.ParamsVersion,
        j.Candidate,
        j.ScenarioName,
        j.RequestedAt,
        j.StartedAt,
        j.CompletedAt,
        j.Attempts,
        j.Error);

    /// <summary>Parses a run status name (not a number).</summary>
    internal static StressRunStatus Status(string? text, string where) =>
        Named<StressRunStatus>(text, where);

    internal static StressResultJson Result(StressRunResult r) => new()
    {
        Summary = Summary(r),
        Initial = Evaluation(r.Cascade.Initial),
        Final = Evaluation(r.Cascade.Final),
        Rounds = [.. r.Cascade.Rounds.Select(Round)],
        Curve = [.. r.Curve.Select(Point)],
    };

    internal static StressSummaryJson Summary(StressRunResult r) => new()
    {
        RunId = r.RunId,
        Scenario = Scenario(r.Scenario),
        PriceMoves = Decimals(r.PriceMoves),
        VolatilityMoves = Decimals(r.VolatilityMoves),
        SnapshotId = r.SnapshotId,
        SnapshotAsOf = r.SnapshotAsOf,
        ParamsVersion = r.ParamsVersion,
        Candidate = r.Candidate,
        Accounts = r.Accounts,
        UnreadableAccounts = r.UnreadableAccounts,
        Unreadable = [.. r.Unreadable.Select(u => new AccountProblemJson(u.AccountId, u.Problem))],
        BookBytes = r.BookBytes,
        BytesPerAccount = r.BytesPerAccount,
        Cascade = new CascadeSummaryJson
        {
            Rounds = r.Cascade.Rounds.Length,
            Stop = r.Cascade.Stop.ToString(),
            StartPrices = Decimals(r.Cascade.StartPrices),
            FinalPrices = Decimals(r.Cascade.FinalPrices),
            Liquidations = r.Cascade.Liquidations,
            InsuranceFundLoss = DecimalText.Format(r.Cascade.InsuranceFundLoss),
            LiquidationCost = DecimalText.Format(r.Cascade.LiquidationCost),
            Assets = [.. r.Cascade.Totals.Select(Flow)],
        },
        CurveAsset = r.CurveAsset,
        CurvePoints = r.Curve.IsDefault ? 0 : r.Curve.Length,
        CompletedAt = r.CompletedAt,
        Timings = new TimingsJson(r.ReadTime, r.CascadeTime, r.CurveTime),
    };

    internal static BookEvaluationJson Evaluation(BookEvaluation e) => new()
    {
        ByStatus = Enum.GetValues<MarginStatus>().ToDictionary(s => s.ToString(), s => e.ByStatus.GetValueOrDefault(s)),
        LiquidatableOrWorse = e.LiquidatableOrWorse,
        Failed = e.Failed,
        Closed = e.Closed,
        PriceSuspect = e.PriceSuspect,
        Shortfall = DecimalText.Format(e.Shortfall),
        NegativeEquity = DecimalText.Format(e.NegativeEquity),
        RatioHistogram = [.. e.Ratios.Select((n, i) => new RatioBucketJson(RatioHistogram.Label(i), RatioHistogram.From(i), RatioHistogram.To(i), n))],
        Worst = [.. e.Worst.Select(a => new StressedAccountJson
        {
            AccountId = a.AccountId,
            Status = a.Status.ToString(),
            MarginRatio = a.MarginRatio,
            Equity = DecimalText.Format(a.Equity),
            AdjustedEquityMaintenance = DecimalText.Format(a.AdjustedEquityMaintenance),
            MaintenanceRequirement = DecimalText.Format(a.MaintenanceRequirement),
            Reason = a.Reason,
        })],
        Problems = [.. e.Problems.Select(p => new AccountProblemJson(p.AccountId, p.Problem))],
    };

    internal static CascadeRoundJson Round(CascadeRound r) => new()
    {
        Round = r.Round,
        NewLiquidations = r.NewLiquidations,
        WithoutOrder = r.WithoutOrder,
        NewAccounts = r.NewAccounts,
        Unplanned = [.. r.Unplanned.Select(p => new AccountProblemJson(p.AccountId, p.Problem))],
        LargestOrders = [.. r.LargestOrders.Select(o => new StressOrderJson(o.AccountId, o.Status.ToString(), o.Outcome, DecimalText.Format(o.Value), DecimalText.Format(o.Cost), DecimalText.Format(o.Shortfall), [.. o.Legs.Select(l => new StressOrderLegJson(l.Kind, l.Target, l.Side, DecimalText.Format(l.Quantity), DecimalText.Format(l.LimitPrice), DecimalText.Format(l.Value)))]))],
        InsuranceFundLoss = DecimalText.Format(r.InsuranceFundLoss),
        LiquidationCost = DecimalText.Format(r.LiquidationCost),
        SoldUsd = DecimalText.Format(r.SoldUsd),
        BoughtUsd = DecimalText.Format(r.BoughtUsd),
        Evaluation = Evaluation(r.Evaluation),
        Assets = [.. r.Assets.Select(Flow)],
    };

    internal static CurvePointJson Point(CurvePoint p) => new()
    {
        Move = DecimalText.Format(p.Move),
        Price = DecimalText.Format(p.Price),
        Liquidatable = p.Liquidatable,
        Bankrupt = p.Bankrupt,
        LiquidatableOrWorse = p.LiquidatableOrWorse,
        Shortfall = DecimalText.Format(p.Shortfall),
        NegativeEquity = DecimalText.Format(p.NegativeEquity),
        PriceSuspect = p.PriceSuspect,
        Failed = p.Failed,
    };

    /// <summary>Rebuilds a result from its parts, checking each.</summary>
    /// <exception cref="FormatException">A part is malformed or they do not fit together; the message says where.</exception>
    internal static StressRunResult Result(StressSummaryJson s, BookEvaluationJson initial, BookEvaluationJson final, IReadOnlyList<CascadeRoundJson> rounds, IReadOnlyList<CurvePointJson> curve, Places places)
    {
        var where = places.Summary;
        if (rounds.Count != s.Cascade.Rounds)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{where}cascade.rounds counts {s.Cascade.Rounds} rounds but there are {rounds.Count}"));
        }

        if (curve.Count != s.CurvePoints)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{where}curvePoints counts {s.CurvePoints} curve points but there are {curve.Count}"));
        }

        return new StressRunResult
        {
            RunId = s.RunId,
            Scenario = Scenario(s.Scenario, $"{where}scenario."),
            PriceMoves = Decimals(s.PriceMoves, $"{where}priceMoves."),
            VolatilityMoves = Decimals(s.VolatilityMoves, $"{where}volatilityMoves."),
            SnapshotId = s.SnapshotId,
            SnapshotAsOf = s.SnapshotAsOf,
            ParamsVersion = s.ParamsVersion,
            Candidate = s.Candidate,
            Accounts = s.Accounts,
            UnreadableAccounts = s.UnreadableAccounts,
            Unreadable = [.. s.Unreadable.Select(u => new AccountProblem(u.AccountId, u.Problem))],
            BookBytes = s.BookBytes,
            Cascade = new CascadeResult
            {
                Rounds = [.. rounds.Select((r, i) => Round(r, places.Round(i)))],
                Stop = Named<CascadeStop>(s.Cascade.Stop, $"{where}cascade.stop"),
                Initial = Evaluation(initial, places.Initial),
                Final = Evaluation(final, places.Final),
                StartPrices = Decimals(s.Cascade.StartPrices, $"{where}cascade.startPrices."),
                FinalPrices = Decimals(s.Cascade.FinalPrices, $"{where}cascade.finalPrices."),
            },
            CurveAsset = s.CurveAsset,
            Curve = [.. curve.Select((p, i) => Point(p, places.Curve(i)))],
            CompletedAt = s.CompletedAt,
            ReadTime = s.Timings.Read,
            CascadeTime = s.Timings.Cascade,
            CurveTime = s.Timings.Curve,
        };
    }

    internal static BookEvaluation Evaluation(BookEvaluationJson j, string where)
    {
        var byStatus = ImmutableSortedDictionary.CreateBuilder<MarginStatus, int>();
        foreach (var (name, count) in j.ByStatus)
        {
            var status = Named<MarginStatus>(name, $"{where}byStatus");
            if (count < 0)
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{where}byStatus.{name} is {count}; a count cannot be negative"));
            }

            // The engine keeps only the statuses some account has; the document writes every status.
            if (count > 0)
            {
                byStatus[status] = count;
            }
        }

        if (j.RatioHistogram.Count != 0 && j.RatioHistogram.Count != RatioHistogram.BucketCount)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{where}ratioHistogram has {j.RatioHistogram.Count} buckets; expected none or {RatioHistogram.BucketCount}"));
        }

        for (var i = 0; i < j.RatioHistogram.Count; i++)
        {
            if (!string.Equals(j.RatioHistogram[i].Label, RatioHistogram.Label(i), StringComparison.Ordinal))
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{where}ratioHistogram[{i}] is bucket '{j.RatioHistogram[i].Label}'; expected '{RatioHistogram.Label(i)}'"));
            }
        }

        return new BookEvaluation
        {
            ByStatus = byStatus.ToImmutable(),
            Failed = j.Failed,
            Closed = j.Closed,
            PriceSuspect = j.PriceSuspect,
            Shortfall = Decimal(j.Shortfall, $"{where}shortfall"),
            NegativeEquity = Decimal(j.NegativeEquity, $"{where}negativeEquity"),
            Ratios = [.. j.RatioHistogram.Select(b => b.Accounts)],
            Worst = [.. j.Worst.Select((a, i) =>
            {
                var at = string.Create(CultureInfo.InvariantCulture, $"{where}worst[{i}].");
                return new StressedAccount(
                    a.AccountId,
                    Named<MarginStatus>(a.Status, $"{at}status"),
                    a.MarginRatio,
                    Decimal(a.Equity, $"{at}equity"),
                    Decimal(a.AdjustedEquityMaintenance, $"{at}adjustedEquityMaintenance"),
                    Decimal(a.MaintenanceRequirement, $"{at}maintenanceRequirement"),
                    a.Reason);
            })],
            Problems = [.. j.Problems.Select(p => new AccountProblem(p.AccountId, p.Problem))],
        };
    }

    internal static CascadeRound Round(CascadeRoundJson j, string where) => new()
    {
        Round = j.Round,
        Evaluation = Evaluation(j.Evaluation, $"{where}evaluation."),
        NewLiquidations = j.NewLiquidations,
        WithoutOrder = j.WithoutOrder,
        NewAccounts = j.NewAccounts ?? j.NewLiquidations,
        Unplanned = [.. (j.Unplanned ?? []).Select(p => new AccountProblem(p.AccountId, p.Problem))],
        LargestOrders = [.. (j.LargestOrders ?? []).Select((o, i) => Order(o, string.Create(CultureInfo.InvariantCulture, $"{where}largestOrders[{i}].")))],
        InsuranceFundLoss = Decimal(j.InsuranceFundLoss, $"{where}insuranceFundLoss"),
        LiquidationCost = Decimal(j.LiquidationCost, $"{where}liquidationCost"),
        Assets = [.. j.Assets.Select((a, i) => Flow(a, string.Create(CultureInfo.InvariantCulture, $"{where}assets[{i}].")))],
    };

    internal static CurvePoint Point(CurvePointJson j, string where) => new(
        Decimal(j.Move, $"{where}move"),
        Decimal(j.Price, $"{where}price"),
        j.Liquidatable,
        j.Bankrupt,
        Decimal(j.Shortfall, $"{where}shortfall"),
        Decimal(j.NegativeEquity, $"{where}negativeEquity"),
        j.PriceSuspect,
        j.Failed);

    private static AssetFlowJson Flow(AssetFlow f) => new()
    {
        Asset = f.Asset,
        SoldUsd = DecimalText.Format(f.SoldUsd),
        BoughtUsd = DecimalText.Format(f.BoughtUsd),
        Legs = f.Legs,
        DepthUsd = DecimalText.Format(f.DepthUsd),
        PriceBefore = DecimalText.Format(f.PriceBefore),
        PriceAfter = DecimalText.Format(f.PriceAfter),
        Floored = f.Floored,
        NetOfDepth = DecimalText.Format(f.NetOfDepth),
    };

    private static StressOrder Order(StressOrderJson j, string where) => new(
        j.AccountId,
        Enum.TryParse<MarginStatus>(j.Status, ignoreCase: false, out var status) && Enum.IsDefined(status) ? status : throw new FormatException($"{where}status: '{j.Status}' is not a margin status"),
        j.Outcome,
        Decimal(j.Value, $"{where}value"),
        Decimal(j.Cost, $"{where}cost"),
        Decimal(j.Shortfall, $"{where}shortfall"),
        [.. j.Legs.Select((l, i) => new StressOrderLeg(l.Kind, l.Target, l.Side, Decimal(l.Quantity, $"{where}legs[{i}].quantity"), Decimal(l.LimitPrice, $"{where}legs[{i}].limitPrice"), Decimal(l.Value, $"{where}legs[{i}].value")))]);

    private static AssetFlow Flow(AssetFlowJson j, string where) => new(
        j.Asset,
        Decimal(j.SoldUsd, $"{where}soldUsd"),
        Decimal(j.BoughtUsd, $"{where}boughtUsd"),
        j.Legs,
        Decimal(j.DepthUsd, $"{where}depthUsd"),
        Decimal(j.PriceBefore, $"{where}priceBefore"),
        Decimal(j.PriceAfter, $"{where}priceAfter"),
        j.Floored);

    private static ScenarioJson Scenario(StressScenario s) => new()
    {
        Name = s.Name,
        Title = s.Title,
        Historical = s.Historical,
        Date = s.Date,
        Window = s.Window,
        Description = s.Description,
        Sources = [.. s.Sources.Select(x => new SourceJson(x.Title, x.Url))],
        Shocks = Shocks(s.Prices),
        VolatilityShocks = Shocks(s.Volatilities),
        Text = s.Prices.ToString(),
        VolatilityText = s.Volatilities.ToString(),
    };

    private static StressScenario Scenario(ScenarioJson j, string where) => new()
    {
        Name = j.Name,
        Title = j.Title,
        Prices = Shocks(j.Shocks, $"{where}shocks"),
        Volatilities = Shocks(j.VolatilityShocks, $"{where}volatilityShocks"),
        Date = j.Date,
        Window = j.Window,
        Description = j.Description,
        Sources = [.. j.Sources.Select(x => new ScenarioSource(x.Title, x.Url))],
    };

    private static ShockJson[] Shocks(ShockSet set) => [.. set.Shocks.Select(s => new ShockJson(s.Selector, DecimalText.Format(s.Move)))];

    private static ShockSet Shocks(IReadOnlyList<ShockJson> shocks, string where)
    {
        var list = shocks.Select((s, i) => new Shock(s.Selector, Decimal(s.Move, string.Create(CultureInfo.InvariantCulture, $"{where}[{i}].move")))).ToList();
        try
        {
            return ShockSet.Create(list);
        }
        catch (ArgumentException ex)
        {
            throw new FormatException($"{where}: {ex.Message}", ex);
        }
    }

    private static SortedDictionary<string, string> Decimals(IEnumerable<KeyValuePair<string, decimal>> values) =>
        new(values.ToDictionary(kv => kv.Key, kv => DecimalText.Format(kv.Value), StringComparer.Ordinal), StringComparer.Ordinal);

    private static ImmutableSortedDictionary<string, decimal> Decimals(IReadOnlyDictionary<string, string> values, string where) =>
        values.ToImmutableSortedDictionary(kv => kv.Key, kv => Decimal(kv.Value, $"{where}{kv.Key}"), StringComparer.Ordinal);

    private static decimal Decimal(string? text, string where) =>
        decimal.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign | System.Globalization.NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException(text is null ? $"{where} is missing" : $"{where} is '{text}', not an invariant decimal");

    private static T Named<T>(string? text, string where)
        where T : struct, Enum =>
        text is not null && Enum.GetNames<T>().Contains(text, StringComparer.Ordinal)
            ? Enum.Parse<T>(text)
            : throw new FormatException($"{where}: '{text}' is not one of {string.Join(", ", Enum.GetNames<T>())}");

    /// <summary>Where each part of a result is, as problems name it: prefixes that a field name completes (<c>result.rounds[2].</c>, <c>stress run X, row round-003: </c>).</summary>
    internal sealed record Places(string Summary, string Initial, string Final, Func<int, string> Round, Func<int, string> Curve)
    {
        /// <summary>The parts of a document.</summary>
        public static Places Document { get; } = new(
            "result.summary.",
            "result.initial.",
            "result.final.",
            i => string.Create(CultureInfo.InvariantCulture, $"result.rounds[{i}]."),
            i => string.Create(CultureInfo.InvariantCulture, $"result.curve[{i}]."));
    }
}
