using System.Text;
using System.Threading.Channels;
using Amqp;
using Amqp.Framing;
using Amqp.Types;

namespace Margin.Infrastructure.ServiceBus;

/// <summary>Receives from a queue in peek-lock mode; on a session queue it asks for a session through <c>com.microsoft:session-filter</c>.</summary>
/// <remarks>
/// <para>The link is attached on first receive and reattached (on a fresh connection if need be) after it or its session was lost.
/// Credit is given only by <see cref="ReceiveAsync"/>: enough that the messages buffered here plus those the broker still owes
/// reach the <c>max</c> asked for, never restored on settlement (AMQPNetLite's manual credit mode). So the broker pushes no message
/// nobody asked for: one pushed into a receiver that is then closed would lose its lock and come again with its delivery count raised.
/// Credit left over by a receive that returned fewer than asked for stays with the broker for the next receive.</para>
/// <para>Settling follows Azure.Messaging.ServiceBus
/// (AmqpReceiver): complete = Accepted; abandon = Modified (delivery-failed, not undeliverable-here: redelivered, its delivery count
/// raised); dead-letter = Rejected with error condition <c>com.microsoft:dead-letter</c> and info <c>DeadLetterReason</c> and
/// <c>DeadLetterErrorDescription</c>. A message received on a link that has since closed can no longer be settled: its lock lapses and
/// the broker delivers it again.</para>
/// <para>Settlement is fire-and-forget: the disposition goes out settled (AMQPNetLite has no receiver-side API that waits for the
/// broker's answer; Azure.Messaging.ServiceBus sends it unsettled and waits). <see cref="CompleteAsync"/>, <see cref="AbandonAsync"/>
/// and <see cref="DeadLetterAsync"/> return once the disposition is handed to the connection, not when Service Bus has applied it,
/// and they fail only when the link is already known to be closed. If the lock was lost meanwhile (it expired, or the link or
/// connection dropped before the frame arrived) Service Bus ignores the disposition and delivers the message again, its delivery
/// count raised (dead-lettered after the queue's MaxDeliveryCount). A successful complete therefore means "will most likely not be
/// delivered again", never "certainly removed": handlers must be idempotent (RecordLiquidationEvent is: a repeated event changes nothing).</para>
/// </remarks>
public sealed class ServiceBusReceiver : IAsyncDisposable
{
    /// <summary>The rejection condition that dead-letters a message (Azure.Messaging.ServiceBus AmqpClientConstants.DeadLetterName).</summary>
    public const string DeadLetterCondition = "com.microsoft:dead-letter";

    private readonly ServiceBusConnection _connection;
    private readonly string _queue;
    private readonly bool _sessions;
    private readonly string? _sessionId;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ReceiverLink? _link;
    private Channel<Message> _inbox = Channel.CreateUnbounded<Message>();
    private long _granted;
    private long _taken;
    private bool _disposed;

    /// <summary>Creates a receiver (the link is attached on first receive).</summary>
    /// <param name="connection">The shared connection.</param>
    /// <param name="queue">The queue.</param>
    /// <param name="sessions">Whether the queue has sessions.</param>
    /// <param name="sessionId">With sessions, the session to take, or null for the next available one.</param>
    public ServiceBusReceiver(ServiceBusConnection connection, string queue, bool sessions, string? sessionId = null)
    {
        _connection = connection ?? throw new ArgumentNullException(nameof(connection));
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        _queue = queue;
        _sessions = sessions;
        _sessionId = sessionId;
        SessionId = sessionId;
    }

    /// <summary>The queue.</summary>
    public string Queue => _queue;

    /// <summary>On a session queue, the session the broker gave this receiver (known after the first receive), else the one asked for.</summary>
    public string? SessionId { get; private set; }

    /// <summary>Receives up to <paramref name="max"/> messages, waiting at most <paramref name="maxWait"/> for the first.</summary>
    /// <remarks>Once the first message is here, the others already delivered to this receiver are taken without waiting further.
    /// On a session queue asked for the next available session, the first call's attach carries <paramref name="maxWait"/> as
    /// <c>com.microsoft:timeout</c> and may itself take that long while Service Bus looks for a session (a session once taken has
    /// its messages on the way, so the wait for the first one that follows is short). No session to take (Service Bus's
    /// <c>com.microsoft:timeout</c> answer, or no answer within <paramref name="maxWait"/> plus 5 s) is an empty list, and the
    /// next call asks again.</remarks>
    /// <param name="max">At most this many, at least 1.</param>
    /// <param name="maxWait">How long to wait for the first; an empty list after that.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(int max, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWait, TimeSpan.Zero);
        var attached = await LinkAsync(max, maxWait, cancellationToken).ConfigureAwait(false);
        if (attached is not var (link, inbox))
        {
            // A next-available-session receive found no session within maxWait.
            return [];
        }

