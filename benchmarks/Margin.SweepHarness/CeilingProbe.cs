using System.Diagnostics;
using System.Globalization;
using Azure.Data.Tables;
using Azure.Storage.Queues;

namespace Margin.SweepHarness;

/// <summary>Azurite's own ceiling, measured in the same run as the sweep: entity-group transactions, partition queries and queue operations, with rows shaped like the sweep's result rows.</summary>
/// <remarks>
/// Scratch tables and a scratch queue, deleted afterwards so they do not weigh on the sweep (Azurite keeps every table
/// in memory and saves the whole database every 5 s). Each transaction writes 100 upserts into a partition of its own,
/// as a sweep's commits do; every measurement runs for a fixed time after a warm-up.
/// </remarks>
internal sealed class CeilingProbe(TableServiceClient tables, QueueServiceClient queues, ResourceSampler sampler, TimeSpan duration)
{
    private const int RowsPerQueriedPartition = 400;
    private const int QueriedPartitions = 32;
    private const int QueueMessages = 1_000;
    private static readonly DateTimeOffset s_at = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Transactions at each writer count, then partition queries at <paramref name="sweepConcurrency"/> and 1, then the queue.</summary>
    public async Task<CeilingReport> RunAsync(int sweepConcurrency, CancellationToken cancellationToken)
    {
        var writers = new[] { 1, 4, 16, sweepConcurrency }.Distinct().Order().ToArray();
        var table = tables.GetTableClient("harnessceiling");
        await table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        var transactions = new List<TransactionCeiling>();
        try
        {
            // Warm-up (JIT, connections, Azurite's first collection), not counted.
            await TransactionsAsync(table, "warm", writers[^1], TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            foreach (var w in writers)
            {
                transactions.Add(await TransactionsAsync(table, string.Create(CultureInfo.InvariantCulture, $"w{w}"), w, duration, cancellationToken).ConfigureAwait(false));
            }
        }
        finally
        {
            await table.DeleteAsync(CancellationToken.None).ConfigureAwait(false);
        }

        var single = tables.GetTableClient("harnessceilings");
        await single.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        SingleCeiling upserts;
        try
        {
            upserts = await SingleUpsertsAsync(single, sweepConcurrency, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await single.DeleteAsync(CancellationToken.None).ConfigureAwait(false);
        }

        var queried = tables.GetTableClient("harnessceilingq");
        await queried.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        var queries = new List<QueryCeiling>();
        try
        {
            await Parallel.ForEachAsync(
                Enumerable.Range(0, QueriedPartitions * (RowsPerQueriedPartition / 100)),
                new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
                async (k, ct) =>
                {
                    var partition = Key(k / (RowsPerQueriedPartition / 100));
                    var from = k % (RowsPerQueriedPartition / 100) * 100;
                    await queried.SubmitTransactionAsync(Enumerable.Range(from, 100).Select(i => new TableTransactionAction(TableTransactionActionType.UpsertReplace, ResultLike(partition, i))), ct).ConfigureAwait(false);
                }).ConfigureAwait(false);
            var label = string.Create(CultureInfo.InvariantCulture, $"{QueriedPartitions} partitions x {RowsPerQueriedPartition} result-like rows ({QueriedPartitions * RowsPerQueriedPartition:N0} rows in the table)");
            foreach (var c in new[] { sweepConcurrency, 1 }.Distinct())
            {
                queries.Add(await QueriesAsync(queried, label, Enumerable.Range(0, QueriedPartitions).Select(Key).ToArray(), c, sampler, duration, cancellationToken).ConfigureAwait(false));
            }
        }
        finally
        {
            await queried.DeleteAsync(CancellationToken.None).ConfigureAwait(false);
        }

        var queue = await QueueAsync(sweepConcurrency, cancellationToken).ConfigureAwait(false);
        return new CeilingReport(EstimatedBytes(ResultLike("c0000", 0)), transactions, upserts, queries, queue);
    }

    /// <summary>Whole-partition queries, round robin over <paramref name="partitions"/>, for <paramref name="duration"/>.</summary>
    public static async Task<QueryCeiling> QueriesAsync(TableClient table, string label, string[] partitions, int concurrency, ResourceSampler sampler, TimeSpan duration, CancellationToken cancellationToken)
    {
        long queries = 0, rows = 0, next = -1;
        var from = sampler.Now;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (clock.Elapsed < duration)
            {
                var key = partitions[(int)(Interlocked.Increment(ref next) % partitions.Length)];
                var n = 0;
                await foreach (var e in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {key}"), maxPerPage: 1_000, cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    n++;
                }

                Interlocked.Increment(ref queries);
                Interlocked.Add(ref rows, n);
            }
        })).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        var usage = sampler.Usage(from, sampler.Now);
        return new QueryCeiling(label, concurrency, queries, rows, queries / seconds, rows / seconds, usage.AzuriteCores, usage.AzuriteMainThread, usage.AzuriteSaturatedShare, usage.HarnessCores, usage.MachineCores);
    }

    private async Task<TransactionCeiling> TransactionsAsync(TableClient table, string prefix, int writers, TimeSpan length, CancellationToken cancellationToken)
    {
        long transactions = 0, next = -1;
        var from = sampler.Now;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, writers).Select(async _ =>
        {
            while (clock.Elapsed < length)
            {
                var partition = string.Create(CultureInfo.InvariantCulture, $"{prefix}-{Interlocked.Increment(ref next):D7}");
                await table.SubmitTransactionAsync(Enumerable.Range(0, 100).Select(i => new TableTransactionAction(TableTransactionActionType.UpsertReplace, ResultLike(partition, i))), cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref transactions);
            }
        })).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        var usage = sampler.Usage(from, sampler.Now);
        return new TransactionCeiling(writers, seconds, transactions, transactions * 100, transactions * 100 / seconds, transactions / seconds, usage.AzuriteCores, usage.AzuriteMainThread, usage.AzuriteSaturatedShare, usage.HarnessCores, usage.MachineCores);
    }

    /// <summary>Single-entity upserts, each into a partition of its own, as the history's status changes are written (one account per partition).</summary>
    private async Task<SingleCeiling> SingleUpsertsAsync(TableClient table, int writers, CancellationToken cancellationToken)
    {
        long upserts = 0, next = -1;
        var from = sampler.Now;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, writers).Select(async _ =>
        {
            while (clock.Elapsed < duration)
            {
                await table.UpsertEntityAsync(HistoryLike(Interlocked.Increment(ref next)), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref upserts);
            }
        })).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        var usage = sampler.Usage(from, sampler.Now);
        return new SingleCeiling(writers, upserts, upserts / seconds, usage.AzuriteCores, usage.AzuriteMainThread, usage.AzuriteSaturatedShare, usage.HarnessCores, usage.MachineCores);
    }

    private async Task<QueueCeiling> QueueAsync(int concurrency, CancellationToken cancellationToken)
    {
        var queue = queues.GetQueueClient("harness-ceiling");
        await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            // About a work item's size: {"v":1,"sweepId":..,"snapshotId":..,"paramsVersion":..,"partitionFrom":..,"partitionTo":..}, base64.
            var body = Convert.ToBase64String("{\"v\":1,\"sweepId\":\"sw-s20261124T153232331Z\",\"snapshotId\":\"s20261124T153232331Z\",\"paramsVersion\":\"demo-1\",\"partitionFrom\":0,\"partitionTo\":15}"u8);
            var clock = Stopwatch.StartNew();
            await Parallel.ForEachAsync(Enumerable.Range(0, QueueMessages), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken }, async (_, ct) =>
                await queue.SendMessageAsync(body, ct).ConfigureAwait(false)).ConfigureAwait(false);
            var sends = QueueMessages / clock.Elapsed.TotalSeconds;

            // Receive one at a time as the sweep's workers do, and delete each (its completion).
            long received = 0;
            clock.Restart();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
            {
                while (Interlocked.Read(ref received) < QueueMessages)
                {
                    var messages = (await queue.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(5), cancellationToken).ConfigureAwait(false)).Value;
                    if (messages.Length == 0)
                    {
                        return;
                    }

                    await queue.DeleteMessageAsync(messages[0].MessageId, messages[0].PopReceipt, cancellationToken).ConfigureAwait(false);
                    Interlocked.Increment(ref received);
                }
            })).ConfigureAwait(false);
            return new QueueCeiling(QueueMessages, sends, received / clock.Elapsed.TotalSeconds);
        }
        finally
        {
            await queue.DeleteIfExistsAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static string Key(int partition) => string.Create(CultureInfo.InvariantCulture, $"p{partition:D4}");

    /// <summary>A row shaped like a margin result (<c>r:{account}</c>, 20 properties, typical lengths).</summary>
    internal static TableEntity ResultLike(string partition, int i)
    {
        var account = string.Create(CultureInfo.InvariantCulture, $"acct-{i:D6}");
        return new TableEntity(partition, "r:" + account)
        {
            ["SchemaVersion"] = 1,
            ["AccountId"] = account,
            ["AccountVersion"] = 7L,
            ["SweepId"] = "sw-s20261124T153232331Z",
            ["SnapshotId"] = "s20261124T153232331Z",
            ["SnapshotAsOf"] = s_at,
            ["ParamsVersion"] = "demo-1",
            ["EvaluatedAt"] = s_at,
            ["Status"] = "Healthy",
            ["Flags"] = "None",
            ["MarginRatio"] = "0.12345678901234567",
            ["InitialRatio"] = "0.2345678901234567",
            ["ProjectedRatio"] = "0.3456789012345678",
            ["Equity"] = "123456.78901234",
            ["AdjustedEquityMaintenance"] = "120000.12345678",
            ["MaintenanceRequirement"] = "14814.81481481",
            ["InitialRequirement"] = "29629.62962962",
            ["ReasonRule"] = "Healthy",
            ["Reason"] = "MarginRatio 0.1235 (maintenance requirement 14,814.81 USD over adjusted equity 120,000.12 USD) is below the warning threshold 0.8",
            ["Episode"] = 0,
        };
    }

    /// <summary>A row shaped like a status change in <c>marginhistory</c> (partition: the account).</summary>
    internal static TableEntity HistoryLike(long i)
    {
        var account = string.Create(CultureInfo.InvariantCulture, $"acct-{i:D6}");
        return new TableEntity(account, "2519382749999999999-sw-s20261124T153232331Z")
        {
            ["At"] = s_at,
            ["SweepId"] = "sw-s20261124T153232331Z",
            ["SnapshotId"] = "s20261124T153232331Z",
            ["ParamsVersion"] = "demo-1",
            ["AccountVersion"] = 7L,
            ["To"] = "ReduceOnly",
            ["Flags"] = "None",
            ["MarginRatio"] = "0.62345678901234567",
            ["Reason"] = "InitialRatio: InitialRatio 1.0712 (initial requirement 1,290.49 USD over adjusted equity 1,204.70 USD) is at least 1",
        };
    }

    /// <summary>A row's size as property names and values in characters (a rough payload size, the same measure for real rows).</summary>
    internal static int EstimatedBytes(TableEntity entity) =>
        entity.Sum(kv => kv.Key.Length + (kv.Value switch
        {
            string s => s.Length,
            DateTimeOffset or DateTime => 28,
            long => 8,
            int => 4,
            bool => 1,
            null => 0,
            var v => v.ToString()?.Length ?? 0,
        }));
}

