using System.CommandLine;
using System.Globalization;
using Margin.Cli.Hosting;
using Margin.Cli.Output.Table;
using Margin.Engine.Stress;
using Margin.Infrastructure.Composition;
using Margin.Infrastructure.Stress;
using Margin.Sweep.Stress;
using Spectre.Console;

namespace Margin.Cli.Commands;

/// <summary><c>margin stress</c>: a book-wide stress run with its liquidation cascade, run in this process; <c>stress show ID</c>, <c>stress list</c>, <c>stress scenarios</c>.</summary>
/// <remarks>
/// The run is accepted as the <c>POST api/stress</c> function accepts it (checked against the stores and pinned; a refused
/// request writes nothing), then executed at once by the same use case the <c>RunStress</c> function runs, never through
/// the queue. Nothing of the live book is written: the run's record and result go to the <c>stressruns</c> table only.
/// </remarks>
internal static class StressCommand
{
    // Problems name the request's JSON fields (the shape of POST api/stress); here they name the flags.
    private static readonly (string Field, string Flag)[] s_flags =
    [
        ("scenario and historical", "--scenario and --historical"),
        ("scenario", "--scenario"),
        ("historical", "--historical"),
        ("volatilityShocks", "--vol"),
        ("paramsVersion", "--params"),
        ("snapshotId", "--snapshot"),
        ("curveAsset", "--curve"),
        ("curveStep", "--curve"),
        ("curve", "--curve"),
        ("maxRounds", "--rounds"),
    ];

    public static Command Create(CommandIo io)
    {
        var connection = StorageCommand.Connection();
        var partitions = StorageCommand.Partitions();
        var scenario = new Option<string?>("--scenario", "-s") { Description = "price shocks, e.g. BTC=-25%,ETH=-30%,alts=-45% (selectors: an asset, an asset class or alias: stables, majors, alts; or * for every other asset)" };
        var historical = new Option<string?>("--historical") { Description = "a shipped historical scenario by name (margin stress scenarios)" };
        var vol = new Option<string?>("--vol") { Description = "volatility shocks, relative, e.g. *=+100% (with --historical: replaces its shocks for the selectors named)" };
        var parameters = new Option<string?>("--params") { Description = "the parameter version to run under, e.g. a candidate not yet active (default: the active version)" };
        var snapshot = new Option<string?>("--snapshot") { Description = "the price snapshot to shock (default: the latest)" };
        var curve = new Option<string?>("--curve") { Description = "the sensitivity curve: ASSET or ASSET:FROM:TO:STEP in percent (default BTC:0:-50:5)" };
        var noCurve = new Option<bool>("--no-curve") { Description = "draw no sensitivity curve" };
        var rounds = new Option<int>("--rounds") { Description = "the cascade's round limit, 1 to 100", DefaultValueFactory = _ => 10 };
        var output = CommonOptions.Output();
        output.Description = "table (for people) or json (the stress run document of docs/storage.md, stressruns)";
        var folder = Scenarios();
        var command = new Command("stress", "Stress the whole book: shock prices (and volatilities), simulate the liquidation cascade round by round against each asset's depth, draw a sensitivity curve; print accounts per status before and after, liquidations, the insurance fund's loss, each round and the curve. Writes only the stressruns table.")
        {
            scenario, historical, vol, parameters, snapshot, curve, noCurve, rounds, output, folder, connection, partitions, StorageCommand.Prefix(),
        };
        command.SetAction(async (parse, ct) =>
        {
            var problems = new List<string>();
            var request = new StressRequest
            {
                Scenario = parse.GetValue(scenario),
                Historical = parse.GetValue(historical),
                VolatilityShocks = parse.GetValue(vol),
                ParamsVersion = parse.GetValue(parameters),
                SnapshotId = parse.GetValue(snapshot),
                MaxRounds = parse.GetValue(rounds),
                Curve = !parse.GetValue(noCurve),
            };
            if (parse.GetValue(curve) is { } curveText)
            {
                if (parse.GetValue(noCurve))
                {
                    problems.Add("--curve and --no-curve: give one, not both");
                }
                else if (ParseCurve(curveText, request, out var withCurve) is { } problem)
                {
                    problems.Add(problem);
                }
                else
                {
                    request = withCurve;
                }
            }

            return await RunAsync(io, parse, request, problems, CommonOptions.Parse(parse.GetValue(output)), parse.GetValue(folder), connection, partitions, ct).ConfigureAwait(false);
        });

        var id = new Argument<string>("id") { Description = "the stress run's id (margin stress list)" };
        var showOutput = CommonOptions.Output();
        showOutput.Description = "table (for people) or json (the stress run document of docs/storage.md, stressruns)";
        var show = new Command("show", "Show a stress run: its status and, once completed, its result.") { id, showOutput, connection, partitions, StorageCommand.Prefix() };
        show.SetAction((parse, ct) => ShowAsync(io, parse, parse.GetRequiredValue(id), CommonOptions.Parse(parse.GetValue(showOutput)), connection, partitions, ct));

        var max = new Option<int>("--max") { Description = "how many runs, newest first (1 to 1000)", DefaultValueFactory = _ => 20 };
        var list = new Command("list", "List the stress runs, newest first.") { max, connection, partitions, StorageCommand.Prefix() };
        list.SetAction((parse, ct) => ListAsync(io, parse, parse.GetValue(max), connection, partitions, ct));

        var scenariosFolder = Scenarios();
        var scenarios = new Command("scenarios", "List the shipped historical scenarios: name, date, title, shocks and sources.") { scenariosFolder };
        scenarios.SetAction((parse, ct) => ScenariosAsync(io, parse.GetValue(scenariosFolder), ct));

        command.Subcommands.Add(show);
        command.Subcommands.Add(list);
        command.Subcommands.Add(scenarios);
        return command;
    }

