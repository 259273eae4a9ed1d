using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Margin.Engine.Accounts;
using Margin.Engine.Evaluation;
using Margin.Engine.Liquidation;
using Margin.Engine.Results;
using Margin.Sweep.History;
using Margin.Sweep.Options;
using Margin.Sweep.Orders;
using Margin.Sweep.Ports;
using Margin.Sweep.Results;
using Margin.Sweep.Telemetry;
using Margin.Sweep.Work;

namespace Margin.Sweep.UseCases;

/// <summary>Recomputes margin for one work item of a sweep: reads each partition, evaluates, writes results, orders and receipts, publishes the orders and marks the work item done.</summary>
/// <remarks>
/// Idempotent per (sweep, work item). Per partition: skip it if the sweep's receipt is already there; else decide every
/// account from one read of the accounts and one of the margin partition, write the status changes to the history
/// (keyed, so a rewrite is harmless), then commit results, new orders and the receipt in as few transactions as the
/// store allows (an account's result and its order always together). A concurrent writer makes the commit fail; the
/// partition is then read and decided again. After the commit the new orders are published and marked sent; a publish
/// that fails leaves them in the outbox for <see cref="RelayOutbox"/>. The completion marker is written last. A crash at
/// any point and a retry leave no lost result and no second order: an order's id derives from (account, episode) and
/// the episode is stored with the result in the order's transaction.
/// <para>Telemetry (docs/observability.md): a <c>ProcessShard</c> span, the child of its sweep's StartSweep span through the
/// item's <see cref="WorkItem.TraceParent"/>; per committed partition <c>margin.accounts</c> and
/// <c>margin.orders.created</c> from its receipt (counted once, at its commit: a partition found already done by a retry
/// is not counted again); per work item <c>margin.workitem.duration</c> and <c>margin.workitem.throughput</c>.
/// <c>margin.sweep.duration</c> is not recorded here but by the StartSweep that follows the sweep, which reads the
/// completion markers anyway (see there): knowing here that this marker completed the sweep would cost every work item
/// a query of the markers.</para>
/// </remarks>
public sealed class ProcessShard
{
    private readonly IAccountStore _accounts;
    private readonly IMarginStore _margin;
    private readonly IMarginHistoryStore _history;
    private readonly ISweepStore _sweeps;
    private readonly IOrderPublisher _publisher;
    private readonly MarginModelCache _models;
    private readonly SweepOptions _options;
    private readonly TimeProvider _time;
    private readonly PlannerOptions _planner;

    /// <summary>Creates the use case.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public ProcessShard(IAccountStore accounts, IMarginStore margin, IMarginHistoryStore history, ISweepStore sweeps, IOrderPublisher publisher, MarginModelCache models, SweepOptions options, TimeProvider time)
    {
        _accounts = accounts ?? throw new ArgumentNullException(nameof(accounts));
        _margin = margin ?? throw new ArgumentNullException(nameof(margin));
        _history = history ?? throw new ArgumentNullException(nameof(history));
        _sweeps = sweeps ?? throw new ArgumentNullException(nameof(sweeps));
        _publisher = publisher ?? throw new ArgumentNullException(nameof(publisher));
        _models = models ?? throw new ArgumentNullException(nameof(models));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        if (options.Problems() is { Count: > 0 } problems)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }

