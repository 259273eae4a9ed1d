using Azure.Data.Tables;
using Margin.Infrastructure.Storage;
using Margin.Infrastructure.Tests.Azurite;

namespace Margin.Cli.Tests;

[Collection(AzuriteGroup.Name)]
public sealed class AccountsImportTests(AzuriteInstance azurite)
{
    [Fact]
    public async Task Import_JsonLines_StoresTheGoodAccountsAndReportsEachBadLine()
    {
        var path = Path.Combine(Path.GetTempPath(), $"margin-import-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllLinesAsync(path,
        [
            """{"id":"alice","version":2,"balances":[{"asset":"USD","quantity":"10000.123456789"}],"positions":[{"instrument":"BTC-PERP","quantity":"0.5","entryPrice":"49000"}]}""",
            "",
            """{"id":"bad-qty","balances":[{"asset":"USD","quantity":"1,5"}]}""",
            """{"id":"bob","marginMode":"portfolio","balances":[{"asset":"BTC","quantity":"-0.25"}]}""",
            "not json",
            """{"id":"alice","balances":[]}""",
        ]);
        try
        {
            var run = await CliRunner.RunAsync("accounts", "import", path, "--connection-string", azurite.ConnectionString, "--partitions", "16");

            Assert.Equal(2, run.ExitCode);
            Assert.Contains("imported 2 account(s) into accounts (16 partitions); 3 line(s) failed", run.Stdout, StringComparison.Ordinal);
            Assert.Contains("line 3: account bad-qty: balances[0].quantity", run.Stderr, StringComparison.Ordinal);
            Assert.Contains("line 5: not JSON", run.Stderr, StringComparison.Ordinal);
            Assert.Contains("line 6: id: account alice appears again (first on line 1)", run.Stderr, StringComparison.Ordinal);

            var store = new TableAccountStore(new TableServiceClient(azurite.ConnectionString).GetTableClient(TableAccountStore.TableName), new AccountPartitioner(16));
            var alice = await store.GetAsync("alice", CancellationToken.None);
            Assert.NotNull(alice);
            Assert.Equal(10_000.123456789m, alice.Balances.Single().Quantity);
            Assert.Equal(2, alice.Version);
            Assert.Equal(Margin.Engine.Accounts.MarginMode.Portfolio, (await store.GetAsync("bob", CancellationToken.None))!.Mode);
            Assert.Null(await store.GetAsync("bad-qty", CancellationToken.None));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Import_WithoutAStorageAccount_SaysHowToGiveOne()
    {
        var path = Path.GetTempFileName();
        try
        {
            var run = await CliRunner.RunAsync("accounts", "import", path, "--connection-string", " ");

            Assert.Equal(2, run.ExitCode);
            Assert.Contains("Storage:ConnectionString", run.Stderr, StringComparison.Ordinal);
            Assert.Contains("UseDevelopmentStorage=true", run.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
