using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Margin.Sweep.Ports;
using Margin.Sweep.Telemetry;

namespace Margin.Sweep.UseCases;

/// <summary>Publishes outbox orders a crash or a broker outage left unsent (timer).</summary>
/// <remarks>
/// Reads every open, unsent order, publishes them in batches and marks each sent after the broker accepted it. Running it
/// twice, or beside a ProcessShard publishing the same orders, sends an order at most a few times, and the broker's
/// duplicate detection on the order id keeps one. Orders past their time to live are not sent: the next sweep expires
/// them. Orders touching an asset paused by the parameters active now (or all orders, under the global kill switch) are
/// held back until the switch is lifted. With no broker configured it only counts them.
/// Telemetry: a <c>RelayOutbox</c> span (each batch a <c>PublishOrders</c> child) and the gauge <c>margin.outbox.backlog</c>,
/// the open unsent orders it found to send (before sending them: a backlog that persists from run to run is the broker's
/// or the publisher's trouble; held and expired orders are tags of the span, not backlog).
/// </remarks>
public sealed class RelayOutbox
{
    private const int BatchSize = 100;

    private readonly IMarginStore _margin;
    private readonly IOrderPublisher _publisher;
    private readonly TimeProvider _time;
    private readonly MarginModelCache _models;

    /// <summary>Creates the use case.</summary>
    public RelayOutbox(IMarginStore margin, IOrderPublisher publisher, MarginModelCache models, TimeProvider time)
    {
        _models = models ?? throw new ArgumentNullException(nameof(models));
        _margin = margin ?? throw new ArgumentNullException(nameof(margin));
        _publisher = publisher ?? throw new ArgumentNullException(nameof(publisher));
        _time = time ?? throw new ArgumentNullException(nameof(time));
    }

    /// <summary>Relays the outbox.</summary>
    /// <param name="cancellationToken">Cancels between batches.</param>
    /// <exception cref="Exception">The broker could not be reached: the orders not yet marked stay in the outbox and the timer retries. (A refusal of some orders does not throw: see <see cref="RelayOutcome.NotAccepted"/>.)</exception>
    public async Task<RelayOutcome> ExecuteAsync(CancellationToken cancellationToken = default)
    {
        using var activity = SweepTelemetry.ActivitySource.StartActivity(SweepTelemetry.RelayOutboxSpan);
        try
        {
            var outcome = await RelayAsync(activity, cancellationToken).ConfigureAwait(false);
            activity?.SetTag("margin.orders.sent", outcome.Sent).SetTag("margin.orders.not_accepted", outcome.NotAccepted);
            return outcome;
        }
        catch (Exception ex)
        {
            SweepTelemetry.Fail(activity, ex);
            throw;
        }
    }

    private async Task<RelayOutcome> RelayAsync(Activity? activity, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        var active = await _models.ActiveParametersAsync(cancellationToken).ConfigureAwait(false);
        var (pending, expired, held) = OutboxPublish.Select(await _margin.ReadOrdersAsync(unsentOnly: true, cancellationToken).ToListAsync(cancellationToken).ConfigureAwait(false), now, active);
        SweepTelemetry.RecordOutboxBacklog(pending.Count);
        activity?.SetTag("margin.orders.pending", pending.Count)
            .SetTag("margin.orders.held", held)
            .SetTag("margin.orders.expired", expired)
            .SetTag("margin.broker.configured", _publisher.IsConfigured);
        if (!_publisher.IsConfigured)
        {
            return new RelayOutcome(pending.Count, 0, expired, Configured: false) { Held = held };
        }

        var sent = 0;
        var notAccepted = 0;
        string? firstRefusal = null;
        foreach (var batch in pending.Chunk(BatchSize))
        {
            var published = await OutboxPublish.ExecuteAsync(_publisher, _margin, _time, batch, cancellationToken).ConfigureAwait(false);
            sent += published.Marked;
            if (published.Failure is { } failure)
            {
                if (published.BrokerUnavailable)
                {
                    // The broker cannot be reached: the rest would fail too. What was accepted is marked; the timer retries.
                    ExceptionDispatchInfo.Throw(failure);
                }

                // The broker refused some orders of the batch (too large, rejected): the others are marked sent and the relay
                // goes on, so one bad order never holds back the rest of the outbox. The refused ones stay unsent.
                notAccepted += published.NotAccepted;
                firstRefusal ??= failure.Message;
            }
        }

        return new RelayOutcome(pending.Count, sent, expired, Configured: true) { Held = held, NotAccepted = notAccepted, FirstRefusal = firstRefusal };
    }
}

/// <summary>What a relay did.</summary>
/// <param name="Pending">Open unsent orders found.</param>
/// <param name="Sent">Orders published and marked sent.</param>
/// <param name="Expired">Unsent orders past their time to live (left for the next sweep to expire).</param>
/// <param name="Configured">Whether a broker is configured (when not, every pending order stays in the outbox).</param>
public sealed record RelayOutcome(int Pending, int Sent, int Expired, bool Configured)
{
    /// <summary>Open unsent orders held back by a kill switch of the parameters active now (sent once it is lifted, if still within their time to live).</summary>
    public int Held { get; init; }

    /// <summary>Orders the broker refused (each named in <see cref="FirstRefusal"/> or later errors): they stay unsent, and the relay went on with the others.</summary>
    public int NotAccepted { get; init; }

    /// <summary>The broker's first refusal, or null.</summary>
    public string? FirstRefusal { get; init; }
}
