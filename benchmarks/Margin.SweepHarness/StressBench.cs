using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using Margin.Engine.Accounts;
using Margin.Engine.Liquidation;
using Margin.Engine.Stress;
using Margin.Infrastructure.Composition;
using Margin.Sweep.Seeding;
using Margin.Sweep.Stress;

namespace Margin.SweepHarness;

/// <summary>The book stress benchmark (<c>--stress</c>): a stress run's cascade and sensitivity curve timed against a plain sweep of the same book, with the book's bytes per account, peak memory and a determinism check; or (<c>--in-memory</c>) a large generated book without Azurite.</summary>
/// <remarks>
/// <para>With Azurite: the book is seeded as the default run seeds it, a first sweep writes every result (its snapshot is
/// the one every stress run shocks, pinned by id), then each of <c>--rounds</c> rounds runs a sweep on unchanged prices
/// (the plain sweep: <see cref="SweepPhase"/>, in process), reads the book (<see cref="RunStress.ReadBookAsync"/>) and
/// runs the scenario (<see cref="RunStress.Run"/>: the cascade and the 11-point curve, timed by the use case itself).
/// Sweep and stress alternate, so both see the same neighbours' load. A scenario that stops before the round limit is
/// followed by <c>--long-scenario</c>'s cascade on the same book. Then the same run on one thread: its digest must equal
/// the rounds' digests.</para>
/// <para>In memory: the book is generated straight into a <see cref="CompactBook"/> (more than 999,999 accounts repeat
/// the generator with the next seed and prefixed ids), then one cascade of <c>--cascade-rounds</c> and
/// <c>--curve-points</c> curve points at the demo market's reference prices.</para>
/// </remarks>
internal static class StressBench
{
    private const string CurveAsset = "BTC";

    public static Task<StressReport> RunAsync(HarnessOptions options, string root, DemoVenue venue, ProcessGuard guard, TextWriter output, CancellationToken cancellationToken) =>
        options.InMemory ? InMemoryAsync(options, root, venue, output, cancellationToken) : WithAzuriteAsync(options, root, venue, guard, output, cancellationToken);

    private static async Task<StressReport> WithAzuriteAsync(HarnessOptions options, string root, DemoVenue venue, ProcessGuard guard, TextWriter output, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var machine = Harness.Machine(root);
        await output.WriteLineAsync($"stress harness: starting Azurite from {root}/node_modules").ConfigureAwait(false);
        var azurite = AzuriteProcess.Start(root);
        guard.TrackAzurite(azurite);
        await using var sampler = new ResourceSampler(azurite);
        await using var memory = new MemorySampler();
        using var trace = new StorageTrace();
        var storage = MarginStorage.Create(new StorageOptions { ConnectionString = azurite.ConnectionString, Partitions = options.Partitions });
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);

