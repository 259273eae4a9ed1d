using System.Collections.Immutable;
using System.Globalization;
using Margin.Engine.Liquidation;
using Margin.Engine.Parameters;
using Margin.Engine.Prices;
using Margin.Engine.Results;
using Margin.Engine.Stress;
using Margin.Sweep.Orders;
using Margin.Sweep.Ports;
using Margin.Sweep.Prices;
using Margin.Sweep.Stress;
using Margin.Sweep.Results;

namespace Margin.Infrastructure.Reports;

/// <summary>Assembles the <see cref="ReportData"/> of a sweep (from its receipts, the stored results, its orders and its snapshot) or of a stress run (from its stored result).</summary>
/// <remarks>
/// <para>A sweep's accounts per status are its receipts' (exact for that sweep). The ratio distribution and the worst
/// accounts are the stored results at report time, the latest per account: for the latest sweep they are that sweep's
/// view of the book (results that did not change materially keep an earlier sweep's stamp); for an older sweep they are
/// newer than it, and the page says so. Orders by asset are the orders the sweep created (the outbox keeps them), legs on
/// perpetuals and futures counting on their underlying and options left out (<see cref="DepthImpact.AssetOf"/>), against the depth of the sweep's parameters. Prices, their age at the
/// snapshot's time and the guard's decisions per source come from the sweep's snapshot.</para>
/// <para>A stress report maps the run's stored result: the statuses of the shocked book before and after the cascade,
/// the distribution and worst accounts of the shocked book (before any liquidation), every asset's sales against depth over all rounds, the rounds
/// and the curve.</para>
/// </remarks>
public sealed class ReportBuilder
{
    private readonly IAccountStore _accounts;
    private readonly IMarginStore _margin;
    private readonly ISweepStore _sweeps;
    private readonly IPriceSnapshotStore _snapshots;
    private readonly IRiskParameterStore _parameters;
    private readonly IStressRunStore _runs;
    private readonly TimeProvider _time;

    /// <summary>Creates the builder over the stores.</summary>
    public ReportBuilder(IAccountStore accounts, IMarginStore margin, ISweepStore sweeps, IPriceSnapshotStore snapshots, IRiskParameterStore parameters, IStressRunStore runs, TimeProvider time)
    {
        _accounts = accounts ?? throw new ArgumentNullException(nameof(accounts));
        _margin = margin ?? throw new ArgumentNullException(nameof(margin));
        _sweeps = sweeps ?? throw new ArgumentNullException(nameof(sweeps));
        _snapshots = snapshots ?? throw new ArgumentNullException(nameof(snapshots));
        _parameters = parameters ?? throw new ArgumentNullException(nameof(parameters));
        _runs = runs ?? throw new ArgumentNullException(nameof(runs));
        _time = time ?? throw new ArgumentNullException(nameof(time));
    }

    /// <summary>The builder over a deployment's storage.</summary>
    /// <param name="storage">The stores.</param>
    /// <param name="time">The clock (the report's time).</param>
    public static ReportBuilder Create(Composition.MarginStorage storage, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(storage);
        return new ReportBuilder(storage.Accounts, storage.Margin, storage.Sweeps, storage.Snapshots, storage.Parameters, storage.StressRuns, time);
    }

    /// <summary>A sweep's report.</summary>
    /// <param name="sweepId">The sweep's id, or <c>latest</c>.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The report, or why there is none (an unknown sweep).</returns>
    public async Task<ReportOutcome> SweepAsync(string sweepId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sweepId);
        var askedLatest = string.Equals(sweepId, "latest", StringComparison.OrdinalIgnoreCase);
        var latest = await _sweeps.GetLatestAsync(cancellationToken).ConfigureAwait(false);
        var sweep = askedLatest ? latest : await _sweeps.GetAsync(sweepId, cancellationToken).ConfigureAwait(false);
        if (sweep is null)
        {
            return ReportOutcome.NotFound(askedLatest ? "no sweep has run yet" : $"no sweep {sweepId} is stored");
        }

