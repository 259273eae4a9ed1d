using System.Globalization;
using System.Text.Json.Serialization;

namespace Margin.SweepHarness;

/// <summary>Everything the harness measured in one run.</summary>
internal sealed record HarnessReport(
    MachineFigures Machine,
    HarnessOptions Options,
    CeilingReport? Ceiling,
    SeedFigures Seed,
    QueryCeiling? AccountsQueries,
    SweepFigures First,
    SweepFigures Second,
    double ResultRowChars,
    EngineFigures? Engine,
    double TotalSeconds)
{
    /// <summary>The ceiling's entities per second at the sweep's concurrency (writers = workers x partition concurrency).</summary>
    public double? CeilingEntitiesPerSecond => Ceiling?.Transactions.FirstOrDefault(t => t.Writers == Options.SweepConcurrency)?.EntitiesPerSecond;

    /// <summary>The first sweep's entity write rate over the ceiling's.</summary>
    public double? WriteRatio => CeilingEntitiesPerSecond is { } c && c > 0 ? First.Entities.PerSecond / c : null;

    public void Write(TextWriter w)
    {
        ArgumentNullException.ThrowIfNull(w);
        void Line(FormattableString text) => w.WriteLine(text.ToString(CultureInfo.InvariantCulture));
        static string Mb(double bytes) => (bytes / (1 << 20)).ToString("N0", CultureInfo.InvariantCulture) + " MiB";

        Line($"== Sweep harness: {Options.Accounts:N0} accounts, {Options.Partitions} partitions, {Options.WorkItems} work items, {Options.Workers} workers x partition concurrency {Options.PartitionConcurrency} ({Options.SweepConcurrency} partitions in flight){(Options.NoLiquidation ? "; no-liquidation mode (nothing planned)" : string.Empty)}");
        Line($"machine: {Machine.Cores} cores, {Machine.Os}, .NET {Machine.Runtime}, Azurite {Machine.Azurite}; load average at start {Machine.LoadAverage}; total run {TotalSeconds:0} s");
        w.WriteLine();

        if (Ceiling is { } ceiling)
        {
            Line($"-- Azurite's ceiling (this run, empty instance; rows of ~{ceiling.RowChars} chars, 20 properties, like a result row)");
            foreach (var t in ceiling.Transactions)
            {
                Line($"  transactions of 100 upserts, {t.Writers,2} writers: {t.EntitiesPerSecond,8:N0} entities/s, {t.TransactionsPerSecond,6:N1} transactions/s  (CPU: Azurite {t.AzuriteCores * 100:0} % of a core, main thread {t.AzuriteMainThread * 100:0} %, saturated {t.AzuriteSaturatedShare * 100:0} % of seconds; harness {t.HarnessCores * 100:0} %; machine {t.MachineCores * 100:0} % of {Machine.Cores * 100} %)");
            }

            var u = ceiling.SingleUpserts;
            Line($"  single-entity upserts (history-like rows, a partition each), {u.Writers,2} writers: {u.UpsertsPerSecond:N0} upserts/s  (CPU: Azurite {u.AzuriteCores * 100:0} %, main thread {u.AzuriteMainThread * 100:0} %, saturated {u.AzuriteSaturatedShare * 100:0} % of seconds; harness {u.HarnessCores * 100:0} %; machine {u.MachineCores * 100:0} %)");
            foreach (var q in ceiling.Queries)
            {
                Line($"  partition queries, {q.Concurrency,2} concurrent, {q.Table}: {q.QueriesPerSecond:N1} queries/s, {q.RowsPerSecond:N0} rows/s  (CPU: Azurite {q.AzuriteCores * 100:0} %, main thread {q.AzuriteMainThread * 100:0} %, harness {q.HarnessCores * 100:0} %, machine {q.MachineCores * 100:0} %)");
            }

            Line($"  queue: {ceiling.Queue.SendsPerSecond:N0} sends/s; {ceiling.Queue.ReceiveDeletesPerSecond:N0} receive+delete pairs/s ({ceiling.Queue.Messages:N0} messages)");
            w.WriteLine();
        }

        Line($"-- Seed: {Seed.Accounts:N0} accounts (BookGenerator seed {Options.Seed}, parameters {Seed.ParametersVersion}) in {Seed.Seconds:0.0} s = {Seed.AccountsPerSecond:N0} accounts/s, {Seed.Transactions:N0} transactions");
        Line($"  {Seed.Usage.Describe()}");
        if (AccountsQueries is { } aq)
        {
            Line($"  partition queries on the seeded accounts table ({aq.Table}), {aq.Concurrency} concurrent: {aq.QueriesPerSecond:N1} queries/s, {aq.RowsPerSecond:N0} rows/s (CPU: Azurite {aq.AzuriteCores * 100:0} %, main thread {aq.AzuriteMainThread * 100:0} %, saturated {aq.AzuriteSaturatedShare * 100:0} % of seconds; harness {aq.HarnessCores * 100:0} %, machine {aq.MachineCores * 100:0} %)");
        }

        w.WriteLine();
        WriteSweep(w, First, Mb);
        WriteSweep(w, Second, Mb);

        Line($"-- Comparisons");
        if (CeilingEntitiesPerSecond is { } ceil && WriteRatio is { } ratio)
        {
            Line($"  first sweep's entity write rate {First.Entities.PerSecond:N0}/s vs the ceiling at {Options.SweepConcurrency} writers {ceil:N0}/s: {ratio * 100:0.0} % -> {(ratio >= 0.7 ? "reaches" : "below")} 70 %");
        }

        if (Predict(First) is { } predicted)
        {
            Line($"  first sweep's requests at the ceiling's rates: {predicted}");
        }

        if (Predict(Second) is { } predicted2)
        {
            Line($"  second sweep's requests at the ceiling's rates: {predicted2}");
        }

        Line($"  the unchanged second sweep writes {Second.Entities.Total:N0} entities against {First.Entities.Total:N0} (saves {First.Entities.Total - Second.Entities.Total:N0}, {(First.Entities.Total == 0 ? 0 : 100.0 * (First.Entities.Total - Second.Entities.Total) / First.Entities.Total):0.0} %); storage requests {Second.Wire.Total:N0} against {First.Wire.Total:N0}");
        Line($"  first sweep: harness CPU {First.Usage.HarnessCores * First.Seconds:N0} core-s, Azurite CPU {First.Usage.AzuriteCores * First.Seconds:N0} core-s over {First.Seconds:N0} s; second: {Second.Usage.HarnessCores * Second.Seconds:N0} and {Second.Usage.AzuriteCores * Second.Seconds:N0} core-s over {Second.Seconds:N0} s");
        Line($"  result rows as written: ~{ResultRowChars:N0} chars on average (the ceiling's probe row: {Ceiling?.RowChars ?? 0})");
        if (Engine is { } e)
        {
            w.WriteLine();
            Line($"-- Engine pass (no storage, one thread): {e.Accounts:N0} accounts in {e.Seconds:0.0} s; evaluating {e.EvaluateSeconds:0.0} s; {e.Plans:N0} liquidation plans {e.PlanSeconds:0.0} s (p50 {e.PlanP50Ms:0.0} ms, p99 {e.PlanP99Ms:0} ms)");
            foreach (var p in e.Slowest)
            {
                Line($"  slowest plan: {p.AccountId} ({p.Mode}, partition {p.Partition}, work item {p.WorkItem}) {p.Milliseconds:N0} ms, {p.Legs} legs, {p.Outcome}");
            }
        }
    }

    /// <summary>How long the sweep's storage requests take Azurite at the rates measured alone: transactions at the best transaction rate, queries at the accounts table's, single writes at the upsert rate.</summary>
    private string? Predict(SweepFigures s)
    {
        if (Ceiling is not { } c || AccountsQueries is not { } q || c.Transactions.Count == 0)
        {
            return null;
        }

        var best = c.Transactions.Max(t => t.TransactionsPerSecond);
        var transactions = s.Wire.MarginTransactions / best;
        var queries = s.Wire.PartitionQueries / q.QueriesPerSecond;
        var single = s.Wire.HistoryRequests / c.SingleUpserts.UpsertsPerSecond;
        var sum = transactions + queries + single;
        return string.Create(CultureInfo.InvariantCulture, $"{sum:0.0} s ({s.Wire.MarginTransactions:N0} transactions {transactions:0.0} s + {s.Wire.PartitionQueries:N0} queries {queries:0.0} s + {s.Wire.HistoryRequests:N0} history writes {single:0.0} s) against {s.Seconds:0.0} s measured: {sum / Math.Max(s.Seconds, 1e-9) * 100:0} % of the drain is Azurite doing these at full speed");
    }

    private static void WriteSweep(TextWriter w, SweepFigures s, Func<double, string> mb)
    {
        void Line(FormattableString text) => w.WriteLine(text.ToString(CultureInfo.InvariantCulture));
        Line($"-- {s.Label}: {s.SweepId}{(s.NoLiquidation ? " (no-liquidation mode)" : string.Empty)}; refresh + start {s.PrepareSeconds:0.0} s");
        if (s.Prices is { } pc)
        {
            Line($"  prices vs the first sweep: {pc.AssetsDiffering} of {pc.Assets} asset prices/sigmas differ; {pc.InstrumentsDiffering} of {pc.Instruments} instrument marks differ (largest relative change {pc.LargestMarkChange:0.###E+0}: marks move with the time to expiry)");
        }

        Line($"  {s.Accounts:N0} accounts in {s.Seconds:0.0} s = {s.AccountsPerSecond:N0} accounts/s");
        Line($"  results: {s.Written:N0} written, {s.Unchanged:N0} unchanged, {s.Superseded:N0} superseded, {s.Failed:N0} not evaluable; {s.Orders:N0} new orders; {string.Join(", ", s.ByStatus.Select(kv => $"{kv.Key} {kv.Value:N0}"))}");
        var wi = s.WorkItems;
        Line($"  work items: {wi.Count}, p50 {wi.P50Ms:N0} ms, p99 {wi.P99Ms:N0} ms, max {wi.MaxMs:N0} ms (work item {wi.Slowest}); {wi.Retried} retried, {wi.Poisoned} poisoned");
        var n = Math.Max(1, wi.Count);
        var r = s.Reported;
        Line($"  storage operations (ShardOutcome): {r.PartitionQueries:N0} partition queries, {r.Transactions:N0} transactions, {r.HistoryRows:N0} history rows, {r.CompletionMarkers} completion markers, {r.Conflicts} conflicts; per work item {r.PartitionQueries / (double)n:N1} / {r.Transactions / (double)n:N1} / {r.HistoryRows / (double)n:N1} / {r.CompletionMarkers / (double)n:N0}");
        var x = s.Wire;
        Line($"  on the wire: {x.PartitionQueries:N0} partition queries, {x.MarginTransactions:N0} margin transactions, {x.HistoryRequests:N0} history requests, {x.MarkerWrites:N0} marker writes, {x.PointReads:N0} point reads, {x.QueueRequests:N0} queue requests; {x.Total:N0} requests in all ({x.Total / Math.Max(s.Seconds, 1e-9):N0}/s); per work item {x.PartitionQueries / (double)n:N1} queries, {x.MarginTransactions / (double)n:N1} transactions, {x.HistoryRequests / (double)n:N1} history requests");
        var b = s.Bound;
        Line($"  bound 'two queries and at most ceil((c + o + 1) / 100) transactions per partition': {(b.Holds ? "HOLDS" : "VIOLATED")} in {b.Within} of {b.Partitions} partitions ({b.Transactions:N0} transactions against a bound of {b.BoundTransactions:N0}; {b.QueriesNotTwo} partitions with other than 2 queries, {b.OverBound} over the transaction bound; {b.ResultMismatches} receipts whose written count differs from the rows written)");
        foreach (var example in b.Examples)
        {
            Line($"    {example}");
        }

        var e = s.Entities;
        Line($"  entities written: {e.Results:N0} results + {e.Orders:N0} orders + {e.Receipts:N0} receipts + {e.HistoryRows:N0} history rows = {e.Total:N0}, {e.PerSecond:N0}/s");
        Line($"  {s.Usage.Describe()}");
        var m = s.Memory;
        Line($"  memory after each work item: peak working set {mb(m.PeakWorkingSet)}, peak GC heap {mb(m.PeakHeap)}; working set first quartile {mb(m.FirstQuartileWorkingSet)} -> last quartile {mb(m.LastQuartileWorkingSet)}, heap {mb(m.FirstQuartileHeap)} -> {mb(m.LastQuartileHeap)}: {(m.Flat ? "flat" : "GROWS")}");
        w.WriteLine();
    }
}

/// <summary>The machine the figures come from.</summary>
internal sealed record MachineFigures(int Cores, string Os, string Runtime, string Azurite, string LoadAverage);

/// <summary>The report as JSON (source-generated, no reflection).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(HarnessReport))]
[JsonSerializable(typeof(ComparisonReport))]
[JsonSerializable(typeof(StressReport))]
internal sealed partial class HarnessJsonContext : JsonSerializerContext;
