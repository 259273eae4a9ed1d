using System.Globalization;
using Margin.Engine.Accounts;

namespace Margin.SweepHarness;

/// <summary>What the book stress benchmark measured (<c>--stress</c>, with Azurite or <c>--in-memory</c>).</summary>
internal sealed record StressReport(
    MachineFigures Machine,
    HarnessOptions Options,
    string GcMode,
    long RamBytes,
    SeedFigures? Seed,
    SweepSummary? FirstSweep,
    BookMemoryFigures BookMemory,
    IReadOnlyList<StressRoundFigures> Rounds,
    DeterminismFigures? Determinism,
    InMemoryFigures? InMemory,
    long HighWaterMark,
    long PeakWorkingSet,
    double TotalSeconds)
{
    /// <summary>The share of RAM the book itself may take in the largest-book estimate.</summary>
    public const double BookShareOfRam = 0.5;

    /// <summary>The share of RAM a whole run's peak working set may take in the largest-book estimate (the rest: the OS, page cache, a margin).</summary>
    public const double RunShareOfRam = 0.8;

    public void Write(TextWriter w)
    {
        ArgumentNullException.ThrowIfNull(w);
        void Line(FormattableString text) => w.WriteLine(text.ToString(CultureInfo.InvariantCulture));

        Line($"== Book stress ({(InMemory is null ? "Azurite" : "in memory, no Azurite")}): {(InMemory?.Accounts ?? Options.Accounts):N0} accounts, scenario {Options.Scenario}{(Options.VolatilityShocks is { } v ? $", volatility {v}" : string.Empty)}, at most {Options.CascadeRounds} cascade rounds");
        Line($"machine: {Machine.Cores} cores, {Machine.Os}, .NET {Machine.Runtime}, Azurite {Machine.Azurite}, {Gib(RamBytes)} RAM; GC {GcMode}; load average at start {Machine.LoadAverage}; total run {TotalSeconds:0} s");
        w.WriteLine();
        if (Seed is { } seed)
        {
            Line($"-- Seed: {seed.Accounts:N0} accounts (BookGenerator seed {Options.Seed}, parameters {seed.ParametersVersion}) in {seed.Seconds:0.0} s");
        }

        var m = BookMemory;
        Line($"-- Bytes per account ({m.Accounts:N0} generated accounts, {m.Balances / (double)m.Accounts:0.00} balances and {m.Positions / (double)m.Accounts:0.00} positions each on average)");
        Line($"  CompactBook: EstimatedBytes / Count {m.EstimatedPerAccount:0} B; measured on the heap (GC.GetTotalMemory(true) before and after building it) {m.CompactPerAccount:0} B");
        Line($"  List<Account> of the same accounts: measured {m.ListPerAccount:0} B ({m.ListPerAccount / Math.Max(1, m.CompactPerAccount):0.0} x the compact book)");
        w.WriteLine();

        if (FirstSweep is { } first)
        {
            Line($"-- {first.Label}: {first.Seconds:0.0} s, {first.AccountsPerSecond:N0} accounts/s, {first.Orders:N0} new orders; others' load {first.OthersCores:0.00} cores");
        }

        if (Rounds.Count > 0)
        {
            Line($"-- Rounds: a sweep on unchanged prices (the plain sweep), the book read, then the stress run (cascade, then the {Rounds[0].CurvePoints}-point curve), alternating");
            Line($"  round  load            sweep   read  cascade (rounds, stop, liquidations)          curve  cascade/sweep  curve/sweep  whole run/sweep  allocated  peak WS   others  digest");
            foreach (var r in Rounds)
            {
                Line($"  {r.Round,5}  {r.LoadAverage,-14} {r.SweepSeconds,6:0.0} {r.ReadSeconds,6:0.0} {r.CascadeSeconds,8:0.0} ({r.CascadeRounds,2}, {r.Stop,-16}, {r.Liquidations,7:N0}) {r.CurveSeconds,11:0.0} {r.CascadeRatio,13:0.00}x {r.CurveRatio,11:0.00}x {r.WholeRunRatio,15:0.00}x {Gib(r.Cost.AllocatedBytes),10} {Mib(r.PeakWorkingSet),8} {r.StressOthersCores,7:0.00}  {r.Digest}");
            }

            Line($"  medians: sweep {Median(Rounds.Select(r => r.SweepSeconds)):0.0} s, read {Median(Rounds.Select(r => r.ReadSeconds)):0.0} s, cascade {Median(Rounds.Select(r => r.CascadeSeconds)):0.0} s, curve {Median(Rounds.Select(r => r.CurveSeconds)):0.0} s; cascade / sweep {Median(Rounds.Select(r => r.CascadeRatio)):0.00}x, curve / sweep {Median(Rounds.Select(r => r.CurveRatio)):0.00}x, read + cascade + curve / sweep {Median(Rounds.Select(r => r.WholeRunRatio)):0.00}x (target: each of cascade and curve within 3x)");
            if (FirstSweep is { } f)
            {
                Line($"  against the first sweep ({f.Seconds:0.0} s): cascade {Median(Rounds.Select(r => r.CascadeSeconds)) / f.Seconds:0.00}x, curve {Median(Rounds.Select(r => r.CurveSeconds)) / f.Seconds:0.00}x");
            }

            Line($"  liquidations per cascade round: {string.Join(" ", Rounds[0].PerRound)}");
            foreach (var r in Rounds)
            {
                Line($"  round {r.Round}: sweep CPU {r.SweepHarnessCpuSeconds:0.0} core-s in this process + {r.SweepAzuriteCpuSeconds:0.0} in Azurite, others {r.SweepOthersCores:0.00} cores; stress run (cascade and curve) {r.Cost.Describe()}, others {r.StressOthersCores:0.00} cores");
            }

            foreach (var r in Rounds.Where(r => r.Long is not null))
            {
                var l = r.Long!;
                Line($"  round {r.Round}: long scenario {l.Scenario}: cascade {l.CascadeSeconds:0.0} s = {l.CascadeSeconds / r.SweepSeconds:0.00}x the sweep; {l.Rounds} rounds ({l.Stop}), {l.Liquidations:N0} liquidations ({string.Join(" ", l.PerRound)}); digest {l.Digest}");
            }

            var last = Rounds[^1];
            Line($"  the book read from Azurite holds {Mib(last.BookHeapBytes)} on the heap = {last.BookHeapBytes / (double)last.Accounts:0} B per account (EstimatedBytes {last.EstimatedBytes / (double)last.Accounts:0}); peak working set while reading {Mib(last.ReadPeakWorkingSet)}");
            Line($"  peak during a stress run (sampled every 100 ms): working set {Mib(Rounds.Max(r => r.PeakWorkingSet))}, managed heap {Mib(Rounds.Max(r => r.PeakHeap))}");
            w.WriteLine();
        }

        if (Determinism is { } d)
        {
            var equal = d.Digests.Count == 1 && string.Equals(d.Digests[0], d.SingleThreadDigest, StringComparison.Ordinal);
            Line($"-- Determinism: {Rounds.Count} runs (each on a book read again from Azurite) gave {d.Digests.Count} distinct digest(s) ({string.Join(", ", d.Digests)}); MaxDegreeOfParallelism 1 gave {d.SingleThreadDigest} against {d.Dop}: {(equal ? "IDENTICAL" : "DIFFERENT")}");
            Line($"  on one thread: cascade {d.SingleThreadCascadeSeconds:0.0} s, curve {d.SingleThreadCurveSeconds:0.0} s (speed-up with {d.Dop} threads: cascade {d.SingleThreadCascadeSeconds / Math.Max(1e-9, Median(Rounds.Select(r => r.CascadeSeconds))):0.00}x, curve {d.SingleThreadCurveSeconds / Math.Max(1e-9, Median(Rounds.Select(r => r.CurveSeconds))):0.00}x)");
            w.WriteLine();
        }

        if (InMemory is { } i)
        {
            Line($"-- In-memory book: {i.Accounts:N0} accounts built in {i.BuildSeconds:0.0} s; EstimatedBytes {Mib(i.EstimatedBytes)} ({i.EstimatedBytes / (double)i.Accounts:0} B per account), measured on the heap {Mib(i.HeapBytes)} ({i.HeapBytes / (double)i.Accounts:0} B per account); peak working set while building {Mib(i.BuildPeakWorkingSet)}");
            Line($"  cascade ({i.Scenario}): {i.CascadeSeconds:0.0} s, {i.CascadeRounds} round(s) ({i.Stop}; a run stopped by the round limit evaluates the book once more at the final prices), {i.Liquidations:N0} liquidations ({string.Join(" ", i.PerRound)}); {i.CascadeCost.Describe()}; peak working set {Mib(i.CascadePeakWorkingSet)}, managed heap {Mib(i.CascadePeakHeap)}");
            Line($"  curve: {i.CurvePoints} point(s) in {i.CurveSeconds:0.0} s ({i.CurveSeconds / i.CurvePoints:0.00} s per point; {i.CurveCost.Describe()}); peak working set {Mib(i.CurvePeakWorkingSet)}, managed heap {Mib(i.CurvePeakHeap)}; digest {i.Digest}");
            w.WriteLine();
        }

        Line($"-- Peak memory of the process: VmHWM {Mib(HighWaterMark)}, Process.PeakWorkingSet64 {Mib(PeakWorkingSet)}");
        var heapPerAccount = InMemory is { } im ? im.HeapBytes / (double)im.Accounts : BookMemory.CompactPerAccount;
        Line($"-- Largest book on this machine ({Gib(RamBytes)} RAM): the book alone in {BookShareOfRam * 100:0} % of RAM at {heapPerAccount:0} B per account: {BookShareOfRam * RamBytes / heapPerAccount / 1e6:N0} million accounts");
        if (InMemory is { } run)
        {
            var peak = Math.Max(run.CascadePeakWorkingSet, Math.Max(run.CurvePeakWorkingSet, HighWaterMark));
            Line($"  the whole run's peak working set ({Mib(peak)} for {run.Accounts:N0} accounts = {peak / (double)run.Accounts:0} B per account, the runtime included) within {RunShareOfRam * 100:0} % of RAM: {RunShareOfRam * RamBytes / (peak / (double)run.Accounts) / 1e6:N0} million accounts");
        }
    }

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Mib(long bytes) => (bytes / (double)(1 << 20)).ToString("N0", CultureInfo.InvariantCulture) + " MiB";

    private static string Gib(long bytes) => (bytes / (double)(1 << 30)).ToString("0.0", CultureInfo.InvariantCulture) + " GiB";
}

