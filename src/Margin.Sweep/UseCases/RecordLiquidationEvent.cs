using Margin.Engine.Results;
using Margin.Sweep.Options;
using Margin.Sweep.Orders;
using Margin.Sweep.Ports;
using Margin.Sweep.Telemetry;

namespace Margin.Sweep.UseCases;

/// <summary>Applies an executor's report to its order and the account's flag (Service Bus trigger on <c>liquidation-events</c>).</summary>
/// <remarks>
/// States only move forward: Open -> Accepted -> PartiallyFilled -> a terminal state (Filled, Failed, Expired); a
/// report that would move backwards, repeat a state, or touch a closed order changes nothing (redeliveries are harmless),
/// except a report of work on an order a sweep expired untaken: that is recorded (<see cref="EventOutcome.LateReport"/>).
/// Accepted and PartiallyFilled renew the order's time to live from the report's time. A terminal report closes the
/// order and, in the same transaction, clears the account's <c>LiquidationInFlight</c> and open order, so the next sweep
/// may start a new episode if the account is still liquidatable.
/// Telemetry: a <c>RecordLiquidationEvent</c> span with the order id, the reported state and the outcome.
/// </remarks>
public sealed class RecordLiquidationEvent
{
    private readonly IMarginStore _margin;
    private readonly SweepOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Creates the use case.</summary>
    public RecordLiquidationEvent(IMarginStore margin, SweepOptions options, TimeProvider time)
    {
        _margin = margin ?? throw new ArgumentNullException(nameof(margin));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? throw new ArgumentNullException(nameof(time));
    }

    /// <summary>Applies an event.</summary>
    /// <param name="e">The event (valid: <see cref="LiquidationEvent.Problems"/> empty).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="ArgumentException">The event is invalid.</exception>
    public async Task<EventOutcome> ExecuteAsync(LiquidationEvent e, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.Problems() is { Count: > 0 } problems)
        {
            throw new ArgumentException($"liquidation event for order {e.OrderId}: {string.Join("; ", problems)}", nameof(e));
        }

