using Margin.Engine.Accounts;
using Margin.Sweep.Options;
using Margin.Sweep.Ports;
using Margin.Sweep.Orders;
using Margin.Sweep.Seeding;
using Margin.Sweep.UseCases;
using Margin.Sweep.Work;

namespace Margin.Sweep.Tests.Support;

/// <summary>A clock the test moves by hand.</summary>
public sealed class ManualTime(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>One real sweep (StartSweep's work items through ProcessShard, the planner, the outbox and a configured publisher) over a generated book, on the in-memory stores.</summary>
/// <remarks>
/// The demo venue's parameters and reference market, a snapshot and sweep named as RefreshPrices and StartSweep name
/// them, and a book with far more breached and underwater accounts than the default profile, so that orders of both
/// severities and every leg kind come out.
/// </remarks>
public sealed class ContractSweep
{
    public const string SnapshotId = "s20261201T000000000Z";

    /// <summary>A book profile that liquidates: a third of the margined accounts breached, a tenth underwater.</summary>
    public static BookProfile Stressed { get; } = new() { StretchedShare = 0.1, BreachedShare = 0.35, UnderwaterShare = 0.1, PortfolioShare = 0.08 };

    private ContractSweep(InMemoryStores stores, ManualTime time, SweepRecord sweep, IReadOnlyList<Account> book, IReadOnlyList<StoredOrder> published, SweepOptions options)
    {
        Stores = stores;
        Time = time;
        Sweep = sweep;
        Book = book;
        Published = published;
        Options = options;
    }

    public InMemoryStores Stores { get; }

    public ManualTime Time { get; }

    public SweepRecord Sweep { get; }

    public IReadOnlyList<Account> Book { get; }

    /// <summary>Every order the sweep handed to the publisher, as stored in the outbox (Body is the message body).</summary>
    public IReadOnlyList<StoredOrder> Published { get; }

    public SweepOptions Options { get; }

    public static async Task<ContractSweep> RunAsync(int accounts, int seed, BookProfile profile, int partitions = 16, IOrderPublisher? publisher = null)
    {
        var parameters = DemoMarket.Parameters;
        var asOf = DemoMarket.Snapshot.AsOf;
        var snapshot = ReferenceSnapshot.Create(SnapshotId, asOf, parameters, DemoMarket.Market);
        var stores = new InMemoryStores(partitions);
        await stores.Snapshots.WriteAsync(snapshot);
        await stores.Snapshots.SetLatestAsync(snapshot.Id);
        stores.Parameters.Add(parameters);
        await stores.Parameters.ActivateAsync(parameters.Version);
        var book = new BookGenerator(parameters, snapshot, profile).Generate(accounts, seed).ToList();
        await stores.Accounts.UpsertAsync(book);

        var time = new ManualTime(asOf.AddSeconds(31.25));
        var options = new SweepOptions { WorkItems = 4 };
        var sweep = new SweepRecord($"sw-{snapshot.Id}", snapshot.Id, parameters.Version, time.Now, time.Now + options.Deadline, options.WorkItems, NoLiquidation: false, partitions);
        await stores.Sweeps.CreateOrGetAsync(sweep);
        var capturing = new CapturingPublisher();
        var process = new ProcessShard(stores.Accounts, stores.Margin, stores.History, stores.Sweeps, publisher ?? capturing, new MarginModelCache(stores.Snapshots, stores.Parameters), options, time);
        foreach (var item in StartSweep.WorkItemsOf(sweep))
        {
            var outcome = await process.ExecuteAsync(item);
            if (publisher is null && (outcome.PublishFailures.Count > 0 || outcome.OrdersLeftInOutbox > 0))
            {
                throw new InvalidOperationException($"work item {item.PartitionFrom}..{item.PartitionTo}: {outcome.OrdersLeftInOutbox} orders left in the outbox; {string.Join("; ", outcome.PublishFailures)}");
            }
        }

        return new ContractSweep(stores, time, sweep, book, capturing.Published, options);
    }
}