        await output.WriteLineAsync(Invariant($"seeding {options.Accounts:N0} accounts")).ConfigureAwait(false);
        var seed = await BookSeeding.RunAsync(storage, venue, options, sampler, trace, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync("bytes per account: the generated book as a CompactBook and as a List<Account>").ConfigureAwait(false);
        var bookMemory = BookMemoryFigures.Measure(venue, options.Accounts, options.Seed);

        var sweeps = new SweepPhase(storage, venue, options, sampler, trace);
        await output.WriteLineAsync("first sweep (every result new)").ConfigureAwait(false);
        var first = await sweeps.RunAsync("First sweep (every result new)", previous: null, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync(Invariant($"  {first.Accounts:N0} accounts in {first.Seconds:0.0} s")).ConfigureAwait(false);
        var pinned = await storage.Snapshots.ReadAsync(first.SnapshotId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"the first sweep's snapshot {first.SnapshotId} does not read back");

        var preparation = new StressPreparation(storage.Accounts, storage.Snapshots, storage.Parameters, new NoScenarioCatalog());
        var mainRequest = Request(options, options.Scenario, first.SnapshotId, curve: true);
        var main = await PrepareAsync(preparation, mainRequest, cancellationToken).ConfigureAwait(false);
        var longRequest = options.LongScenario is { } text ? Request(options, text, first.SnapshotId, curve: false) : null;
        var longer = longRequest is null ? null : await PrepareAsync(preparation, longRequest, cancellationToken).ConfigureAwait(false);
        var run = Runner(storage, preparation, options, Environment.ProcessorCount);

        var rounds = new List<StressRoundFigures>();
        CompactBook? book = null;
        for (var r = 1; r <= options.Rounds; r++)
        {
            var load = Harness.LoadAverage();
            await output.WriteLineAsync(Invariant($"round {r} of {options.Rounds} (load average {load}): sweep on unchanged prices")).ConfigureAwait(false);
            var sweep = await sweeps.RunAsync(Invariant($"Sweep {r} (prices unchanged)"), pinned, cancellationToken).ConfigureAwait(false);

            book = null;
            var heapBefore = MemoryProbe.SettledHeap();
            memory.Window();
            var from = sampler.Now;
            var clock = Stopwatch.StartNew();
            book = await run.ReadBookAsync(cancellationToken).ConfigureAwait(false);
            var read = clock.Elapsed;
            var readUsage = sampler.Usage(from, sampler.Now);
            var readPeak = memory.Window();
            var bookHeap = MemoryProbe.SettledHeap() - heapBefore;

            await output.WriteLineAsync(Invariant($"  sweep {sweep.Seconds:0.0} s; book read {read.TotalSeconds:0.0} s ({book.Count:N0} accounts); stress run: {main.Scenario.Name}, {options.CascadeRounds} rounds at most, curve {CurveAsset} 0 to -50 %")).ConfigureAwait(false);
            from = sampler.Now;
            var work = WorkMeter.Start();
            var result = run.Run(Record(main, mainRequest), main, book, read, cancellationToken);
            var cost = work.Stop();
            var usage = sampler.Usage(from, sampler.Now);
            var peak = memory.Window();
            var digest = StressDigest.Of(result.Cascade, result.Curve);
            await output.WriteLineAsync(Invariant($"  cascade {result.CascadeTime.TotalSeconds:0.0} s ({result.Cascade.Rounds.Length} rounds, {result.Cascade.Stop}, {result.Cascade.Liquidations:N0} liquidations), curve {result.CurveTime.TotalSeconds:0.0} s; digest {digest}")).ConfigureAwait(false);

            LongScenarioFigures? extra = null;
            if (longer is not null && result.Cascade.Stop != CascadeStop.RoundLimit)
            {
                var longClock = Stopwatch.StartNew();
                var longResult = run.Run(Record(longer, longRequest!), longer, book, read, cancellationToken);
                longClock.Stop();
                extra = new LongScenarioFigures(longer.Scenario.Name, longResult.CascadeTime.TotalSeconds, longResult.Cascade.Rounds.Length, longResult.Cascade.Stop.ToString(), longResult.Cascade.Liquidations, longResult.Cascade.Rounds.Select(x => x.NewLiquidations).ToArray(), StressDigest.Of(longResult.Cascade, longResult.Curve));
                await output.WriteLineAsync(Invariant($"  long scenario {extra.Scenario}: cascade {extra.CascadeSeconds:0.0} s ({extra.Rounds} rounds, {extra.Stop}, {extra.Liquidations:N0} liquidations)")).ConfigureAwait(false);
            }

            rounds.Add(new StressRoundFigures(
                r,
                load,
                sweep.Seconds,
                sweep.Usage.HarnessCores * sweep.Seconds,
                sweep.Usage.AzuriteCores * sweep.Seconds,
                Others(sweep.Usage),
                read.TotalSeconds,
                Others(readUsage),
                readPeak.WorkingSet,
                bookHeap,
                book.Count,
                book.EstimatedBytes,
                result.CascadeTime.TotalSeconds,
                result.CurveTime.TotalSeconds,
                result.Curve.Length,
                result.Cascade.Rounds.Length,
                result.Cascade.Stop.ToString(),
                result.Cascade.Liquidations,
                result.Cascade.Rounds.Select(x => x.NewLiquidations).ToArray(),
                cost,
                peak.WorkingSet,
                peak.Heap,
                usage.HarnessCores,
                Others(usage),
                digest,
                extra));
        }

        await output.WriteLineAsync("determinism: the same run on one thread (MaxDegreeOfParallelism 1)").ConfigureAwait(false);
        var single = Runner(storage, preparation, options, dop: 1).Run(Record(main, mainRequest), main, book!, TimeSpan.Zero, cancellationToken);
        var determinism = new DeterminismFigures(
            Environment.ProcessorCount,
            [.. rounds.Select(x => x.Digest).Distinct(StringComparer.Ordinal)],
            StressDigest.Of(single.Cascade, single.Curve),
            single.CascadeTime.TotalSeconds,
            single.CurveTime.TotalSeconds);

        return new StressReport(
            machine,
            options,
            GCSettings.IsServerGC ? "server" : "workstation",
            MemoryProbe.MachineRam(),
            seed,
            new SweepSummary(first.Label, first.Seconds, first.AccountsPerSecond, first.Orders, Others(first.Usage)),
            bookMemory,
            rounds,
            determinism,
            null,
            MemoryProbe.HighWaterMark(),
            MemoryProbe.PeakWorkingSet(),
            total.Elapsed.TotalSeconds);
    }

    private static async Task<StressReport> InMemoryAsync(HarnessOptions options, string root, DemoVenue venue, TextWriter output, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var machine = Harness.Machine(root) with { Azurite = "not used" };
        await using var memory = new MemorySampler();
        var sample = Math.Min(options.Accounts, 100_000);
        await output.WriteLineAsync(Invariant($"bytes per account: {sample:N0} generated accounts as a CompactBook and as a List<Account>")).ConfigureAwait(false);
        var bookMemory = BookMemoryFigures.Measure(venue, sample, options.Seed);

        await output.WriteLineAsync(Invariant($"building a CompactBook of {options.Accounts:N0} generated accounts")).ConfigureAwait(false);
        var heapBefore = MemoryProbe.SettledHeap();
        memory.Window();
        var clock = Stopwatch.StartNew();
        var book = Build(venue, options.Accounts, options.Seed, cancellationToken);
        var build = clock.Elapsed;
        var buildPeak = memory.Window();
        var bookHeap = MemoryProbe.SettledHeap() - heapBefore;
        await output.WriteLineAsync(Invariant($"  {book.Count:N0} accounts in {build.TotalSeconds:0.0} s; {bookHeap / (double)book.Count:0} bytes per account on the heap, {book.EstimatedBytes / (double)book.Count:0} estimated")).ConfigureAwait(false);

        var parameters = venue.Parameters;
        var (moves, volatility) = Resolve(options.Scenario, options.VolatilityShocks, parameters);
        var snapshot = venue.Reference;
        var shocked = StressedMarket.Apply(snapshot, parameters, snapshot.Id + "~stress", SensitivityCurve.Factors(moves), volatility);
        var sweep = SweepPhase.OptionsFor(options);
        var planner = PlannerOptions.Create(sweep.PlannerFeeRate, sweep.PlannerMaxImpact, sweep.PlannerMaxOrderUsd, sweep.PlannerMinOrderUsd);
        var stress = new StressOptions { MaxRounds = options.CascadeRounds };

        await output.WriteLineAsync(Invariant($"cascade: {options.Scenario}, {options.CascadeRounds} rounds at most")).ConfigureAwait(false);
        memory.Window();
        var work = WorkMeter.Start();
        clock.Restart();
        var cascade = CascadeSimulator.Run(book, shocked, parameters, planner, stress, cancellationToken);
        var cascadeTime = clock.Elapsed;
        var cascadeCost = work.Stop();
        var cascadePeak = memory.Window();
        await output.WriteLineAsync(Invariant($"  {cascadeTime.TotalSeconds:0.0} s, {cascade.Rounds.Length} rounds ({cascade.Stop}), {cascade.Liquidations:N0} liquidations")).ConfigureAwait(false);

        var curveMoves = SensitivityCurve.DefaultMoves.Take(options.CurvePoints).ToArray();
        await output.WriteLineAsync(Invariant($"curve: {CurveAsset}, {curveMoves.Length} points")).ConfigureAwait(false);
        work = WorkMeter.Start();
        clock.Restart();
        var curve = SensitivityCurve.Run(book, snapshot, parameters, CurveAsset, curveMoves, moves, volatility, stress, cancellationToken);
        var curveTime = clock.Elapsed;
        var curveCost = work.Stop();
        var curvePeak = memory.Window();
        await output.WriteLineAsync(Invariant($"  {curveTime.TotalSeconds:0.0} s")).ConfigureAwait(false);

        var inMemory = new InMemoryFigures(
            book.Count,
            options.Scenario,
            build.TotalSeconds,
            book.EstimatedBytes,
            bookHeap,
            buildPeak.WorkingSet,
            cascadeTime.TotalSeconds,
            cascade.Rounds.Length,
            cascade.Stop.ToString(),
            cascade.Liquidations,
            [.. cascade.Rounds.Select(x => x.NewLiquidations)],
            cascadeCost,
            cascadePeak.WorkingSet,
            cascadePeak.Heap,
            curveTime.TotalSeconds,
            curveCost,
            curve.Length,
            curvePeak.WorkingSet,
            curvePeak.Heap,
            StressDigest.Of(cascade, curve));
        GC.KeepAlive(book);
        return new StressReport(
            machine,
            options,
            GCSettings.IsServerGC ? "server" : "workstation",
            MemoryProbe.MachineRam(),
            null,
            null,
            bookMemory,
            [],
            null,
            inMemory,
            MemoryProbe.HighWaterMark(),
            MemoryProbe.PeakWorkingSet(),
            total.Elapsed.TotalSeconds);
    }

    /// <summary>The generated book: <see cref="BookGenerator"/>'s accounts, and beyond its 999,999 the next seed's with the block number in the id (<c>acct-1-000001</c>).</summary>
    public static IEnumerable<Account> Generated(DemoVenue venue, int count, int seed)
    {
        var generator = venue.Book();
        for (var block = 0; (long)block * BookGenerator.MaxAccounts < count; block++)
        {
            var n = Math.Min(BookGenerator.MaxAccounts, count - (block * BookGenerator.MaxAccounts));
            var prefix = Invariant($"acct-{block}-");
            foreach (var account in generator.Generate(n, unchecked(seed + block)))
            {
                yield return block == 0 ? account : Account.Create(prefix + account.Id["acct-".Length..], account.Version, account.Mode, account.Balances, account.Positions);
            }
        }
    }

    public static CompactBook Build(DemoVenue venue, int count, int seed, CancellationToken cancellationToken = default)
    {
        var builder = new CompactBook.Builder();
        foreach (var account in Generated(venue, count, seed))
        {
            if (builder.Count % 100_000 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            builder.Add(account);
        }

        return builder.Build();
    }

    private static double Others(PhaseUsage usage) => Math.Max(0, usage.MachineCores - usage.AzuriteCores - usage.HarnessCores);

    private static StressRequest Request(HarnessOptions options, string scenario, string snapshotId, bool curve) => new()
    {
        Scenario = scenario,
        VolatilityShocks = options.VolatilityShocks,
        SnapshotId = snapshotId,
        CurveAsset = CurveAsset,
        Curve = curve,
        MaxRounds = options.CascadeRounds,
    };

    private static async Task<PreparedStress> PrepareAsync(StressPreparation preparation, StressRequest request, CancellationToken cancellationToken)
    {
        var (prepared, problems) = await preparation.PrepareAsync(request, checkBook: false, cancellationToken).ConfigureAwait(false);
        return prepared ?? throw new ArgumentException($"the stress request does not check: {string.Join("; ", problems)}");
    }

    private static RunStress Runner(MarginStorage storage, StressPreparation preparation, HarnessOptions options, int dop) =>
        new(storage.Accounts, preparation, new MemoryStressRuns(), SweepPhase.OptionsFor(options), new StressOptions { MaxRounds = options.CascadeRounds, MaxDegreeOfParallelism = dop }, TimeProvider.System);

    private static StressRunRecord Record(PreparedStress prepared, StressRequest request)
    {
        var now = TimeProvider.System.GetUtcNow();
        return new StressRunRecord(StartStress.NewRunId(now), StressRunStatus.Running, request, prepared.Snapshot.Id, prepared.Parameters.Version, prepared.Candidate, prepared.Scenario.Name, now, now, null, 1, null);
    }

    private static (IReadOnlyDictionary<string, decimal> Prices, IReadOnlyDictionary<string, double>? Volatility) Resolve(string scenario, string? vol, Engine.Parameters.RiskParameters parameters)
    {
        if (!ShockSet.TryParse(scenario, "--scenario", out var prices, out var problems) || !prices.TryResolve(parameters, "--scenario", out var moves, out problems))
        {
            throw new ArgumentException(string.Join("; ", problems));
        }

        if (vol is null)
        {
            return (moves, null);
        }

        if (!ShockSet.TryParse(vol, "--vol", out var vols, out problems) || !vols.TryResolve(parameters, "--vol", out var volMoves, out problems))
        {
            throw new ArgumentException(string.Join("; ", problems));
        }

        return (moves, volMoves.ToDictionary(kv => kv.Key, kv => (double)(1m + kv.Value), StringComparer.Ordinal));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
