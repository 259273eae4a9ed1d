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
            var batches = OrderBatches.Split(orders, messages, _options.MaxBatchBytes, out oversize);
            transfers = batches.Select(b => (b.Orders, b.Envelope)).ToList();
        }
        else
        {
            transfers = orders.Select((o, i) => ((IReadOnlyList<StoredOrder>)[o], messages[i])).ToList();
        }

        var sender = await _connection.GetSenderAsync(_options.OrdersQueue, cancellationToken).ConfigureAwait(false);
        await SendAllAsync(sender, transfers, cancellationToken).ConfigureAwait(false);
        if (oversize.Count > 0)
        {
            var named = string.Join(", ", oversize.Select(o => string.Create(CultureInfo.InvariantCulture, $"{o.Order.OrderId} (account {o.Order.AccountId}, {o.Bytes} bytes)")));
            throw new ServiceBusPublishException(
                $"Service Bus namespace '{_connection.Namespace}', queue '{_options.OrdersQueue}': {oversize.Count} order(s) exceed ServiceBus:MaxBatchBytes={_options.MaxBatchBytes.ToString(CultureInfo.InvariantCulture)} on their own and were not sent (they stay in the outbox; raise the limit on a premium namespace or shrink the order): {named}",
                oversize.Select(o => o.Order.OrderId).ToArray());
        }
    }

    private async Task SendAllAsync(SenderLink sender, List<(IReadOnlyList<StoredOrder> Orders, Message Message)> transfers, CancellationToken cancellationToken)
    {
        var pending = new Task<Outcome?>[transfers.Count];
        var failures = new List<(IReadOnlyList<StoredOrder> Orders, string Reason)>();
        var lost = false;
        var window = _options.MaxInFlight;
        var settled = 0;
        var sent = 0;
        try
        {
            for (; sent < transfers.Count; sent++)
            {
                while (sent - settled >= window)
                {
                    lost |= await SettleAsync(settled++).ConfigureAwait(false);
                }

                var outcome = new TaskCompletionSource<Outcome?>(TaskCreationOptions.RunContinuationsAsynchronously);
                pending[sent] = outcome.Task;
                try
                {
                    sender.Send(transfers[sent].Message, static (_, _, o, state) => ((TaskCompletionSource<Outcome?>)state).TrySetResult(o), outcome);
                }
                catch (AmqpException e)
                {
                    throw Lost(transfers.Skip(settled).SelectMany(t => t.Orders).ToArray(), $"the sender link is closed: {ServiceBusConnection.Describe(e.Error)}", e);
                }
                catch (ObjectDisposedException e)
                {
                    throw Lost(transfers.Skip(settled).SelectMany(t => t.Orders).ToArray(), "the sender link is closed", e);
                }
            }

            while (settled < sent)
            {
                lost |= await SettleAsync(settled++).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }

        if (failures.Count > 0)
        {
            var ids = failures.SelectMany(f => f.Orders).Select(o => o.OrderId).ToArray();
            var first = failures[0];
            var message = string.Create(CultureInfo.InvariantCulture,
                $"Service Bus namespace '{_connection.Namespace}', queue '{_options.OrdersQueue}' did not accept {ids.Length} of {transfers.Sum(t => t.Orders.Count)} orders ({failures.Count} transfer(s)); they stay in the outbox for RelayOutbox. First: order(s) {string.Join(", ", first.Orders.Take(5).Select(o => o.OrderId))}{(first.Orders.Count > 5 ? ", ..." : string.Empty)}: {first.Reason}");
            throw lost || sender.IsClosed
                ? new ServiceBusPublishException(message, ids) { IsConnectionLoss = true }
                : new ServiceBusPublishException(message, ids);
        }

        async Task<bool> SettleAsync(int index)
        {
            Outcome? outcome;
            try
            {
                outcome = await pending[index].WaitAsync(_options.SendTimeout, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                failures.Add((transfers[index].Orders, $"no disposition within {_options.SendTimeout} (SendTimeout)"));
                return false;
            }

            if (outcome is Accepted)
            {
                Interlocked.Add(ref _messages, transfers[index].Orders.Count);
                Interlocked.Increment(ref _transfers);
                return false;
            }

            var loss = outcome is null || sender.IsClosed;
            failures.Add((transfers[index].Orders, Describe(outcome)));
            return loss;
        }
    }

    private ServiceBusPublishException Lost(StoredOrder[] orders, string reason, Exception inner) =>
        new($"Service Bus namespace '{_connection.Namespace}', queue '{_options.OrdersQueue}': {reason}; {orders.Length} order(s) not confirmed stay in the outbox", orders.Select(o => o.OrderId).ToArray(), inner)
        {
            IsConnectionLoss = true,
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
