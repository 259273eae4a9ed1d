using Margin.Engine.Liquidation;
using Margin.Engine.Results;
using Margin.Infrastructure.Tests.Azurite;
using Margin.Sweep.Options;
using Margin.Sweep.Orders;
using Margin.Sweep.Ports;
using Margin.Sweep.UseCases;
using Margin.Sweep.Work;

namespace Margin.Integration.Tests;

/// <summary>The sweep end to end on the example book, against a real Azurite: results, orders, receipts, history, retries and crashes.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class SweepPipelineTests(AzuriteInstance azurite)
{
    private static readonly DateTimeOffset Fresh = ExampleBook.Snapshot.AsOf.AddSeconds(30);

    private async Task<World> BookAsync(int partitions = 8)
    {
        var world = await World.CreateAsync(azurite, Fresh, partitions);
        await ExampleBook.LoadAsync(world);
        return world;
    }

    // The accounts a correct sweep puts an order out for: liquidation not suppressed and a plan with legs.
    private static HashSet<string> ExpectedOrderAccounts(World world)
    {
        var model = ExampleBook.Model();
        var planner = PlannerOptions.Create(world.Options.PlannerFeeRate, world.Options.PlannerMaxImpact, world.Options.PlannerMaxOrderUsd, world.Options.PlannerMinOrderUsd);
        return ExampleBook.Accounts
            .Select(a => (Account: a, Result: model.Evaluate(a)))
            .Where(x => x.Result.Summary.ShouldLiquidate && !LiquidationPlanner.Plan(model, x.Account, x.Result, planner).Legs.IsEmpty)
            .Select(x => x.Account.Id)
            .ToHashSet(StringComparer.Ordinal);
    }

    [Fact]
    public async Task Sweep_ExampleBook_StoresWhatTheEngineSays_AccountByAccount()
    {
        var world = await BookAsync();
        var sweepId = await world.SweepAsync();

        var model = ExampleBook.Model();
        var expectedOrders = ExpectedOrderAccounts(world);
        Assert.Contains("liquidatable", expectedOrders);
        Assert.DoesNotContain("suspect-avax", expectedOrders);
        Assert.DoesNotContain("killswitch-doge", expectedOrders);
        foreach (var account in ExampleBook.Accounts)
        {
            var direct = model.Evaluate(account);
            var stored = await world.ResultAsync(account.Id);
            Assert.Equal(sweepId, stored.SweepId);
            Assert.Equal(direct.Status, stored.Status);
            var expectedFlags = direct.Flags | (expectedOrders.Contains(account.Id) ? MarginFlags.LiquidationInFlight : MarginFlags.None);
            Assert.Equal(expectedFlags, stored.Flags);
            Assert.Equal(direct.Summary.MarginRatio, stored.MarginRatio);
            Assert.Equal(direct.Summary.Equity.Amount, stored.Equity);
            Assert.Equal(direct.Summary.MaintenanceRequirement.Amount, stored.MaintenanceRequirement);
            Assert.Equal(direct.Summary.ProjectedRatio, stored.ProjectedRatio);
        }

        var orders = await world.OrdersAsync();
        Assert.Equal(expectedOrders.Order(StringComparer.Ordinal), orders.Select(o => o.AccountId).Order(StringComparer.Ordinal));
        Assert.All(orders, o => Assert.Equal(OrderIds.For(o.AccountId, 1), o.OrderId));
        Assert.All(orders, o => Assert.True(o.Sent));
        Assert.Equal(orders.Select(o => o.OrderId).Order(StringComparer.Ordinal), world.Publisher.Published.Order(StringComparer.Ordinal));
        var message = LiquidationOrderJson.Read(orders[0].Body)!;
        Assert.Equal(orders[0].OrderId, message.OrderId);
        Assert.NotEmpty(message.Legs);

        var receipts = await world.ReceiptsAsync(sweepId);
        Assert.Equal(ExampleBook.Accounts.Count, receipts.Sum(r => r.Accounts));
        Assert.Equal(ExampleBook.Accounts.Count, receipts.Sum(r => r.ByStatus.Values.Sum()));
        Assert.Equal(expectedOrders.Count, receipts.Sum(r => r.Orders));
        Assert.Equal(8, receipts.Count);

        var history = await world.Storage.History.ReadAsync("liquidatable", 10, CancellationToken.None);
        var change = Assert.Single(history);
        Assert.Equal(MarginStatus.Liquidatable, change.To);
        Assert.Null(change.From);
        Assert.Equal(OrderIds.For("liquidatable", 1), change.OrderId);
    }

    [Fact]
    public async Task Sweep_SecondSweepOnUnchangedPrices_WritesNoResultAndNoOrder()
    {
        var world = await BookAsync();
        var first = await world.SweepAsync();
        var firstOrders = await world.OrdersAsync();

        var next = ExampleBook.Snapshot;
        await world.UseSnapshotAsync(Engine.Prices.PriceSnapshot.Create("demo-2", next.AsOf.AddMinutes(1), next.Quote, next.Assets.Values, next.Instruments.Values, next.Defects.Values, null, next.Correlations));
        world.Time.Advance(TimeSpan.FromMinutes(1));
        var second = await world.SweepAsync();

        Assert.NotEqual(first, second);
        var receipts = await world.ReceiptsAsync(second);
        Assert.Equal(0, receipts.Sum(r => r.Written));
        Assert.Equal(ExampleBook.Accounts.Count, receipts.Sum(r => r.Unchanged));
        Assert.Equal(0, receipts.Sum(r => r.Orders));
        Assert.Equal(firstOrders.Select(o => o.OrderId).Order(StringComparer.Ordinal), (await world.OrdersAsync()).Select(o => o.OrderId).Order(StringComparer.Ordinal));
        Assert.Equal(first, (await world.ResultAsync("liquidatable")).SweepId);
        Assert.Equal(MarginFlags.LiquidationInFlight, (await world.ResultAsync("liquidatable")).Flags & MarginFlags.LiquidationInFlight);
    }

    [Fact]
    public async Task ProcessShard_Twice_ChangesNothingAndIssuesNoSecondOrder()
    {
        var world = await BookAsync(partitions: 4);
        var started = await world.Start().ExecuteAsync();
        var items = StartSweep.WorkItemsOf(started.Sweep!);
        foreach (var item in items)
        {
            await world.Process().ExecuteAsync(item);
        }

        var orders = await world.OrdersAsync();
        var results = await Task.WhenAll(ExampleBook.Accounts.Select(a => world.ResultAsync(a.Id)));
        foreach (var item in items)
        {
            var again = await world.Process().ExecuteAsync(item);
            Assert.Equal(again.Receipts.Count, again.PartitionsAlreadyDone);
            Assert.Equal(0, again.Transactions);
        }

        Assert.Equal(orders.Select(o => (o.OrderId, o.Sent)), (await world.OrdersAsync()).Select(o => (o.OrderId, o.Sent)));
        var after = await Task.WhenAll(ExampleBook.Accounts.Select(a => world.ResultAsync(a.Id)));
        Assert.Equal(results.Select(r => r.ConcurrencyToken), after.Select(r => r.ConcurrencyToken));
        Assert.Equal(orders.Count, world.Publisher.Published.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task ProcessShard_CrashBetweenTwoTransactionsOfAPartition_RetryLosesNothingAndDuplicatesNothing()
    {
        var world = await BookAsync(partitions: 1);
        var crashing = new CrashingMarginStore(world.Storage.Margin) { CrashBetweenTransactions = true };
        world.Margin = crashing;
        var sweepId = await world.SweepAsync();

        Assert.False(crashing.CrashBetweenTransactions);
        await AssertCompleteAndUniqueAsync(world, sweepId);
    }

    [Fact]
    public async Task ProcessShard_CrashBetweenCommitAndPublish_OrdersWaitInTheOutboxAndTheRelaySendsThemOnce()
    {
        var world = await BookAsync();
        world.Publisher.FailNext(100);
        var sweepId = await world.SweepAsync();

        var orders = await world.OrdersAsync();
        Assert.NotEmpty(orders);
        Assert.All(orders, o => Assert.False(o.Sent));
        Assert.Empty(world.Publisher.Published);

        world.Publisher.FailNext(0);
        var relayed = await world.Relay().ExecuteAsync();
        Assert.Equal(orders.Count, relayed.Sent);
        Assert.All(await world.OrdersAsync(), o => Assert.True(o.Sent));
        var again = await world.Relay().ExecuteAsync();
        Assert.Equal(0, again.Pending);
        Assert.Equal(orders.Count, world.Publisher.Published.Count);
        await AssertCompleteAndUniqueAsync(world, sweepId);
    }

    [Fact]
    public async Task ProcessShard_CrashAfterCommitBeforePublish_RetryPublishesTheCommittedOrdersOnce()
    {
        var world = await BookAsync(partitions: 1);
        var crashing = new CrashingMarginStore(world.Storage.Margin) { CrashAfterCommit = true };
        world.Margin = crashing;
        var sweepId = await world.SweepAsync();

        Assert.False(crashing.CrashAfterCommit);
        var orders = await world.OrdersAsync();
        Assert.NotEmpty(orders);
        Assert.All(orders, o => Assert.True(o.Sent));
        Assert.Equal(orders.Select(o => o.OrderId).Order(StringComparer.Ordinal), world.Publisher.Published.Order(StringComparer.Ordinal));
        await AssertCompleteAndUniqueAsync(world, sweepId);
    }

    [Fact]
    public async Task ProcessShard_RetryAfterTheOrdersTimeToLive_DoesNotSendTheOrdersTheCrashLeft()
    {
        var world = await BookAsync(partitions: 1);
        var crashing = new CrashingMarginStore(world.Storage.Margin) { CrashAfterCommit = true };
        world.Margin = crashing;
        var started = await world.Start().ExecuteAsync();
        var items = StartSweep.WorkItemsOf(started.Sweep!).ToList();
        foreach (var item in items)
        {
            try
            {
                await world.Process().ExecuteAsync(item);
            }
            catch (InjectedCrashException)
            {
            }
        }

        Assert.False(crashing.CrashAfterCommit);
        var left = await world.OrdersAsync();
        Assert.NotEmpty(left);
        Assert.All(left, o => Assert.False(o.Sent));

        // The retry comes after the orders' time to live: they would reach executors already expired, so they stay unsent.
        world.Time.Advance(world.Options.OrderTimeToLive + TimeSpan.FromMinutes(1));
        foreach (var item in items)
        {
            await world.Process().ExecuteAsync(item);
        }

        Assert.Empty(world.Publisher.Published);
        Assert.All(await world.OrdersAsync(), o => Assert.False(o.Sent));
    }

    [Fact]
    public async Task ProcessShard_ThreeWorkersOnTheSameWorkItemAtOnce_OneResultAndOneOrderPerAccount()
    {
        var world = await BookAsync(partitions: 2);
        var started = await world.Start().ExecuteAsync();
        foreach (var item in StartSweep.WorkItemsOf(started.Sweep!))
        {
            await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => world.Process().ExecuteAsync(item))));
        }

        await AssertCompleteAndUniqueAsync(world, started.Sweep!.SweepId);
        Assert.Equal((await world.OrdersAsync()).Count, world.Publisher.Published.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task ProcessShard_CrashBetweenPublishAndMarkingSent_RetryRepublishesTheSameOrderIds()
    {
        var world = await BookAsync(partitions: 1);
        var crashing = new CrashingMarginStore(world.Storage.Margin) { CrashBeforeMarkSent = true };
        world.Margin = crashing;
        var sweepId = await world.SweepAsync();

        var orders = await world.OrdersAsync();
        Assert.All(orders, o => Assert.True(o.Sent));
        // Published twice (once before the crash, once by the retry): the broker's duplicate detection keeps one per id.
        Assert.Equal(orders.Select(o => o.OrderId).Order(StringComparer.Ordinal), world.Publisher.Published.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
        Assert.True(world.Publisher.Published.Count > orders.Count);
        await AssertCompleteAndUniqueAsync(world, sweepId);
    }

    [Fact]
    public async Task ProcessShard_CrashBeforeTheCompletionMarker_RetryMarksItDone()
    {
        var world = await BookAsync(partitions: 1);
        var crashing = new CrashingSweepStore(world.Storage.Sweeps) { CrashBeforeMarker = true };
        world.Sweeps = crashing;
        var sweepId = await world.SweepAsync();

        Assert.False(crashing.CrashBeforeMarker);
        await AssertCompleteAndUniqueAsync(world, sweepId);
    }

    [Fact]
    public async Task Drain_AWorkItemThatAlwaysFails_IsPoisonedAfterFiveAttempts()
    {
        var world = await BookAsync();
        var bad = new Sweep.Work.WorkItem("sw-missing", "snap", "params", 0, 0);
        await world.Storage.WorkQueue.EnqueueAsync([bad], CancellationToken.None);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var outcome = await world.Drain(workers: 1).RunAsync(_ => Task.FromResult(true), cancellationToken: timeout.Token);

        Assert.Equal(4, outcome.Failures.Count);
        var poisoned = Assert.Single(outcome.Poisoned);
        Assert.Contains("attempt 5 of 5", poisoned.Reason, StringComparison.Ordinal);
        Assert.Contains("sw-missing", poisoned.Reason, StringComparison.Ordinal);
        Assert.Equal(0, await world.Storage.WorkQueue.ApproximateCountAsync(CancellationToken.None));
        var poison = new Azure.Storage.Queues.QueueClient(azurite.ConnectionString, world.Storage.Options.Prefix + Infrastructure.Queues.StorageWorkQueue.PoisonQueueName);
        var record = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String((await poison.ReceiveMessageAsync()).Value.Body.ToString()));
        Assert.Contains("\"dequeueCount\":5", record, StringComparison.Ordinal);
        Assert.Contains("sw-missing", record, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drain_AMessageThatIsNotAWorkItem_IsPoisonedAtOnceWithTheReason()
    {
        var world = await BookAsync();
        var queue = new Azure.Storage.Queues.QueueClient(azurite.ConnectionString, world.Storage.Options.Prefix + Infrastructure.Queues.StorageWorkQueue.QueueName);
        await queue.SendMessageAsync(Convert.ToBase64String("{\"v\":1,\"sweepId\":\"\"}"u8.ToArray()));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var outcome = await world.Drain(workers: 1).RunAsync(_ => Task.FromResult(true), cancellationToken: timeout.Token);

        var poisoned = Assert.Single(outcome.Poisoned);
        Assert.Contains("snapshotId is missing", poisoned.Reason, StringComparison.Ordinal);
        Assert.Empty(outcome.Failures);
        var poison = new Azure.Storage.Queues.QueueClient(azurite.ConnectionString, world.Storage.Options.Prefix + Infrastructure.Queues.StorageWorkQueue.PoisonQueueName);
        var record = (await poison.ReceiveMessageAsync()).Value;
        Assert.Contains("sweepId", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(record.Body.ToString())), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sweep_TwoCompetingWorkers_ProcessEveryWorkItemOnceInEffect()
    {
        var world = await BookAsync(partitions: 16);
        var started = await world.Start().ExecuteAsync();
        var sweepId = started.Sweep!.SweepId;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Func<CancellationToken, Task<bool>> done = async ct => (await world.Storage.Sweeps.DoneAsync(sweepId, ct)).Count == started.Sweep.WorkItems;
        var outcomes = await Task.WhenAll(world.Drain(workers: 1).RunAsync(done, cancellationToken: timeout.Token), world.Drain(workers: 1).RunAsync(done, cancellationToken: timeout.Token));

        Assert.Equal(started.Sweep.WorkItems, outcomes.Sum(o => o.Processed.Count));
        await AssertCompleteAndUniqueAsync(world, sweepId);
    }

    [Fact]
    public async Task Drain_AnotherWorkerSeesTheEndWhileAnItemCompletes_TheItemStillCompletes()
    {
        var world = await World.CreateAsync(azurite, Fresh, partitions: 8, new SweepOptions { WorkItems = 1 });
        await ExampleBook.LoadAsync(world);
        var sweep = (await world.Start().ExecuteAsync()).Sweep!;
        // Deleting the message is slow: meanwhile the idle worker finds every work item marked done and ends the run.
        var queue = new SlowCompletion(world.Storage.WorkQueue, TimeSpan.FromMilliseconds(500));
        var drain = new WorkQueueDrain(queue, world.Process(), new DrainOptions { Workers = 2, PollInterval = TimeSpan.FromMilliseconds(20) }, TimeProvider.System);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var outcome = await drain.RunAsync(async ct => (await world.Storage.Sweeps.DoneAsync(sweep.SweepId, ct)).Count == sweep.WorkItems, cancellationToken: timeout.Token);

        Assert.Single(outcome.Processed);
        Assert.Equal(0, await world.Storage.WorkQueue.ApproximateCountAsync(CancellationToken.None));
    }

    // Every account has a result from the sweep, every receipt counts each account once, and each account has at most one order.
    private static async Task AssertCompleteAndUniqueAsync(World world, string sweepId)
    {
        var expected = ExpectedOrderAccounts(world);
        foreach (var account in ExampleBook.Accounts)
        {
            Assert.Equal(sweepId, (await world.ResultAsync(account.Id)).SweepId);
        }

        var receipts = await world.ReceiptsAsync(sweepId);
        Assert.Equal(ExampleBook.Accounts.Count, receipts.Sum(r => r.Accounts));
        Assert.Equal(ExampleBook.Accounts.Count, receipts.Sum(r => r.Written));
        var orders = await world.OrdersAsync();
        Assert.Equal(expected.Order(StringComparer.Ordinal), orders.Select(o => o.AccountId).Order(StringComparer.Ordinal));
        Assert.All(orders, o => Assert.Equal(OrderIds.For(o.AccountId, 1), o.OrderId));
        var sweep = await world.Storage.Sweeps.GetAsync(sweepId, CancellationToken.None);
        Assert.Equal(sweep!.WorkItems, (await world.Storage.Sweeps.DoneAsync(sweepId, CancellationToken.None)).Count);
    }

    private sealed class SlowCompletion(IWorkQueue inner, TimeSpan delay) : IWorkQueue
    {
        public Task EnqueueAsync(IReadOnlyList<WorkItem> items, CancellationToken cancellationToken) => inner.EnqueueAsync(items, cancellationToken);

        public Task<IReadOnlyList<ReceivedWorkItem>> ReceiveAsync(int max, TimeSpan visibility, CancellationToken cancellationToken) => inner.ReceiveAsync(max, visibility, cancellationToken);

        public async Task<bool> CompleteAsync(ReceivedWorkItem message, CancellationToken cancellationToken)
        {
            await Task.Delay(delay, cancellationToken);
            return await inner.CompleteAsync(message, cancellationToken);
        }

        public Task<bool> ReleaseAsync(ReceivedWorkItem message, TimeSpan delay, CancellationToken cancellationToken) => inner.ReleaseAsync(message, delay, cancellationToken);

        public Task PoisonAsync(ReceivedWorkItem message, string reason, CancellationToken cancellationToken) => inner.PoisonAsync(message, reason, cancellationToken);
    }
}
