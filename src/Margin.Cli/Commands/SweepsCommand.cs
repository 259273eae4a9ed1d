using System.CommandLine;
using System.Globalization;
using Margin.Cli.Hosting;
using Margin.Cli.Output;
using Margin.Engine.Results;
using Margin.Infrastructure.Composition;
using Margin.Sweep.Results;
using Spectre.Console;

namespace Margin.Cli.Commands;

/// <summary><c>margin sweeps show [ID]</c>: a sweep's record, its work items done, and the totals of its partition receipts.</summary>
internal static class SweepsCommand
{
    public static Command Create(CommandIo io)
    {
        var connection = StorageCommand.Connection();
        var partitions = StorageCommand.Partitions();
        var id = new Argument<string?>("id") { Description = "the sweep id (default: the latest)", Arity = ArgumentArity.ZeroOrOne };
        var show = new Command("show", "Show a sweep: its snapshot, parameters, work items done and the accounts per status.") { id, connection, partitions, StorageCommand.Prefix() };
        show.SetAction((parse, ct) => ShowAsync(io, parse, parse.GetValue(id), connection, partitions, ct));
        return new Command("sweeps", "Sweeps and their receipts.") { show };
    }

    private static async Task<int> ShowAsync(CommandIo io, ParseResult parse, string? id, Option<string?> connection, Option<int?> partitions, CancellationToken ct)
    {
        if (await StorageCommand.SettingsAsync(io, "sweeps show", parse, connection, partitions, null, ct).ConfigureAwait(false) is not { } settings)
        {
            return ExitCodes.InvalidInput;
        }

        var storage = await StorageCommand.OpenAsync(settings, ct).ConfigureAwait(false);
        var sweep = id is null ? await storage.Sweeps.GetLatestAsync(ct).ConfigureAwait(false) : await storage.Sweeps.GetAsync(id, ct).ConfigureAwait(false);
        if (sweep is null)
        {
            return await StorageCommand.FailAsync(io, "sweeps show", id is null ? "no sweep has been started yet" : $"no sweep {id} is stored", ct).ConfigureAwait(false);
        }

        var done = await storage.Sweeps.DoneAsync(sweep.SweepId, ct).ConfigureAwait(false);
        var receipts = await Receipts(storage, sweep.SweepId, ct).ConfigureAwait(false);
        var console = ConsoleFactory.Create(io.Output, io.Terminal);
        var grid = new Grid().AddColumn().AddColumn();
        void Row(string name, string value) => grid.AddRow(name, Markup.Escape(value));
        Row("Sweep", sweep.SweepId);
        Row("Snapshot", sweep.SnapshotId);
        Row("Parameters", sweep.ParamsVersion);
        Row("Started", sweep.StartedAt.ToString("O", CultureInfo.InvariantCulture));
        Row("Deadline", sweep.Deadline.ToString("O", CultureInfo.InvariantCulture));
        Row("Mode", sweep.NoLiquidation ? "no-liquidation (snapshot too old or unusable: no orders)" : "normal");
        Row("Work items", string.Create(CultureInfo.InvariantCulture, $"{done.Count} of {sweep.WorkItems} done, over {sweep.PartitionCount} partitions ({receipts.Count} receipts)"));
        Row("Accounts", string.Create(CultureInfo.InvariantCulture, $"{receipts.Sum(r => r.Accounts)} read: {receipts.Sum(r => r.Written)} written, {receipts.Sum(r => r.Unchanged)} unchanged, {receipts.Sum(r => r.Superseded)} superseded, {receipts.Sum(r => r.Failed)} failed"));
        Row("Orders", receipts.Sum(r => r.Orders).ToString(CultureInfo.InvariantCulture));
        console.Write(grid);
        console.Write(StatusTable(receipts));
        return ExitCodes.Success;
    }

    public static async Task<List<SweepReceipt>> Receipts(MarginStorage storage, string sweepId, CancellationToken ct)
    {
        var receipts = new List<SweepReceipt>();
        await foreach (var r in storage.Margin.ReadReceiptsAsync(sweepId, ct).ConfigureAwait(false))
        {
            receipts.Add(r);
        }

        return receipts;
    }

    /// <summary>Accounts per status over receipts.</summary>
    public static Table StatusTable(IEnumerable<SweepReceipt> receipts)
    {
        var counts = new Dictionary<MarginStatus, int>();
        foreach (var (status, count) in receipts.SelectMany(r => r.ByStatus))
        {
            counts[status] = counts.GetValueOrDefault(status) + count;
        }

        var total = Math.Max(1, counts.Values.Sum());
        var table = new Table().Title("Accounts per status").AddColumn("Status").AddColumn(new TableColumn("Accounts").RightAligned()).AddColumn(new TableColumn("Share").RightAligned());
        foreach (var status in Enum.GetValues<MarginStatus>())
        {
            var n = counts.GetValueOrDefault(status);
            table.AddRow(status.ToString(), n.ToString("N0", CultureInfo.InvariantCulture), (n / (double)total).ToString("P1", CultureInfo.InvariantCulture));
        }

        return table;
    }
}
