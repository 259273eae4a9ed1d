using System.Runtime.CompilerServices;
using Margin.Engine.Accounts;
using Margin.Engine.Prices;
using Margin.Sweep.Options;
using Margin.Sweep.Ports;
using Margin.Sweep.Seeding;
using Margin.Sweep.Tests.Support;
using Margin.Sweep.UseCases;

namespace Margin.Sweep.Tests.Telemetry;

/// <summary>The demo market and a generated book on the in-memory stores, with a work queue and a capturing publisher: StartSweep and ProcessShard as the functions run them.</summary>
internal sealed class SweepWorld
{
    public const string SnapshotId = "s20261201T000000000Z";

    private SweepWorld(InMemoryStores stores, ManualTime time, PriceSnapshot snapshot, IReadOnlyList<Account> book, SweepOptions options, IAccountStore accounts)
    {
        Stores = stores;
        Time = time;
        Snapshot = snapshot;
        Book = book;
        Options = options;
        Accounts = accounts;
    }

    public InMemoryStores Stores { get; }

    public ManualTime Time { get; }

    public PriceSnapshot Snapshot { get; }

    public IReadOnlyList<Account> Book { get; }

    public SweepOptions Options { get; }

    /// <summary>The account store the use cases read (the in-memory one, or a decorator of it).</summary>
    public IAccountStore Accounts { get; }

    public InMemoryWorkQueue Queue { get; } = new();

    public CapturingPublisher Publisher { get; } = new();

    public static async Task<SweepWorld> CreateAsync(int accounts, int seed = 7, BookProfile? profile = null, int partitions = 8, Func<IAccountStore, IAccountStore>? decorate = null)
    {
        var parameters = DemoMarket.Parameters;
        var snapshot = ReferenceSnapshot.Create(SnapshotId, DemoMarket.Snapshot.AsOf, parameters, DemoMarket.Market);
        var stores = new InMemoryStores(partitions);
        await stores.Snapshots.WriteAsync(snapshot);
        await stores.Snapshots.SetLatestAsync(snapshot.Id);
        stores.Parameters.Add(parameters);
        await stores.Parameters.ActivateAsync(parameters.Version);
        var book = new BookGenerator(parameters, snapshot, profile ?? ContractSweep.Stressed).Generate(accounts, seed).ToList();
        await stores.Accounts.UpsertAsync(book);
        return new SweepWorld(stores, new ManualTime(snapshot.AsOf.AddSeconds(30)), snapshot, book, new SweepOptions { WorkItems = 4 }, decorate?.Invoke(stores.Accounts) ?? stores.Accounts);
    }

    public StartSweep Start() => new(Stores.Snapshots, Stores.Parameters, Stores.Sweeps, Queue, Accounts, Options, Time);

    public ProcessShard Process(IOrderPublisher? publisher = null) =>
        new(Accounts, Stores.Margin, Stores.History, Stores.Sweeps, publisher ?? Publisher, new MarginModelCache(Stores.Snapshots, Stores.Parameters), Options, Time);
}

/// <summary>The accounts, plus one account in a partition whose row cannot be read (as a corrupt table row is reported).</summary>
internal sealed class WithUnreadableAccount(IAccountStore inner, string accountId) : IAccountStore
{
    public int PartitionCount => inner.PartitionCount;

    public int PartitionOf(string accountId) => inner.PartitionOf(accountId);

    public Task UpsertAsync(IReadOnlyCollection<Account> accounts, CancellationToken cancellationToken = default) => inner.UpsertAsync(accounts, cancellationToken);

    public Task<Account?> GetAsync(string accountId, CancellationToken cancellationToken = default) => inner.GetAsync(accountId, cancellationToken);

    public async IAsyncEnumerable<StoredAccount> ReadPartitionAsync(int partition, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var stored in inner.ReadPartitionAsync(partition, cancellationToken))
        {
            yield return stored;
        }

        if (inner.PartitionOf(accountId) == partition)
        {
            yield return new StoredAccount(accountId, null, "the row's balances are not JSON");
        }
    }
}
