using System.CommandLine;
using System.Globalization;
using Margin.Cli.Hosting;
using Margin.Cli.Output;
using Margin.Infrastructure.Documents;
using Margin.Infrastructure.Storage;
using Spectre.Console;

namespace Margin.Cli.Commands;

/// <summary><c>margin accounts show ID</c> and <c>margin accounts repartition --to M</c>.</summary>
internal static class AccountShow
{
    public static async Task<int> RunAsync(CommandIo io, ParseResult parse, string id, int history, Option<string?> connection, Option<int?> partitions, CancellationToken ct)
    {
        if (await StorageCommand.SettingsAsync(io, "accounts show", parse, connection, partitions, null, ct).ConfigureAwait(false) is not { } settings)
        {
            return ExitCodes.InvalidInput;
        }

        var storage = await StorageCommand.OpenAsync(settings, ct).ConfigureAwait(false);
        var account = await storage.Accounts.GetAsync(id, ct).ConfigureAwait(false);
        var (result, orders) = await storage.Margin.ReadAccountAsync(id, ct).ConfigureAwait(false);
        if (account is null && result is null)
        {
            return await StorageCommand.FailAsync(io, "accounts show", $"no account {id} in the accounts table (partition p{storage.Partitioner.PartitionOf(id):D4} of {settings.Storage.Partitions})", ct).ConfigureAwait(false);
        }

        var console = ConsoleFactory.Create(io.Output, io.Terminal);
        var grid = new Grid().AddColumn().AddColumn();
        void Row(string name, string? value) => grid.AddRow(name, Markup.Escape(value ?? "-"));
        Row("Account", id);
        Row("Partition", AccountPartitioner.KeyOf(storage.Partitioner.PartitionOf(id)));
        if (account is not null)
        {
            Row("Ledger version", account.Version.ToString(CultureInfo.InvariantCulture));
            Row("Mode", account.Mode.ToString());
            Row("Balances", string.Join(", ", account.Balances.Select(b => $"{DecimalText.Format(b.Quantity)} {b.Asset}")));
            Row("Positions", string.Join(", ", account.Positions.Select(p => $"{DecimalText.Format(p.Quantity)} {p.InstrumentId} @ {DecimalText.Format(p.EntryPrice)}")));
        }
        else
        {
            Row("Ledger", "not in the accounts table (malformed or removed); the stored result is below");
        }

        if (result is not null)
        {
            Row("Status", result.Status?.ToString() ?? "could not be evaluated");
            Row("Problem", result.Problem);
            Row("Flags", result.Flags.ToString());
            Row("MarginRatio", result.MarginRatio.ToString("0.####", CultureInfo.InvariantCulture));
            Row("Projected", result.ProjectedRatio?.ToString("0.####", CultureInfo.InvariantCulture));
            Row("Equity", DecimalText.Format(result.Equity));
            Row("AE_M / MM", $"{DecimalText.Format(result.AdjustedEquityMaintenance)} / {DecimalText.Format(result.MaintenanceRequirement)}");
            Row("Reason", result.ReasonRule is null ? result.Reason : $"{result.ReasonRule}: {result.Reason}");
            Row("Evaluated", $"{result.EvaluatedAt:O} by sweep {result.SweepId} (snapshot {result.SnapshotId}, parameters {result.ParamsVersion}, ledger version {result.AccountVersion})");
            Row("Episode", string.Create(CultureInfo.InvariantCulture, $"{result.Episode}{(result.OpenOrderId is null ? string.Empty : $", open order {result.OpenOrderId}")}"));
        }
        else
        {
            Row("Status", "no result yet (no sweep has reached this account)");
        }

        console.Write(grid);
        if (orders.Count > 0)
        {
            var table = new Table().Title("Orders").AddColumn("Order").AddColumn("Episode").AddColumn("State").AddColumn("Sent").AddColumn("Created").AddColumn("Expires");
            foreach (var o in orders)
            {
                table.AddRow(o.OrderId, o.Episode.ToString(CultureInfo.InvariantCulture), o.State.ToString(), o.Sent ? "yes" : "no", o.CreatedAt.ToString("O", CultureInfo.InvariantCulture), o.ExpiresAt.ToString("O", CultureInfo.InvariantCulture));
            }

            console.Write(table);
        }

        var changes = await storage.History.ReadAsync(id, Math.Max(1, history), ct).ConfigureAwait(false);
        var log = new Table().Title("Status history, newest first").AddColumn("At").AddColumn("From").AddColumn("To").AddColumn("Flags").AddColumn("Ratio").AddColumn("Why").AddColumn("Inputs");
        foreach (var c in changes)
        {
            log.AddRow(
                c.At.ToString("O", CultureInfo.InvariantCulture),
                c.From?.ToString() ?? "-",
                c.To?.ToString() ?? "failed",
                c.Flags.ToString(),
                c.MarginRatio.ToString("0.####", CultureInfo.InvariantCulture),
                Markup.Escape(c.Reason + (c.OrderId is null ? string.Empty : $" (order {c.OrderId})")),
                Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"snapshot {c.SnapshotId}, parameters {c.ParamsVersion}, ledger v{c.AccountVersion}, sweep {c.SweepId}")));
        }

        console.Write(log);
        return ExitCodes.Success;
    }

    public static async Task<int> RepartitionAsync(CommandIo io, ParseResult parse, int to, Option<string?> connection, Option<int?> partitions, CancellationToken ct)
    {
        if (to is < 1 or > AccountPartitioner.MaxPartitions)
        {
            return await StorageCommand.FailAsync(io, "accounts repartition", $"--to must be in [1, {AccountPartitioner.MaxPartitions}] (got {to})", ct).ConfigureAwait(false);
        }

        if (await StorageCommand.SettingsAsync(io, "accounts repartition", parse, connection, partitions, null, ct).ConfigureAwait(false) is not { } settings)
        {
            return ExitCodes.InvalidInput;
        }

        var storage = await StorageCommand.OpenAsync(settings, ct).ConfigureAwait(false);
        if (await storage.Sweeps.GetLatestAsync(ct).ConfigureAwait(false) is { } latest
            && (await storage.Sweeps.DoneAsync(latest.SweepId, ct).ConfigureAwait(false)).Count < latest.WorkItems
            && TimeProvider.System.GetUtcNow() < latest.Deadline)
        {
            return await StorageCommand.FailAsync(io, "accounts repartition", $"sweep {latest.SweepId} is still running (deadline {latest.Deadline:O}); stop the timers and wait for it", ct).ConfigureAwait(false);
        }

        var from = settings.Storage.Partitions;
        var repartitioner = new Repartitioner(
            storage.TableService.GetTableClient(settings.Storage.Prefix + TableAccountStore.TableName),
            storage.TableService.GetTableClient(settings.Storage.Prefix + Infrastructure.Margins.TableMarginStore.TableName));
        var (accounts, rows) = await repartitioner.RunAsync(from, to, null, ct).ConfigureAwait(false);
        await io.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"repartitioned from {from} to {to} partitions: moved {accounts} account row(s) and {rows} margin row(s). Now set Storage:Partitions to {to} everywhere (appsettings, the function app's settings).").AsMemory(), ct).ConfigureAwait(false);
        return ExitCodes.Success;
    }
}
