using Margin.Testing.Orders;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Margin.Engine.Accounts;
using Margin.Infrastructure.Composition;
using Margin.Infrastructure.ServiceBus;
using Margin.Sweep.Options;
using Margin.Sweep.Orders;
using Margin.Sweep.Ports;
using Margin.Sweep.UseCases;
using Margin.SweepHarness;
using Margin.Testing.RabbitMq;

namespace Margin.PublishHarness;

/// <summary>
/// Commit-to-accept latency: a sweep of a generated book against the harness's own Azurite (as Margin.SweepHarness runs one), with
/// ProcessShard publishing to RabbitMQ through <see cref="ServiceBusOrderPublisher"/> wrapped in <see cref="TimedPublisher"/>.
/// </summary>
/// <remarks>
/// ProcessShard calls the publisher right after a partition's commit (src/Margin.Sweep/UseCases/ProcessShard.cs), so the time
/// of one PublishAsync call is the time from that commit to the broker's accept of its orders, less what ProcessShard does in
/// between (a history prune for accounts with earlier history, none in a first sweep, and the kill-switch read of the active
/// parameters, cached).
/// </remarks>
internal sealed class LatencyPhase(RabbitMqBroker broker, int? brokerPid, HarnessOptions options, string root, TextWriter output)
{
    private const int Partitions = 256;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var time = TimeProvider.System;
        var venue = DemoVenue.Load(root);
        using var azurite = AzuriteProcess.Start(root);
        void Stop(object? sender, EventArgs e) => azurite.Stop();
        AppDomain.CurrentDomain.ProcessExit += Stop;
        try
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  Azurite pid {azurite.Pid}, table port {azurite.TablePort}, queue port {azurite.QueuePort}")).ConfigureAwait(false);
            var storage = MarginStorage.Create(new StorageOptions { ConnectionString = azurite.ConnectionString, Partitions = Partitions });
            await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
            var (version, _) = await storage.Parameters.ImportAsync(venue.ParametersJson, cancellationToken).ConfigureAwait(false);
            await storage.Parameters.ActivateAsync(version, cancellationToken).ConfigureAwait(false);
            var seed = Stopwatch.StartNew();
            var batch = new List<Account>(Partitions * 100);
            foreach (var account in venue.Book().Generate(options.Accounts, options.Seed))
            {
                batch.Add(account);
                if (batch.Count == Partitions * 100)
                {
                    await storage.Accounts.UpsertAsync(batch, cancellationToken).ConfigureAwait(false);
                    batch = new List<Account>(Partitions * 100);
                }
            }

