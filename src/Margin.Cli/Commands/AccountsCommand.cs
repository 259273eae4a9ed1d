using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Margin.Infrastructure.Documents;
using Margin.Engine.Accounts;
using Margin.Cli.Hosting;
using Margin.Infrastructure.Storage;

namespace Margin.Cli.Commands;

/// <summary><c>margin accounts import FILE.jsonl</c>: bulk-loads accounts into the <c>accounts</c> table (docs/storage.md).</summary>
/// <remarks>
/// One account per line, in the <c>accounts</c> element format of docs/evaluate.md. A bad line is reported with its line
/// number, account and field, and the others are still imported (exit code 2 when any line failed). The storage account
/// comes from <c>--connection-string</c>, else the <c>MARGIN_STORAGE</c> or <c>AzureWebJobsStorage</c> environment
/// variable (Azurite's development connection string works).
/// </remarks>
internal static class AccountsCommand
{
    private const int BatchSize = 2_000;

    public static Command Create(CommandIo io)
    {
        var file = new Argument<FileInfo>("file") { Description = "a JSON Lines file: one account object per line" };
        var connection = StorageCommand.Connection();
        var partitions = StorageCommand.Partitions();
        var import = new Command("import", "Import accounts from a JSON Lines file into the accounts table.") { file, connection, partitions, StorageCommand.Prefix() };
        import.SetAction((parse, ct) => ImportAsync(io, parse, parse.GetRequiredValue(file), connection, partitions, ct));
        var showConnection = StorageCommand.Connection();
        var showPartitions = StorageCommand.Partitions();
        var id = new Argument<string>("id") { Description = "the account id" };
        var historyCount = new Option<int>("--history") { Description = "how many status changes to show, newest first", DefaultValueFactory = _ => 20 };
        var show = new Command("show", "Show an account: its ledger row, latest margin result, orders and status history.") { id, historyCount, showConnection, showPartitions, StorageCommand.Prefix() };
        show.SetAction((parse, ct) => AccountShow.RunAsync(io, parse, parse.GetRequiredValue(id), parse.GetValue(historyCount), showConnection, showPartitions, ct));

        var rpConnection = StorageCommand.Connection();
        var rpPartitions = StorageCommand.Partitions();
        var to = new Option<int>("--to") { Description = "the new partition count M", Required = true };
        var repartition = new Command("repartition", "Move every account (and its margin rows) from the current partition count N (--partitions) to M; stop the timers first, then set Storage:Partitions to M.") { to, rpConnection, rpPartitions, StorageCommand.Prefix() };
        repartition.SetAction((parse, ct) => AccountShow.RepartitionAsync(io, parse, parse.GetValue(to), rpConnection, rpPartitions, ct));
        return new Command("accounts", "The accounts table: bulk import, show one account, repartition.") { import, show, repartition };
    }

    private static async Task<int> ImportAsync(CommandIo io, ParseResult parse, FileInfo file, Option<string?> connection, Option<int?> partitions, CancellationToken cancellationToken = default)
    {
        if (!file.Exists)
        {
            return await StorageCommand.FailAsync(io, "accounts import", $"{file.FullName} does not exist", cancellationToken).ConfigureAwait(false);
        }

        if (await StorageCommand.SettingsAsync(io, "accounts import", parse, connection, partitions, null, cancellationToken).ConfigureAwait(false) is not { } settings)
        {
            return ExitCodes.InvalidInput;
        }

        var store = (await StorageCommand.OpenAsync(settings, cancellationToken).ConfigureAwait(false)).Accounts;
        var count = settings.Storage.Partitions;
        var batch = new List<Account>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var imported = 0;
        var failed = 0;
        var line = 0;
        using var reader = file.OpenText();
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            IReadOnlyList<string> problems = Read(text, line - 1, out var account);
            if (account is not null && seen.TryGetValue(account.Id, out var first))
            {
                problems = [$"id: account {account.Id} appears again (first on line {first})"];
                account = null;
            }

            if (account is not null && TableAccountStore.IdProblem(account.Id) is { } keyProblem)
            {
                problems = [$"id: {keyProblem}"];
                account = null;
            }

            if (account is null)
            {
                failed++;
                foreach (var problem in problems)
                {
                    await io.Error.WriteLineAsync($"margin accounts import: line {line}: {problem}".AsMemory(), cancellationToken).ConfigureAwait(false);
                }

                continue;
            }

            seen[account.Id] = line;
            batch.Add(account);
            if (batch.Count == BatchSize)
            {
                await WriteAsync(io, store, batch, imported, line, cancellationToken).ConfigureAwait(false);
                imported += batch.Count;
                batch.Clear();
            }
        }

        await WriteAsync(io, store, batch, imported, line, cancellationToken).ConfigureAwait(false);
        imported += batch.Count;
        await io.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"imported {imported} account(s) into {TableAccountStore.TableName} ({count} partitions); {failed} line(s) failed").AsMemory(), cancellationToken).ConfigureAwait(false);
        await io.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return failed == 0 ? ExitCodes.Success : ExitCodes.InvalidInput;
    }

    // A storage failure mid-import says how far the import got before it propagates (the rows before it are written).
    private static async Task WriteAsync(CommandIo io, TableAccountStore store, List<Account> batch, int imported, int line, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.UpsertAsync(batch, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or AggregateException)
        {
            await io.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"margin accounts import: storage failed while writing the {batch.Count} account(s) read up to line {line}; {imported} account(s) before them are imported; some of these may be (importing again is safe: rows are replaced)").AsMemory(), cancellationToken).ConfigureAwait(false);
            throw;
        }
    }

    private static List<string> Read(string text, int index, out Account? account)
    {
        account = null;
        try
        {
            using var doc = JsonDocument.Parse(text);
            var entry = AccountReader.Read(index, doc.RootElement);
            account = entry.Account;
            var name = entry.Id is null ? string.Empty : $"account {entry.Id}: ";
            return entry.Problems.Select(p => $"{name}{(p.Field is { Length: > 0 } f ? f + ": " : string.Empty)}{p.Problem}").ToList();
        }
        catch (JsonException ex)
        {
            return [$"not JSON: {ex.Message}"];
        }
    }
}
