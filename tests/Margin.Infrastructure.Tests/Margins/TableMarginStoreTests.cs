using System.Collections.Immutable;
using Azure.Data.Tables;
using Margin.Engine.Results;
using Margin.Infrastructure.Margins;
using Margin.Infrastructure.Storage;
using Margin.Infrastructure.Tests.Azurite;
using Margin.Sweep.Orders;
using Margin.Sweep.Ports;
using Margin.Sweep.Results;

namespace Margin.Infrastructure.Tests.Margins;

[Collection(AzuriteGroup.Name)]
public sealed class TableMarginStoreTests(AzuriteInstance azurite)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private async Task<(TableMarginStore Store, TableClient Table, AccountPartitioner Partitioner)> NewStoreAsync(int partitions = 4)
    {
        var table = new TableServiceClient(azurite.ConnectionString).GetTableClient($"margin{Guid.NewGuid():N}"[..30]);
        var partitioner = new AccountPartitioner(partitions);
        var store = new TableMarginStore(table, partitioner);
        await store.EnsureCreatedAsync(CancellationToken.None);
        return (store, table, partitioner);
    }

    /// <summary>Account ids that fall in <paramref name="partition"/>.</summary>
    private static List<string> AccountsIn(AccountPartitioner partitioner, int partition, int count) =>
        Enumerable.Range(0, int.MaxValue).Select(i => $"acct-{i:D5}").Where(id => partitioner.PartitionOf(id) == partition).Take(count).ToList();

    private static StoredResult Result(string account, string sweep = "sweep-1") => new()
    {
        AccountId = account,
        AccountVersion = 9_007_199_254_740_993,
        SweepId = sweep,
        SnapshotId = "snap-7",
        SnapshotAsOf = new DateTimeOffset(2026, 11, 24, 13, 59, 58, TimeSpan.FromHours(2)).AddTicks(1_234_567),
        ParamsVersion = "params-3",
        EvaluatedAt = Now.AddTicks(7),
        Status = MarginStatus.Liquidatable,
        Flags = MarginFlags.PriceSuspect | MarginFlags.AtRisk,
        MarginRatio = double.PositiveInfinity,
        InitialRatio = 0.1 + 0.2,
        ProjectedRatio = 1.0000000000000002,
        Equity = -98_765.43210987654321098765432m,
        AdjustedEquityMaintenance = 0.00000001m,
        MaintenanceRequirement = 79_228_162_514_264_337_593_543_950_335m,
        InitialRequirement = 1.10m,
        ReasonRule = "ratio.liquidation",
        Reason = "MarginRatio \"∞\" >= 1",
        Episode = 3,
        OpenOrderId = $"{account}:3",
        AwaitingLedgerVersion = 41,
    };

    private static StoredResult Failed(string account) => new()
    {
        AccountId = account,
        AccountVersion = 0,
        SweepId = "sweep-1",
        SnapshotId = "snap-7",
        SnapshotAsOf = Now,
        ParamsVersion = "params-3",
        EvaluatedAt = Now,
        Status = null,
        Flags = MarginFlags.None,
        MarginRatio = double.NaN,
        InitialRatio = 0,
        ProjectedRatio = null,
        Problem = "balances[0].asset: unknown asset DOGE",
    };

    private static StoredOrder Order(string account, int episode = 3, OrderState state = OrderState.Open, bool sent = false, string? body = null) => new(
        $"{account}:{episode}",
        account,
        episode,
        "sweep-1",
        state,
        sent,
        Now.AddMinutes(episode),
        Now.AddMinutes(episode + 10),
        sent ? Now.AddMinutes(episode).AddSeconds(1) : null,
        Now.AddMinutes(episode).AddTicks(3),
        body ?? $"{{\"v\":1,\"orderId\":\"{account}:{episode}\",\"legs\":[]}}");

    private static SweepReceipt Receipt(int partition, string sweep = "sweep-1") => new(
        sweep,
        partition,
        WorkItem: 2,
        Accounts: 10,
        Written: 3,
        Unchanged: 5,
        Superseded: 1,
        Failed: 1,
        Orders: 1,
        ImmutableSortedDictionary.CreateRange(new Dictionary<MarginStatus, int> { [MarginStatus.Healthy] = 7, [MarginStatus.Liquidatable] = 2 }),
        Now.AddSeconds(30));

    private static MarginPartitionWrite Write(int partition, IReadOnlyList<StoredResult>? results = null, IReadOnlyList<StoredOrder>? orders = null, SweepReceipt? receipt = null) =>
        new(partition, results ?? [], orders ?? [], receipt);

    private static async Task<List<T>> ListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }

    private static void AssertSameReceipt(SweepReceipt expected, SweepReceipt actual)
    {
        Assert.Equal(expected with { ByStatus = actual.ByStatus }, actual);
        Assert.Equal(expected.ByStatus.ToArray(), actual.ByStatus.ToArray());
    }

    [Fact]
    public async Task Commit_ThenRead_RoundTripsEveryFieldIncludingInfinityNaNAndNulls()
    {
        var (store, _, partitioner) = await NewStoreAsync();
        var accounts = AccountsIn(partitioner, 2, 2);
        var result = Result(accounts[0]);
        var failed = Failed(accounts[1]);
        var open = Order(accounts[0], episode: 3, state: OrderState.PartiallyFilled, sent: true);
        var filled = Order(accounts[0], episode: 2, state: OrderState.Filled);
        var receipt = Receipt(2);

        await store.CommitAsync(Write(2, [result, failed], [open, filled], receipt), CancellationToken.None);
        var partition = await store.ReadPartitionAsync(2, "sweep-other", CancellationToken.None);

        Assert.Equal(2, partition.Partition);
        Assert.Equal(result, partition.Results[accounts[0]] with { ConcurrencyToken = null });
        Assert.Equal(failed, partition.Results[accounts[1]] with { ConcurrencyToken = null });
        Assert.NotNull(partition.Results[accounts[0]].ConcurrencyToken);
        Assert.Equal(open.OrderId, Assert.Single(partition.OpenOrders).Key);
        Assert.Equal(open, partition.OpenOrders[open.OrderId] with { ConcurrencyToken = null });
        Assert.NotNull(partition.OpenOrders[open.OrderId].ConcurrencyToken);

        var (byAccount, orders) = await store.ReadAccountAsync(accounts[0], CancellationToken.None);
        Assert.Equal(result, byAccount! with { ConcurrencyToken = null });
        Assert.Equal([open, filled], orders.Select(o => o with { ConcurrencyToken = null }));
        AssertSameReceipt(receipt, Assert.Single(await ListAsync(store.ReadReceiptsAsync("sweep-1", CancellationToken.None))));
    }

    [Fact]
    public async Task Commit_StoresMoneyAndRatiosAsInvariantStringsAndEnumsAsNames()
    {
        var (store, table, partitioner) = await NewStoreAsync();
        var account = AccountsIn(partitioner, 0, 1)[0];

        await store.CommitAsync(Write(0, [Result(account)], [Order(account)]), CancellationToken.None);
        var row = (await table.GetEntityAsync<TableEntity>("p0000", "r:" + account)).Value;
        var order = (await table.GetEntityAsync<TableEntity>("p0000", $"o:{account}:3")).Value;

        Assert.Equal("Infinity", row.GetString("MarginRatio"));
        Assert.Equal("0.30000000000000004", row.GetString("InitialRatio"));
        Assert.Equal("-98765.43210987654321098765432", row.GetString("Equity"));
        Assert.Equal("1.10", row.GetString("InitialRequirement"));
        Assert.Equal("Liquidatable", row.GetString("Status"));
        Assert.Equal("PriceSuspect, AtRisk", row.GetString("Flags"));
        Assert.Equal("Open", order.GetString("State"));
        Assert.True(order.GetBoolean("Open"));
        Assert.False(order.GetBoolean("Sent"));
    }

    [Fact]
    public async Task Commit_InsertOfAnExistingResult_ThrowsConflictNamingTablePartitionAndRow()
    {
        var (store, _, partitioner) = await NewStoreAsync();
        var account = AccountsIn(partitioner, 1, 1)[0];
        await store.CommitAsync(Write(1, [Result(account)]), CancellationToken.None);

        var ex = await Assert.ThrowsAsync<StoreConflictException>(() => store.CommitAsync(Write(1, [Result(account, "sweep-2")]), CancellationToken.None));

        Assert.Contains($"margin table, partition p0001, row r:{account}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("already exists", ex.Message, StringComparison.Ordinal);
        Assert.Equal("sweep-1", (await store.ReadAccountAsync(account, CancellationToken.None)).Result!.SweepId);
    }

    [Fact]
    public async Task Commit_ReplaceWithAStaleToken_ThrowsConflict_AndTheFreshTokenWins()
    {
        var (store, _, partitioner) = await NewStoreAsync();
        var account = AccountsIn(partitioner, 3, 1)[0];
        await store.CommitAsync(Write(3, [Result(account)], [Order(account)]), CancellationToken.None);
        var first = await store.ReadPartitionAsync(3, "sweep-other", CancellationToken.None);
        var stale = first.Results[account];
        await store.CommitAsync(Write(3, [stale with { SweepId = "sweep-2" }]), CancellationToken.None);

        var ex = await Assert.ThrowsAsync<StoreConflictException>(() => store.CommitAsync(Write(3, [stale with { SweepId = "sweep-3" }]), CancellationToken.None));
        Assert.Contains($"partition p0003, row r:{account}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("changed since it was read", ex.Message, StringComparison.Ordinal);

        var fresh = (await store.ReadPartitionAsync(3, "sweep-other", CancellationToken.None)).Results[account];
        Assert.Equal("sweep-2", fresh.SweepId);
        var closed = first.OpenOrders.Values.Single() with { State = OrderState.Expired };
        await store.CommitAsync(Write(3, [fresh with { SweepId = "sweep-3", OpenOrderId = null }], [closed]), CancellationToken.None);

        var after = await store.ReadPartitionAsync(3, "sweep-other", CancellationToken.None);
        Assert.Equal("sweep-3", after.Results[account].SweepId);
        Assert.Empty(after.OpenOrders);
        Assert.Equal(OrderState.Expired, Assert.Single((await store.ReadAccountAsync(account, CancellationToken.None)).Orders).State);
    }

    [Fact]
    public async Task Commit_ReplaceOfARowDeletedSinceRead_ThrowsConflict()
    {
        var (store, table, partitioner) = await NewStoreAsync();
        var account = AccountsIn(partitioner, 0, 1)[0];
        await store.CommitAsync(Write(0, [Result(account)]), CancellationToken.None);
        var read = (await store.ReadPartitionAsync(0, "sweep-other", CancellationToken.None)).Results[account];
        await table.DeleteEntityAsync("p0000", "r:" + account);

        var ex = await Assert.ThrowsAsync<StoreConflictException>(() => store.CommitAsync(Write(0, [read]), CancellationToken.None));

        Assert.Contains($"row r:{account}: the row was deleted", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commit_ConflictInALaterTransaction_KeepsTheEarlierOnesAndSkipsTheReceipt()
    {
        var (store, _, partitioner) = await NewStoreAsync(partitions: 1);
        var accounts = AccountsIn(partitioner, 0, 150);
        await store.CommitAsync(Write(0, [Result(accounts[120])]), CancellationToken.None);

        var ex = await Assert.ThrowsAsync<StoreConflictException>(() => store.CommitAsync(Write(0, accounts.Select(a => Result(a)).ToList(), receipt: Receipt(0)), CancellationToken.None));

        Assert.Contains($"row r:{accounts[120]}", ex.Message, StringComparison.Ordinal);
        var partition = await store.ReadPartitionAsync(0, "sweep-other", CancellationToken.None);
        Assert.Equal(101, partition.Results.Count);
        Assert.All(accounts.Take(100), a => Assert.True(partition.Results.ContainsKey(a)));
        Assert.Empty(await ListAsync(store.ReadReceiptsAsync("sweep-1", CancellationToken.None)));
    }

    [Fact]
    public async Task Commit_ManyAccounts_SplitsAt100RowsNeverSplittingAnAccount_ReceiptLast()
    {
        var (store, _, partitioner) = await NewStoreAsync(partitions: 1);
        var accounts = AccountsIn(partitioner, 0, 30);
        var write = Write(
            0,
            accounts.Select(a => Result(a)).ToList(),
            accounts.SelectMany(a => new[] { Order(a, 1, OrderState.Failed), Order(a, 2, OrderState.Expired), Order(a, 3) }).ToList(),
            Receipt(0));

        var plan = store.Plan(write);

        Assert.Equal([100, 21], plan.Select(t => t.Count));
        Assert.Equal("x:sweep-1", plan[^1][^1].Entity.RowKey);
        foreach (var account in accounts)
        {
            Assert.Single(plan, t => t.Any(a => a.Entity.RowKey == "r:" + account || a.Entity.RowKey.StartsWith($"o:{account}:", StringComparison.Ordinal)));
        }

        await store.CommitAsync(write, CancellationToken.None);
        var partition = await store.ReadPartitionAsync(0, "sweep-other", CancellationToken.None);
        Assert.Equal(30, partition.Results.Count);
        Assert.Equal(accounts.Select(a => $"{a}:3").Order(), partition.OpenOrders.Keys.Order());
        Assert.Equal(90, (await ListAsync(store.ReadOrdersAsync(unsentOnly: false, CancellationToken.None))).Count);
    }

    [Fact]
    public async Task Commit_LargeBodies_SplitsAtTheSizeLimit_AndRoundTripsBodiesLongerThanOneProperty()
    {
        var (store, _, partitioner) = await NewStoreAsync(partitions: 1);
        var accounts = AccountsIn(partitioner, 0, 40);

        // Quotes cost 6 bytes each in the batch body: 30,000 of them are about 180 KB per order.
        var quoted = new string('"', 30_000);
        var surrogate = new string('x', 32_767) + "😀" + new string('y', 70_000);
        var write = Write(
            0,
            accounts.Select(a => Result(a)).ToList(),
            accounts.Select((a, i) => Order(a, body: i == 0 ? surrogate : quoted)).ToList(),
            Receipt(0));

        var plan = store.Plan(write);

        Assert.True(plan.Count >= 3, $"{plan.Count} transactions");
        Assert.All(plan, t => Assert.True(t.Sum(a => TableTransactions.EstimatedBytes((TableEntity)a.Entity)) <= TableTransactions.MaxBytes));
        foreach (var account in accounts)
        {
            var holding = Assert.Single(plan, t => t.Any(a => a.Entity.RowKey == "r:" + account));
            Assert.Contains(holding, a => a.Entity.RowKey == $"o:{account}:3");
        }

        await store.CommitAsync(write, CancellationToken.None);
        var partition = await store.ReadPartitionAsync(0, "sweep-other", CancellationToken.None);
        Assert.Equal(surrogate, partition.OpenOrders[$"{accounts[0]}:3"].Body);
        Assert.All(accounts.Skip(1), a => Assert.Equal(quoted, partition.OpenOrders[$"{a}:3"].Body));
    }

    [Fact]
    public async Task Commit_AnAccountWithMoreThan100Rows_IsRefusedBeforeAnyWrite()
    {
        var (store, _, partitioner) = await NewStoreAsync(partitions: 1);
        var accounts = AccountsIn(partitioner, 0, 2);
        var orders = Enumerable.Range(1, 100).Select(e => Order(accounts[1], e)).ToList();

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => store.CommitAsync(Write(0, [Result(accounts[0]), Result(accounts[1])], orders), CancellationToken.None));

        Assert.Contains($"account {accounts[1]} has 101 rows", ex.Message, StringComparison.Ordinal);
        Assert.Empty((await store.ReadPartitionAsync(0, "sweep-other", CancellationToken.None)).Results);
    }

    [Fact]
    public async Task Commit_RowsOfAnotherPartitionOrBadKeys_AreRefusedWithTheirNames()
    {
        var (store, _, partitioner) = await NewStoreAsync();
        var elsewhere = AccountsIn(partitioner, 1, 1)[0];
        var here = AccountsIn(partitioner, 0, 1)[0];

        var wrong = await Assert.ThrowsAsync<ArgumentException>(() => store.CommitAsync(Write(0, [Result(elsewhere)]), CancellationToken.None));
        var badOrder = await Assert.ThrowsAsync<ArgumentException>(() => store.CommitAsync(Write(0, orders: [Order(here) with { OrderId = "a/b" }]), CancellationToken.None));
        var twice = await Assert.ThrowsAsync<ArgumentException>(() => store.CommitAsync(Write(0, [Result(here), Result(here)]), CancellationToken.None));
        var receipt = await Assert.ThrowsAsync<ArgumentException>(() => store.CommitAsync(Write(0, receipt: Receipt(1)), CancellationToken.None));

        Assert.Contains($"account {elsewhere} belongs to partition p0001, not p0000", wrong.Message, StringComparison.Ordinal);
        Assert.Contains("order a/b", badOrder.Message, StringComparison.Ordinal);
        Assert.Contains("'/'", badOrder.Message, StringComparison.Ordinal);
        Assert.Contains($"row r:{here} appears twice", twice.Message, StringComparison.Ordinal);
        Assert.Contains("partition 1, not 0", receipt.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadPartition_MoreThanAPageOfRows_ReadsEveryPage()
    {
        var (store, _, partitioner) = await NewStoreAsync(partitions: 1);
        var accounts = AccountsIn(partitioner, 0, 1_100);
        await store.CommitAsync(Write(0, accounts.Select(a => Result(a)).ToList(), accounts.Take(300).Select(a => Order(a)).ToList()), CancellationToken.None);

        var partition = await store.ReadPartitionAsync(0, "sweep-other", CancellationToken.None);

        Assert.Equal(1_100, partition.Results.Count);
        Assert.Equal(300, partition.OpenOrders.Count);
        Assert.Equal(300, (await ListAsync(store.ReadOrdersAsync(unsentOnly: true, CancellationToken.None))).Count);
    }

    [Fact]
    public async Task ReadOrders_UnsentOnly_ReturnsOpenUnsentOrdersOfEveryPartition()
    {
        var (store, _, partitioner) = await NewStoreAsync();
        var outbox = new List<string>();
        for (var p = 0; p < 4; p++)
        {
            var a = AccountsIn(partitioner, p, 1)[0];
            await store.CommitAsync(Write(p, orders: [Order(a, 1, OrderState.Failed), Order(a, 2, OrderState.Accepted, sent: true), Order(a, 3)]), CancellationToken.None);
            outbox.Add($"{a}:3");
        }

        var unsent = await ListAsync(store.ReadOrdersAsync(unsentOnly: true, CancellationToken.None));
        var all = await ListAsync(store.ReadOrdersAsync(unsentOnly: false, CancellationToken.None));

        Assert.Equal(outbox.Order(), unsent.Select(o => o.OrderId).Order());
        Assert.Equal(12, all.Count);
    }

    [Fact]
    public async Task MarkSent_TouchesOnlySent_KeepsAStateWrittenMeanwhile_WorksWithoutAToken_FalseWhenGone()
    {
        var (store, _, partitioner) = await NewStoreAsync();
        var a = AccountsIn(partitioner, 2, 1)[0];
        var fresh = Order(a, 3);
        await store.CommitAsync(Write(2, orders: [Order(a, 1), Order(a, 2), fresh]), CancellationToken.None);
        var read = (await store.ReadPartitionAsync(2, "sweep-other", CancellationToken.None)).OpenOrders;

        Assert.True(await store.MarkSentAsync(read[$"{a}:1"], Now.AddSeconds(5), CancellationToken.None));
        var stale = read[$"{a}:2"];
        await store.CommitAsync(Write(2, orders: [stale with { State = OrderState.Accepted }]), CancellationToken.None);
        Assert.True(await store.MarkSentAsync(stale, Now.AddSeconds(6), CancellationToken.None));
        Assert.Null(fresh.ConcurrencyToken);
        Assert.True(await store.MarkSentAsync(fresh, Now.AddSeconds(7), CancellationToken.None));
        Assert.False(await store.MarkSentAsync(Order(a, 9), Now, CancellationToken.None));

        var after = (await store.ReadPartitionAsync(2, "sweep-other", CancellationToken.None)).OpenOrders;
        Assert.True(after[$"{a}:1"].Sent);
        Assert.Equal(Now.AddSeconds(5), after[$"{a}:1"].SentAt);
        Assert.Equal(OrderState.Open, after[$"{a}:1"].State);
        Assert.True(after[$"{a}:2"].Sent);
        Assert.Equal(OrderState.Accepted, after[$"{a}:2"].State);
        Assert.True(after[$"{a}:3"].Sent);
        Assert.True(await store.MarkSentAsync(after[$"{a}:1"], Now.AddHours(1), CancellationToken.None));
        Assert.Equal(Now.AddSeconds(5), (await store.ReadPartitionAsync(2, "sweep-other", CancellationToken.None)).OpenOrders[$"{a}:1"].SentAt);
        Assert.Empty(await ListAsync(store.ReadOrdersAsync(unsentOnly: true, CancellationToken.None)));
    }

    [Fact]
    public async Task ReadReceipts_ReturnsTheSweepsReceiptsOfEveryPartition()
    {
        var (store, _, _) = await NewStoreAsync();
        for (var p = 0; p < 3; p++)
        {
            await store.CommitAsync(Write(p, receipt: Receipt(p)), CancellationToken.None);
        }

        await store.CommitAsync(Write(3, receipt: Receipt(3, "sweep-2")), CancellationToken.None);
        await store.CommitAsync(Write(1, receipt: Receipt(1) with { Written = 4 }), CancellationToken.None);

        var receipts = (await ListAsync(store.ReadReceiptsAsync("sweep-1", CancellationToken.None))).OrderBy(r => r.Partition).ToList();

        Assert.Equal([0, 1, 2], receipts.Select(r => r.Partition));
        Assert.Equal(4, receipts[1].Written);
        AssertSameReceipt(Receipt(2), receipts[2]);
        Assert.Single(await ListAsync(store.ReadReceiptsAsync("sweep-2", CancellationToken.None)));
        Assert.Empty(await ListAsync(store.ReadReceiptsAsync("sweep-9", CancellationToken.None)));
    }

    [Fact]
    public async Task Watermark_CommitsWithTheReceipt_UnderItsETag()
    {
        var (store, _, _) = await NewStoreAsync();
        Assert.Null((await store.ReadPartitionAsync(2, "sweep-1", CancellationToken.None)).Watermark);

        await store.CommitAsync(Write(2, receipt: Receipt(2)) with { Watermark = new PartitionWatermark(Now, "sweep-1") }, CancellationToken.None);
        var first = (await store.ReadPartitionAsync(2, "sweep-1", CancellationToken.None)).Watermark!;
        Assert.Equal((Now, "sweep-1"), (first.SnapshotAsOf, first.SweepId));

        await store.CommitAsync(Write(2, receipt: Receipt(2, "sweep-2")) with { Watermark = first with { SnapshotAsOf = Now.AddMinutes(1), SweepId = "sweep-2" } }, CancellationToken.None);
        var ex = await Assert.ThrowsAsync<StoreConflictException>(() => store.CommitAsync(Write(2, receipt: Receipt(2, "sweep-3")) with { Watermark = first with { SweepId = "sweep-3" } }, CancellationToken.None));
        Assert.Contains("w:", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<StoreConflictException>(() => store.CommitAsync(Write(2, receipt: Receipt(2, "sweep-4")) with { Watermark = new PartitionWatermark(Now, "sweep-4") }, CancellationToken.None));
        Assert.Equal("sweep-2", (await store.ReadPartitionAsync(2, "sweep-1", CancellationToken.None)).Watermark!.SweepId);
        Assert.Null((await store.ReadPartitionAsync(2, "sweep-3", CancellationToken.None)).Receipt);
        Assert.Throws<ArgumentException>(() => store.Plan(Write(2) with { Watermark = new PartitionWatermark(Now, "sweep-5") }));
    }

    [Fact]
    public async Task Watermark_RidesInEveryTransaction_SoAStaleWriterFailsBeforeAnyRowGoesIn()
    {
        var (store, _, partitioner) = await NewStoreAsync(partitions: 1);
        var accounts = AccountsIn(partitioner, 0, 150);
        var write = Write(0, accounts.Select(a => Result(a)).ToList(), receipt: Receipt(0)) with { Watermark = new PartitionWatermark(Now, "sweep-1") };
        Assert.All(store.Plan(write), t => Assert.Equal("w:", t[0].Entity.RowKey));
        Assert.True(store.Plan(write).Count >= 2);

        Assert.True(await store.CommitAsync(write, CancellationToken.None) >= 2);
        var read = await store.ReadPartitionAsync(0, "sweep-1", CancellationToken.None);
        Assert.Equal(150, read.Results.Count);

        // A newer sweep moves the watermark; a writer holding the old token fails in its first transaction: nothing of it lands.
        await store.CommitAsync(Write(0, receipt: Receipt(0, "sweep-2")) with { Watermark = read.Watermark! with { SnapshotAsOf = Now.AddMinutes(1), SweepId = "sweep-2" } }, CancellationToken.None);
        var stale = Write(0, [.. read.Results.Values.Select(r => r with { SweepId = "sweep-old" })], receipt: Receipt(0, "sweep-old")) with { Watermark = read.Watermark! with { SweepId = "sweep-old" } };
        await Assert.ThrowsAsync<StoreConflictException>(() => store.CommitAsync(stale, CancellationToken.None));
        var after = await store.ReadPartitionAsync(0, "sweep-old", CancellationToken.None);
        Assert.DoesNotContain(after.Results.Values, r => r.SweepId == "sweep-old");
        Assert.Null(after.Receipt);
    }

    [Fact]
    public async Task ReadPartition_IncludesTheAskedSweepsReceiptOnly()
    {
        var (store, _, _) = await NewStoreAsync();
        await store.CommitAsync(Write(1, receipt: Receipt(1)), CancellationToken.None);
        await store.CommitAsync(Write(1, receipt: Receipt(1, "sweep-2") with { Written = 9 }), CancellationToken.None);

        AssertSameReceipt(Receipt(1), (await store.ReadPartitionAsync(1, "sweep-1", CancellationToken.None)).Receipt!);
        Assert.Equal(9, (await store.ReadPartitionAsync(1, "sweep-2", CancellationToken.None)).Receipt!.Written);
        Assert.Null((await store.ReadPartitionAsync(1, "sweep-3", CancellationToken.None)).Receipt);
        Assert.Null((await store.ReadPartitionAsync(0, "sweep-1", CancellationToken.None)).Receipt);
    }

    [Fact]
    public async Task ReadPartition_MalformedRow_ThrowsNamingTheRowAndProperty()
    {
        var (store, table, partitioner) = await NewStoreAsync(partitions: 1);
        var a = AccountsIn(partitioner, 0, 1)[0];
        await store.CommitAsync(Write(0, [Result(a)]), CancellationToken.None);
        var row = (await table.GetEntityAsync<TableEntity>("p0000", "r:" + a)).Value;
        row["MarginRatio"] = "1,5";
        await table.UpdateEntityAsync(row, Azure.ETag.All, TableUpdateMode.Replace);

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => store.ReadPartitionAsync(0, "sweep-other", CancellationToken.None));

        Assert.Contains($"margin table, partition p0000, row r:{a}: MarginRatio is '1,5'", ex.Message, StringComparison.Ordinal);
    }
}