        var received = new List<ReceivedMessage>();
        if (!inbox.Reader.TryRead(out var first))
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(maxWait);
            try
            {
                // False when the link closed (the channel completes): reported below.
                if (await inbox.Reader.WaitToReadAsync(wait.Token).ConfigureAwait(false))
                {
                    inbox.Reader.TryRead(out first);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
        }

        if (first is null)
        {
            ThrowIfLost(link);
            return received;
        }

        received.Add(ReceivedMessage.FromAmqp(first, new Delivery(this, link, first)));
        while (received.Count < max && inbox.Reader.TryRead(out var next))
        {
            received.Add(ReceivedMessage.FromAmqp(next, new Delivery(this, link, next)));
        }

        Interlocked.Add(ref _taken, received.Count);
        return received;
    }

    /// <summary>Completes (accepts) a message: sends the Accepted disposition settled, without waiting for the broker (see the class
    /// remarks: if its lock was already lost, Service Bus delivers it again).</summary>
    public Task CompleteAsync(ReceivedMessage message, CancellationToken cancellationToken = default)
    {
        var delivery = Own(message, "complete");
        Settle(delivery, "complete", () => delivery.Link.Accept(delivery.Message));
        return Task.CompletedTask;
    }

    /// <summary>Abandons a message (it is delivered again): sends Modified (delivery-failed) settled, without waiting for the broker.</summary>
    public Task AbandonAsync(ReceivedMessage message, CancellationToken cancellationToken = default)
    {
        var delivery = Own(message, "abandon");
        Settle(delivery, "abandon", () => delivery.Link.Modify(delivery.Message, true, false, null));
        return Task.CompletedTask;
    }

    /// <summary>Dead-letters a message with a reason and description: sends Rejected (<c>com.microsoft:dead-letter</c>) settled, without
    /// waiting for the broker; if its lock was already lost, the message is delivered again instead of dead-lettered.</summary>
    public Task DeadLetterAsync(ReceivedMessage message, string reason, string description, CancellationToken cancellationToken = default)
    {
        var delivery = Own(message, "dead-letter");
        var info = new Fields
        {
            [new Symbol("DeadLetterReason")] = reason,
            [new Symbol("DeadLetterErrorDescription")] = description,
        };
        Settle(delivery, "dead-letter", () => delivery.Link.Reject(delivery.Message, new Error(new Symbol(DeadLetterCondition)) { Description = reason, Info = info }));
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_link is { IsClosed: false } link)
        {
            try
            {
                await link.CloseAsync(_connection.Options.OperationTimeout, null).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Closing is best effort: unsettled messages are redelivered when their locks lapse.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }

    private async Task<(ReceiverLink Link, Channel<Message> Inbox)?> LinkAsync(int max, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_link is not { } link || IsGone(link))
            {
                // Messages buffered from a lost link can no longer be settled: their locks lapse and the broker redelivers them.
                var inbox = Channel.CreateUnbounded<Message>(new UnboundedChannelOptions { SingleWriter = true });
                var sessionWait = _sessions && _sessionId is null ? maxWait : (TimeSpan?)null;
                var (opened, session) = await _connection.OpenReceiverAsync(_queue, _sessions, _sessionId, sessionWait, (_, m) => inbox.Writer.TryWrite(m), cancellationToken).ConfigureAwait(false);
                if (opened is null)
                {
                    return null;
                }

                opened.AddClosedCallback((_, _) => inbox.Writer.TryComplete());
                opened.Session.AddClosedCallback((_, _) => inbox.Writer.TryComplete());
                if (opened.Session.IsClosed)
                {
                    inbox.Writer.TryComplete();
                }

                _link = link = opened;
                _inbox = inbox;
                _granted = 0;
                Interlocked.Exchange(ref _taken, 0);
                SessionId = session;
            }

            // Credit for what this call asks for, less what is buffered here or still owed by the broker (granted, not yet taken).
            var want = max - (_granted - Interlocked.Read(ref _taken));
            if (want > 0)
            {
                link.SetCredit((int)want, CreditMode.Manual);
                _granted += want;
            }

            return (link, _inbox);
        }
        catch (AmqpException e)
        {
            // The session ended between the check and the flow: the next receive reattaches on a fresh session.
            throw new ServiceBusException($"Service Bus namespace '{_connection.Namespace}': the receiver on queue '{_queue}' closed: {ServiceBusConnection.Describe(e.Error)}; the next receive reattaches", e)
            {
                IsConnectionLoss = true,
                Condition = e.Error?.Condition.ToString(),
            };
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Whether a link can no longer be used: closed, or its session ended under it (RabbitMQ ends the session on an outcome it refuses).</summary>
    private static bool IsGone(ReceiverLink link) => link.IsClosed || link.Session.IsClosed;

    private void ThrowIfLost(ReceiverLink link)
    {
        if (IsGone(link) && !_disposed)
        {
            var why = link.IsClosed ? ServiceBusConnection.Describe(link.Error) : $"its session ended ({ServiceBusConnection.Describe(link.Session.Error)})";
            throw new ServiceBusException($"Service Bus namespace '{_connection.Namespace}': the receiver on queue '{_queue}' closed: {why}; the next receive reattaches")
            {
                IsConnectionLoss = true,
            };
        }
    }

    private Delivery Own(ReceivedMessage message, string what)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Handle is not Delivery delivery || !ReferenceEquals(delivery.Owner, this))
        {
            throw new ArgumentException($"cannot {what} message {message.MessageId}: it was not received by this receiver on queue '{_queue}'", nameof(message));
        }