        using var activity = SweepTelemetry.ActivitySource.StartActivity(SweepTelemetry.RecordLiquidationEventSpan);
        activity?.SetTag(SweepTelemetry.OrderIdTag, e.OrderId).SetTag(SweepTelemetry.OrderStateTag, e.State.ToString());
        try
        {
            var outcome = await ApplyAsync(e, cancellationToken).ConfigureAwait(false);
            activity?.SetTag("margin.event.outcome", outcome.ToString());
            return outcome;
        }
        catch (Exception ex)
        {
            SweepTelemetry.Fail(activity, ex);
            throw;
        }
    }

    private async Task<EventOutcome> ApplyAsync(LiquidationEvent e, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (result, orders) = await _margin.ReadAccountAsync(e.AccountId, cancellationToken).ConfigureAwait(false);
            var order = orders.FirstOrDefault(o => string.Equals(o.OrderId, e.OrderId, StringComparison.Ordinal));
            if (order is null)
            {
                return EventOutcome.UnknownOrder;
            }

            var now = _time.GetUtcNow();
            var fills = e.State is OrderState.PartiallyFilled or OrderState.Filled || !e.FilledLegs.IsDefaultOrEmpty;
            if (order.State == OrderState.Expired && e.State != OrderState.Expired && (e.State is OrderState.Accepted or OrderState.PartiallyFilled or OrderState.Filled || fills))
            {
                // An executor took an order a sweep had already expired (untaken past its time to live): money may have
                // moved. Record the report on the order. If the account is still on that episode, the order is open
                // again (in flight). With fills, new episodes wait until the ledger books them.
                var late = order with
                {
                    State = e.State,
                    UpdatedAt = now,
                    ExpiresAt = e.State.IsTerminal() ? order.ExpiresAt : Max(order.ExpiresAt, e.At + _options.OrderTimeToLive),
                };
                var results0 = new List<Results.StoredResult>();
                if (result is not null)
                {
                    var reopened = result;
                    if (!e.State.IsTerminal() && result.Episode == order.Episode && result.OpenOrderId is null)
                    {
                        reopened = reopened with { OpenOrderId = order.OrderId, Flags = reopened.Flags | MarginFlags.LiquidationInFlight };
                    }

                    if (fills && LiquidationOrderJson.Read(order.Body)?.AccountVersion is { } plannedOn)
                    {
                        reopened = reopened with { AwaitingLedgerVersion = Math.Max(plannedOn, reopened.AwaitingLedgerVersion ?? long.MinValue) };
                    }

                    if (reopened != result)
                    {
                        results0.Add(reopened);
                    }
                }

                try
                {
                    await _margin.CommitAsync(new MarginPartitionWrite(_margin.PartitionOf(e.AccountId), results0, [late], Receipt: null), cancellationToken).ConfigureAwait(false);
                    return EventOutcome.LateReport;
                }
                catch (StoreConflictException) when (attempt < _options.MaxCommitAttempts)
                {
                    continue;
                }
            }

            if (order.State == OrderState.Failed && fills && result is not null && LiquidationOrderJson.Read(order.Body)?.AccountVersion is { } failedOn &&
                (result.AwaitingLedgerVersion ?? long.MinValue) < failedOn)
            {
                // A report with fills that arrives after the order's failure (reports overtaking each other): money moved,
                // though the failure said nothing of it. The order stays failed; new episodes wait until the ledger books it.
                try
                {
                    await _margin.CommitAsync(new MarginPartitionWrite(_margin.PartitionOf(e.AccountId), [result with { AwaitingLedgerVersion = failedOn }], [], Receipt: null), cancellationToken).ConfigureAwait(false);
                    return EventOutcome.LateReport;
                }
                catch (StoreConflictException) when (attempt < _options.MaxCommitAttempts)
                {
                    continue;
                }
            }

            if (order.State.IsTerminal() || e.State <= order.State)
            {
                return EventOutcome.Ignored;
            }

            var updated = order with
            {
                State = e.State,
                UpdatedAt = now,
                ExpiresAt = e.State.IsTerminal() ? order.ExpiresAt : Max(order.ExpiresAt, e.At + _options.OrderTimeToLive),
            };
            var results = new List<Results.StoredResult>();
            if (e.State.IsTerminal() && result is not null && string.Equals(result.OpenOrderId, order.OrderId, StringComparison.Ordinal))
            {
                // Fills (a Filled report, an earlier partial fill, or filled legs on a failure) must reach the ledger before
                // the account is planned again: hold new episodes until its version passes the one the order was planned on.
                var filled = e.State == OrderState.Filled || order.State == OrderState.PartiallyFilled || !e.FilledLegs.IsDefaultOrEmpty;
                var plannedOn = filled ? LiquidationOrderJson.Read(order.Body)?.AccountVersion : null;
                results.Add(result with { OpenOrderId = null, Flags = result.Flags & ~MarginFlags.LiquidationInFlight, AwaitingLedgerVersion = plannedOn ?? result.AwaitingLedgerVersion });
            }

            try
            {
                await _margin.CommitAsync(new MarginPartitionWrite(_margin.PartitionOf(e.AccountId), results, [updated], Receipt: null), cancellationToken).ConfigureAwait(false);
                return e.State.IsTerminal() ? EventOutcome.Closed : EventOutcome.Applied;
            }
            catch (StoreConflictException) when (attempt < _options.MaxCommitAttempts)
            {
                // A sweep or another report changed the order or the result: read again.
            }
        }
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}

/// <summary>What applying an executor event did.</summary>
public enum EventOutcome
{
    /// <summary>The order moved to a non-terminal state (accepted, partially filled); its time to live was renewed.</summary>
    Applied,

    /// <summary>The order closed (filled, failed, expired) and the account's flag was cleared.</summary>
    Closed,

    /// <summary>A repeated, backward or late report: nothing changed.</summary>
    Ignored,

    /// <summary>No such order for that account.</summary>
    UnknownOrder,

    /// <summary>A report of work on an order a sweep had already expired (untaken past its time to live): recorded on the order; the order is open again if the account is still on its episode; with fills, new episodes wait for the ledger. Also a report with fills that arrives after the order's failure: the order stays failed, new episodes wait for the ledger.</summary>
    LateReport,
}
