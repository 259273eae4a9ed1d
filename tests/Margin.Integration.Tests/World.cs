using System.Collections.Concurrent;
using System.Text.Json;
using Margin.Engine.Accounts;
using Margin.Engine.Evaluation;
using Margin.Engine.Parameters;
using Margin.Engine.Prices;
using Margin.Infrastructure.Composition;
using Margin.Infrastructure.Documents;
using Margin.Infrastructure.Tests.Azurite;
using Margin.Sweep.Options;
using Margin.Sweep.Orders;
using Margin.Sweep.Ports;
using Margin.Sweep.Results;
using Margin.Sweep.UseCases;
using Microsoft.Extensions.Time.Testing;

namespace Margin.Integration.Tests;

/// <summary>One deployment's storage on the shared Azurite (its own table and queue prefix), a fake clock, and the use cases wired to it.</summary>
internal sealed class World
{
    private World(MarginStorage storage, FakeTimeProvider time, SweepOptions options)
    {
        Storage = storage;
        Time = time;
        Options = options;
        Models = new MarginModelCache(storage.Snapshots, storage.Parameters);
    }

    public MarginStorage Storage { get; }

    public FakeTimeProvider Time { get; }

    public SweepOptions Options { get; }

    public MarginModelCache Models { get; }

    public RecordingPublisher Publisher { get; } = new();

    public IMarginStore Margin { get; set; } = null!;

    public ISweepStore Sweeps { get; set; } = null!;

    public static async Task<World> CreateAsync(AzuriteInstance azurite, DateTimeOffset now, int partitions = 8, SweepOptions? options = null)
    {
        var prefix = "t" + Guid.NewGuid().ToString("N")[..12];
        var storage = MarginStorage.Create(new StorageOptions { ConnectionString = azurite.ConnectionString, Partitions = partitions, Prefix = prefix });
        await storage.EnsureCreatedAsync(CancellationToken.None);
        var world = new World(storage, new FakeTimeProvider(now), options ?? new SweepOptions { WorkItems = 4 })
        {
        };
        world.Margin = storage.Margin;
        world.Sweeps = storage.Sweeps;
        return world;
    }

    public ProcessShard Process() => new(Storage.Accounts, Margin, Storage.History, Sweeps, Publisher, Models, Options, Time);

    public StartSweep Start() => new(Storage.Snapshots, Storage.Parameters, Sweeps, Storage.WorkQueue, Storage.Accounts, Options, Time);

    public RelayOutbox Relay() => new(Margin, Publisher, Models, Time);

    public RecordLiquidationEvent Events() => new(Margin, Options, Time);

    public WorkQueueDrain Drain(int workers = 2, int maxDequeueCount = 5) =>
        new(Storage.WorkQueue, Process(), new DrainOptions { Workers = workers, RetryDelay = TimeSpan.Zero, MaxDequeueCount = maxDequeueCount, PollInterval = TimeSpan.FromMilliseconds(20), Visibility = TimeSpan.FromMinutes(5) }, TimeProvider.System);

    /// <summary>Drains the work queue until every work item of the sweep is marked done (or 60 s pass).</summary>
    public async Task<DrainOutcome> DrainAsync(string sweepId, int workers = 2, int maxDequeueCount = 5)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var sweep = await Storage.Sweeps.GetAsync(sweepId, CancellationToken.None) ?? throw new InvalidOperationException($"no sweep {sweepId}");
        return await Drain(workers, maxDequeueCount).RunAsync(async ct => (await Storage.Sweeps.DoneAsync(sweepId, ct)).Count == sweep.WorkItems, cancellationToken: timeout.Token);
    }

    /// <summary>Imports and activates a parameters document, returning the parsed parameters.</summary>
    public async Task<RiskParameters> UseParametersAsync(string json)
    {
        await Storage.Parameters.ImportAsync(json, CancellationToken.None);
        var (set, problems) = ParametersReader.ReadDocument(json);
        Assert.Empty(problems);
        await Storage.Parameters.ActivateAsync(set!.Parameters.Version, CancellationToken.None);
        return set.Parameters;
    }

    /// <summary>Writes a snapshot and points latest at it.</summary>
    public async Task UseSnapshotAsync(PriceSnapshot snapshot)
    {
        await Storage.Snapshots.WriteAsync(snapshot, CancellationToken.None);
        await Storage.Snapshots.SetLatestAsync(snapshot.Id, CancellationToken.None);
    }

    public async Task<List<StoredOrder>> OrdersAsync() =>
        await Storage.Margin.ReadOrdersAsync(unsentOnly: false, CancellationToken.None).ToListAsync();

    public async Task<List<SweepReceipt>> ReceiptsAsync(string sweepId) =>
        await Storage.Margin.ReadReceiptsAsync(sweepId, CancellationToken.None).ToListAsync();

    public async Task<StoredResult> ResultAsync(string accountId) =>
        (await Storage.Margin.ReadAccountAsync(accountId, CancellationToken.None)).Result ?? throw new InvalidOperationException($"no result for {accountId}");

    /// <summary>Starts a sweep and drains it; returns the sweep id.</summary>
    public async Task<string> SweepAsync(int workers = 2)
    {
        var started = await Start().ExecuteAsync();
        Assert.Equal(StartDecision.Started, started.Decision);
        await DrainAsync(started.Sweep!.SweepId, workers);
        return started.Sweep.SweepId;
    }
}

/// <summary>The examples/evaluate-book.json book: a snapshot, parameters and 13 accounts showing every status and flag.</summary>
internal static class ExampleBook
{
    private static readonly Lazy<(string ParametersJson, EvaluateInput Input)> s_book = new(Load);

    public static string ParametersJson => s_book.Value.ParametersJson;

    public static PriceSnapshot Snapshot => s_book.Value.Input.Snapshot;

    public static RiskParameters Parameters => s_book.Value.Input.Parameters;

    public static IReadOnlyList<Account> Accounts => [.. s_book.Value.Input.Accounts.Select(a => a.Account!)];

    public static async Task LoadAsync(World world)
    {
        await world.UseParametersAsync(ParametersJson);
        await world.UseSnapshotAsync(Snapshot);
        await world.Storage.Accounts.UpsertAsync([.. Accounts], CancellationToken.None);
    }

    public static MarginModel Model() => MarginModel.Create(Snapshot, Parameters);

    private static (string, EvaluateInput) Load()
    {
        var json = File.ReadAllText(Path.Combine(Repository.Root, "examples", "evaluate-book.json"));
        var (input, problems) = EvaluateInputReader.Read(json);
        Assert.Empty(problems);
        using var doc = JsonDocument.Parse(json);
        return (doc.RootElement.GetProperty("parameters").GetRawText(), input!);
    }
}

internal static class Repository
{
    public static string Root => typeof(Repository).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
        .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;
}

/// <summary>A broker double: records every published order id, and fails the next N publishes when told to.</summary>
internal sealed class RecordingPublisher : IOrderPublisher
{
    private int _failures;

    public ConcurrentQueue<string> Published { get; } = new();

    public bool IsConfigured { get; set; } = true;

    public void FailNext(int count) => _failures = count;

    public Task PublishAsync(IReadOnlyList<StoredOrder> orders, CancellationToken cancellationToken)
    {
        if (Interlocked.Decrement(ref _failures) >= 0)
        {
            throw new IOException("broker unreachable (injected)");
        }

        foreach (var order in orders)
        {
            Published.Enqueue(order.OrderId);
        }

        return Task.CompletedTask;
    }
}

/// <summary>A crash injected by a test at a chosen line.</summary>
internal sealed class InjectedCrashException(string where) : Exception($"injected crash: {where}");