    /// <summary>Reads <c>ASSET</c> or <c>ASSET:FROM:TO:STEP</c> (percentages, an optional <c>%</c> each) into the request; returns the problem, or null.</summary>
    internal static string? ParseCurve(string text, StressRequest request, out StressRequest result)
    {
        result = request;
        var parts = text.Split(':');
        var asset = parts[0].Trim();
        if (asset.Length == 0 || parts.Length is not (1 or 4))
        {
            return $"--curve: expected ASSET or ASSET:FROM:TO:STEP in percent (e.g. BTC:0:-50:5), got '{text}'";
        }

        if (parts.Length == 1)
        {
            result = request with { CurveAsset = asset };
            return null;
        }

        var numbers = new decimal[3];
        string[] names = ["FROM", "TO", "STEP"];
        for (var i = 0; i < 3; i++)
        {
            var part = parts[i + 1].Trim().TrimEnd('%');
            if (!decimal.TryParse(part, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out numbers[i]))
            {
                return $"--curve: {names[i]} '{parts[i + 1]}' is not a number of percent (e.g. BTC:0:-50:5)";
            }
        }

        result = request with { CurveAsset = asset, CurveFrom = numbers[0], CurveTo = numbers[1], CurveStep = numbers[2] };
        return null;
    }

    /// <summary>A problem of the stress use cases with its field named as the flag that sets it.</summary>
    internal static string ForCli(string problem)
    {
        foreach (var (field, flag) in s_flags)
        {
            if (problem.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return flag + problem[field.Length..];
            }
        }

        return problem;
    }

    private static Option<string?> Scenarios() => new("--scenarios")
    {
        Description = $"the folder of historical scenario files (default: {FileScenarioCatalog.DefaultFolderName}/ beside the executable)",
    };