/// <summary>What a piece of work cost the process: CPU seconds (all threads), bytes allocated, collections per generation and the GC's pause time.</summary>
internal sealed record WorkCost(double CpuSeconds, long AllocatedBytes, int Gen0, int Gen1, int Gen2, double PauseSeconds)
{
    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"CPU {CpuSeconds:0.0} core-s, allocated {AllocatedBytes / (double)(1 << 30):0.0} GiB, collections gen0/1/2 {Gen0}/{Gen1}/{Gen2}, GC pauses {PauseSeconds:0.00} s");
}

/// <summary>Measures a <see cref="WorkCost"/> from <see cref="Start"/> to <see cref="Stop"/>.</summary>
internal readonly record struct WorkMeter(TimeSpan Cpu, long Allocated, int Gen0, int Gen1, int Gen2, TimeSpan Pause)
{
    public static WorkMeter Start() => new(Environment.CpuUsage.TotalTime, GC.GetTotalAllocatedBytes(precise: true), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());

    public WorkCost Stop() => new(
        (Environment.CpuUsage.TotalTime - Cpu).TotalSeconds,
        GC.GetTotalAllocatedBytes(precise: true) - Allocated,
        GC.CollectionCount(0) - Gen0,
        GC.CollectionCount(1) - Gen1,
        GC.CollectionCount(2) - Gen2,
        (GC.GetTotalPauseDuration() - Pause).TotalSeconds);
}