        if (IsGone(delivery.Link))
        {
            throw new ServiceBusException($"cannot {what} message {message.MessageId} on queue '{_queue}': the link that received it closed ({ServiceBusConnection.Describe(delivery.Link.Error)}); its lock lapses and Service Bus delivers it again")
            {
                IsConnectionLoss = true,
            };
        }

        return delivery;
    }

    private void Settle(Delivery delivery, string what, Action settle)
    {
        try
        {
            settle();
        }
        catch (AmqpException e)
        {
            // The link or its session closed after the check in Own.
            throw new ServiceBusException($"cannot {what} message {delivery.Message.Properties?.MessageId} on queue '{_queue}': the link that received it closed ({ServiceBusConnection.Describe(e.Error)}); its lock lapses and Service Bus delivers it again", e)
            {
                IsConnectionLoss = true,
            };
        }
    }

    /// <summary>What settles a received message: its link and AMQP message.</summary>
    internal sealed record Delivery(ServiceBusReceiver Owner, ReceiverLink Link, Message Message);
}

/// <summary>A received message with the Service Bus properties this app maps.</summary>
/// <param name="MessageId">message-id.</param>
/// <param name="SessionId">group-id.</param>
/// <param name="Subject">subject.</param>
/// <param name="ContentType">content-type.</param>
/// <param name="CorrelationId">correlation-id.</param>
/// <param name="TimeToLive">header ttl, or null.</param>
/// <param name="ApplicationProperties">application-properties.</param>
/// <param name="Annotations">message-annotations (x-opt-*).</param>
/// <param name="Body">The Data body bytes.</param>
/// <param name="DeliveryCount">The header's delivery count.</param>
/// <param name="Handle">The receiver's handle for settling it.</param>
public sealed record ReceivedMessage(
    string? MessageId,
    string? SessionId,
    string? Subject,
    string? ContentType,
    string? CorrelationId,
    TimeSpan? TimeToLive,
    IReadOnlyDictionary<string, object?> ApplicationProperties,
    IReadOnlyDictionary<string, object?> Annotations,
    ReadOnlyMemory<byte> Body,
    long DeliveryCount,
    object Handle)
{
    /// <summary>Reads an AMQP message: the body from its Data section(s) (concatenated), an AmqpValue string as UTF-8 or binary as is.</summary>
    /// <param name="message">The message.</param>
    /// <param name="handle">What settles it.</param>
    public static ReceivedMessage FromAmqp(Message message, object handle)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(handle);
        var properties = message.Properties;
        var header = message.Header;
        var application = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (message.ApplicationProperties?.Map is { } map)
        {
            foreach (var key in map.Keys)
            {
                application[key.ToString() ?? string.Empty] = map[key];
            }
        }

        var annotations = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (message.MessageAnnotations?.Map is { } notes)
        {
            foreach (var key in notes.Keys)
            {
                annotations[key.ToString() ?? string.Empty] = notes[key];
            }
        }

        return new ReceivedMessage(
            properties?.MessageId?.ToString(),
            properties?.GroupId,
            properties?.Subject,
            properties?.ContentType?.ToString(),
            properties?.CorrelationId?.ToString(),
            header is { Ttl: > 0 } ? TimeSpan.FromMilliseconds(header.Ttl) : null,
            application,
            annotations,
            ReadBody(message),
            header?.DeliveryCount ?? 0,
            handle);
    }

    private static byte[] ReadBody(Message message) => message.BodySection switch
    {
        Data data => data.Binary ?? [],
        DataList list => Concat(list),
        AmqpValue { Value: string text } => Encoding.UTF8.GetBytes(text),
        AmqpValue { Value: byte[] bytes } => bytes,
        AmqpValue value => Encoding.UTF8.GetBytes(value.Value?.ToString() ?? string.Empty),
        _ => [],
    };

    private static byte[] Concat(DataList list)
    {
        var parts = new List<byte[]>();
        for (var i = 0; i < list.Count; i++)
        {
            parts.Add(list[i].Binary ?? []);
        }

        return parts.SelectMany(p => p).ToArray();
    }
}
