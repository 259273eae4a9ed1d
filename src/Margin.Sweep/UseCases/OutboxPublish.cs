using System.Diagnostics;
using Margin.Engine.Parameters;
using Margin.Sweep.Orders;
using Margin.Sweep.Ports;
using Margin.Sweep.Telemetry;

namespace Margin.Sweep.UseCases;

/// <summary>Publishes outbox orders and marks sent exactly those the broker accepted (ProcessShard after its commit, RelayOutbox).</summary>
internal static class OutboxPublish
{
    /// <summary>Sorts unsent orders into those to send now, those past their time to live (never sent: the next sweep expires them) and those a kill switch of the active parameters holds back (sent once it is lifted).</summary>
    public static OutboxSelection Select(IEnumerable<StoredOrder> orders, DateTimeOffset now, RiskParameters? active)
    {
        var sendable = new List<StoredOrder>();
        var expired = 0;
        var held = 0;
        foreach (var order in orders)
        {
            if (!order.IsOpenAt(now))
            {
                expired++;
            }
            else if (OrderGate.HoldReason(order, active) is not null)
            {
                held++;
            }
            else
            {
                sendable.Add(order);
            }
        }

        return new OutboxSelection(sendable, expired, held);
    }

    /// <summary>Publishes <paramref name="orders"/> and marks the accepted ones sent.</summary>
    /// <remarks>
    /// When the publisher's failure names the orders it did not accept (<see cref="IOrderPublishFailure"/>), the others of the
    /// call were accepted and are marked sent, so one order the broker refuses (too large, rejected) does not keep the rest
    /// in the outbox to be sent again. Any other failure marks nothing. Nothing is ever marked before the broker's accept.
    /// Telemetry: a <c>PublishOrders</c> span (a child of the caller's), <c>margin.orders.published</c> for the orders the
    /// broker accepted and <c>margin.orders.publish_failures</c> for those it left unsent.
    /// </remarks>
    public static async Task<OutboxPublishResult> ExecuteAsync(IOrderPublisher publisher, IMarginStore margin, TimeProvider time, IReadOnlyList<StoredOrder> orders, CancellationToken cancellationToken)
    {
        using var activity = SweepTelemetry.ActivitySource.StartActivity(SweepTelemetry.PublishOrdersSpan, ActivityKind.Producer);
        activity?.SetTag(SweepTelemetry.OrderCountTag, orders.Count);
        Exception? failure = null;
        IReadOnlyCollection<StoredOrder> accepted = orders;
        try
        {
            await publisher.PublishAsync(orders, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            failure = ex;
            accepted = ex is IOrderPublishFailure { OrderIds.Count: > 0 } known
                ? orders.Where(o => !known.OrderIds.Contains(o.OrderId, StringComparer.Ordinal)).ToList()
                : [];
            SweepTelemetry.Fail(activity, ex);
        }
        catch (OperationCanceledException ex)
        {
            // Cancelled by the caller: nothing is known to be accepted; the exception goes on as before.
            SweepTelemetry.Fail(activity, ex);
            throw;
        }

        SweepTelemetry.RecordPublish(accepted.Count, orders.Count - accepted.Count);
        activity?.SetTag("margin.order.accepted", accepted.Count);

        var marked = 0;
        foreach (var order in accepted)
        {
            if (await margin.MarkSentAsync(order, time.GetUtcNow(), cancellationToken).ConfigureAwait(false))
            {
                marked++;
            }
        }

        return new OutboxPublishResult(accepted.Count, marked, orders.Count - accepted.Count, failure);
    }
}

/// <summary>What <see cref="OutboxPublish"/> did.</summary>
/// <param name="Accepted">Orders the broker accepted (each had a mark-sent call).</param>
/// <param name="Marked">Of those, the ones this call marked sent (false when another worker had marked or changed it).</param>
/// <param name="NotAccepted">Orders left unsent in the outbox.</param>
/// <param name="Failure">The publisher's failure, or null.</param>
internal sealed record OutboxPublishResult(int Accepted, int Marked, int NotAccepted, Exception? Failure)
{
    /// <summary>Whether the failure says the broker is unreachable (further publishes now would fail too).</summary>
    public bool BrokerUnavailable => Failure is not null && Failure is not IOrderPublishFailure { BrokerUnavailable: false, OrderIds.Count: > 0 };
}

/// <summary>Unsent orders sorted by <see cref="OutboxPublish.Select"/>.</summary>
/// <param name="Sendable">Open orders no kill switch holds.</param>
/// <param name="Expired">Orders past their time to live.</param>
/// <param name="Held">Open orders a kill switch holds back.</param>
internal sealed record OutboxSelection(List<StoredOrder> Sendable, int Expired, int Held);
