using System.CommandLine;
using System.Globalization;
using Margin.Cli.Hosting;
using Margin.Infrastructure.Reports;

namespace Margin.Cli.Commands;

/// <summary><c>margin report (--sweep ID|latest | --stress ID|latest) --out FILE</c>: a sweep's or a stress run's report as one self-contained HTML page (docs/report.md).</summary>
internal static class ReportCommand
{
    public static Command Create(CommandIo io)
    {
        var connection = StorageCommand.Connection();
        var partitions = StorageCommand.Partitions();
        var sweep = new Option<string?>("--sweep") { Description = "the sweep to report on: its id, or latest" };
        var stress = new Option<string?>("--stress") { Description = "the stress run to report on: its id (margin stress list), or latest" };
        var output = new Option<FileInfo?>("--out", "-o") { Description = "the HTML file to write (its folder must exist)", Required = true };
        var command = new Command("report", "Write a sweep's or a stress run's report: one self-contained HTML page with charts, viewable offline.")
        {
            sweep, stress, output, connection, partitions, StorageCommand.Prefix(),
        };
        command.SetAction((parse, ct) => RunAsync(io, parse, parse.GetValue(sweep), parse.GetValue(stress), parse.GetValue(output)!, connection, partitions, ct));
        return command;
    }

    private static async Task<int> RunAsync(CommandIo io, ParseResult parse, string? sweep, string? stress, FileInfo output, Option<string?> connection, Option<int?> partitions, CancellationToken ct)
    {
        if ((sweep is null) == (stress is null))
        {
            return await StorageCommand.FailAsync(io, "report", "give one of --sweep ID (or latest) and --stress ID (or latest)", ct).ConfigureAwait(false);
        }

        if (output.Directory is { Exists: false } folder)
        {
            return await StorageCommand.FailAsync(io, "report", $"--out: the folder {folder.FullName} does not exist", ct).ConfigureAwait(false);
        }

        if (await StorageCommand.SettingsAsync(io, "report", parse, connection, partitions, null, ct).ConfigureAwait(false) is not { } settings)
        {
            return ExitCodes.InvalidInput;
        }

        var storage = await StorageCommand.OpenAsync(settings, ct).ConfigureAwait(false);
        var builder = ReportBuilder.Create(storage, TimeProvider.System);
        ReportOutcome outcome;
        try
        {
            outcome = sweep is not null
                ? await builder.SweepAsync(sweep, ct).ConfigureAwait(false)
                : await builder.StressAsync(stress!, ct).ConfigureAwait(false);
        }
        catch (FormatException ex)
        {
            return await StorageCommand.FailAsync(io, "report", $"a stored record cannot be read: {ex.Message}", ct).ConfigureAwait(false);
        }

        if (outcome.Data is not { } data)
        {
            return await StorageCommand.FailAsync(io, "report", outcome.Problem ?? "no report", ct).ConfigureAwait(false);
        }

        var html = HtmlReportWriter.Write(data);
        await File.WriteAllTextAsync(output.FullName, html, ct).ConfigureAwait(false);
        await io.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"wrote {output.FullName} ({html.Length / 1024.0:0} KB): {data.Title}").AsMemory(), ct).ConfigureAwait(false);
        return ExitCodes.Success;
    }
}
