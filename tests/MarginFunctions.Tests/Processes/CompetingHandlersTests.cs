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
using Margin.Sweep.Work;
using Margin.Testing.Functions;
using MarginFunctions.Tests.Packaging;
using Xunit.Abstractions;

namespace MarginFunctions.Tests.Processes;

/// <summary>
/// Two published handler processes compete for one sweep's work items as two Functions instances do, and one is SIGKILLed
/// in the middle of a work item: the survivor finishes the sweep, and every account is counted once and ordered at most once.
/// </summary>
/// <remarks>
/// Its own Azurite: the function app's storage has no prefix (the queue trigger names margin-shards), so it cannot share an
/// account with other tests. The queue triggers take host.json's queue settings, with a 5 s visibilityTimeout so a killed
/// invocation's work item is retried soon. Service Bus is not configured: orders stay in the outbox, which is where
/// duplication would show.
/// </remarks>
public sealed class CompetingHandlersTests(PackagedFunctionApp app, ITestOutputHelper output) : IClassFixture<PackagedFunctionApp>
{
    private const int Accounts = 3_000;
    private const int Partitions = 64;
    private const int WorkItems = 8;
    private static readonly TimeSpan s_sweepTimeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Sweep_OneOfTwoHandlersKilledMidWorkItem_SurvivorCompletesItWithEveryAccountCountedOnceAndNoOrderTwice()
    {
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
            ["ServiceBusConnection"] = null,
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
        await using var doomedTrigger = new HostQueueTrigger(azurite.ConnectionString, StorageWorkQueue.QueueName, watched, queueOptions);
        await using var survivorTrigger = new HostQueueTrigger(azurite.ConnectionString, StorageWorkQueue.QueueName, survivor, queueOptions);
        doomedTrigger.Start();
        survivorTrigger.Start();

        var killed = await KillMidWorkItemAsync(storage, sweep.SweepId, watched, doomed);
        output.WriteLine($"killed handler {doomed.ProcessId} with work item {killed.Item.PartitionFrom}..{killed.Item.PartitionTo} under way: {killed.ReceiptsAtKill} of its {killed.Item.PartitionTo - killed.Item.PartitionFrom + 1} partitions had a receipt");

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
        Assert.InRange(killed.ReceiptsAtKill, 1, killed.Item.PartitionTo - killed.Item.PartitionFrom);

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

        // Every account's stored result is this sweep's, for the version seeded.
        var results = new ConcurrentDictionary<string, Margin.Sweep.Results.StoredResult>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(seeded.Keys, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (id, ct) =>
            results[id] = (await storage.Margin.ReadAccountAsync(id, ct)).Result ?? throw new InvalidOperationException($"account {id} has no result"));
        Assert.All(seeded, a => Assert.Equal((sweep.SweepId, a.Value.Version), (results[a.Key].SweepId, results[a.Key].AccountVersion)));

        // No order twice: one per (account, episode), each the open order of its account's result, as many as the receipts say.
        var orders = await storage.Margin.ReadOrdersAsync(unsentOnly: false).ToListAsync();
        Assert.NotEmpty(orders);
        Assert.Equal(orders.Count, orders.Select(o => o.OrderId).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(orders.Count, orders.Select(o => (o.AccountId, o.Episode)).Distinct().Count());
        Assert.Equal(orders.Count, orders.Select(o => o.AccountId).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(receipts.Sum(r => r.Orders), orders.Count);
        Assert.All(orders, o => Assert.Equal(o.OrderId, results[o.AccountId].OpenOrderId));
        Assert.All(orders, o => Assert.Equal(sweep.SweepId, o.SweepId));
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

    /// <summary>Kills the handler as soon as one of its work items has some, not all, of its partitions' receipts written.</summary>
    private static async Task<(WorkItem Item, int ReceiptsAtKill)> KillMidWorkItemAsync(MarginStorage storage, string sweepId, WatchedHandler watched, HandlerProcess handler)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), $"no work item of the doomed handler was caught under way within 2 min; its output:{Environment.NewLine}{handler.Output()}");
            var running = watched.Running.Values.ToList();
            if (running.Count > 0)
            {
                var receipts = (await storage.Margin.ReadReceiptsAsync(sweepId).ToListAsync()).Select(r => r.Partition).ToHashSet();
                foreach (var item in running)
                {
                    var written = Enumerable.Range(item.PartitionFrom, item.PartitionTo - item.PartitionFrom + 1).Count(receipts.Contains);
                    if (written > 0 && written <= item.PartitionTo - item.PartitionFrom && watched.Running.Values.Contains(item))
                    {
                        await handler.KillAsync();
                        return (item, written);
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

    /// <summary>The doomed handler as its trigger sees it, keeping the work items it is processing right now.</summary>
    private sealed class WatchedHandler(HandlerProcess inner) : ICustomHandler
    {
        public ConcurrentDictionary<Guid, WorkItem> Running { get; } = new();

        public bool HasExited => inner.HasExited;

        public async Task<HandlerResponse> InvokeAsync(string functionName, string payloadJson, CancellationToken cancellationToken = default)
        {
            using var payload = JsonDocument.Parse(payloadJson);
            var body = JsonSerializer.Deserialize<string>(payload.RootElement.GetProperty("Data").GetProperty("item").GetString()!)!;
            var item = StorageWorkQueue.Decode("watched", "watched", 1, body).Item ?? throw new InvalidOperationException("not a work item: " + body);
            var key = Guid.NewGuid();
            Running[key] = item;
            try
            {
                return await inner.InvokeAsync(functionName, payloadJson, cancellationToken);
            }
            finally
            {
                Running.TryRemove(key, out _);
            }
        }
    }
}