/// <summary>Transactions of 100 upserts into distinct partitions, by <paramref name="Writers"/> concurrent writers.</summary>
internal sealed record TransactionCeiling(int Writers, double Seconds, long Transactions, long Entities, double EntitiesPerSecond, double TransactionsPerSecond, double AzuriteCores, double AzuriteMainThread, double AzuriteSaturatedShare, double HarnessCores, double MachineCores);

/// <summary>Single-entity upserts into distinct partitions by <paramref name="Writers"/> concurrent writers.</summary>
internal sealed record SingleCeiling(int Writers, long Upserts, double UpsertsPerSecond, double AzuriteCores, double AzuriteMainThread, double AzuriteSaturatedShare, double HarnessCores, double MachineCores);

/// <summary>Whole-partition queries at <paramref name="Concurrency"/>.</summary>
internal sealed record QueryCeiling(string Table, int Concurrency, long Queries, long Rows, double QueriesPerSecond, double RowsPerSecond, double AzuriteCores, double AzuriteMainThread, double AzuriteSaturatedShare, double HarnessCores, double MachineCores);

/// <summary>Queue sends, then receive-and-delete pairs, of <paramref name="Messages"/> messages.</summary>
internal sealed record QueueCeiling(int Messages, double SendsPerSecond, double ReceiveDeletesPerSecond);

/// <summary>Azurite's ceiling: the probe row's size and each measurement.</summary>
internal sealed record CeilingReport(int RowChars, IReadOnlyList<TransactionCeiling> Transactions, SingleCeiling SingleUpserts, IReadOnlyList<QueryCeiling> Queries, QueueCeiling Queue);