        var snapshot = await _snapshots.ReadAsync(sweep.SnapshotId, cancellationToken).ConfigureAwait(false);
        var decisions = await _snapshots.ReadDecisionsAsync(sweep.SnapshotId, cancellationToken).ConfigureAwait(false);
        var parameters = await _parameters.GetAsync(sweep.ParamsVersion, cancellationToken).ConfigureAwait(false);

        var receipts = new List<SweepReceipt>();
        await foreach (var receipt in _margin.ReadReceiptsAsync(sweep.SweepId, cancellationToken).ConfigureAwait(false))
        {
            receipts.Add(receipt);
        }

        // One query per partition, a few at a time: the page needs every stored result.
        var partitions = new StoredResult[_accounts.PartitionCount][];
        await Parallel.ForEachAsync(Enumerable.Range(0, _accounts.PartitionCount), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (partition, token) =>
            partitions[partition] = [.. (await _margin.ReadPartitionAsync(partition, sweep.SweepId, token).ConfigureAwait(false)).Results.Values]).ConfigureAwait(false);
        var results = partitions.SelectMany(p => p).ToList();

        var flows = new SortedDictionary<string, (decimal Sold, decimal Bought, int Orders)>(StringComparer.Ordinal);
        var messages = new List<LiquidationOrder>();
        await foreach (var order in _margin.ReadOrdersAsync(unsentOnly: false, cancellationToken).ConfigureAwait(false))
        {
            if (string.Equals(order.SweepId, sweep.SweepId, StringComparison.Ordinal) && LiquidationOrderJson.Read(order.Body) is { } message)
            {
                AddOrder(flows, message, parameters);
                messages.Add(message);
            }
        }