        _planner = PlannerOptions.Create(options.PlannerFeeRate, options.PlannerMaxImpact, options.PlannerMaxOrderUsd, options.PlannerMinOrderUsd);
    }

    /// <summary>Processes a work item.</summary>
    /// <param name="item">The work item (valid: <see cref="WorkItem.Problems"/> empty; one of its sweep's ranges).</param>
    /// <param name="cancellationToken">Cancels between steps; a cancelled item is simply retried later.</param>
    /// <exception cref="ArgumentException">The item is invalid or does not match its stored sweep.</exception>
    /// <exception cref="InvalidOperationException">Its sweep, snapshot or parameters are not stored.</exception>
    public async Task<ShardOutcome> ExecuteAsync(WorkItem item, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (item.Problems() is { Count: > 0 } problems)
        {
            throw new ArgumentException($"work item of sweep {item.SweepId}: {string.Join("; ", problems)}", nameof(item));
        }

        using var activity = SweepTelemetry.StartProcessShard(item);
        activity?.SetTag(SweepTelemetry.SweepIdTag, item.SweepId)
            .SetTag(SweepTelemetry.SnapshotIdTag, item.SnapshotId)
            .SetTag(SweepTelemetry.ParamsVersionTag, item.ParamsVersion)
            .SetTag("margin.partition.from", item.PartitionFrom)
            .SetTag("margin.partition.to", item.PartitionTo);
        try
        {
            var outcome = await ProcessAsync(item, cancellationToken).ConfigureAwait(false);
            activity?.SetTag(SweepTelemetry.WorkItemTag, outcome.WorkItem)
                .SetTag(SweepTelemetry.AccountCountTag, outcome.Accounts)
                .SetTag(SweepTelemetry.OrderCountTag, outcome.Orders)
                .SetTag("margin.partition.already_done", outcome.PartitionsAlreadyDone)
                .SetTag("margin.orders.left_in_outbox", outcome.OrdersLeftInOutbox);
            return outcome;
        }
        catch (Exception ex)
        {
            SweepTelemetry.Fail(activity, ex);
            throw;
        }
    }

    private async Task<ShardOutcome> ProcessAsync(WorkItem item, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var sweep = await _sweeps.GetAsync(item.SweepId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"a work item names sweep {item.SweepId}, which is not stored");
        var workItem = StartSweep.NumberOf(sweep, item);
        if (!string.Equals(sweep.SnapshotId, item.SnapshotId, StringComparison.Ordinal) || !string.Equals(sweep.ParamsVersion, item.ParamsVersion, StringComparison.Ordinal))
        {
            throw new ArgumentException($"work item {workItem} of sweep {sweep.SweepId} names snapshot {item.SnapshotId} and parameters {item.ParamsVersion}; the sweep has {sweep.SnapshotId} and {sweep.ParamsVersion}", nameof(item));
        }

        if (sweep.PartitionCount != _accounts.PartitionCount)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"sweep {sweep.SweepId} was started over {sweep.PartitionCount} partitions; the accounts table now has {_accounts.PartitionCount} (repartitioned meanwhile): start a new sweep"));
        }

        var reason = sweep.NoLiquidation ? $"sweep {sweep.SweepId} runs in no-liquidation mode: snapshot {sweep.SnapshotId} was older than its maximum age when the sweep started" : null;
        var model = await _models.GetAsync(sweep.SnapshotId, sweep.ParamsVersion, reason, cancellationToken).ConfigureAwait(false);
        var age = _time.GetUtcNow() - model.Snapshot.AsOf;
        if (reason is null && age > _options.SnapshotMaxAge)
        {
            // Processed late (a backlog, a retry after the deadline): its prices are too old to liquidate on now.
            // One reason per sweep (it keys the model cache): late work items of a sweep share one model.
            reason = string.Create(CultureInfo.InvariantCulture, $"sweep {sweep.SweepId} processed after its snapshot {sweep.SnapshotId} passed the maximum age {_options.SnapshotMaxAge.TotalSeconds:0} s: no liquidation on it");
            model = await _models.GetAsync(sweep.SnapshotId, sweep.ParamsVersion, reason, cancellationToken).ConfigureAwait(false);
        }
        // Partitions are independent (each its own reads, transactions and receipt): overlap their storage round trips.
        var parts = new System.Collections.Concurrent.ConcurrentBag<ShardOutcome>();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.PartitionConcurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(item.PartitionFrom, item.PartitionTo - item.PartitionFrom + 1), parallel, async (partition, token) =>
        {
            var part = new ShardOutcome(sweep.SweepId, workItem);
            part.Add(await ProcessPartitionAsync(sweep, model, workItem, partition, part, token).ConfigureAwait(false));
            parts.Add(part);
        }).ConfigureAwait(false);
        var outcome = new ShardOutcome(sweep.SweepId, workItem);
        outcome.AddOther(1);
        foreach (var part in parts.OrderBy(p => p.Receipts[0].Partition))
        {
            outcome.Merge(part);
        }

        await _sweeps.MarkDoneAsync(sweep.SweepId, workItem, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        outcome.Elapsed = Stopwatch.GetElapsedTime(started);

        // Throughput over the accounts decided now: a redelivered item whose partitions were done already decided none.
        SweepTelemetry.RecordWorkItem(outcome.Elapsed, parts.Where(p => p.PartitionsAlreadyDone == 0).Sum(p => p.Accounts));
        return outcome;
    }

    private async Task<SweepReceipt> ProcessPartitionAsync(SweepRecord sweep, SweepModel model, int workItem, int partition, ShardOutcome outcome, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            var state = await _margin.ReadPartitionAsync(partition, sweep.SweepId, cancellationToken).ConfigureAwait(false);
            outcome.Reads++;
            if (state.Receipt is { } done)
            {
                outcome.PartitionsAlreadyDone++;
                await PublishAsync(OrdersOf(state, sweep.SweepId), outcome, cancellationToken).ConfigureAwait(false);
                return done;
            }

            var accounts = new List<StoredAccount>();
            await foreach (var stored in _accounts.ReadPartitionAsync(partition, cancellationToken).ConfigureAwait(false))
            {
                accounts.Add(stored);
            }

            outcome.Reads++;
            var decision = state.Watermark is { } mark && !string.Equals(mark.SweepId, sweep.SweepId, StringComparison.Ordinal) && !IsNewer(model.Snapshot.AsOf, sweep.SweepId, mark.SnapshotAsOf, mark.SweepId)
                ? Superseded(sweep, workItem, partition, state, accounts)
                : Decide(sweep, model, workItem, partition, state, accounts, cancellationToken);
            if (decision.Changes.Count > 0)
            {
                await _history.AppendAsync(decision.Changes, cancellationToken).ConfigureAwait(false);
                outcome.HistoryWrites += decision.Changes.Count;
            }

            try
            {
                outcome.Transactions += await _margin.CommitAsync(decision.Write, cancellationToken).ConfigureAwait(false);
            }
            catch (StoreConflictException) when (attempt < _options.MaxCommitAttempts)
            {
                // Another worker (a retry of this item, or an executor event) changed a row: read again and decide again.
                outcome.Conflicts++;
                continue;
            }

            // Counted at its commit, once: a retry finds the receipt and takes the already-done branch above.
            SweepTelemetry.RecordReceipt(decision.Write.Receipt!);

            // This decision's orders, and any an earlier crashed attempt of this sweep committed but did not send: published
            // at once after the commit (before the history housekeeping below), since a liquidation waits for it.
            var unsent = decision.NewOrders.Concat(OrdersOf(state, sweep.SweepId)).DistinctBy(o => o.OrderId, StringComparer.Ordinal).ToList();
            await PublishAsync(unsent, outcome, cancellationToken).ConfigureAwait(false);

            // Retention: an account with earlier history drops what is older than Sweep:HistoryRetention.
            var cutoff = _time.GetUtcNow() - _options.HistoryRetention;
            await Parallel.ForEachAsync(
                decision.Changes.Where(c => c.From is not null || state.Results.ContainsKey(c.AccountId)).Select(c => c.AccountId).Distinct(StringComparer.Ordinal),
                new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
                async (account, token) =>
                {
                    outcome.AddOther(1);
                    outcome.AddPruned(await _history.PruneAsync(account, cutoff, token).ConfigureAwait(false));
                }).ConfigureAwait(false);

            return decision.Write.Receipt!;
        }
    }

    // The orders this sweep put in a partition's outbox that a crash may have left unsent.
    private static List<StoredOrder> OrdersOf(MarginPartition state, string sweepId) =>
        [.. state.OpenOrders.Values.Where(o => !o.Sent && string.Equals(o.SweepId, sweepId, StringComparison.Ordinal))];

    private async Task PublishAsync(List<StoredOrder> orders, ShardOutcome outcome, CancellationToken cancellationToken = default)
    {
        if (orders.Count == 0)
        {
            return;
        }

        if (!_publisher.IsConfigured)
        {
            outcome.OrdersLeftInOutbox += orders.Count;
            return;
        }

        // An order an earlier crashed attempt left unsent may have passed its time to live since: it is not sent (the next
        // sweep expires it). A kill switch activated after the sweep started holds its orders in the outbox (RelayOutbox
        // sends them once lifted).
        var active = await _models.ActiveParametersAsync(cancellationToken).ConfigureAwait(false);
        var (sendable, _, held) = OutboxPublish.Select(orders, _time.GetUtcNow(), active);
        outcome.OrdersLeftInOutbox += held;
        if (sendable.Count == 0)
        {
            return;
        }

        var published = await OutboxPublish.ExecuteAsync(_publisher, _margin, _time, sendable, cancellationToken).ConfigureAwait(false);
        outcome.AddOther(published.Accepted);
        outcome.OrdersPublished += published.Marked;
        if (published.Failure is { } failure)
        {
            // The orders not accepted are safe in the outbox; RelayOutbox sends them. The work item itself succeeded.
            outcome.OrdersLeftInOutbox += published.NotAccepted;
            outcome.PublishFailures.Add(failure.Message);
        }
    }

    private PartitionDecision Decide(SweepRecord sweep, SweepModel model, int workItem, int partition, MarginPartition state, List<StoredAccount> accounts, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var results = new List<StoredResult>();
        var orders = new List<StoredOrder>();
        var newOrders = new List<StoredOrder>();
        var changes = new List<StatusChange>();
        var byStatus = new SortedDictionary<MarginStatus, int>();
        int written = 0, unchanged = 0, superseded = 0, failed = 0;
        foreach (var stored in accounts)
        {
            cancellationToken.ThrowIfCancellationRequested();
            state.Results.TryGetValue(stored.AccountId, out var previous);
            if (previous is not null && !IsNewer(model.Snapshot.AsOf, sweep.SweepId, previous))
            {
                // A newer sweep already wrote this account, or this sweep did before a crash: nothing to decide again.
                if (string.Equals(previous.SweepId, sweep.SweepId, StringComparison.Ordinal))
                {
                    written++;
                }
                else
                {
                    superseded++;
                }

                Count(byStatus, previous.Status);
                failed += previous.Status is null && string.Equals(previous.SweepId, sweep.SweepId, StringComparison.Ordinal) ? 1 : 0;
                continue;
            }

            // The open order of the account's current episode, closed here if its time to live has passed.
            StoredOrder? open = null;
            if (previous?.OpenOrderId is { } openId && state.OpenOrders.TryGetValue(openId, out var order))
            {
                if (order.IsOpenAt(now))
                {
                    open = order;
                }
                else if (!order.State.IsTerminal())
                {
                    orders.Add(order with { State = OrderState.Expired, UpdatedAt = now });
                }
            }

            var next = Evaluate(sweep, model, stored, previous, open, now, out var newOrder);
            if (newOrder is not null)
            {
                orders.Add(newOrder);
                newOrders.Add(newOrder);
            }

            if (next.Status is null)
            {
                failed++;
            }

            Count(byStatus, next.Status);
            if (previous is null || newOrder is not null || Changed(previous, next) || orders.Exists(o => string.Equals(o.AccountId, stored.AccountId, StringComparison.Ordinal)))
            {
                results.Add(next with { ConcurrencyToken = previous?.ConcurrencyToken });
                written++;
                // A change of status (or of failure), and a first result that is not Healthy; a new healthy account is not news.
                if (previous is null ? next.Status != MarginStatus.Healthy : previous.Status != next.Status || previous.Problem != next.Problem)
                {
                    changes.Add(new StatusChange(next.AccountId, model.Snapshot.AsOf, sweep.SweepId, sweep.SnapshotId, sweep.ParamsVersion, next.AccountVersion, previous?.Status, next.Status, next.Flags, next.MarginRatio, next.Problem ?? $"{next.ReasonRule}: {next.Reason}", newOrder?.OrderId));
                }
            }
            else
            {
                unchanged++;
            }
        }

        var receipt = new SweepReceipt(sweep.SweepId, partition, workItem, accounts.Count, written, unchanged, superseded, failed, newOrders.Count, byStatus.ToImmutableSortedDictionary(), now);
        var watermark = new PartitionWatermark(model.Snapshot.AsOf, sweep.SweepId, state.Watermark?.ConcurrencyToken);
        return new PartitionDecision(new MarginPartitionWrite(partition, results, orders, receipt, watermark), newOrders, changes);
    }

    // A newer sweep has finished the partition: this one writes nothing but its receipt (every account superseded), even
    // where the newer sweep left a result unchanged and so never restamped it.
    private PartitionDecision Superseded(SweepRecord sweep, int workItem, int partition, MarginPartition state, List<StoredAccount> accounts)
    {
        var byStatus = new SortedDictionary<MarginStatus, int>();
        foreach (var account in accounts)
        {
            Count(byStatus, state.Results.GetValueOrDefault(account.AccountId)?.Status);
        }

        var receipt = new SweepReceipt(sweep.SweepId, partition, workItem, accounts.Count, 0, 0, accounts.Count, 0, 0, byStatus.ToImmutableSortedDictionary(), _time.GetUtcNow());
        return new PartitionDecision(new MarginPartitionWrite(partition, [], [], receipt), [], []);
    }

    private StoredResult Evaluate(SweepRecord sweep, SweepModel model, StoredAccount stored, StoredResult? previous, StoredOrder? open, DateTimeOffset now, out StoredOrder? newOrder)
    {
        newOrder = null;
        var baseline = new StoredResult
        {
            AccountId = stored.AccountId,
            AccountVersion = stored.Account?.Version ?? previous?.AccountVersion ?? 0,
            SweepId = sweep.SweepId,
            SnapshotId = sweep.SnapshotId,
            SnapshotAsOf = model.Snapshot.AsOf,
            ParamsVersion = sweep.ParamsVersion,
            EvaluatedAt = now,
            Episode = previous?.Episode ?? 0,
            OpenOrderId = open?.OrderId,
            AwaitingLedgerVersion = previous?.AwaitingLedgerVersion,
        };
        if (stored.Account is not { } account)
        {
            return baseline with { Problem = $"account {stored.AccountId} cannot be read: {stored.Problem}" };
        }

        // Fills of a closed order not yet booked by the ledger: no new episode until the account's version moves past it.
        var awaiting = previous?.AwaitingLedgerVersion is { } booked && account.Version <= booked ? booked : (long?)null;
        MarginResult result;
        var context = new EvaluationContext(LiquidationInFlight: open is not null || awaiting is not null);
        try
        {
            result = model.Model.Evaluate(account, context);
        }
        catch (InvalidAccountException ex)
        {
            return baseline with { Problem = ex.Field is { Length: > 0 } field ? $"{field}: {ex.Problem}" : ex.Problem };
        }
        catch (ArithmeticException ex)
        {
            return baseline with { Problem = $"the evaluation overflowed: {ex.Message}" };
        }

        var s = result.Summary;
        var next = baseline with
        {
            Status = s.Status,
            Flags = s.Flags,
            MarginRatio = s.MarginRatio,
            InitialRatio = s.InitialRatio,
            ProjectedRatio = s.ProjectedRatio,
            Equity = s.Equity.Amount,
            AdjustedEquityMaintenance = s.AdjustedEquityMaintenance.Amount,
            MaintenanceRequirement = s.MaintenanceRequirement.Amount,
            InitialRequirement = s.InitialRequirement.Amount,
            ReasonRule = result.Reason.Rule,
            Reason = awaiting is { } v ? $"{result.Reason.Message}; waiting for the ledger to book the fills of the last order (account version {account.Version}, planned on {v})" : result.Reason.Message,
            AwaitingLedgerVersion = awaiting,
        };
        if (!s.ShouldLiquidate)
        {
            return next;
        }

        LiquidationPlan plan;
        try
        {
            plan = LiquidationPlanner.Plan(model.Model, account, result, _planner, context);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or ArithmeticException)
        {
            return next with { Reason = $"{next.Reason}; no liquidation plan: {ex.Message}" };
        }

        if (plan.Legs.IsEmpty)
        {
            return next with { Reason = $"{next.Reason}; the plan has no order ({plan.Outcome}{(plan.Reason is null ? string.Empty : ": " + plan.Reason)})" };
        }

        var episode = next.Episode + 1;
        var orderId = OrderIds.For(account.Id, episode);
        var expires = now + _options.OrderTimeToLive;
        var body = LiquidationOrderJson.Write(ToMessage(sweep, plan, result, orderId, episode, now, expires));
        newOrder = new StoredOrder(orderId, account.Id, episode, sweep.SweepId, OrderState.Open, Sent: false, now, expires, SentAt: null, now, body);
        return next with
        {
            Episode = episode,
            OpenOrderId = orderId,
            Flags = next.Flags | MarginFlags.LiquidationInFlight,
        };
    }

    private static LiquidationOrder ToMessage(SweepRecord sweep, LiquidationPlan plan, MarginResult result, string orderId, int episode, DateTimeOffset now, DateTimeOffset expires) => new(
        LiquidationOrder.SchemaVersion,
        orderId,
        plan.AccountId,
        episode,
        sweep.SweepId,
        sweep.SnapshotId,
        sweep.ParamsVersion,
        plan.AccountVersion,
        result.Status.ToString(),
        plan.Outcome.ToString(),
        now,
        expires,
        plan.SettlementAsset.Symbol,
        Text(plan.TargetRatio),
        result.Summary.MarginRatio.ToString("R", CultureInfo.InvariantCulture),
        Text(plan.TotalCost.Amount),
        Text(plan.Shortfall.Amount),
        plan.InsuranceFund,
        [.. plan.Legs.Select(l => new LiquidationOrderLeg(l.Kind.ToString(), l.Target, l.Side.ToString(), Text(l.Quantity), Text(l.LimitPrice), Text(l.ReferencePrice), Text(l.Value.Amount), Text(l.Cost.Amount)))]);

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Whether a result of (asOf, sweepId) is newer than the stored one: a later snapshot, or the same snapshot and a later sweep (ordinal).</summary>
    internal static bool IsNewer(DateTimeOffset asOf, string sweepId, StoredResult stored) => IsNewer(asOf, sweepId, stored.SnapshotAsOf, stored.SweepId);

    internal static bool IsNewer(DateTimeOffset asOf, string sweepId, DateTimeOffset storedAsOf, string storedSweepId) =>
        asOf > storedAsOf || (asOf == storedAsOf && string.CompareOrdinal(sweepId, storedSweepId) > 0);

    private bool Changed(StoredResult previous, StoredResult next) =>
        previous.Status != next.Status
        || previous.Flags != next.Flags
        || !string.Equals(previous.Problem, next.Problem, StringComparison.Ordinal)
        || !string.Equals(previous.OpenOrderId, next.OpenOrderId, StringComparison.Ordinal)
        || previous.AwaitingLedgerVersion != next.AwaitingLedgerVersion
        || previous.Episode != next.Episode
        || RatioMoved(previous.MarginRatio, next.MarginRatio);

    private bool RatioMoved(double before, double after) =>
        double.IsInfinity(before) || double.IsInfinity(after) ? before != after : Math.Abs(after - before) > _options.RatioChangeThreshold;

    private static void Count(SortedDictionary<MarginStatus, int> byStatus, MarginStatus? status)
    {
        if (status is { } s)
        {
            byStatus[s] = byStatus.GetValueOrDefault(s) + 1;
        }
    }

    private sealed record PartitionDecision(MarginPartitionWrite Write, IReadOnlyList<StoredOrder> NewOrders, IReadOnlyList<StatusChange> Changes);
}
