using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Azure.Data.Tables;
using Margin.Infrastructure.Documents;
using Margin.Engine.Accounts;
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
        var connection = new Option<string?>("--connection-string") { Description = "the storage connection string (default: $MARGIN_STORAGE, then $AzureWebJobsStorage)" };
        var partitions = new Option<int>("--partitions") { Description = "the deployment's partition count N (fixed for a deployment)", DefaultValueFactory = _ => 256 };
        var import = new Command("import", "Import accounts from a JSON Lines file into the accounts table.") { file, connection, partitions };
        import.SetAction((parseResult, cancellationToken) => ImportAsync(io, parseResult.GetRequiredValue(file), parseResult.GetValue(connection), parseResult.GetValue(partitions), cancellationToken));
        return new Command("accounts", "The accounts table: bulk import.") { import };
    }

    private static async Task<int> ImportAsync(CommandIo io, FileInfo file, string? connection, int partitions, CancellationToken cancellationToken)
    {
        connection ??= Environment.GetEnvironmentVariable("MARGIN_STORAGE") ?? Environment.GetEnvironmentVariable("AzureWebJobsStorage");
        if (string.IsNullOrWhiteSpace(connection))
        {
            await io.Error.WriteLineAsync("margin accounts import: no storage account: pass --connection-string or set MARGIN_STORAGE (Azurite: UseDevelopmentStorage=true)".AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        if (partitions is < 1 or > AccountPartitioner.MaxPartitions)
        {
            await io.Error.WriteLineAsync($"margin accounts import: --partitions must be in [1, {AccountPartitioner.MaxPartitions}] (got {partitions})".AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        if (!file.Exists)
        {
            await io.Error.WriteLineAsync($"margin accounts import: {file.FullName} does not exist".AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        var store = new TableAccountStore(new TableServiceClient(connection).GetTableClient(TableAccountStore.TableName), new AccountPartitioner(partitions));
        await store.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
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
                await store.UpsertAsync(batch, cancellationToken).ConfigureAwait(false);
                imported += batch.Count;
                batch.Clear();
            }
        }

        await store.UpsertAsync(batch, cancellationToken).ConfigureAwait(false);
        imported += batch.Count;
        await io.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"imported {imported} account(s) into {TableAccountStore.TableName} ({partitions} partitions); {failed} line(s) failed").AsMemory(), cancellationToken).ConfigureAwait(false);
        await io.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return failed == 0 ? ExitCodes.Success : ExitCodes.InvalidInput;
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
