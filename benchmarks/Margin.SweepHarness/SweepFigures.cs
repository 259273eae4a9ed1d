using System.Globalization;
using Margin.Engine.Prices;
using Margin.Sweep.Results;
using Margin.Sweep.UseCases;
using Margin.Sweep.Work;

namespace Margin.SweepHarness;

/// <summary>What one sweep did and cost: throughput, work-item times, storage operations (as ShardOutcome reports them and as counted on the wire), the per-partition bound, entities written, CPU and memory.</summary>
internal sealed record SweepFigures(
    string Label,
    string SweepId,
    string SnapshotId,
    bool NoLiquidation,
    double PrepareSeconds,
    double Seconds,
    int Accounts,
    double AccountsPerSecond,
    int Written,
    int Unchanged,
    int Superseded,
    int Failed,
    int Orders,
    IReadOnlyDictionary<string, int> ByStatus,
    PriceCheck? Prices,
    WorkItemFigures WorkItems,
    ReportedOperations Reported,
    WireOperations Wire,
    BoundCheck Bound,
    EntityFigures Entities,
    PhaseUsage Usage,
    MemoryFigures Memory)
{
    public static SweepFigures From(
        string label,
        SweepRecord sweep,
        PriceSnapshot snapshot,
        PriceSnapshot? previous,
        TimeSpan prepare,
        TimeSpan elapsed,
        DrainOutcome outcome,
        IReadOnlyList<SweepReceipt> receipts,
        SweepLedger ledger,
        IReadOnlyDictionary<(RequestKind Kind, string Target), long> wire,
        PhaseUsage usage,
        IReadOnlyList<MemoryPoint> memory)
    {
        var shards = outcome.Processed;
        var times = shards.Select(s => s.Elapsed.TotalMilliseconds).Order().ToArray();
        var slowest = shards.OrderByDescending(s => s.Elapsed).FirstOrDefault();
        var accounts = receipts.Sum(r => r.Accounts);
        var byStatus = receipts.SelectMany(r => r.ByStatus).GroupBy(kv => kv.Key).OrderBy(g => g.Key).ToDictionary(g => g.Key.ToString(), g => g.Sum(kv => kv.Value), StringComparer.Ordinal);
        var partitions = ledger.Partitions;

        long Wire(RequestKind kind, Func<string, bool>? target = null) => wire.Where(kv => kv.Key.Kind == kind && (target is null || target(kv.Key.Target))).Sum(kv => kv.Value);
        var wireOps = new WireOperations(
            PartitionQueries: Wire(RequestKind.Query, t => t is "accounts" or "margin"),
            MarginTransactions: partitions.Values.Sum(p => p.Commit[RequestKind.Transaction]),
            HistoryRequests: partitions.Values.Sum(p => p.History.Total),
            MarkerWrites: Wire(RequestKind.EntityWrite, t => t == "sweeps"),
            PointReads: Wire(RequestKind.PointRead),
            QueueRequests: wire.Where(kv => kv.Key.Kind is RequestKind.QueueReceive or RequestKind.QueueDelete or RequestKind.QueueSend or RequestKind.QueueUpdate).Sum(kv => kv.Value),
            Total: wire.Values.Sum(),
            ByKind: wire.OrderBy(kv => kv.Key.Kind).ThenBy(kv => kv.Key.Target, StringComparer.Ordinal).ToDictionary(kv => $"{kv.Key.Kind} {kv.Key.Target}", kv => kv.Value, StringComparer.Ordinal));

        var entities = new EntityFigures(
            partitions.Values.Sum(p => p.ResultRows),
            partitions.Values.Sum(p => p.OrderRows),
            partitions.Values.Sum(p => p.ReceiptRows),
            partitions.Values.Sum(p => p.HistoryRows),
            elapsed.TotalSeconds);

        return new SweepFigures(
            label,
            sweep.SweepId,
            snapshot.Id,
            sweep.NoLiquidation,
            prepare.TotalSeconds,
            elapsed.TotalSeconds,
            accounts,
            accounts / Math.Max(elapsed.TotalSeconds, 1e-9),
            receipts.Sum(r => r.Written),
            receipts.Sum(r => r.Unchanged),
            receipts.Sum(r => r.Superseded),
            receipts.Sum(r => r.Failed),
            receipts.Sum(r => r.Orders),
            byStatus,
            previous is null ? null : PriceCheck.Compare(previous, snapshot),
            new WorkItemFigures(shards.Count, Percentile(times, 0.5), Percentile(times, 0.99), times.Length == 0 ? 0 : times[^1], slowest?.WorkItem ?? -1, outcome.Failures.Count, outcome.Poisoned.Count),
            new ReportedOperations(shards.Sum(s => s.Reads), shards.Sum(s => s.Transactions), shards.Sum(s => s.HistoryWrites), shards.Count, shards.Sum(s => s.Conflicts)),
            wireOps,
            BoundCheck.Check(receipts, ledger),
            entities,
            usage,
            MemoryFigures.Of(memory));
    }

    internal static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>Whether the second sweep's prices equal the first's: asset prices and sigmas exactly; instrument marks (they move with the time to expiry) by their largest relative change.</summary>
internal sealed record PriceCheck(int Assets, int AssetsDiffering, int Instruments, int InstrumentsDiffering, double LargestMarkChange)
{
    public static PriceCheck Compare(PriceSnapshot before, PriceSnapshot after)
    {
        var assets = before.Assets.Count(kv => !after.Assets.TryGetValue(kv.Key, out var a)
            || a.Price != kv.Value.Price || a.SigmaShort != kv.Value.SigmaShort || a.SigmaLong != kv.Value.SigmaLong || a.Usable != kv.Value.Usable);
        var largest = 0.0;
        var instruments = 0;
        foreach (var (id, mark) in before.Instruments)
        {
            if (!after.Instruments.TryGetValue(id, out var now) || now.Mark != mark.Mark)
            {
                instruments++;
                if (now is not null && mark.Mark != 0m)
                {
                    largest = Math.Max(largest, Math.Abs((double)((now.Mark - mark.Mark) / mark.Mark)));
                }
            }
        }

        return new PriceCheck(before.Assets.Count, assets, before.Instruments.Count, instruments, largest);
    }
}

/// <summary>Work items: how many, p50 / p99 / max time, the slowest one, retried attempts, poisoned messages.</summary>
internal sealed record WorkItemFigures(int Count, double P50Ms, double P99Ms, double MaxMs, int Slowest, int Retried, int Poisoned);

/// <summary>Storage operations as ShardOutcome reports them (its Transactions is ceil(rows / 100) per commit, computed, not counted).</summary>
internal sealed record ReportedOperations(int PartitionQueries, int Transactions, int HistoryRows, int CompletionMarkers, int Conflicts);

/// <summary>Storage requests counted on the wire during the drain.</summary>
internal sealed record WireOperations(long PartitionQueries, long MarginTransactions, long HistoryRequests, long MarkerWrites, long PointReads, long QueueRequests, long Total, IReadOnlyDictionary<string, long> ByKind);

/// <summary>Entities written: results, order rows (new and expired), receipts and history rows, and their rate over the drain.</summary>
internal sealed record EntityFigures(long Results, long Orders, long Receipts, long HistoryRows, double Seconds)
{
    public long Total => Results + Orders + Receipts + HistoryRows;

    public double PerSecond => Total / Math.Max(Seconds, 1e-9);
}

/// <summary>The storage design's bound, checked per partition: two queries, and at most ceil((c + o + 1) / 100) transactions for c results and o orders.</summary>
internal sealed record BoundCheck(int Partitions, int Within, int QueriesNotTwo, int OverBound, long BoundTransactions, long Transactions, int ResultMismatches, IReadOnlyList<string> Examples)
{
    public bool Holds => Partitions > 0 && Within == Partitions;

    public static BoundCheck Check(IReadOnlyList<SweepReceipt> receipts, SweepLedger ledger)
    {
        int within = 0, queriesNotTwo = 0, over = 0, mismatches = 0;
        long bound = 0, actual = 0;
        var examples = new List<string>();
        foreach (var r in receipts.OrderBy(r => r.Partition))
        {
            var p = ledger.Of(r.Partition);
            var c = r.Written;
            var o = r.Orders;
            var limit = (c + o + 1 + 99) / 100;
            var queries = p.MarginRead[RequestKind.Query] + p.AccountsRead[RequestKind.Query];
            var transactions = p.Commit[RequestKind.Transaction];
            bound += limit;
            actual += transactions;
            var ok = queries == 2 && transactions <= limit;
            within += ok ? 1 : 0;
            queriesNotTwo += queries == 2 ? 0 : 1;
            over += transactions <= limit ? 0 : 1;
            // The receipt's Written counts results this sweep wrote; the decorator saw the rows of the write itself.
            mismatches += p.ResultRows == c ? 0 : 1;
            if (!ok && examples.Count < 5)
            {
                examples.Add(string.Create(CultureInfo.InvariantCulture, $"p{r.Partition:D4}: c {c}, o {o} (order rows written {p.OrderRows}), queries {queries}, transactions {transactions} > bound {limit}"));
            }
        }

        return new BoundCheck(receipts.Count, within, queriesNotTwo, over, bound, actual, mismatches, examples);
    }
}

/// <summary>The harness's memory after each work item: peaks, and the first and last quartile of work items (in completion order) to show whether it stays flat.</summary>
internal sealed record MemoryFigures(int Samples, long PeakWorkingSet, long PeakHeap, double FirstQuartileWorkingSet, double LastQuartileWorkingSet, double FirstQuartileHeap, double LastQuartileHeap, IReadOnlyList<MemoryPoint> Points)
{
    /// <summary>Flat: the last quartile's mean working set is within 25 % (or 32 MiB) of the first's.</summary>
    public bool Flat => LastQuartileWorkingSet <= Math.Max(FirstQuartileWorkingSet * 1.25, FirstQuartileWorkingSet + (32 << 20));

    public static MemoryFigures Of(IReadOnlyList<MemoryPoint> points)
    {
        if (points.Count == 0)
        {
            return new MemoryFigures(0, 0, 0, 0, 0, 0, 0, points);
        }

        var quarter = Math.Max(1, points.Count / 4);
        var first = points.Take(quarter).ToArray();
        var last = points.Skip(points.Count - quarter).ToArray();
        return new MemoryFigures(
            points.Count,
            points.Max(p => p.WorkingSet),
            points.Max(p => p.Heap),
            first.Average(p => (double)p.WorkingSet),
            last.Average(p => (double)p.WorkingSet),
            first.Average(p => (double)p.Heap),
            last.Average(p => (double)p.Heap),
            points);
    }
}
