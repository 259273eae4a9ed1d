using System.Diagnostics;
using Margin.Engine.Accounts;
using Margin.Infrastructure.Composition;

namespace Margin.SweepHarness;

/// <summary>Imports and activates the demo parameters and writes the generated book (as <c>margin seed</c> does), timed.</summary>
/// <remarks>
/// Batches of 100 accounts per partition on average (<c>partitions x 100</c>), so most transactions are full, with two
/// batches in flight so generating one overlaps writing the other. (<c>margin seed</c> writes batches of 5,000, about
/// 20 accounts per transaction at 256 partitions.)
/// </remarks>
internal static class BookSeeding
{
    private const int InFlight = 2;

    public static async Task<SeedFigures> RunAsync(MarginStorage storage, DemoVenue venue, HarnessOptions options, ResourceSampler sampler, StorageTrace trace, CancellationToken cancellationToken)
    {
        var (version, _) = await storage.Parameters.ImportAsync(venue.ParametersJson, cancellationToken).ConfigureAwait(false);
        if (await storage.Parameters.GetActiveVersionAsync(cancellationToken).ConfigureAwait(false) is null)
        {
            await storage.Parameters.ActivateAsync(version, cancellationToken).ConfigureAwait(false);
        }

        var batchSize = Math.Max(1_000, options.Partitions * 100);
        var before = trace.Totals();
        var from = sampler.Now;
        var clock = Stopwatch.StartNew();
        var writes = new List<Task>();
        var batch = new List<Account>(batchSize);
        foreach (var account in venue.Book().Generate(options.Accounts, options.Seed))
        {
            batch.Add(account);
            if (batch.Count == batchSize)
            {
                writes.Add(storage.Accounts.UpsertAsync(batch, cancellationToken));
                batch = new List<Account>(batchSize);
                if (writes.Count >= InFlight)
                {
                    var done = await Task.WhenAny(writes).ConfigureAwait(false);
                    await done.ConfigureAwait(false);
                    writes.Remove(done);
                }
            }
        }

        if (batch.Count > 0)
        {
            writes.Add(storage.Accounts.UpsertAsync(batch, cancellationToken));
        }

        await Task.WhenAll(writes).ConfigureAwait(false);
        clock.Stop();
        var wire = StorageTrace.Difference(trace.Totals(), before);
        var transactions = wire.Where(kv => kv.Key.Kind == RequestKind.Transaction).Sum(kv => kv.Value);
        return new SeedFigures(options.Accounts, version, clock.Elapsed.TotalSeconds, options.Accounts / clock.Elapsed.TotalSeconds, transactions, sampler.Usage(from, sampler.Now));
    }
}

/// <summary>The seed: accounts, parameters version, seconds, accounts per second, transactions, resources.</summary>
internal sealed record SeedFigures(int Accounts, string ParametersVersion, double Seconds, double AccountsPerSecond, long Transactions, PhaseUsage Usage);
