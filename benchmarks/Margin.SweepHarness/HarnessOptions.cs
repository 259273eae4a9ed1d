using System.Globalization;

namespace Margin.SweepHarness;

/// <summary>The harness's flags (docs/benchmarks.md, "Sweep against Azurite").</summary>
internal sealed record HarnessOptions
{
    public const string Usage = """
        Margin.SweepHarness: seeds a generated book into its own Azurite, runs a first sweep and a second sweep on
        unchanged prices, measures Azurite's own ceiling in the same run, and prints the figures.

          --accounts N               accounts to seed (default 100000; at most 999999, with --stress --in-memory
                                     at most 20000000)
          --workers W                concurrent work-item workers (default 4)
          --work-items K             work items per sweep (default 16)
          --partition-concurrency C  partitions of one work item processed at once (default 4)
          --partitions P             the deployment's partition count (default 256)
          --seed S                   the book generator's seed (default 1)
          --ceiling-seconds T        how long each ceiling measurement runs (default 4; 0 skips the ceiling)
          --no-liquidation           run both sweeps in no-liquidation mode (Sweep:SnapshotMaxAge of one tick): every
                                     result and status change is written, no account is planned; isolates the
                                     storage path from the liquidation planner's CPU
          --engine-pass              also evaluate and plan every account in memory, listing the slowest plans
                                     (slow on large books: the planner's worst accounts take minutes)
          --via MODE                 instead of the default run: the Functions handler comparison (docs/benchmarks.md,
                                     "The Functions handler"): inprocess (WorkQueueDrain in this process, as `margin
                                     sweep`), handler (the published handler process driven by the host's queue
                                     trigger) or both (alternated round by round); each run on a fresh Azurite
          --rounds R                 runs of each mode with --via (default 3)
          --cold-starts N            with --via handler or both: also start the handler N times on its own and report
                                     its cold start (default 10; 0 skips)
          --telemetry-round          with --via handler or both: a handler with telemetry on the console as one more
                                     variant of every round
          --compare-setting K=V      with --via handler or both: a handler with this one more app setting as one more
                                     variant of every round (e.g. DOTNET_TieredPGO=0)
          --warm                     with --via: one Azurite and one handler process for all runs, each run on fresh
                                     tables and queues, after a warm-up run per mode on a tenth of the book (not
                                     counted): both modes warm, as a Functions instance that has run sweeps before
          --handler-setting K=V      with --via: one more app setting (environment variable) for the handler, e.g.
                                     DOTNET_gcServer=0 to try a runtime setting without republishing (repeatable)
          --app DIR                  the published function app root (default artifacts/functions/app under the root;
                                     scripts/package-functions.sh builds it)
          --stress                   instead of the default run: the book stress benchmark (docs/benchmarks.md, "Book
                                     stress"): seeds the book, runs a first sweep, then --rounds rounds of a sweep on
                                     unchanged prices, the book read (RunStress.ReadBookAsync), the cascade and the
                                     sensitivity curve (RunStress.Run), timed against the sweep; bytes per account,
                                     peak memory, and a determinism check (a digest of every round and curve point,
                                     equal in every round and with one thread)
          --in-memory                with --stress: no Azurite; a book of --accounts accounts generated straight into
                                     a CompactBook, one cascade round and one curve point on it, time and memory
          --scenario TEXT            with --stress: the scenario (default BTC=-25%,ETH=-30%,alts=-45%)
          --long-scenario TEXT       with --stress: a second scenario timed as well when the first stops before the
                                     round limit (default BTC=-10%; "none" skips it)
          --vol TEXT                 with --stress: volatility shocks for both scenarios (default none)
          --cascade-rounds N         with --stress: the cascade's round limit (default 10)
          --curve-points K           with --stress --in-memory: the curve's first K points of 0 to -50 % in steps of 5 %
                                     (default 11)
          --json PATH                also write the report as JSON
          --root DIR                 the repository root (default: found above the current directory)
          --help                     this text
        """;

    public int Accounts { get; init; } = 100_000;

    public int Workers { get; init; } = 4;

    public int WorkItems { get; init; } = 16;

    public int PartitionConcurrency { get; init; } = 4;

    public int Partitions { get; init; } = 256;

    public int Seed { get; init; } = 1;

    public double CeilingSeconds { get; init; } = 4;

    public bool EnginePass { get; init; }

    public bool NoLiquidation { get; init; }

    public string? JsonPath { get; init; }

    /// <summary>The handler comparison's modes (<c>--via</c>), or null for the default run.</summary>
    public string? Via { get; init; }

    public int Rounds { get; init; } = 3;

