using System.CommandLine;
using Margin.Infrastructure.Documents.Evaluation;
using Margin.Infrastructure.Documents;
using Margin.Cli.Output.Table;
using Margin.Cli.Presets;

namespace Margin.Cli.Commands;

/// <summary><c>margin evaluate --input FILE.json [--preset NAME] [--output table|json]</c>: evaluates every account of a file in its margin mode.</summary>
internal static class EvaluateCommand
{
    public static Command Create(CommandIo io)
    {
        var input = new Option<FileInfo>("--input", "-i")
        {
            Description = "a JSON file with schemaVersion 1: a price snapshot, risk parameters and accounts (docs/evaluate.md)",
            Required = true,
        };
        var preset = new Option<string>("--preset", "-p")
        {
            Description = "use a shipped methodology preset's parameters instead of the input's parameters section, and report that methodology's own figure (margin presets list)",
        };
        preset.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } name && !PresetCatalog.Exists(name))
            {
                result.AddError(PresetCatalog.Unknown(name));
            }
        });
        var output = CommonOptions.Output();
        var command = new Command("evaluate", "Evaluate every account of an input file (standard or portfolio mode) and print each full result.")
        {
            input,
            preset,
            output,
        };
        command.SetAction((parseResult, cancellationToken) =>
            RunAsync(parseResult.GetRequiredValue(input), CommonOptions.Parse(parseResult.GetValue(output)), io, title: null, parseResult.GetValue(preset), cancellationToken));
        return command;
    }

    /// <summary>Reads, evaluates and writes; returns the exit code.</summary>
    public static Task<int> RunAsync(FileInfo file, OutputFormat format, CommandIo io, string? title, CancellationToken cancellationToken = default) =>
        RunAsync(file, format, io, title, preset: null, cancellationToken);

    /// <summary>Reads, evaluates (with a preset's parameters when <paramref name="preset"/> is given) and writes; returns the exit code.</summary>
    public static async Task<int> RunAsync(FileInfo file, OutputFormat format, CommandIo io, string? title, string? preset, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(io);
        var report = await EvaluateFileAsync(file, preset, cancellationToken).ConfigureAwait(false);
        if (format == OutputFormat.Json)
        {
            await JsonReportWriter.WriteAsync(report, io.Output, cancellationToken).ConfigureAwait(false);
        }
        else if (report.InputProblems.Count == 0)
        {
            TableReportWriter.Write(report, io.Output, io.Terminal, title);
        }

        await WriteDiagnosticsAsync(report, file, io.Error, cancellationToken).ConfigureAwait(false);
        return report.Complete ? ExitCodes.Success : ExitCodes.InvalidInput;
    }

    /// <summary>Reads and evaluates a file; a missing or unreadable file is an input problem like any other.</summary>
    public static Task<EvaluationReport> EvaluateFileAsync(FileInfo file, CancellationToken cancellationToken = default) =>
        EvaluateFileAsync(file, preset: null, cancellationToken);

    /// <summary>Reads and evaluates a file, with a preset's parameters when <paramref name="preset"/> is given.</summary>
    public static async Task<EvaluationReport> EvaluateFileAsync(FileInfo file, string? preset, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        (string Name, ParameterSet Set)? presetSet = null;
        if (preset is not null)
        {
            if (!PresetCatalog.Exists(preset))
            {
                return EvaluationReport.Rejected([new InputProblem("--preset", PresetCatalog.Unknown(preset))]);
            }

            var (set, presetProblems) = PresetCatalog.Load(preset);
            if (set is null)
            {
                return EvaluationReport.Rejected(presetProblems);
            }

            presetSet = (preset, set);
        }

        string json;
        try
        {
            json = await File.ReadAllTextAsync(file.FullName, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return EvaluationReport.Rejected([new InputProblem("--input", $"the input file {file.FullName} does not exist")]);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return EvaluationReport.Rejected([new InputProblem("--input", $"the input file {file.FullName} cannot be read: {ex.Message}")]);
        }

        var (input, problems) = EvaluateInputReader.Read(json, presetSet);
        return input is null ? EvaluationReport.Rejected(problems) : BookEvaluator.Evaluate(input, cancellationToken);
    }

    private static async Task WriteDiagnosticsAsync(EvaluationReport report, FileInfo file, TextWriter error, CancellationToken cancellationToken = default)
    {
        if (report.InputProblems.Count > 0)
        {
            var lines = report.InputProblems.Select(p => "  " + p);
            var text = $"margin evaluate: nothing was evaluated; {file.FullName} has {report.InputProblems.Count} problem(s):{Environment.NewLine}{string.Join(Environment.NewLine, lines)}";
            await error.WriteLineAsync(text.AsMemory(), cancellationToken).ConfigureAwait(false);
        }
        else if (report.Failures.Count > 0)
        {
            var failed = report.Failures.Select(f => f.Index).Distinct().Count();
            var lines = report.Failures.Select(f => "  " + f);
            var others = report.AccountCount - failed;
            var evaluated = others == 0 ? "none was evaluated" : $"the other {others} {(others == 1 ? "was" : "were")} evaluated";
            var text = $"margin evaluate: {failed} of {report.AccountCount} account(s) could not be evaluated; {evaluated}. Failures:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}";
            await error.WriteLineAsync(text.AsMemory(), cancellationToken).ConfigureAwait(false);
        }

        if (report.InputProblems.Count == 0 && report.ParametersReplaced)
        {
            var text = $"margin evaluate: preset {report.Preset} replaced the parameters section of {file.FullName}";
            await error.WriteLineAsync(text.AsMemory(), cancellationToken).ConfigureAwait(false);
        }

        if (report.InputProblems.Count == 0 && report.MethodologyFailures.Count > 0)
        {
            var lines = report.MethodologyFailures.Select(f => "  " + f);
            var text = $"margin evaluate: the methodology figure of {report.MethodologyFailures.Count} account(s) could not be computed; those accounts were evaluated. Failures:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}";
            await error.WriteLineAsync(text.AsMemory(), cancellationToken).ConfigureAwait(false);
        }

        if (report.InputProblems.Count == 0 && report.PlanFailures.Count > 0)
        {
            var lines = report.PlanFailures.Select(f => "  " + f);
            var text = $"margin evaluate: the liquidation plan of {report.PlanFailures.Count} account(s) could not be made; those accounts were evaluated and the others planned. Failures:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}";
            await error.WriteLineAsync(text.AsMemory(), cancellationToken).ConfigureAwait(false);
        }

        await error.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
