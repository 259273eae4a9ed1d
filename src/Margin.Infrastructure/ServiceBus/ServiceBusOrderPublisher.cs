using System.Globalization;
using Amqp;
using Amqp.Framing;
using Margin.Sweep.Orders;
using Margin.Sweep.Ports;

namespace Margin.Infrastructure.ServiceBus;

/// <summary>Publishes outbox orders to the orders queue; returns only when the broker accepted every one.</summary>
/// <remarks>
/// <para>Two modes (<see cref="ServiceBusOptions.Batching"/>, default on with CBS): pipelined, one transfer per order with up to
/// <see cref="ServiceBusOptions.MaxInFlight"/> awaiting the broker's disposition; batched, orders packed into transfers of message
/// format <c>0x80013700</c> under <see cref="ServiceBusOptions.MaxBatchBytes"/> (Service Bus unpacks them into separate messages).</para>
/// <para>Every transfer must come back Accepted. Rejected, Released or Modified, or no disposition within
/// <see cref="ServiceBusOptions.SendTimeout"/>, fails the call with a <see cref="ServiceBusPublishException"/> naming the orders and the
/// broker's error; the caller leaves every order of the call in the outbox and RelayOutbox sends them again.</para>
/// <para>When the connection or the link is lost during a call, the whole call is retried once on a fresh connection (after the
/// reconnect backoff). Orders the broker may already have accepted are then sent again with the same message-id, which Service
/// Bus's duplicate detection drops; on a broker without duplicate detection they arrive twice, which the consumers' contract
/// (at-least-once, idempotent on order id) allows. A second loss fails the call.</para>
/// <para>An order that alone exceeds <see cref="ServiceBusOptions.MaxBatchBytes"/> in batched mode is not sent; the others are, and the
/// call then fails naming it.</para>
/// </remarks>
public sealed class ServiceBusOrderPublisher : IOrderPublisher, IAsyncDisposable
{
    // Room for the header, properties, application properties and annotations around the body: a body this far under the
    // limit cannot make the encoded message exceed it, so only larger ones are encoded to measure (about 7 us each).
    private const int PropertiesAllowance = 4096;

    private readonly ServiceBusConnection _connection;
    private readonly TimeProvider _time;
    private readonly ServiceBusOptions _options;
    private long _messages;
    private long _transfers;
    private long _retries;

    /// <summary>Creates the publisher on a shared connection.</summary>
    /// <param name="connection">The process's connection (not owned: disposing the publisher leaves it open).</param>
    /// <param name="time">The clock for time to live and send timeouts.</param>
    public ServiceBusOrderPublisher(ServiceBusConnection connection, TimeProvider time)
    {
        _connection = connection ?? throw new ArgumentNullException(nameof(connection));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _options = connection.Options;
        Batching = _options.Batching ?? _options.UseCbs;
    }

    /// <inheritdoc/>
    public bool IsConfigured => true;

    /// <summary>Whether orders are sent in batched transfers.</summary>
    public bool Batching { get; }

    /// <summary>How many orders the broker accepted.</summary>
    public long AcceptedMessages => Interlocked.Read(ref _messages);

    /// <summary>How many transfers were accepted (equal to <see cref="AcceptedMessages"/> when pipelined; fewer when batched).</summary>
    public long AcceptedTransfers => Interlocked.Read(ref _transfers);