/// <summary>A sweep in brief: its time, rate, orders and the neighbours' load.</summary>
internal sealed record SweepSummary(string Label, double Seconds, double AccountsPerSecond, int Orders, double OthersCores);

/// <summary>The book's bytes per account: <see cref="Margin.Engine.Stress.CompactBook.EstimatedBytes"/>, and measured on the heap as a compact book and as a <see cref="List{T}"/> of accounts.</summary>
internal sealed record BookMemoryFigures(int Accounts, int Balances, int Positions, long EstimatedBytes, long CompactHeapBytes, long ListHeapBytes)
{
    public double EstimatedPerAccount => EstimatedBytes / (double)Accounts;

    public double CompactPerAccount => CompactHeapBytes / (double)Accounts;

    public double ListPerAccount => ListHeapBytes / (double)Accounts;

    /// <summary>Builds the generated book both ways, each measured as the settled heap's growth while it is held.</summary>
    public static BookMemoryFigures Measure(DemoVenue venue, int accounts, int seed)
    {
        var before = MemoryProbe.SettledHeap();
        var book = StressBench.Build(venue, accounts, seed);
        var compact = MemoryProbe.SettledHeap() - before;
        var (estimated, balances, positions) = (book.EstimatedBytes, book.BalanceCount, book.PositionCount);
        GC.KeepAlive(book);
        book = null;

        before = MemoryProbe.SettledHeap();
        var list = new List<Account>(accounts);
        list.AddRange(StressBench.Generated(venue, accounts, seed));
        var listBytes = MemoryProbe.SettledHeap() - before;
        GC.KeepAlive(list);
        return new BookMemoryFigures(accounts, balances, positions, estimated, compact, listBytes);
    }
}