    public int ColdStarts { get; init; } = 10;

    public bool TelemetryRound { get; init; }

    public bool Warm { get; init; }

    public string? CompareSetting { get; init; }

    public string? AppRoot { get; init; }

    /// <summary>Extra app settings for the handler (<c>--handler-setting K=V</c>), in order.</summary>
    public IReadOnlyList<string> HandlerSettings { get; init; } = [];

    public string? Root { get; init; }

    public bool Help { get; init; }

    /// <summary>The book stress benchmark (<c>--stress</c>) instead of the default run.</summary>
    public bool Stress { get; init; }

    /// <summary>With <see cref="Stress"/>: a generated book in memory, no Azurite.</summary>
    public bool InMemory { get; init; }

    public string Scenario { get; init; } = "BTC=-25%,ETH=-30%,alts=-45%";

    /// <summary>A scenario timed as well when <see cref="Scenario"/> stops before the round limit, or null.</summary>
    public string? LongScenario { get; init; } = "BTC=-10%";

    public string? VolatilityShocks { get; init; }

    public int CascadeRounds { get; init; } = 10;

    public int CurvePoints { get; init; } = 11;

    /// <summary>How many storage transactions the sweep can have in flight: one per partition being committed.</summary>
    public int SweepConcurrency => Workers * PartitionConcurrency;

    /// <summary>Parses the flags; the problems name the flag.</summary>
    public static (HarnessOptions? Options, IReadOnlyList<string> Problems) Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new HarnessOptions();
        var read = new HarnessArgs(args);
        var problems = read.Problems;
        while (read.Next())
        {
            options = read.Flag switch
            {
                "--accounts" => options with { Accounts = read.Int(1, 20_000_000) },
                "--workers" => options with { Workers = read.Int(1, 64) },
                "--work-items" => options with { WorkItems = read.Int(1, 100_000) },
                "--partition-concurrency" => options with { PartitionConcurrency = read.Int(1, 64) },
                "--partitions" => options with { Partitions = read.Int(1, 10_000) },
                "--seed" => options with { Seed = read.Int(int.MinValue, int.MaxValue) },
                "--ceiling-seconds" => options with { CeilingSeconds = read.Int(0, 600) },
                "--engine-pass" => options with { EnginePass = true },
                "--no-liquidation" => options with { NoLiquidation = true },
                "--json" => options with { JsonPath = read.Value() },
                "--via" => options with { Via = Mode(problems, read.Value()) },
                "--rounds" => options with { Rounds = read.Int(1, 50) },
                "--cold-starts" => options with { ColdStarts = read.Int(0, 100) },
                "--telemetry-round" => options with { TelemetryRound = true },
                "--warm" => options with { Warm = true },
                "--compare-setting" => options with { CompareSetting = Setting(problems, read.Value()) },
                "--app" => options with { AppRoot = read.Value() },
                "--handler-setting" => options with { HandlerSettings = [.. options.HandlerSettings, Setting(problems, read.Value())] },
                "--root" => options with { Root = read.Value() },
                "--stress" => options with { Stress = true },
                "--in-memory" => options with { InMemory = true },
                "--scenario" => options with { Scenario = read.Value() },
                "--long-scenario" => options with { LongScenario = read.Value() is var l && l == "none" ? null : l },
                "--vol" => options with { VolatilityShocks = read.Value() },
                "--cascade-rounds" => options with { CascadeRounds = read.Int(1, 100) },
                "--curve-points" => options with { CurvePoints = read.Int(1, 11) },
                "--help" or "-h" => options with { Help = true },
                _ => read.Unknown(options),
            };
        }

        if (options.Accounts > 999_999 && !(options.Stress && options.InMemory))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"--accounts {options.Accounts:N0}: at most 999,999 accounts are seeded (BookGenerator's ids have six digits); larger books only with --stress --in-memory"));
        }

        if (options.InMemory && !options.Stress)
        {
            problems.Add("--in-memory needs --stress");
        }

        if (options.Stress && options.Via is not null)
        {
            problems.Add("--stress and --via are separate runs; give one");
        }

        return problems.Count == 0 ? (options, problems) : (null, problems);
    }

    private static string? Mode(List<string> problems, string text)
    {
        if (text is "inprocess" or "handler" or "both")
        {
            return text;
        }

        problems.Add($"--via must be inprocess, handler or both (got '{text}')");
        return null;
    }

    private static string Setting(List<string> problems, string text)
    {
        if (text.IndexOf('=', StringComparison.Ordinal) <= 0)
        {
            problems.Add($"--handler-setting must be KEY=VALUE (got '{text}')");
        }

        return text;
    }
}