    /// <summary>How many calls were retried after a connection or link loss.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <inheritdoc/>
    public async Task PublishAsync(IReadOnlyList<StoredOrder> orders, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(orders);
        if (orders.Count == 0)
        {
            return;
        }

        try
        {
            await PublishOnceAsync(orders, cancellationToken).ConfigureAwait(false);
        }
        catch (ServiceBusException e) when (e.IsConnectionLoss && !cancellationToken.IsCancellationRequested)
        {
            Interlocked.Increment(ref _retries);
            await PublishOnceAsync(orders, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task PublishOnceAsync(IReadOnlyList<StoredOrder> orders, CancellationToken cancellationToken)
    {
        // The sender first: its attach tells the largest message the namespace takes, which bounds a batch.
        var sender = await _connection.GetSenderAsync(_options.OrdersQueue, cancellationToken).ConfigureAwait(false);
        var limit = sender.BatchLimit(_options.MaxBatchBytes);
        var now = _time.GetUtcNow();
        var messages = new Message[orders.Count];
        for (var i = 0; i < orders.Count; i++)
        {
            messages[i] = OrderMessages.ToAmqp(orders[i], now);
        }

        IReadOnlyList<(StoredOrder Order, int Bytes)> oversize = [];
        List<(IReadOnlyList<StoredOrder> Orders, Message Message)> transfers;
        if (Batching)
        {
            var batches = OrderBatches.Split(orders, messages, limit, out oversize);
            transfers = batches.Select(b => (b.Orders, b.Envelope)).ToList();
        }
        else
        {
            // One message per transfer: an order the namespace cannot take on its own is not sent (Service Bus would detach
            // the link with message-size-exceeded, which would look like a connection loss and stall every relay). Only a
            // message whose body comes near the limit is encoded to measure it exactly.
            var tooLarge = new List<(StoredOrder Order, int Bytes)>();
            transfers = new List<(IReadOnlyList<StoredOrder> Orders, Message Message)>(orders.Count);
            for (var i = 0; i < orders.Count; i++)
            {
                if (System.Text.Encoding.UTF8.GetMaxByteCount(orders[i].Body.Length) + PropertiesAllowance > limit && OrderMessages.Encode(messages[i]).Length is var bytes && bytes > limit)
                {
                    tooLarge.Add((orders[i], bytes));
                }
                else
                {
                    transfers.Add(([orders[i]], messages[i]));
                }
            }

            oversize = tooLarge;
        }

        // Orders too large on their own are failures of this call from the start, so that every exception it throws names
        // them: an order not named would be taken as accepted and marked sent.
        var notSent = oversize.Select(o => ((IReadOnlyList<StoredOrder>)[o.Order], string.Create(CultureInfo.InvariantCulture, $"{o.Bytes} bytes on its own exceed the limit of {limit} bytes (ServiceBus:MaxBatchBytes={_options.MaxBatchBytes}, the namespace's max-message-size {sender.MaxMessageSize}); it stays in the outbox: raise the limit on a premium namespace or shrink the order"))).ToList();
        await SendAllAsync(sender, transfers, notSent, orders.Count, cancellationToken).ConfigureAwait(false);
    }

    private async Task SendAllAsync(ServiceBusConnection.Sender sender, List<(IReadOnlyList<StoredOrder> Orders, Message Message)> transfers, List<(IReadOnlyList<StoredOrder> Orders, string Reason)> notSent, int total, CancellationToken cancellationToken)
    {
        var link = sender.Link;
        var pending = new Task<Outcome?>[transfers.Count];
        var failures = new List<(IReadOnlyList<StoredOrder> Orders, string Reason)>(notSent);
        var unresponsive = false;
        var window = _options.MaxInFlight;
        var settled = 0;
        var sent = 0;

        // Stalled: a disposition did not come within SendTimeout, or the link closed. Nothing more is sent, and what is still
        // outstanding is not waited for SendTimeout each: the call fails at once with every unconfirmed order.
        string? stalled = null;
        for (; sent < transfers.Count && stalled is null; sent++)
        {
            while (sent - settled >= window && stalled is null)
            {
                stalled = await SettleAsync(settled++).ConfigureAwait(false);
            }

            if (stalled is not null)
            {
                break;
            }

            var outcome = new TaskCompletionSource<Outcome?>(TaskCreationOptions.RunContinuationsAsynchronously);
            pending[sent] = outcome.Task;
            try
            {
                link.Send(transfers[sent].Message, static (_, _, o, state) => ((TaskCompletionSource<Outcome?>)state!).TrySetResult(o), outcome);
            }
            catch (Exception e) when (e is AmqpException or ObjectDisposedException or InvalidOperationException)
            {
                outcome.TrySetResult(null);
                stalled = $"the sender link closed: {(e is AmqpException a ? ServiceBusConnection.Describe(a.Error) : e.Message)}";
            }
        }

        while (settled < sent)
        {
            var reason = await SettleAsync(settled++).ConfigureAwait(false);
            stalled ??= reason;
        }

        for (var i = sent; i < transfers.Count; i++)
        {
            failures.Add((transfers[i].Orders, $"not sent: {stalled}"));
        }

        if (failures.Count > 0)
        {
            var ids = failures.SelectMany(f => f.Orders).Select(o => o.OrderId).ToArray();
            var first = failures[0];
            var message = string.Create(CultureInfo.InvariantCulture,
                $"Service Bus namespace '{_connection.Namespace}', queue '{_options.OrdersQueue}' did not accept {ids.Length} of {total} orders ({failures.Count} transfer(s) or order(s)); they stay in the outbox for RelayOutbox. First: order(s) {string.Join(", ", first.Orders.Take(5).Select(o => o.OrderId))}{(first.Orders.Count > 5 ? ", ..." : string.Empty)}: {first.Reason}");
            throw new ServiceBusPublishException(message, ids) { IsConnectionLoss = !sender.IsUsable, BrokerUnresponsive = unresponsive || stalled is not null };
        }

        // Returns why sending must stop (a timeout or a closed link), or null.
        async Task<string?> SettleAsync(int index)
        {
            var task = pending[index];
            if (!task.IsCompleted)
            {
                var wait = stalled is null ? _options.SendTimeout : TimeSpan.Zero;
                using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var first = await Task.WhenAny(task, sender.Closed, Task.Delay(wait, _time, timer.Token)).ConfigureAwait(false);
                await timer.CancelAsync().ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                if (!task.IsCompleted)
                {
                    var why = first == sender.Closed
                        ? $"the sender link closed before the broker's disposition: {ServiceBusConnection.Describe(sender.Closed.Result)}"
                        : stalled is null ? $"no disposition within {_options.SendTimeout} (SendTimeout)" : $"no disposition: {stalled}";
                    failures.Add((transfers[index].Orders, why));
                    return why;
                }
            }

            var outcome = await task.ConfigureAwait(false);
            if (outcome is Accepted)
            {
                Interlocked.Add(ref _messages, transfers[index].Orders.Count);
                Interlocked.Increment(ref _transfers);
                return null;
            }

            // AMQPNetLite settles outstanding deliveries as Rejected with the close error when the link or connection closes.
            var reason = !sender.IsUsable ? $"the link or connection closed before the broker accepted ({Describe(outcome)})" : Describe(outcome);
            unresponsive |= IsThrottling(outcome);
            failures.Add((transfers[index].Orders, reason));
            return outcome is null || !sender.IsUsable ? reason : null;
        }
    }

    // A refusal that says nothing about these orders but that the namespace is busy (released, server-busy, quota, timeout):
    // sending the next orders now would fail the same way.
    private static bool IsThrottling(Outcome? outcome) => outcome switch
    {
        Released => true,
        Modified => true,
        Rejected { Error.Condition: var condition } => condition.ToString() is "com.microsoft:server-busy" or "amqp:resource-limit-exceeded" or "com.microsoft:timeout",
        _ => false,
    };

    private static string Describe(Outcome? outcome) => outcome switch
    {
        null => "no outcome (the link or the connection closed)",
        Rejected r => $"rejected: {ServiceBusConnection.Describe(r.Error)}",
        Released => "released by the broker",
        Modified m => $"modified (delivery-failed {m.DeliveryFailed}, undeliverable-here {m.UndeliverableHere})",
        _ => $"unexpected outcome {outcome}",
    };
}
