using System.Text.RegularExpressions;
using Azure.Data.Tables;
using Margin.Infrastructure.Composition;
using Margin.Infrastructure.Tests.Azurite;

namespace Margin.Cli.Tests;

/// <summary>The commands that work on a deployment's storage (demo, seed, sweep, sweeps, orders, params, accounts), against a real Azurite; each test in its own table prefix.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class StorageCommandsTests(AzuriteInstance azurite)
{
    private readonly string _prefix = "c" + Guid.NewGuid().ToString("N")[..10];

    private Task<CliRun> RunAsync(params string[] args) =>
        CliRunner.RunAsync([.. args, "--connection", azurite.ConnectionString, "--prefix", _prefix, "--partitions", "8"]);

    [Fact]
    public async Task Demo_SmallBook_SeedsSweepsAndEveryShowCommandReadsTheResult()
    {
        var demo = await RunAsync("demo", "--accounts", "300", "--work-items", "4", "--workers", "2");

        Assert.True(demo.ExitCode == 0, demo.Stderr + demo.Stdout);
        Assert.Contains("seeded 300 accounts (seed 1) into 8 partitions", demo.Stdout, StringComparison.Ordinal);
        Assert.Contains("Sweep summary", demo.Stdout, StringComparison.Ordinal);
        Assert.Contains("300 written, 0 unchanged", demo.Stdout, StringComparison.Ordinal);
        var remain = Regex.Match(demo.Stdout, @"Service Bus is not configured: (\d+) orders remain in the outbox \(margin orders list; margin orders relay once it is configured\)");
        Assert.True(remain.Success, demo.Stdout);
        Assert.NotEqual("0", remain.Groups[1].Value);
        Assert.Contains("Liquidatable", demo.Stdout, StringComparison.Ordinal);

        var sweeps = await RunAsync("sweeps", "show");
        Assert.Equal(0, sweeps.ExitCode);
        Assert.Contains("4 of 4 done, over 8 partitions (8 receipts)", sweeps.Stdout, StringComparison.Ordinal);
        Assert.Contains("300 read: 300 written", sweeps.Stdout, StringComparison.Ordinal);

        var orders = await RunAsync("orders", "list", "--unsent");
        Assert.Equal(0, orders.ExitCode);
        Assert.Contains("not yet sent", orders.Stdout, StringComparison.Ordinal);
        Assert.Contains("ord-", orders.Stdout, StringComparison.Ordinal);

        var relay = await RunAsync("orders", "relay");
        Assert.Equal(2, relay.ExitCode);
        Assert.Equal($"outbox: {remain.Groups[1].Value} pending, 0 sent, 0 expired (left for the next sweep to close), 0 held by a kill switch", relay.Stdout.TrimEnd());
        Assert.Equal($"margin orders relay: {Hosting.OrderBroker.NotConfigured}; {remain.Groups[1].Value} orders remain in the outbox", relay.Stderr.TrimEnd());

        var account = await RunAsync("accounts", "show", "acct-000001");
        Assert.Equal(0, account.ExitCode);
        Assert.Contains("acct-000001", account.Stdout, StringComparison.Ordinal);
        Assert.Contains("MarginRatio", account.Stdout, StringComparison.Ordinal);
        Assert.Contains("Status history", account.Stdout, StringComparison.Ordinal);

        var unknown = await RunAsync("accounts", "show", "nobody");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("no account nobody", unknown.Stderr, StringComparison.Ordinal);

        var resumed = await RunAsync("sweep", "--resume");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr + resumed.Stdout);
        Assert.Contains("4 of 4 work items done", resumed.Stdout, StringComparison.Ordinal);

        var again = await RunAsync("sweep", "--work-items", "4");
        Assert.True(again.ExitCode == 0, again.Stderr + again.Stdout);
        Assert.Contains("300 in", again.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Params_ImportShowActivateList_AndRefusals()
    {
        var root = typeof(StorageCommandsTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;
        var preset = Path.Combine(root, "presets", "aave-v3.json");
        var import = await RunAsync("params", "import", preset, "--activate");
        Assert.True(import.ExitCode == 0, import.Stderr);
        Assert.Contains("; active", import.Stdout, StringComparison.Ordinal);

        var list = await RunAsync("params", "list");
        Assert.Contains("(active)", list.Stdout, StringComparison.Ordinal);
        var version = list.Stdout.Split('\n')[0].Split(' ')[0];

        var show = await RunAsync("params", "show");
        Assert.Equal(0, show.ExitCode);
        Assert.Contains($"\"{version}\"", show.Stdout, StringComparison.Ordinal);

        var missing = await RunAsync("params", "activate", "no-such-version");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("no parameter version no-such-version", missing.Stderr, StringComparison.Ordinal);

        var bad = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(bad, """{"version":"x","settlement":"USD","assets":{"USD":{"weights":"nonsense"}}}""");
            var refused = await RunAsync("params", "import", bad);
            Assert.Equal(2, refused.ExitCode);
            Assert.Contains("parameters.", refused.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(bad);
        }
    }

    [Fact]
    public async Task Repartition_MovesEveryAccountAndItsResultToTheNewPartitions()
    {
        Assert.Equal(0, (await RunAsync("demo", "--accounts", "120", "--work-items", "2", "--workers", "1")).ExitCode);

        var run = await CliRunner.RunAsync("accounts", "repartition", "--to", "16", "--connection", azurite.ConnectionString, "--prefix", _prefix, "--partitions", "8");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("repartitioned from 8 to 16 partitions", run.Stdout, StringComparison.Ordinal);

        var storage = MarginStorage.Create(new StorageOptions { ConnectionString = azurite.ConnectionString, Partitions = 16, Prefix = _prefix });
        for (var i = 1; i <= 120; i++)
        {
            var id = $"acct-{i:D6}";
            Assert.NotNull(await storage.Accounts.GetAsync(id, CancellationToken.None));
            Assert.NotNull((await storage.Margin.ReadAccountAsync(id, CancellationToken.None)).Result);
        }

        var rows = 0;
        await foreach (var _ in storage.TableService.GetTableClient(_prefix + "accounts").QueryAsync<TableEntity>(select: ["RowKey"]))
        {
            rows++;
        }

        Assert.Equal(120, rows);
        var again = await CliRunner.RunAsync("accounts", "repartition", "--to", "16", "--connection", azurite.ConnectionString, "--prefix", _prefix, "--partitions", "16");
        Assert.Contains("moved 0 account row(s) and 0 margin row(s)", again.Stdout, StringComparison.Ordinal);
        var sweep = await CliRunner.RunAsync("sweep", "--work-items", "2", "--connection", azurite.ConnectionString, "--prefix", _prefix, "--partitions", "16");
        Assert.True(sweep.ExitCode == 0, sweep.Stderr + sweep.Stdout);
        Assert.Contains("0 written, 120 unchanged", sweep.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyStorageCommand_UnreachableStorage_SaysSoWithoutAStackTrace()
    {
        const string Nowhere = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + AzuriteInstance.AccountKey + ";TableEndpoint=http://127.0.0.1:1/devstoreaccount1;QueueEndpoint=http://127.0.0.1:1/devstoreaccount1;";

        var run = await CliRunner.RunAsync("sweeps", "show", "--connection", Nowhere);

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("the storage account could not be reached", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
    }
}