        var statuses = receipts.SelectMany(r => r.ByStatus).GroupBy(kv => kv.Key).ToDictionary(g => g.Key.ToString(), g => g.Sum(kv => kv.Value), StringComparer.Ordinal);
        statuses[ReportStatusCount.Failed] = receipts.Sum(r => r.Failed);
        var evaluated = results.Where(r => r.Status is not null).Select(r => double.IsNaN(r.MarginRatio) ? r with { MarginRatio = double.PositiveInfinity } : r).ToList();
        var notes = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"Accounts per status are the sweep's receipts ({receipts.Count} of {sweep.PartitionCount} partitions processed). The ratio distribution and the worst accounts are the {evaluated.Count:N0} results stored now (the latest per account; a result that did not change materially keeps the sweep that last wrote it)."),
        };
        if (latest is not null && !string.Equals(latest.SweepId, sweep.SweepId, StringComparison.Ordinal))
        {
            notes.Add($"Sweep {latest.SweepId} has run since: the stored results are newer than this sweep.");
        }

        if (sweep.NoLiquidation)
        {
            notes.Add($"The sweep ran in no-liquidation mode: snapshot {sweep.SnapshotId} was older than its maximum age; no order was issued.");
        }

        if (parameters is null)
        {
            notes.Add($"Parameters {sweep.ParamsVersion} are no longer stored: depths are unknown.");
        }

        return ReportOutcome.Of(new ReportData
        {
            Kind = ReportKind.Sweep,
            Title = $"Sweep {sweep.SweepId}",
            Id = sweep.SweepId,
            GeneratedAt = _time.GetUtcNow(),
            Facts =
            [
                new("Snapshot", snapshot is null ? $"{sweep.SnapshotId} (no longer stored)" : $"{snapshot.Id} at {Time(snapshot.AsOf)}"),
                new("Parameters", sweep.ParamsVersion),
                new("Started", Time(sweep.StartedAt)),
                new("Accounts", receipts.Sum(r => r.Accounts).ToString("N0", CultureInfo.InvariantCulture)),
                new("Orders created", receipts.Sum(r => r.Orders).ToString("N0", CultureInfo.InvariantCulture)),
                new("Work items", sweep.WorkItems.ToString(CultureInfo.InvariantCulture)),
                new("Mode", sweep.NoLiquidation ? "no-liquidation (snapshot too old)" : "normal"),
            ],
            StatusCounts = [.. ReportStatusCount.Order.Select(s => new ReportStatusCount { Status = s, Accounts = statuses.GetValueOrDefault(s) })],
            RatioHistogram = ReportRatioBucket.Histogram(evaluated.Select(r => r.MarginRatio)),
            WorstAccounts = [.. evaluated.OrderByDescending(r => r.MarginRatio).ThenBy(r => r.AccountId, StringComparer.Ordinal).Take(ReportData.MaxWorstAccounts).Select(r => new ReportAccount
            {
                AccountId = r.AccountId,
                Status = r.Status!.Value,
                MarginRatio = r.MarginRatio,
                Equity = r.Equity,
                AdjustedEquityMaintenance = r.AdjustedEquityMaintenance,
                MaintenanceRequirement = r.MaintenanceRequirement,
                Reason = r.Reason is { Length: > 0 } reason ? (r.ReasonRule is { Length: > 0 } rule ? $"{rule}: {reason}" : reason) : r.ReasonRule ?? "(no reason stored)",
            })],
            AssetFlows = [.. flows.Select(kv => new ReportAssetFlow
            {
                Asset = kv.Key,
                SoldUsd = kv.Value.Sold,
                BoughtUsd = kv.Value.Bought,
                DepthUsd = parameters?.Assets.GetValueOrDefault(kv.Key)?.DepthUsd ?? 0m,
                Orders = kv.Value.Orders,
            })],
            LargestOrders = [.. messages.Select(m => (Message: m, Value: m.Legs.Sum(l => Number(l.Value))))
                .OrderByDescending(o => o.Value).ThenBy(o => o.Message.AccountId, StringComparer.Ordinal).Take(ReportData.MaxOrders)
                .Select(o => new ReportOrder
                {
                    AccountId = o.Message.AccountId,
                    Status = o.Message.Severity,
                    Value = o.Value,
                    Cost = Number(o.Message.TotalCost),
                    Shortfall = Number(o.Message.Shortfall),
                    Legs = [.. o.Message.Legs.Select(l => new ReportOrderLeg { Side = l.Side, Quantity = Number(l.Quantity), Target = l.Target, LimitPrice = Number(l.LimitPrice), Value = Math.Abs(Number(l.Value)) })],
                })],
            Prices = snapshot is null ? [] : Prices(snapshot, parameters),
            Guard = decisions is null ? null : Guard(decisions, snapshot?.AsOf),
            Notes = [.. notes],
        });
    }

    /// <summary>A stress run's report.</summary>
    /// <param name="runId">The run's id, or <c>latest</c> (the newest run).</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The report, or why there is none (an unknown run, or one not completed).</returns>
    public async Task<ReportOutcome> StressAsync(string runId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        var latest = string.Equals(runId, "latest", StringComparison.OrdinalIgnoreCase);
        var record = latest
            ? await NewestAsync(cancellationToken).ConfigureAwait(false)
            : await _runs.GetAsync(runId, cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            return ReportOutcome.NotFound(latest ? "no stress run is stored yet" : $"no stress run {runId} is stored");
        }

        runId = record.RunId;

        if (record.Status != StressRunStatus.Completed || await _runs.GetResultAsync(runId, cancellationToken).ConfigureAwait(false) is not { } result)
        {
            return ReportOutcome.NotReady($"stress run {runId} is {record.Status}{(record.Error is null ? string.Empty : ": " + record.Error)}; its report exists once it has completed");
        }

        var snapshot = await _snapshots.ReadAsync(result.SnapshotId, cancellationToken).ConfigureAwait(false);
        var decisions = await _snapshots.ReadDecisionsAsync(result.SnapshotId, cancellationToken).ConfigureAwait(false);
        var parameters = await _parameters.GetAsync(result.ParamsVersion, cancellationToken).ConfigureAwait(false);
        return ReportOutcome.Of(Stress(record, result, snapshot, parameters, _time.GetUtcNow()) with { Guard = decisions is null ? null : Guard(decisions, snapshot?.AsOf) });
    }

    private async Task<StressRunRecord?> NewestAsync(CancellationToken cancellationToken)
    {
        var newest = await _runs.ListAsync(1, cancellationToken).ConfigureAwait(false);
        return newest.Count == 0 ? null : newest[0];
    }

    /// <summary>Maps a completed stress run to its report (no I/O).</summary>
    /// <param name="record">The run's record.</param>
    /// <param name="result">Its result.</param>
    /// <param name="snapshot">The snapshot it shocked, for the prices section; null when no longer stored.</param>
    /// <param name="parameters">Its parameters, for the depths; null when no longer stored.</param>
    /// <param name="now">When the report is written.</param>
    /// <returns>The report.</returns>
    public static ReportData Stress(StressRunRecord record, StressRunResult result, PriceSnapshot? snapshot, RiskParameters? parameters, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(result);
        var cascade = result.Cascade;
        var initial = cascade.Initial;
        var final = cascade.Final;
        var moves = string.Join(", ", result.PriceMoves.Select(kv => $"{kv.Key} {Percent(kv.Value)}"));
        var vols = string.Join(", ", result.VolatilityMoves.Select(kv => $"{kv.Key} {Percent(kv.Value)}"));
        var facts = new List<ReportFact>
        {
            new("Scenario", result.Scenario.Title is { } title ? $"{result.Scenario.Name}: {title}" : result.Scenario.Name),
            new("Price moves", moves.Length == 0 ? "none" : moves),
        };
        if (vols.Length > 0)
        {
            facts.Add(new("Volatility moves", vols));
        }

        if (result.Scenario.Date is { } date)
        {
            facts.Add(new("Date", result.Scenario.Window is { } window ? $"{date} ({window})" : date));
        }

        facts.AddRange(
        [
            new("Snapshot", $"{result.SnapshotId} at {Time(result.SnapshotAsOf)}"),
            new("Parameters", result.Candidate ? $"{result.ParamsVersion} (candidate, not active)" : result.ParamsVersion),
            new("Accounts", string.Create(CultureInfo.InvariantCulture, $"{result.Accounts:N0}{(result.UnreadableAccounts > 0 ? $" ({result.UnreadableAccounts:N0} unreadable, not evaluated)" : string.Empty)}")),
            new("Cascade", string.Create(CultureInfo.InvariantCulture, $"{cascade.Rounds.Length} round(s), stopped: {Stop(cascade.Stop)}; {cascade.Liquidations:N0} liquidations")),
            new("Insurance fund loss", Usd(cascade.InsuranceFundLoss)),
            new("Liquidation cost", Usd(cascade.LiquidationCost)),
            new("Book in memory", string.Create(CultureInfo.InvariantCulture, $"{result.BookBytes / 1_048_576.0:0.0} MiB, {result.BytesPerAccount:0} bytes per account")),
            new("Time", string.Create(CultureInfo.InvariantCulture, $"read {result.ReadTime.TotalSeconds:0.0} s, cascade {result.CascadeTime.TotalSeconds:0.0} s, curve {result.CurveTime.TotalSeconds:0.0} s")),
        ]);

        var notes = new List<string>
        {
            "Accounts per status: the shocked book before any liquidation, and after the cascade (accounts closed at the insurance fund's expense count as bankrupt after it). The ratio distribution and the worst accounts are the shocked book's, before any liquidation, so they cover every account the status table's first column counts.",
        };
        if (result.Scenario.Historical)
        {
            notes.Add($"The scenario's figures come from: {string.Join("; ", result.Scenario.Sources.Select(s => $"{s.Title} ({s.Url})"))}.");
        }

        if (initial.PriceSuspect > 0)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"{initial.PriceSuspect:N0} accounts depend on a price the snapshot marks unusable: they are never liquidated, under stress as in a sweep."));
        }

        if (cascade.Rounds.SelectMany(r => r.Assets).Any(a => a.Floored))
        {
            notes.Add("At least one round's sales exceeded 99 % of an asset's depth; the price fall of that round was floored at 99 % (docs/stress.md).");
        }

        var flows = cascade.Totals;
        return new ReportData
        {
            Kind = ReportKind.Stress,
            Title = $"Stress run {record.RunId}",
            Id = record.RunId,
            GeneratedAt = now,
            Facts = [.. facts],
            StatusCounts = [.. ReportStatusCount.Order.Select(s => new ReportStatusCount
            {
                Status = s,
                Accounts = Count(initial, s),
                AfterCascade = Count(final, s) + (s == nameof(MarginStatus.Bankrupt) ? final.Closed : 0),
            })],
            RatioHistogram = ReportRatioBucket.FromCounts(initial.Ratios),
            WorstAccounts = [.. initial.Worst.Take(ReportData.MaxWorstAccounts).Select(w => new ReportAccount
            {
                AccountId = w.AccountId,
                Status = w.Status,
                MarginRatio = w.MarginRatio,
                Equity = w.Equity,
                AdjustedEquityMaintenance = w.AdjustedEquityMaintenance,
                MaintenanceRequirement = w.MaintenanceRequirement,
                Reason = w.Reason,
            })],
            AssetFlows = [.. flows.Where(f => f.Legs > 0).Select(f => new ReportAssetFlow
            {
                Asset = f.Asset,
                SoldUsd = f.SoldUsd,
                BoughtUsd = f.BoughtUsd,
                DepthUsd = f.DepthUsd,
                Orders = f.Legs,
            })],
            LargestOrders = [.. cascade.Rounds[0].LargestOrders.Take(ReportData.MaxOrders).Select(o => new ReportOrder
            {
                AccountId = o.AccountId,
                Status = o.Status.ToString(),
                Value = o.Value,
                Cost = o.Cost,
                Shortfall = o.Shortfall,
                Legs = [.. o.Legs.Select(l => new ReportOrderLeg { Side = l.Side, Quantity = l.Quantity, Target = l.Target, LimitPrice = l.LimitPrice, Value = l.Value })],
            })],
            Prices = snapshot is null ? [] : Prices(snapshot, parameters),
            Cascade = new ReportCascade
            {
                StopReason = Stop(cascade.Stop),
                Rounds = [.. cascade.Rounds.Select(r => new ReportCascadeRound
                {
                    Round = r.Round,
                    NewLiquidations = r.NewLiquidations,
                    NewAccounts = r.NewAccounts,
                    Liquidatable = r.Evaluation.LiquidatableOrWorse,
                    SoldUsd = r.SoldUsd,
                    BoughtUsd = r.BoughtUsd,
                    InsuranceFundLoss = r.InsuranceFundLoss,
                    Shortfall = r.Evaluation.Shortfall,
                    Prices = [.. r.Assets.Select(a => new ReportRoundPrice { Asset = a.Asset, Start = a.PriceBefore, AfterImpact = a.PriceAfter })],
                })],
            },
            Curve = result.CurveAsset is { } asset && !result.Curve.IsDefaultOrEmpty
                ? new ReportCurve
                {
                    Asset = asset,
                    Points = [.. result.Curve.Select(p => new ReportCurvePoint { Move = (double)p.Move, Liquidatable = p.Liquidatable, Bankrupt = p.Bankrupt, Shortfall = p.Shortfall })],
                }
                : null,
            Notes = [.. notes],
        };
    }

    private static int Count(BookEvaluation evaluation, string status) =>
        status == ReportStatusCount.Failed ? evaluation.Failed : evaluation.ByStatus.GetValueOrDefault(Enum.Parse<MarginStatus>(status));

    private static void AddOrder(SortedDictionary<string, (decimal Sold, decimal Bought, int Orders)> flows, LiquidationOrder message, RiskParameters? parameters)
    {
        foreach (var leg in message.Legs)
        {
            var kind = Enum.TryParse<LegKind>(leg.Kind, ignoreCase: false, out var k) ? k : LegKind.SellCollateral;
            if ((parameters is null ? leg.Target : DepthImpact.AssetOf(parameters, kind, leg.Target)) is not { } asset)
            {
                continue;
            }

            var value = Math.Abs(Number(leg.Value));
            var (sold, bought, orders) = flows.GetValueOrDefault(asset);
            flows[asset] = string.Equals(leg.Side, nameof(TradeSide.Sell), StringComparison.Ordinal)
                ? (sold + value, bought, orders + 1)
                : (sold, bought + value, orders + 1);
        }
    }

    // An order body's decimal text (written invariantly by the sweep); 0 for a field an older body lacks.
    private static decimal Number(string? text) =>
        decimal.TryParse(text, NumberStyles.Number | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var value) ? value : 0m;

    private static ImmutableArray<ReportPrice> Prices(PriceSnapshot snapshot, RiskParameters? parameters) =>
        [.. snapshot.Assets.Values
            .Where(p => parameters is null || !p.Asset.Equals(parameters.Settlement))
            .OrderBy(p => p.Asset.Symbol, StringComparer.Ordinal)
            .Select(p => new ReportPrice
            {
                Asset = p.Asset.Symbol,
                Price = p.Price,
                PublishTime = p.PublishTime,
                AgeSeconds = Math.Max(0, (snapshot.AsOf - p.PublishTime).TotalSeconds),
                Usable = p.Usable,
                Reason = p.UnusableReason,
            })];

    private static ReportGuardDecisions Guard(PriceDecisions decisions, DateTimeOffset? asOf) => new()
    {
        Quotes = [.. decisions.Assets.SelectMany(a => a.Quotes.Select(q => new ReportSourceQuote
        {
            Asset = a.Asset,
            Source = q.Source,
            Price = q.Price > 0m ? q.Price : null,
            PublishTime = q.PublishTime,
            AgeSeconds = asOf is { } t ? Math.Max(0, (t - q.PublishTime).TotalSeconds) : null,
            Used = q.Used,
            Rejection = q.Rejection is null ? null : q.RejectionMessage is { Length: > 0 } why ? $"{q.Rejection}: {why}" : q.Rejection,
        }))],
        Failures = [.. decisions.SourceFailures.Select(f => new ReportSourceFailure { Source = f.SourceId, Problem = f.Problem })],
    };

    private static string Stop(CascadeStop stop) => stop == CascadeStop.NoNewLiquidation ? "no new liquidation" : "round limit";

    private static string Percent(decimal move) => string.Create(CultureInfo.InvariantCulture, $"{(move >= 0m ? "+" : string.Empty)}{move * 100m:0.##} %");

    private static string Usd(decimal amount) => string.Create(CultureInfo.InvariantCulture, $"{amount:N2} USD");

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}

/// <summary>A report, or why there is none.</summary>
/// <param name="Data">The report, or null.</param>
/// <param name="Problem">Why there is none, or null.</param>
/// <param name="Missing">Whether the sweep or run does not exist (as against not completed yet).</param>
public sealed record ReportOutcome(ReportData? Data, string? Problem, bool Missing)
{
    internal static ReportOutcome Of(ReportData data) => new(data, null, false);

    internal static ReportOutcome NotFound(string problem) => new(null, problem, true);

    internal static ReportOutcome NotReady(string problem) => new(null, problem, false);
}
