using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Azure.Storage.Queues;
using Margin.Infrastructure.Composition;
using Margin.Infrastructure.Documents;
using Margin.Infrastructure.Queues;
using Margin.Infrastructure.Tests.Azurite;
using Margin.Sweep.Seeding;
using Margin.Sweep.UseCases;
using Margin.Sweep.Work;
using Margin.Testing.Functions;
using Margin.Testing.ServiceBus;
using MarginFunctions.Tests.Packaging;
using Xunit.Abstractions;

namespace MarginFunctions.Tests.Processes;

/// <summary>
/// Two published handler processes compete for one sweep's work items as two Functions instances do, and one is SIGKILLed
/// in the middle of a work item, while the broker holds one of its orders that it has not yet marked sent: the survivor
/// re-runs that item and finishes the sweep; every account is counted once, the order the kill caught is sent again, and
/// the queue's duplicate detection drops that second copy, so every order reaches the queue once.
/// </summary>
/// <remarks>
/// Its own Azurite: the function app's storage has no prefix (the queue trigger names margin-shards), so it cannot share an
/// account with other tests. The queue triggers take host.json's queue settings, with a 5 s visibilityTimeout so a killed
/// invocation's work item is retried soon. Service Bus is the in-process emulator (CBS with SAS, sessions and duplicate
/// detection on the orders queue, as the deployed namespace has them), reached by both handlers through the
/// ServiceBusConnection app setting; it creates no queue on demand, so a handler using another queue name fails. It holds
/// every accept back for <see cref="s_acceptDelay"/> (the message stored at once): the window between the broker taking an
/// order and the handler marking it sent, where a crash makes a second send, is then wide enough to kill the handler in.
/// </remarks>
public sealed class CompetingHandlersTests(PackagedFunctionApp app, ITestOutputHelper output) : IClassFixture<PackagedFunctionApp>
{
    private const int Accounts = 3_000;
    private const int Partitions = 64;
    private const int WorkItems = 8;
    private const string OrdersQueue = "liquidation-orders";
    private const string EventsQueue = "liquidation-events";
    private static readonly TimeSpan s_sweepTimeout = TimeSpan.FromMinutes(4);

    /// <summary>How long the emulated broker holds back its accept of each transfer.</summary>
    private static readonly TimeSpan s_acceptDelay = TimeSpan.FromSeconds(2);