/// <summary>One round of the Azurite benchmark: the plain sweep, the book read and the stress run, with the neighbours' load.</summary>
internal sealed record StressRoundFigures(
    int Round,
    string LoadAverage,
    double SweepSeconds,
    double SweepHarnessCpuSeconds,
    double SweepAzuriteCpuSeconds,
    double SweepOthersCores,
    double ReadSeconds,
    double ReadOthersCores,
    long ReadPeakWorkingSet,
    long BookHeapBytes,
    int Accounts,
    long EstimatedBytes,
    double CascadeSeconds,
    double CurveSeconds,
    int CurvePoints,
    int CascadeRounds,
    string Stop,
    int Liquidations,
    IReadOnlyList<int> PerRound,
    WorkCost Cost,
    long PeakWorkingSet,
    long PeakHeap,
    double StressHarnessCores,
    double StressOthersCores,
    string Digest,
    LongScenarioFigures? Long)
{
    public double CascadeRatio => CascadeSeconds / SweepSeconds;

    public double CurveRatio => CurveSeconds / SweepSeconds;

    public double WholeRunRatio => (ReadSeconds + CascadeSeconds + CurveSeconds) / SweepSeconds;
}

/// <summary>The second scenario's cascade, run when the first stopped before the round limit.</summary>
internal sealed record LongScenarioFigures(string Scenario, double CascadeSeconds, int Rounds, string Stop, int Liquidations, IReadOnlyList<int> PerRound, string Digest);

/// <summary>The digests of every round's run and of the same run on one thread.</summary>
internal sealed record DeterminismFigures(int Dop, IReadOnlyList<string> Digests, string SingleThreadDigest, double SingleThreadCascadeSeconds, double SingleThreadCurveSeconds);

/// <summary>The in-memory run: the book built from the generator, one cascade and the curve points on it.</summary>
internal sealed record InMemoryFigures(
    int Accounts,
    string Scenario,
    double BuildSeconds,
    long EstimatedBytes,
    long HeapBytes,
    long BuildPeakWorkingSet,
    double CascadeSeconds,
    int CascadeRounds,
    string Stop,
    int Liquidations,
    IReadOnlyList<int> PerRound,
    WorkCost CascadeCost,
    long CascadePeakWorkingSet,
    long CascadePeakHeap,
    double CurveSeconds,
    WorkCost CurveCost,
    int CurvePoints,
    long CurvePeakWorkingSet,
    long CurvePeakHeap,
    string Digest);