    private static async Task<int> RunAsync(CommandIo io, ParseResult parse, StressRequest request, List<string> problems, OutputFormat format, string? folder, Option<string?> connection, Option<int?> partitions, CancellationToken ct)
    {
        if (problems.Count > 0)
        {
            return await RefuseAsync(io, problems, ct).ConfigureAwait(false);
        }

        if (await StorageCommand.SettingsAsync(io, "stress", parse, connection, partitions, null, ct).ConfigureAwait(false) is not { } settings)
        {
            return ExitCodes.InvalidInput;
        }

        var storage = await StorageCommand.OpenAsync(settings, ct).ConfigureAwait(false);
        var stress = StressServices.Create(storage, settings.Sweep, new FileScenarioCatalog(folder), TimeProvider.System, enqueue: false);
        StressStart start;
        try
        {
            start = await stress.Start.ExecuteAsync(request, enqueue: false, ct).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            // A shipped scenario file is malformed: the message names the file and the field.
            return await RefuseAsync(io, [$"--historical: {ex.Message}"], ct).ConfigureAwait(false);
        }

        if (start.Record is not { } accepted)
        {
            return await RefuseAsync(io, start.Problems, ct).ConfigureAwait(false);
        }

        if (format == OutputFormat.Table)
        {
            await io.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"stress run {accepted.RunId}: {accepted.ScenarioName} on snapshot {accepted.SnapshotId}, parameters {accepted.ParamsVersion}{(accepted.Candidate ? " (candidate)" : string.Empty)}; reading the book ...").AsMemory(), ct).ConfigureAwait(false);
        }

        StressRunOutcome outcome;
        try
        {
            outcome = await stress.Run.ExecuteAsync(accepted.RunId, ct).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Interrupted (Ctrl-C) or failed (storage): the record says so instead of staying Running; nothing retries a CLI run.
            var why = ex is OperationCanceledException ? "interrupted before it completed" : $"failed: {ex.GetType().Name}: {ex.Message.Split('\n', 2)[0]}";
            await stress.Run.FailAsync(accepted.RunId, $"the in-process run was {why}", CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        var record = outcome.Record ?? accepted;
        await WriteAsync(io, format, record, outcome.Result, ct).ConfigureAwait(false);
        if (outcome.Kind != StressRunOutcomeKind.Completed)
        {
            await io.Error.WriteLineAsync($"margin stress: run {accepted.RunId} {outcome.Kind}: {outcome.Error ?? "no result"}".AsMemory(), ct).ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        if (format == OutputFormat.Table)
        {
            await io.Output.WriteLineAsync($"run id: {record.RunId} (margin stress show {record.RunId}; --output json for the exact record)".AsMemory(), ct).ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }

    private static async Task<int> RefuseAsync(CommandIo io, IReadOnlyList<string> problems, CancellationToken ct)
    {
        var lines = problems.Select(p => "  " + ForCli(p));
        await io.Error.WriteLineAsync($"margin stress: nothing was run or stored; {problems.Count} problem(s):{Environment.NewLine}{string.Join(Environment.NewLine, lines)}".AsMemory(), ct).ConfigureAwait(false);
        return ExitCodes.InvalidInput;
    }

    private static async Task WriteAsync(CommandIo io, OutputFormat format, StressRunRecord record, StressRunResult? result, CancellationToken ct)
    {
        if (format == OutputFormat.Json)
        {
            await io.Output.WriteLineAsync(StressRunDocument.Serialize(record, result).AsMemory(), ct).ConfigureAwait(false);
        }
        else
        {
            StressReportWriter.Write(record, result, io.Output, io.Terminal);
        }

        await io.Output.FlushAsync(ct).ConfigureAwait(false);
    }

    private static async Task<int> ShowAsync(CommandIo io, ParseResult parse, string runId, OutputFormat format, Option<string?> connection, Option<int?> partitions, CancellationToken ct)
    {
        if (await StorageCommand.SettingsAsync(io, "stress show", parse, connection, partitions, null, ct).ConfigureAwait(false) is not { } settings)
        {
            return ExitCodes.InvalidInput;
        }

        var storage = await StorageCommand.OpenAsync(settings, ct).ConfigureAwait(false);
        if (await storage.StressRuns.GetAsync(runId, ct).ConfigureAwait(false) is not { } record)
        {
            return await StorageCommand.FailAsync(io, "stress show", $"no stress run {runId} is stored (margin stress list)", ct).ConfigureAwait(false);
        }

        StressRunResult? result;
        try
        {
            result = record.Status == StressRunStatus.Completed ? await storage.StressRuns.GetResultAsync(runId, ct).ConfigureAwait(false) : null;
        }
        catch (FormatException ex)
        {
            return await StorageCommand.FailAsync(io, "stress show", $"the stored result cannot be read: {ex.Message}", ct).ConfigureAwait(false);
        }

        await WriteAsync(io, format, record, result, ct).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static async Task<int> ListAsync(CommandIo io, ParseResult parse, int max, Option<string?> connection, Option<int?> partitions, CancellationToken ct)
    {
        if (max is < 1 or > 1_000)
        {
            return await StorageCommand.FailAsync(io, "stress list", $"--max must be in [1, 1000] (got {max})", ct).ConfigureAwait(false);
        }

        if (await StorageCommand.SettingsAsync(io, "stress list", parse, connection, partitions, null, ct).ConfigureAwait(false) is not { } settings)
        {
            return ExitCodes.InvalidInput;
        }

        var storage = await StorageCommand.OpenAsync(settings, ct).ConfigureAwait(false);
        var runs = await storage.StressRuns.ListAsync(max, ct).ConfigureAwait(false);
        if (runs.Count == 0)
        {
            await io.Output.WriteLineAsync("no stress run is stored yet (margin stress --scenario ...)".AsMemory(), ct).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        StressReportWriter.WriteList(runs, io.Output, io.Terminal);
        return ExitCodes.Success;
    }

    private static async Task<int> ScenariosAsync(CommandIo io, string? folder, CancellationToken ct)
    {
        var catalog = new FileScenarioCatalog(folder);
        var names = await catalog.NamesAsync(ct).ConfigureAwait(false);
        if (names.Count == 0)
        {
            await io.Output.WriteLineAsync($"no historical scenario is shipped in {catalog.Folder}".AsMemory(), ct).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        var failed = 0;
        foreach (var name in names)
        {
            StressScenario? scenario;
            try
            {
                scenario = await catalog.FindAsync(name, ct).ConfigureAwait(false);
            }
            catch (InvalidDataException ex)
            {
                failed++;
                await io.Error.WriteLineAsync($"margin stress scenarios: {ex.Message}".AsMemory(), ct).ConfigureAwait(false);
                continue;
            }

            if (scenario is null)
            {
                continue;
            }

            await io.Output.WriteLineAsync($"{name}  {scenario.Title}".AsMemory(), ct).ConfigureAwait(false);
            await io.Output.WriteLineAsync($"  {scenario.Date}, {scenario.Window}".AsMemory(), ct).ConfigureAwait(false);
            await io.Output.WriteLineAsync($"  shocks: {scenario.Prices}{(scenario.Volatilities.IsEmpty ? string.Empty : $"; volatility: {scenario.Volatilities}")}".AsMemory(), ct).ConfigureAwait(false);
            foreach (var source in scenario.Sources)
            {
                await io.Output.WriteLineAsync($"  source: {source.Title}: {source.Url}".AsMemory(), ct).ConfigureAwait(false);
            }
        }

        await io.Output.FlushAsync(ct).ConfigureAwait(false);
        return failed == 0 ? ExitCodes.Success : ExitCodes.InvalidInput;
    }
}