    /// <summary>A message enqueued at most this long before the kill still has its accept held back for at least <see cref="s_acceptDelay"/> minus this: its order cannot have been marked sent.</summary>
    private static readonly TimeSpan s_freshMessage = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Sweep_OneOfTwoHandlersKilledMidWorkItem_SurvivorCompletesItWithEveryAccountCountedOnceAndNoOrderTwice()
    {
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions
        {
            AutoCreateQueues = false,
            Queues =
            [
                new EmulatedQueueOptions(OrdersQueue) { RequiresSession = true, DuplicateDetection = true },
                new EmulatedQueueOptions(EventsQueue),
            ],
        });
        bus.DelayAccept(s_acceptDelay);
        using var azurite = new AzuriteInstance();
        var storage = MarginStorage.Create(new StorageOptions { ConnectionString = azurite.ConnectionString, Partitions = Partitions });
        await storage.EnsureCreatedAsync();
        var seeded = await SeedAsync(storage);
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["MARGIN_Storage__Partitions"] = Partitions.ToString(CultureInfo.InvariantCulture),
            ["MARGIN_Sweep__WorkItems"] = WorkItems.ToString(CultureInfo.InvariantCulture),
            // Two partitions at a time, so a work item (eight partitions) is under way long enough to be killed in its middle.
            ["MARGIN_Sweep__PartitionConcurrency"] = "2",
            ["MARGIN_Sweep__SnapshotMaxAge"] = "00:30:00",
            ["MARGIN_Functions__Telemetry"] = "none",
            ["ServiceBusConnection"] = bus.ConnectionString,
            ["ServiceBusConnection__fullyQualifiedNamespace"] = null,
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = null,
        };
        var queueOptions = HostQueueTriggerOptions.FromHostJson(Path.Combine(app.AppRoot, "host.json")) with { VisibilityTimeout = TimeSpan.FromSeconds(5) };

        await using var doomed = await HandlerProcess.StartPublishedAsync(app.AppRoot, settings);
        await using var survivor = await HandlerProcess.StartPublishedAsync(app.AppRoot, settings);
        output.WriteLine($"cold start: {doomed.ColdStart.TotalMilliseconds:F0} ms and {survivor.ColdStart.TotalMilliseconds:F0} ms");

        var started = await survivor.InvokeAsync("StartSweep", HostPayloads.Timer("StartSweep", TimeProvider.System.GetUtcNow()));
        Assert.True(started.StatusCode == HttpStatusCode.OK, $"StartSweep answered {started.StatusCode}: {started.Body}{Environment.NewLine}{survivor.Output()}");
        var sweep = await storage.Sweeps.GetLatestAsync() ?? throw new InvalidOperationException("StartSweep stored no sweep: " + started.Body);
        Assert.Equal(WorkItems, sweep.WorkItems);
        Assert.False(sweep.NoLiquidation);

        var watched = new WatchedHandler(doomed);
        var watchedSurvivor = new WatchedHandler(survivor);
        await using var doomedTrigger = new HostQueueTrigger(azurite.ConnectionString, StorageWorkQueue.QueueName, watched, queueOptions);
        await using var survivorTrigger = new HostQueueTrigger(azurite.ConnectionString, StorageWorkQueue.QueueName, watchedSurvivor, queueOptions);
        doomedTrigger.Start();
        survivorTrigger.Start();

        var killed = await KillMidWorkItemAsync(storage, bus, sweep.SweepId, seeded, watched, doomed);
        var killedAt = TimeProvider.System.GetUtcNow();
        var killedNumber = StartSweep.NumberOf(sweep, killed.Item);
        var partitions = killed.Item.PartitionTo - killed.Item.PartitionFrom + 1;

        // The kill landed mid-item: read once the process is dead, after a moment for any request it had already handed to
        // Azurite to land, the item has some but not all of its receipts and no completion marker. Nobody else can have
        // touched it yet: its message is invisible until the doomed trigger releases it (visibilityTimeout 5 s).
        await Task.Delay(TimeSpan.FromSeconds(1));
        var receiptsAfterKill = (await storage.Margin.ReadReceiptsAsync(sweep.SweepId).ToListAsync())
            .Where(r => r.Partition >= killed.Item.PartitionFrom && r.Partition <= killed.Item.PartitionTo)
            .ToDictionary(r => r.Partition);
        var markersAfterKill = await storage.Sweeps.DoneMarkersAsync(sweep.SweepId);
        var unsentAfterKill = await storage.Margin.ReadOrdersAsync(unsentOnly: true).Select(o => o.OrderId).ToHashSetAsync(StringComparer.Ordinal);
        var survivorHadIt = watchedSurvivor.Started.Contains(killed.Item);
        output.WriteLine($"killed handler {doomed.ProcessId} (exit {doomed.ExitCode}) with work item {killedNumber} (partitions {killed.Item.PartitionFrom}..{killed.Item.PartitionTo}) under way: {killed.ReceiptsSeen} of its {partitions} partitions had a receipt before the kill, {receiptsAfterKill.Count} after it; markers then: [{string.Join(", ", markersAfterKill.Select(m => m.WorkItem))}]; order {killed.OrderOnBroker} on the broker, accept held back, {(unsentAfterKill.Contains(killed.OrderOnBroker) ? "unsent" : "marked sent")} in the outbox");
        Assert.InRange(receiptsAfterKill.Count, 1, partitions - 1);
        Assert.DoesNotContain(killedNumber, markersAfterKill.Select(m => m.WorkItem));
        Assert.Contains(killed.OrderOnBroker, unsentAfterKill);
        Assert.False(survivorHadIt, "the survivor was invoked with the killed item before the after-kill reading; that reading does not show the kill's moment");

        var clock = Stopwatch.StartNew();
        while ((await storage.Sweeps.DoneAsync(sweep.SweepId)).Count < WorkItems)
        {
            Assert.True(clock.Elapsed < s_sweepTimeout, $"the sweep did not complete within {s_sweepTimeout}; survivor trigger: {survivorTrigger.Successes} successes, {survivorTrigger.Failures} failures; survivor output:{Environment.NewLine}{survivor.Output()}");
            Assert.Null(survivorTrigger.Fault);
            await Task.Delay(200);
        }

        await survivorTrigger.StopAsync();
        await doomedTrigger.StopAsync();
        output.WriteLine($"sweep {sweep.SweepId} done {clock.Elapsed.TotalSeconds:F1} s after the kill; doomed trigger: {doomedTrigger.Invocations} invocations, {doomedTrigger.Failures} failed; survivor: {survivorTrigger.Invocations} invocations, {survivorTrigger.Successes} succeeded, {survivorTrigger.Failures} failed");

        // The kill: a real SIGKILL, seen by the doomed instance's trigger as a broken invocation, and it stopped receiving.
        Assert.Equal(128 + 9, doomed.ExitCode);
        Assert.True(doomedTrigger.HandlerGone);
        Assert.InRange(doomedTrigger.Failures, 1, doomedTrigger.Invocations);

        // The survivor re-ran the killed item to success and wrote its marker (after the kill: the dead process could not).
        Assert.Contains(watchedSurvivor.Invoked, i => i.Item == killed.Item && i.Succeeded);
        var killedMarker = Assert.Single(await storage.Sweeps.DoneMarkersAsync(sweep.SweepId), m => m.WorkItem == killedNumber);
        Assert.True(killedMarker.At > killedAt, $"work item {killedNumber}'s marker is dated {killedMarker.At:O}, not after the kill at {killedAt:O}");

        // Every work item's completion marker, and nothing left in the queue or its poison queue.
        Assert.Equal(Enumerable.Range(0, WorkItems), (await storage.Sweeps.DoneAsync(sweep.SweepId)).Order());
        Assert.Null(survivorTrigger.Fault);
        Assert.Equal(0, doomedTrigger.Poisoned + survivorTrigger.Poisoned);
        Assert.Equal(0, await CountAsync(azurite, StorageWorkQueue.QueueName));
        Assert.Equal(0, await CountAsync(azurite, StorageWorkQueue.PoisonQueueName));

        // Each partition's receipt counts each of its accounts once: all written by this sweep (a fresh book has nothing unchanged).
        var receipts = await storage.Margin.ReadReceiptsAsync(sweep.SweepId).ToListAsync();
        Assert.Equal(Enumerable.Range(0, Partitions), receipts.Select(r => r.Partition).Order());
        foreach (var receipt in receipts)
        {
            var expected = seeded.Count(a => a.Value.Partition == receipt.Partition);
            Assert.Equal(expected, receipt.Accounts);
            Assert.Equal(expected, receipt.Written + receipt.Unchanged + receipt.Superseded);
            Assert.Equal(0, receipt.Unchanged + receipt.Superseded);
            Assert.Equal(expected, receipt.ByStatus.Values.Sum());
        }

        // The killed item's partitions: those done before the kill kept their receipts (the re-run found them and did not
        // decide them again), the others were decided after the kill.
        foreach (var receipt in receipts.Where(r => r.Partition >= killed.Item.PartitionFrom && r.Partition <= killed.Item.PartitionTo))
        {
            Assert.Equal(killedNumber, receipt.WorkItem);
            if (receiptsAfterKill.TryGetValue(receipt.Partition, out var before))
            {
                Assert.Equal(before.ByStatus, receipt.ByStatus);
                Assert.Equal(before with { ByStatus = receipt.ByStatus }, receipt);
            }
            else
            {
                Assert.True(receipt.At > killedAt, $"partition {receipt.Partition}'s receipt is dated {receipt.At:O}, not after the kill at {killedAt:O}");
            }
        }

        // Every account's stored result is this sweep's, for the version seeded.
        var results = new ConcurrentDictionary<string, Margin.Sweep.Results.StoredResult>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(seeded.Keys, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (id, ct) =>
            results[id] = (await storage.Margin.ReadAccountAsync(id, ct)).Result ?? throw new InvalidOperationException($"account {id} has no result"));
        Assert.All(seeded, a => Assert.Equal((sweep.SweepId, a.Value.Version), (results[a.Key].SweepId, results[a.Key].AccountVersion)));

        // No order twice in the outbox: one per (account, episode), each the open order of its account's result, as many as the receipts say.
        var orders = await storage.Margin.ReadOrdersAsync(unsentOnly: false).ToListAsync();
        Assert.NotEmpty(orders);
        Assert.Equal(orders.Count, orders.Select(o => (o.AccountId, o.Episode)).Distinct().Count());
        Assert.Equal(orders.Count, orders.Select(o => o.AccountId).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(receipts.Sum(r => r.Orders), orders.Count);
        Assert.All(orders, o => Assert.Equal(o.OrderId, results[o.AccountId].OpenOrderId));
        Assert.All(orders, o => Assert.Equal(sweep.SweepId, o.SweepId));

        // Every order sent: by the sweep itself (the re-run publishes what its partitions left unsent), else by one relay.
        var unsent = orders.Count(o => !o.Sent);
        if (unsent > 0)
        {
            var relayed = await survivor.InvokeAsync("RelayOutbox", HostPayloads.Timer("RelayOutbox", TimeProvider.System.GetUtcNow()));
            output.WriteLine($"{unsent} of {orders.Count} orders unsent after the sweep; RelayOutbox answered {relayed.StatusCode}: {relayed.Body}");
            Assert.True(relayed.StatusCode == HttpStatusCode.OK, $"RelayOutbox answered {relayed.StatusCode}: {relayed.Body}{Environment.NewLine}{survivor.Output()}");
            orders = await storage.Margin.ReadOrdersAsync(unsentOnly: false).ToListAsync();
        }

        Assert.All(orders, o => Assert.True(o.Sent, $"order {o.OrderId} of account {o.AccountId} is not marked sent"));

        // On the broker, exactly one message per order: its id, its account as session, its body.
        var byId = orders.ToDictionary(o => o.OrderId, StringComparer.Ordinal);
        var queued = bus.Messages(OrdersQueue);
        var queuedIds = queued.Select(m => (string)m.Properties.MessageId).ToList();
        Assert.Equal(orders.Count, queued.Count);
        Assert.Equal(orders.Count, queuedIds.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(byId.Keys.Order(StringComparer.Ordinal), queuedIds.Order(StringComparer.Ordinal));
        Assert.All(queued, m => Assert.Equal(byId[(string)m.Properties.MessageId].AccountId, m.Properties.GroupId));
        Assert.All(queued, m => Assert.Equal(byId[(string)m.Properties.MessageId].Body, System.Text.Encoding.UTF8.GetString((byte[])m.Body)));
        Assert.Empty(bus.Messages(EventsQueue));

        // Every transfer of an order after its first was dropped by duplicate detection, and nothing else was dropped.
        var transfers = bus.Transfers.Where(t => string.Equals(t.Queue, OrdersQueue, StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.All(transfers, t => Assert.True(t.Outcome == "accepted", $"a transfer of {t.MessageCount} order(s) was refused: {t.Outcome} {t.Description}"));
        var sends = transfers.SelectMany(t => t.MessageIds).GroupBy(id => id!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var dropped = transfers.SelectMany(t => t.DuplicateMessageIds).GroupBy(id => id!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        Assert.Equal(byId.Keys.Order(StringComparer.Ordinal), sends.Keys.Order(StringComparer.Ordinal));
        Assert.All(sends, s => Assert.Equal(s.Value - 1, dropped.GetValueOrDefault(s.Key)));
        Assert.Equal(dropped.Values.Sum(), bus.DuplicatesDroppedIn(OrdersQueue));
        var resent = sends.Where(s => s.Value > 1).Select(s => s.Key).ToList();

        // The order the kill caught between the broker's accept and its mark was sent again, and that copy dropped.
        Assert.Contains(killed.OrderOnBroker, resent);
        Assert.True(bus.DuplicatesDroppedIn(OrdersQueue) > 0);
        output.WriteLine($"Service Bus: {orders.Count} orders, {transfers.Count} transfers carrying {sends.Values.Sum()} order messages; {resent.Count} order(s) sent more than once ({string.Join(", ", resent.Take(5))}), {bus.DuplicatesDroppedIn(OrdersQueue)} duplicate(s) dropped; {queued.Count} messages queued");
    }

    /// <summary>Parameters and a generated book as `margin seed` writes them (BookSeeder), and a snapshot of the demo market as of now; returns each account's partition and version.</summary>
    private static async Task<Dictionary<string, (int Partition, long Version)>> SeedAsync(MarginStorage storage)
    {
        var root = PackagedFunctionApp.RepositoryRoot;
        var marketJson = await File.ReadAllTextAsync(Path.Combine(root, "examples", "demo", "market.json"));
        var parameters = await BookSeeder.ImportParametersAsync(storage, await File.ReadAllTextAsync(Path.Combine(root, "examples", "demo", "parameters.json")));
        Assert.Equal(Accounts, await BookSeeder.SeedAsync(storage, parameters, marketJson, Accounts, seed: 11));

        // As of now: an older snapshot would start a no-liquidation sweep, which issues no order to duplicate.
        var (_, market) = MarketDocument.Read(marketJson);
        var snapshot = ReferenceSnapshot.Create("competing-" + Guid.NewGuid().ToString("N")[..8], TimeProvider.System.GetUtcNow().AddSeconds(-5), parameters, market);
        await storage.Snapshots.WriteAsync(snapshot);
        await storage.Snapshots.SetLatestAsync(snapshot.Id);

        var seeded = new Dictionary<string, (int, long)>(StringComparer.Ordinal);
        for (var partition = 0; partition < Partitions; partition++)
        {
            await foreach (var stored in storage.Accounts.ReadPartitionAsync(partition))
            {
                seeded.Add(stored.AccountId, (partition, stored.Account?.Version ?? 0));
            }
        }

        Assert.Equal(Accounts, seeded.Count);
        return seeded;
    }

    /// <summary>
    /// Kills the handler as soon as one of its work items has some, not all, of its partitions' receipts written and the
    /// broker holds a fresh message of one of its orders (enqueued within <see cref="s_freshMessage"/>, so its accept, held
    /// back for <see cref="s_acceptDelay"/>, has not reached the handler, which therefore has not marked it sent).
    /// </summary>
    /// <returns>That item, the receipts seen just before the kill (the caller reads them again after it) and that order's id.</returns>
    private static async Task<(WorkItem Item, int ReceiptsSeen, string OrderOnBroker)> KillMidWorkItemAsync(
        MarginStorage storage,
        EmulatedServiceBus bus,
        string sweepId,
        Dictionary<string, (int Partition, long Version)> seeded,
        WatchedHandler watched,
        HandlerProcess handler)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), $"no work item of the doomed handler was caught under way with an order on the broker within 2 min; its output:{Environment.NewLine}{handler.Output()}");
            var running = watched.Running.Values.ToList();
            if (running.Count > 0)
            {
                var receipts = (await storage.Margin.ReadReceiptsAsync(sweepId).ToListAsync()).Select(r => r.Partition).ToHashSet();
                var fresh = bus.Messages(OrdersQueue)
                    .Where(m => TimeProvider.System.GetUtcNow() - new DateTimeOffset((DateTime)m.MessageAnnotations[new Amqp.Types.Symbol("x-opt-enqueued-time")], TimeSpan.Zero) < s_freshMessage)
                    .Select(m => (OrderId: (string)m.Properties.MessageId, seeded[m.Properties.GroupId].Partition))
                    .ToList();
                foreach (var item in running)
                {
                    var written = Enumerable.Range(item.PartitionFrom, item.PartitionTo - item.PartitionFrom + 1).Count(receipts.Contains);
                    var order = fresh.FirstOrDefault(m => m.Partition >= item.PartitionFrom && m.Partition <= item.PartitionTo).OrderId;
                    if (written > 0 && written <= item.PartitionTo - item.PartitionFrom && order is not null && watched.Running.Values.Contains(item))
                    {
                        await handler.KillAsync();
                        return (item, written, order);
                    }
                }
            }

            await Task.Delay(10);
        }
    }

    private static async Task<int> CountAsync(AzuriteInstance azurite, string queue)
    {
        var client = new QueueClient(azurite.ConnectionString, queue);
        return await client.ExistsAsync() ? (await client.GetPropertiesAsync()).Value.ApproximateMessagesCount : 0;
    }

    /// <summary>A handler as its trigger sees it: the work items it is processing right now, and every invocation it answered.</summary>
    private sealed class WatchedHandler(HandlerProcess inner) : ICustomHandler
    {
        private readonly ConcurrentQueue<WorkItem> _started = new();
        private readonly ConcurrentQueue<(WorkItem Item, bool Succeeded)> _invoked = new();

        public ConcurrentDictionary<Guid, WorkItem> Running { get; } = new();

        /// <summary>Every work item it was invoked with, in the order the invocations began.</summary>
        public IReadOnlyList<WorkItem> Started => [.. _started];

        /// <summary>Every invocation sent, with whether it succeeded (false too when it broke off), in the order they ended.</summary>
        public IReadOnlyList<(WorkItem Item, bool Succeeded)> Invoked => [.. _invoked];

        public bool HasExited => inner.HasExited;

        public async Task<HandlerResponse> InvokeAsync(string functionName, string payloadJson, CancellationToken cancellationToken = default)
        {
            using var payload = JsonDocument.Parse(payloadJson);
            var body = JsonSerializer.Deserialize<string>(payload.RootElement.GetProperty("Data").GetProperty("item").GetString()!)!;
            var item = StorageWorkQueue.Decode("watched", "watched", 1, body).Item ?? throw new InvalidOperationException("not a work item: " + body);
            var key = Guid.NewGuid();
            _started.Enqueue(item);
            Running[key] = item;
            var succeeded = false;
            try
            {
                var response = await inner.InvokeAsync(functionName, payloadJson, cancellationToken);
                succeeded = response.IsSuccessStatusCode;
                return response;
            }
            finally
            {
                Running.TryRemove(key, out _);
                _invoked.Enqueue((item, succeeded));
            }
        }
    }
}