            await storage.Accounts.UpsertAsync(batch, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  seeded {options.Accounts:N0} accounts in {seed.Elapsed.TotalSeconds:0.0} s")).ConfigureAwait(false);

            await broker.DeclareQueueAsync(RabbitMqPhase.Queue, cancellationToken).ConfigureAwait(false);
            await broker.PurgeAsync(RabbitMqPhase.Queue, cancellationToken).ConfigureAwait(false);
            await using var connection = new ServiceBusConnection(RabbitMqPhase.ClientOptions(broker, options.MaxInFlight), null, time);
            await using var inner = new ServiceBusOrderPublisher(connection, time);
            // Connected before the sweep, as a running host is: the first call does not pay for the connection.
            await inner.PublishAsync(SyntheticOrders.Create(1, time.GetUtcNow(), options.Seed, firstAccount: 900_000, timeToLive: TimeSpan.FromHours(2)), cancellationToken).ConfigureAwait(false);
            await broker.PurgeAsync(RabbitMqPhase.Queue, cancellationToken).ConfigureAwait(false);
            var publisher = new TimedPublisher(inner);

            var sweepOptions = new SweepOptions { WorkItems = 16, PartitionConcurrency = 4 };
            var refresh = await new RefreshPrices([venue.NewSource(time)], storage.Snapshots, storage.PriceHistory, storage.Parameters, new PriceRefreshOptions { VolatilityPriors = venue.VolatilityPriors }, time)
                .ExecuteAsync(cancellationToken).ConfigureAwait(false);
            _ = refresh.Snapshot ?? throw new InvalidOperationException($"RefreshPrices wrote no snapshot: {refresh.Skipped}");
            var started = await new StartSweep(storage.Snapshots, storage.Parameters, storage.Sweeps, storage.WorkQueue, storage.Accounts, sweepOptions, time)
                .ExecuteAsync(cancellationToken).ConfigureAwait(false);
            if (started.Decision is not StartDecision.Started || started.Sweep is not { } sweep)
            {
                throw new InvalidOperationException($"no sweep started ({started.Decision}): {started.Why}");
            }

            var models = new MarginModelCache(storage.Snapshots, storage.Parameters);
            var process = new ProcessShard(storage.Accounts, storage.Margin, storage.History, storage.Sweeps, publisher, models, sweepOptions, time);
            var drain = new WorkQueueDrain(storage.WorkQueue, process, new DrainOptions { Workers = 4 }, time);
            var rabbitCpu = new CpuMeter(brokerPid);
            var azuriteCpu = new CpuMeter(azurite.Pid);
            var (rabbitFrom, azuriteFrom) = (rabbitCpu.Read(), azuriteCpu.Read());
            publisher.Start();
            var clock = Stopwatch.StartNew();
            var outcome = await drain.RunAsync(
                async token => (await storage.Sweeps.DoneAsync(sweep.SweepId, token).ConfigureAwait(false)).Count >= sweep.WorkItems,
                null,
                cancellationToken).ConfigureAwait(false);
            clock.Stop();
            var (rabbitUse, azuriteUse) = (CpuMeter.Between(rabbitFrom, rabbitCpu.Read()), CpuMeter.Between(azuriteFrom, azuriteCpu.Read()));
            var published = outcome.Processed.Sum(p => p.OrdersPublished);
            var left = outcome.Processed.Sum(p => p.OrdersLeftInOutbox);
            var failures = outcome.Processed.SelectMany(p => p.PublishFailures).ToList();
            var onQueue = await broker.MessageCountAsync(RabbitMqPhase.Queue, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"  sweep of {options.Accounts:N0} accounts: {outcome.Processed.Count} work items in {clock.Elapsed.TotalSeconds:0.0} s; {published:N0} orders published and marked sent, {left} left in the outbox, {failures.Count} publish failures; {onQueue:N0} messages on the RabbitMQ queue")).ConfigureAwait(false);
            await output.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"  CPU during the sweep (cores of 2): harness (sweep, publisher) {rabbitUse.Ours:0.00}, RabbitMQ {rabbitUse.Broker:0.00}, Azurite {azuriteUse.Broker:0.00}, others {Math.Max(0, rabbitUse.Others - azuriteUse.Broker):0.00}")).ConfigureAwait(false);
            foreach (var failure in failures.Take(3))
            {
                await output.WriteLineAsync($"    publish failure: {failure}").ConfigureAwait(false);
            }

            var calls = publisher.Calls.ToArray();
            if (calls.Length == 0)
            {
                await output.WriteLineAsync("  no publish calls: the book produced no orders (raise --accounts)").ConfigureAwait(false);
                return;
            }

            var ms = calls.Select(c => c.Milliseconds).Order().ToArray();
            var sizes = calls.Select(c => (double)c.Orders).Order().ToArray();
            await output.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"  commit-to-accept latency (one PublishAsync call per partition with orders; {calls.Length} calls, {calls.Sum(c => c.Orders):N0} orders): p50 {Percentile(ms, 0.50):0.0} ms, p99 {Percentile(ms, 0.99):0.0} ms, max {ms[^1]:0.0} ms, mean {ms.Average():0.0} ms")).ConfigureAwait(false);
            await output.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"  orders per call: mean {sizes.Average():0.0}, p50 {Percentile(sizes, 0.50):0}, p99 {Percentile(sizes, 0.99):0}, max {sizes[^1]:0}, min {sizes[0]:0}; calls in flight at once: at most {publisher.MaxConcurrent}")).ConfigureAwait(false);
            await output.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"  the sweep's order bodies: {publisher.BodyBytes.Min()} to {publisher.BodyBytes.Max()} bytes, mean {publisher.BodyBytes.Average():0}; legs per order: {string.Join(", ", publisher.Legs.GroupBy(l => l).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}"))}")).ConfigureAwait(false);
            var slowest = calls.OrderByDescending(c => c.Milliseconds).Take(5).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Milliseconds:0} ms ({c.Orders} orders, {c.Concurrent} in flight, at {c.StartedAt:0.0} s)"));
            await output.WriteLineAsync($"  slowest calls: {string.Join("; ", slowest)}").ConfigureAwait(false);
            var peers = calls.GroupBy(c => Math.Min(c.Concurrent, 4)).OrderBy(g => g.Key).Select(g => string.Create(CultureInfo.InvariantCulture, $"{(g.Key == 4 ? "4+" : g.Key.ToString(CultureInfo.InvariantCulture))}: {g.Count()} calls p50 {Percentile([.. g.Select(c => c.Milliseconds).Order()], 0.5):0.0} ms"));
            await output.WriteLineAsync($"  by calls in flight when it started (itself included): {string.Join("; ", peers)}").ConfigureAwait(false);
        }
        finally
        {
            AppDomain.CurrentDomain.ProcessExit -= Stop;
            azurite.Stop();
        }
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>Times every PublishAsync call of the publisher it wraps: orders in the call, milliseconds until it returned (the broker accepted all), calls in flight when it started.</summary>
internal sealed class TimedPublisher(IOrderPublisher inner) : IOrderPublisher
{
    private int _inFlight;
    private int _maxConcurrent;

    private long _origin = Stopwatch.GetTimestamp();

    public ConcurrentQueue<(int Orders, double Milliseconds, int Concurrent, double StartedAt)> Calls { get; } = new();

    public int MaxConcurrent => Volatile.Read(ref _maxConcurrent);

    /// <summary>The UTF-8 size of every published order's body.</summary>
    public ConcurrentBag<int> BodyBytes { get; } = [];

    /// <summary>The number of legs of every published order.</summary>
    public ConcurrentBag<int> Legs { get; } = [];

    public bool IsConfigured => inner.IsConfigured;

    /// <summary>Sets the origin of the calls' start times (the sweep's start).</summary>
    public void Start() => _origin = Stopwatch.GetTimestamp();

    public async Task PublishAsync(IReadOnlyList<StoredOrder> orders, CancellationToken cancellationToken = default)
    {
        var concurrent = Interlocked.Increment(ref _inFlight);
        InterlockedMax(ref _maxConcurrent, concurrent);
        var started = Stopwatch.GetTimestamp();
        try
        {
            await inner.PublishAsync(orders, cancellationToken).ConfigureAwait(false);
            Calls.Enqueue((orders.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds, concurrent, Stopwatch.GetElapsedTime(_origin, started).TotalSeconds));
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }

        foreach (var order in orders)
        {
            // Outside the timing: the body's size and its legs, to compare the sweep's real orders with the sample ones.
            BodyBytes.Add(System.Text.Encoding.UTF8.GetByteCount(order.Body));
            Legs.Add(LiquidationOrderJson.Read(order.Body)?.Legs.Length ?? 0);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var current = Volatile.Read(ref target); value > current; current = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, current) == current)
            {
                return;
            }
        }
    }
}
