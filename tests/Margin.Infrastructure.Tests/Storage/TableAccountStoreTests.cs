using Azure.Data.Tables;
using Margin.Engine.Accounts;
using Margin.Engine.Domain;
using Margin.Infrastructure.Storage;
using Margin.Infrastructure.Tests.Azurite;
using Margin.Sweep.Ports;

namespace Margin.Infrastructure.Tests.Storage;

[Collection(AzuriteGroup.Name)]
public sealed class TableAccountStoreTests(AzuriteInstance azurite)
{
    private async Task<(TableAccountStore Store, TableClient Table)> NewStoreAsync(int partitions = 8)
    {
        // A table per test keeps tests independent in the shared instance.
        var table = new TableServiceClient(azurite.ConnectionString).GetTableClient($"accounts{Guid.NewGuid():N}"[..30]);
        var store = new TableAccountStore(table, new AccountPartitioner(partitions));
        await store.EnsureCreatedAsync(CancellationToken.None);
        return (store, table);
    }

    private static Account Sample(string id, long version = 3) => Account.Create(
        id,
        version,
        MarginMode.Portfolio,
        [new Balance(Asset.Of("BTC"), 1.23456789012345678m), new Balance(Asset.Of("USD"), -98_765.4321m)],
        [new Position("BTC-PERP", -0.001m, 50_123.45m), new Position("BTC-C-55000", 2m, 0m)]);

    [Fact]
    public async Task Upsert_ThenGet_RoundTripsEveryDecimalExactly()
    {
        var (store, _) = await NewStoreAsync();
        var account = Sample("alice");

        await store.UpsertAsync([account], CancellationToken.None);
        var read = await store.GetAsync("alice", CancellationToken.None);

        Assert.NotNull(read);
        Assert.Equal(account.Version, read.Version);
        Assert.Equal(account.Mode, read.Mode);
        Assert.Equal(account.Balances.ToArray(), read.Balances.ToArray());
        Assert.Equal(account.Positions.ToArray(), read.Positions.ToArray());
        Assert.Null(await store.GetAsync("nobody", CancellationToken.None));
    }

    [Fact]
    public async Task Upsert_ManyAccounts_SplitsTransactionsAndReadsEveryPartitionBack()
    {
        var (store, _) = await NewStoreAsync(partitions: 2);
        var accounts = Enumerable.Range(0, 450).Select(i => Sample($"acct-{i:D4}", i)).ToList();

        await store.UpsertAsync(accounts, CancellationToken.None);

        var read = new List<StoredAccount>();
        for (var p = 0; p < store.PartitionCount; p++)
        {
            await foreach (var stored in store.ReadPartitionAsync(p, CancellationToken.None))
            {
                Assert.Equal(p, store.PartitionOf(stored.AccountId));
                read.Add(stored);
            }
        }

        Assert.Equal(450, read.Count);
        Assert.All(read, r => Assert.Null(r.Problem));
        Assert.Equal(accounts.Select(a => a.Id).Order(), read.Select(r => r.AccountId).Order());
    }

    [Fact]
    public async Task ReadPartition_MalformedRow_IsReportedWithItsIdNotSkipped()
    {
        var (store, table) = await NewStoreAsync(partitions: 1);
        await store.UpsertAsync([Sample("good")], CancellationToken.None);
        await table.UpsertEntityAsync(new TableEntity(AccountPartitioner.KeyOf(0), "bad") { ["SchemaVersion"] = 1, ["Version"] = 1L, ["MarginMode"] = "standard", ["Balances"] = "[[\"BTC\",\"1,5\"]]", ["Positions"] = "[]" });

        var rows = new List<StoredAccount>();
        await foreach (var r in store.ReadPartitionAsync(0, CancellationToken.None))
        {
            rows.Add(r);
        }

        var bad = Assert.Single(rows, r => r.AccountId == "bad");
        Assert.Null(bad.Account);
        Assert.Contains("Balances[0].quantity is '1,5'", bad.Problem, StringComparison.Ordinal);
        Assert.NotNull(Assert.Single(rows, r => r.AccountId == "good").Account);
        await Assert.ThrowsAsync<InvalidAccountException>(() => store.GetAsync("bad", CancellationToken.None));
    }

    [Fact]
    public async Task Upsert_AnIdARowKeyCannotHold_IsRefusedBeforeAnyWrite()
    {
        var (store, _) = await NewStoreAsync();

        // Good accounts first (in other partitions too), the bad id last: nothing may be written.
        var good = Enumerable.Range(0, 20).Select(i => Sample($"ok-{i}")).ToList();
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => store.UpsertAsync([.. good, Sample("a/b")], CancellationToken.None));

        Assert.Contains("account a/b", ex.Message, StringComparison.Ordinal);
        foreach (var account in good)
        {
            Assert.Null(await store.GetAsync(account.Id, CancellationToken.None));
        }
    }
}
