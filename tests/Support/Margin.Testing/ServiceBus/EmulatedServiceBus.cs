using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Amqp;
using Amqp.Framing;
using Amqp.Listener;
using Amqp.Types;

namespace Margin.Testing.ServiceBus;

/// <summary>
/// An in-process AMQP 1.0 host (AMQPNetLite's <see cref="ContainerHost"/> on 127.0.0.1) that behaves like Azure Service Bus
/// for contract tests and benchmarks: the <c>$cbs</c> put-token node with real SAS checks, per-connection authorisation of
/// links, queues with sequence numbers, duplicate detection, sessions, batches, scheduled messages, peek-lock settlement,
/// dead-lettering, and fault injection.
/// </summary>
/// <remarks>
/// Sources for the behaviour it reproduces (cited again where each is implemented):
/// <list type="bullet">
/// <item>CBS (learn.microsoft.com/azure/service-bus-messaging/service-bus-amqp-protocol-guide, "Claims-based authorization";
/// MicrosoftDocs/azure-docs articles/service-bus-messaging/service-bus-amqp-protocol-guide.md): put-token with application
/// properties operation, type, name (audience), expiration and an AmqpValue string body; the reply's status-code (int, HTTP)
/// and status-description; replies go to the link whose target address is the request's reply-to; tokens are anchored on the
/// connection; a sender link needs the Send right and a receiver Listen; a connection without a successful put-token within
/// 20 seconds is dropped; when a token expires Service Bus drops the links to that entity.</item>
/// <item>SAS format and signature: learn.microsoft.com/azure/service-bus-messaging/service-bus-sas. Unauthorised wording
/// ("Unauthorized access. 'Send' claim(s) are required to perform this operation. Resource: ...", amqp:unauthorized-access):
/// Azure/azure-sdk-for-go azservicebus and azeventhubs live tests.</item>
/// <item>Session filter <c>com.microsoft:session-filter</c> (a session id, or null for the next available; the broker echoes the
/// locked id in the attach's source filter and <c>com.microsoft:locked-until-utc</c> in its properties): Azure/azure-sdk-for-net
/// AmqpReceiver / Microsoft.Azure.ServiceBus MessageSession, Azure/azure-sdk-for-go azservicebus SessionReceiver.</item>
/// <item>Batch message format 0x80013700, each Data section an encoded message: Microsoft.Azure.Amqp AmqpConstants.AmqpBatchedMessageFormat
/// and Azure.Messaging.ServiceBus AmqpMessageConverter.</item>
/// <item>Dead-lettering: Rejected with condition <c>com.microsoft:dead-letter</c> and info DeadLetterReason /
/// DeadLetterErrorDescription (azure-sdk-for-go azservicebus, azure-sdk-for-js constants); the broker adds both as properties of
/// the dead-lettered message, system reasons MaxDeliveryCountExceeded and TTLExpiredException, no dead-lettering from the DLQ
/// (learn.microsoft.com/azure/service-bus-messaging/service-bus-dead-letter-queues).</item>
/// <item>Session misuse (amqp:not-allowed, surfaced as InvalidOperationException by the SDKs) with Service Bus's texts:
/// Azure/azure-service-bus issues #289 and #326, Particular/NServiceBus #5364, danielgerlag/workflow-core #1217.</item>
/// </list>
/// Simplifications: session locks never expire; no $management node (no renew-lock, peek, defer, schedule by request);
/// the AMQP open hostname is not checked; entity names are case-insensitive; a batch is refused whole when any message in it
/// is invalid.
/// </remarks>
public sealed class EmulatedServiceBus : IAsyncDisposable
{
    /// <summary>The message format of a Service Bus batch (Microsoft.Azure.Amqp AmqpConstants.AmqpBatchedMessageFormat).</summary>
    public const uint BatchMessageFormat = 0x80013700;

    /// <summary>The SAS token type of put-token.</summary>
    public const string SasTokenType = "servicebus.windows.net:sastoken";

    /// <summary>The dead-letter queue suffix of an entity path.</summary>
    public const string DeadLetterSuffix = "/$deadletterqueue";

    internal static readonly Symbol SessionFilterName = new("com.microsoft:session-filter");
    internal static readonly Symbol LockedUntilUtc = new("com.microsoft:locked-until-utc");
    internal static readonly Symbol DeadLetterCondition = new("com.microsoft:dead-letter");
    internal static readonly Symbol SessionCannotBeLocked = new("com.microsoft:session-cannot-be-locked");
    internal static readonly Symbol TimeoutCondition = new("com.microsoft:timeout");
    internal static readonly Symbol MessageSizeExceeded = new("amqp:link:message-size-exceeded");
    internal static readonly Symbol ArgumentOutOfRange = new("com.microsoft:argument-out-of-range");

    /// <summary>The longest MessageId, SessionId or PartitionKey Service Bus takes.</summary>
    public const int MaxIdLength = 128;
    private static readonly Symbol SequenceNumberAnnotation = new("x-opt-sequence-number");
    private static readonly Symbol EnqueuedTimeAnnotation = new("x-opt-enqueued-time");
    private static readonly Symbol LockedUntilAnnotation = new("x-opt-locked-until");
    private static readonly Symbol ScheduledEnqueueTimeAnnotation = new("x-opt-scheduled-enqueue-time");
    private static readonly Symbol PartitionKeyAnnotation = new("x-opt-partition-key");
    private static readonly Symbol MessageLockLost = new("com.microsoft:message-lock-lost");

    private readonly Lock _gate = new();
    private readonly EmulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly ContainerHost _host;
    private readonly HashSet<string> _namespaceHosts;
    private readonly Dictionary<string, QueueState> _queues = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<ListenerConnection, ConnectionState> _connections = new(ReferenceEqualityComparer.Instance);
    private readonly List<ReceiverState> _receivers = [];
    private readonly List<PutTokenRecord> _putTokens = [];
    private readonly List<TransferRecord> _transfers = [];
    private readonly List<ITimer> _timers = [];
    private readonly Channel<bool> _dispatchSignal = Channel.CreateUnbounded<bool>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private Task _dispatcher = Task.CompletedTask;
    private long _duplicatesDropped;
    private int _rejectNext;
    private int _releaseNext;
    private int _dropOnTransfer;
    private Error? _rejectError;
    private TimeSpan _acceptDelay;
    private volatile bool _answerCbs = true;
    private int _refuseCbsReplyAttaches;
    private int _ignoreCbsReplyAttaches;
    private bool _disposed;

    private EmulatedServiceBus(EmulatorOptions options, int port)
    {
        _options = options;
        _time = options.TimeProvider;
        Port = port;
        Host = options.Host;
        _namespaceHosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { options.Host, "127.0.0.1", "localhost" };
        foreach (var queue in options.Queues)
        {
            CreateQueue(queue.Name, queue);
        }

        _host = new ContainerHost(new Address("127.0.0.1", port, null, null, "/", "amqp"));
        var listener = _host.Listeners[0];
        listener.SASL.EnableAnonymousMechanism = true;
        if (options.SaslUser is not null)
        {
            listener.SASL.EnablePlainMechanism(options.SaslUser, options.SaslPassword ?? "");
        }

        listener.HandlerFactory = _ => new TransportTracker(this);
        _host.RegisterLinkProcessor(new LinkProcessor(this));
    }

    /// <summary>The port the host listens on (127.0.0.1).</summary>
    public int Port { get; }

    /// <summary>The host name clients use ("127.0.0.1" or "localhost").</summary>
    public string Host { get; }

    /// <summary>The key name of the connection string.</summary>
    public string KeyName => _options.SharedAccessKeys.Keys.Contains(EmulatorOptions.DefaultKeyName, StringComparer.Ordinal) ? EmulatorOptions.DefaultKeyName : _options.SharedAccessKeys.Keys.First();

    /// <summary>The key of the connection string.</summary>
    public string Key => _options.SharedAccessKeys[KeyName];

    /// <summary>A Service Bus connection string for this host (plain AMQP, as the official emulator's).</summary>
    public string ConnectionString => $"Endpoint=sb://{Host}:{Port.ToString(CultureInfo.InvariantCulture)}/;SharedAccessKeyName={KeyName};SharedAccessKey={Key};UseDevelopmentEmulator=true";

    /// <summary>The address a raw AMQPNetLite client connects to (SASL ANONYMOUS).</summary>
    public Address Address => new(Host, Port, null, null, "/", "amqp");

    /// <summary>Every put-token request received, in order.</summary>
    public IReadOnlyList<PutTokenRecord> PutTokenRequests
    {
        get
        {
            lock (_gate)
            {
                return [.. _putTokens];
            }
        }
    }

    /// <summary>Every transfer senders made to queues, in order.</summary>
    public IReadOnlyList<TransferRecord> Transfers
    {
        get
        {
            lock (_gate)
            {
                return [.. _transfers];
            }
        }
    }

    /// <summary>Messages accepted and dropped as duplicates, all queues.</summary>
    public long DuplicatesDropped => Interlocked.Read(ref _duplicatesDropped);

    /// <summary>AMQP connections open now.</summary>
    public int OpenConnections
    {
        get
        {
            lock (_gate)
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>Whether the $cbs node answers put-token (false: requests are accepted at the transfer level and never answered).</summary>
    public bool AnswerCbs
    {
        get => _answerCbs;
        set => _answerCbs = value;
    }

    /// <summary>Starts a host on 127.0.0.1 (a free port unless <see cref="EmulatorOptions.Port"/> is set).</summary>
    /// <exception cref="ArgumentException">The options are inconsistent.</exception>
    public static async Task<EmulatedServiceBus> StartAsync(EmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new EmulatorOptions();
        if (options.SharedAccessKeys.Count == 0)
        {
            throw new ArgumentException("EmulatorOptions.SharedAccessKeys needs at least one key", nameof(options));
        }

        if (options.Host is not ("127.0.0.1" or "localhost"))
        {
            throw new ArgumentException($"EmulatorOptions.Host must be 127.0.0.1 or localhost (got '{options.Host}')", nameof(options));
        }

        const int attempts = 20;
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var port = options.Port != 0 ? options.Port : FreePort();
            var bus = new EmulatedServiceBus(options, port);
            try
            {
                bus.Open();
                return bus;
            }
            catch (SocketException) when (options.Port == 0 && attempt < attempts)
            {
                // Another process took the port between the probe and the bind: try another.
                await bus.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The audience a client puts a token for to use <paramref name="queue"/>: <c>amqp://{Host}/{queue}</c>.</summary>
    public string AudienceFor(string queue) => $"amqp://{Host}/{queue}";

    /// <summary>A SAS token for <paramref name="resource"/> signed with this host's key.</summary>
    public string CreateSasToken(string resource, DateTimeOffset expiresAt) => SasTokens.Create(resource, KeyName, Key, expiresAt);

    /// <summary>Copies of the messages a queue holds (locked ones included), in sequence order, with the broker's annotations
    /// x-opt-sequence-number and x-opt-enqueued-time; <c>{queue}/$deadletterqueue</c> gives the dead letters.</summary>
    public IReadOnlyList<Message> Messages(string queue)
    {
        ArgumentException.ThrowIfNullOrEmpty(queue);
        lock (_gate)
        {
            if (!_queues.TryGetValue(NormaliseQueue(queue), out var state))
            {
                return [];
            }

            return [.. state.Messages.Values.Select(m => Annotated(m, null))];
        }
    }

    /// <summary>Copies of the queue's dead-lettered messages, with application properties DeadLetterReason and DeadLetterErrorDescription.</summary>
    public IReadOnlyList<Message> DeadLetters(string queue) => Messages(queue + DeadLetterSuffix);

    /// <summary>Messages dropped by duplicate detection in one queue.</summary>
    public long DuplicatesDroppedIn(string queue)
    {
        lock (_gate)
        {
            return _queues.TryGetValue(NormaliseQueue(queue), out var state) ? state.DuplicatesDropped : 0;
        }
    }

    /// <summary>Waits (real time) until the queue holds at least <paramref name="count"/> messages, and returns copies of them.</summary>
    /// <exception cref="TimeoutException">They did not arrive within <paramref name="timeout"/>.</exception>
    public async Task<IReadOnlyList<Message>> WaitForMessagesAsync(string queue, int count, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var messages = Messages(queue);
            if (messages.Count >= count)
            {
                return messages;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Queue '{queue}' holds {messages.Count} messages after {timeout}, expected {count}");
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Puts a message straight into a queue (as if a sender had sent it), for receiver tests.</summary>
    /// <exception cref="InvalidOperationException">The queue would refuse it (e.g. no session id on a session queue); the message says why.</exception>
    public void Enqueue(string queue, Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var bytes = EncodeToArray(message);
        var copy = DecodeArray(bytes);
        lock (_gate)
        {
            var state = GetOrCreateQueue(NormaliseQueue(queue)) ?? throw new InvalidOperationException($"Queue '{queue}' does not exist and AutoCreateQueues is off");
            var error = ValidateForQueue(state, [copy]);
            if (error is not null)
            {
                throw new InvalidOperationException($"Queue '{queue}' refuses the message: {error.Condition} {error.Description}");
            }

            Store(state, bytes, copy, _time.GetUtcNow());
        }

        Signal();
    }

    /// <summary>Refuses the next <paramref name="count"/> attaches of a CBS reply link (a receiver on <c>$cbs</c>) with
    /// <c>amqp:internal-error</c>, after the request link attached, as a Service Bus front end failing mid-handshake would.</summary>
    public void RefuseNextCbsReplyAttaches(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Volatile.Write(ref _refuseCbsReplyAttaches, count);
    }

    /// <summary>Leaves the next <paramref name="count"/> attaches of a CBS reply link unanswered (the client's attach times out),
    /// after the request link attached.</summary>
    public void IgnoreNextCbsReplyAttaches(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Volatile.Write(ref _ignoreCbsReplyAttaches, count);
    }

    /// <summary>Rejects the next <paramref name="count"/> transfers to any queue with <paramref name="condition"/> (e.g. com.microsoft:server-busy) instead of storing them.</summary>
    public void RejectNext(int count, string condition, string? description = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentException.ThrowIfNullOrEmpty(condition);
        lock (_gate)
        {
            _rejectNext = count;
            _rejectError = new Error(new Symbol(condition)) { Description = description ?? $"Injected by the emulator: {condition}" };
        }
    }

    /// <summary>Answers the next <paramref name="count"/> transfers to any queue with the Released outcome instead of storing them.</summary>
    public void ReleaseNext(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_gate)
        {
            _releaseNext = count;
        }
    }

    /// <summary>Drops the connection (TCP reset) of each of the next <paramref name="count"/> transfers to any queue instead of
    /// storing or settling it, as a broker crashing mid-publish would.</summary>
    public void DropConnectionOnNextTransfers(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_gate)
        {
            _dropOnTransfer = count;
        }
    }

    /// <summary>Ends (AMQP end with an error) every session that carries a link to a queue, keeping the connections open, as
    /// RabbitMQ does when a receiver settles with an outcome it does not take; the receivers' unsettled messages are released
    /// (delivery count raised). Waits until each client has answered the end.</summary>
    /// <returns>How many sessions were ended.</returns>
    public int EndSessions(string condition = "amqp:invalid-field", string? description = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(condition);
        HashSet<Session> sessions = new(ReferenceEqualityComparer.Instance);
        lock (_gate)
        {
            foreach (var connection in _connections.Values)
            {
                sessions.UnionWith(connection.Senders.Select(s => s.Link.Session));
                sessions.UnionWith(connection.Receivers.Select(r => r.Link.Session));
                foreach (var receiver in connection.Receivers.ToList())
                {
                    ReleaseReceiver(receiver);
                }

                connection.Senders.Clear();
            }
        }

        var error = new Error(new Symbol(condition)) { Description = description ?? $"Injected by the emulator: {condition}" };
        foreach (var session in sessions)
        {
            try
            {
                session.Close(TimeSpan.FromSeconds(5), error);
            }
            catch (Exception exception) when (exception is AmqpException or ObjectDisposedException or TimeoutException)
            {
                // Already ending, or the client went away.
            }
        }

        Signal();
        return sessions.Count;
    }

    /// <summary>Detaches every sender and receiver link on <paramref name="queue"/> (all queues when null) with an error,
    /// keeping the connections open, as Service Bus does when an entity moves or a gateway restarts.</summary>
    /// <returns>How many links were detached.</returns>
    public int DetachLinks(string? queue = null, string condition = "amqp:link:detach-forced", string? description = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(condition);
        List<ListenerLink> links = [];
        lock (_gate)
        {
            foreach (var connection in _connections.Values)
            {
                links.AddRange(connection.Senders.Where(s => queue is null || string.Equals(s.Queue.Name, NormaliseQueue(queue), StringComparison.OrdinalIgnoreCase)).Select(s => s.Link));
                links.AddRange(connection.Receivers.Where(r => queue is null || string.Equals(r.Queue.Name, NormaliseQueue(queue), StringComparison.OrdinalIgnoreCase)).Select(r => r.Link));
            }
        }

        foreach (var link in links)
        {
            CloseLink(link, new Error(new Symbol(condition)) { Description = description ?? $"Injected by the emulator: {condition}" });
        }

        return links.Count;
    }

    /// <summary>Delays (real time) the accepted disposition of every following transfer to a queue; the message is stored at once.
    /// <see cref="TimeSpan.Zero"/> switches the delay off.</summary>
    public void DelayAccept(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        lock (_gate)
        {
            _acceptDelay = delay;
        }
    }

    /// <summary>Closes every open connection abruptly (TCP reset, no AMQP close) and waits until the host has noticed.</summary>
    /// <returns>How many connections were dropped.</returns>
    public async Task<int> DropConnectionsAsync(CancellationToken cancellationToken = default)
    {
        List<ConnectionState> victims;
        lock (_gate)
        {
            victims = [.. _connections.Values];
        }

        foreach (var victim in victims)
        {
            Abort(victim);
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (DateTime.UtcNow < deadline)
        {
            lock (_gate)
            {
                if (!victims.Any(v => _connections.ContainsKey(v.Connection)))
                {
                    break;
                }
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }

        return victims.Count;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        List<ConnectionState> open;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            open = [.. _connections.Values];
            foreach (var timer in _timers)
            {
                timer.Dispose();
            }

            _timers.Clear();
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _dispatchSignal.Writer.TryComplete();
        try
        {
            await _dispatcher.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The dispatcher ends by cancellation.
        }

        foreach (var connection in open)
        {
            Abort(connection);
        }

        _host.Close();
        _stop.Dispose();
    }

    internal void OnConnectionAccepted(ListenerConnection connection, Socket? socket)
    {
        lock (_gate)
        {
            ConnectionFor(connection).Socket ??= socket;
        }
    }

    internal void OnTransfer(SenderState sender, MessageContext context)
    {
        var now = _time.GetUtcNow();
        var message = context.Message;
        var format = message.Format;
        var whole = EncodeToArray(message);
        var queue = sender.Queue;
        Error? error = null;
        var closeLink = false;
        List<(byte[] Bytes, Message Message)> items = [];
        TimeSpan delay;
        var release = false;
        var drop = false;
        lock (_gate)
        {
            delay = _acceptDelay;
            if (_dropOnTransfer > 0)
            {
                _dropOnTransfer--;
                drop = true;
            }
            else if (_rejectNext > 0)
            {
                _rejectNext--;
                error = _rejectError;
            }
            else if (_releaseNext > 0)
            {
                _releaseNext--;
                release = true;
            }
        }

        if (drop)
        {
            // Neither stored nor settled: the connection goes (TCP reset) with the transfer in flight.
            lock (_gate)
            {
                _transfers.Add(new TransferRecord(queue.Name, format, 1, whole.Length, now, "dropped", "Injected by the emulator: connection dropped"));
            }

            Abort(sender.Connection);
            return;
        }

        if (release)
        {
            // Released: the broker did not take the message and the sender may send it again.
            lock (_gate)
            {
                _transfers.Add(new TransferRecord(queue.Name, format, 1, whole.Length, now, "released", "Injected by the emulator"));
            }

            context.Link.DisposeMessage(message, new Released(), true);
            return;
        }

        if (error is null && _options.RequireCbs && !IsAuthorized(sender.Connection, queue.Name, now, AccessRights.Send))
        {
            // Service Bus drops the links of an entity whose token expired; a transfer after expiry fails with unauthorized-access.
            error = Unauthorized(AccessRights.Send, queue.Name);
            closeLink = true;
        }

        if (error is null && whole.Length > _options.MaxMessageSizeBytes)
        {
            // Service Bus rejects a message (or a batch, counted whole) above the tier's limit with amqp:link:message-size-exceeded.
            error = new Error(MessageSizeExceeded) { Description = $"The received message (size: {whole.Length} bytes) exceeds the limit ({_options.MaxMessageSizeBytes} bytes) currently allowed on the link." };
        }

        if (error is null)
        {
            error = format == BatchMessageFormat ? Unpack(message, items) : null;
            if (format != BatchMessageFormat)
            {
                items.Add((whole, DecodeArray(whole)));
            }
        }

        var stored = 0;
        List<string?> duplicates = [];
        if (error is null)
        {
            lock (_gate)
            {
                error = ValidateForQueue(queue, items.Select(i => i.Message));
                if (error is null)
                {
                    foreach (var (bytes, item) in items)
                    {
                        if (Store(queue, bytes, item, now))
                        {
                            stored++;
                        }
                        else
                        {
                            duplicates.Add(MessageIdText(item));
                        }
                    }
                }
            }
        }

        lock (_gate)
        {
            _transfers.Add(new TransferRecord(queue.Name, format, Math.Max(items.Count, 1), whole.Length, now, error is null ? "accepted" : error.Condition.ToString(), error?.Description)
            {
                MessageIds = [.. items.Select(i => MessageIdText(i.Message))],
                DuplicateMessageIds = duplicates,
            });
        }

        if (error is not null)
        {
            context.Complete(error);
            if (closeLink)
            {
                CloseLink(sender.Link, error);
            }

            return;
        }

        if (delay > TimeSpan.Zero)
        {
            _ = CompleteLaterAsync(context, delay);
        }
        else
        {
            context.Complete();
        }

        if (stored > 0)
        {
            Signal();
        }
    }

    internal void OnSenderClosed(SenderState sender)
    {
        lock (_gate)
        {
            sender.Connection.Senders.Remove(sender);
        }
    }

    internal void OnReceiverFlow(ReceiverState receiver, int delta)
    {
        lock (_gate)
        {
            // delta is the change of the peer's delivery limit (ListenerLink.OnFlow): a flow that only repeats it (e.g. a drain
            // request) leaves the credit as it was; one that lowers it takes credit away.
            receiver.Credit = Math.Max(0, receiver.Credit + delta);
        }

        Signal();
    }

    internal void OnReceiverDisposition(ReceiverState receiver, DispositionContext context)
    {
        var state = context.DeliveryState;
        lock (_gate)
        {
            if (receiver.InFlight.Remove(context.Message, out var stored))
            {
                Settle(receiver.Queue, stored, state);
            }
            else if (receiver.LockLost.Remove(context.Message))
            {
                // The lock ran out first: the settlement is refused and the message stays (already released) in the queue.
                state = new Rejected { Error = new Error(MessageLockLost) { Description = "The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue, or was received by a different receiver instance." } };
            }
        }

        if (!context.Settled)
        {
            context.Link.DisposeMessage(context.Message, state, true);
        }

        Signal();
    }

    internal void OnReceiverClosed(ReceiverState receiver)
    {
        lock (_gate)
        {
            ReleaseReceiver(receiver);
        }

        Signal();
    }

    internal void OnCbsReplyClosed(ConnectionState connection, string address, ListenerLink link)
    {
        lock (_gate)
        {
            if (connection.CbsReplyLinks.TryGetValue(address, out var current) && ReferenceEquals(current, link))
            {
                connection.CbsReplyLinks.Remove(address);
            }
        }
    }

    internal void OnCbsRequest(ConnectionState connection, MessageContext context)
    {
        // CBS put-token (service-bus-amqp-protocol-guide, "Claims-based authorization"): application properties operation,
        // type, name, expiration; body an AmqpValue string; the reply carries status-code and status-description, and its
        // correlation-id is the request's message-id, sent to the request's reply-to.
        var now = _time.GetUtcNow();
        var request = context.Message;
        var operation = AppProperty(request, "operation") as string;
        var type = AppProperty(request, "type") as string;
        var name = AppProperty(request, "name") as string;
        var expirationValue = AppProperty(request, "expiration");
        DateTimeOffset? expiration = expirationValue is DateTime dt ? new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc)) : null;
        var token = request.Body as string;
        var messageId = request.Properties?.MessageId;
        var replyTo = request.Properties?.ReplyTo;

        var (status, description, grant) = EvaluatePutToken(operation, type, name, token, expiration, now);
        var answer = _answerCbs;
        ListenerLink? replyLink = null;
        lock (_gate)
        {
            if (replyTo is not null)
            {
                connection.CbsReplyLinks.TryGetValue(replyTo, out replyLink);
            }

            if (grant is not null)
            {
                connection.EverAuthorized = true;
                connection.Grants.Add(grant);
                ArmExpiryTimer(connection, grant.ExpiresAt);
            }

            _putTokens.Add(new PutTokenRecord(operation, type, name, expiration, expirationValue, token, messageId, replyTo, now, status, description, answer && replyLink is not null));
        }

        if (replyLink is null)
        {
            context.Complete(new Error(ErrorCode.NotFound) { Description = $"No receiver link on $cbs with target address '{replyTo}' (the request's reply-to) on this connection." });
            return;
        }

        context.Complete();
        if (!answer)
        {
            return;
        }

        var response = new Message
        {
            Properties = new Properties { CorrelationId = messageId },
            ApplicationProperties = new ApplicationProperties(),
        };
        response.ApplicationProperties["status-code"] = status;
        response.ApplicationProperties["status-description"] = description;
        try
        {
            replyLink.SendMessage(response);
        }
        catch (AmqpException)
        {
            // The client closed its reply link meanwhile: nobody to answer.
        }
    }

    internal void ProcessAttach(AttachContext context)
    {
        var link = context.Link;
        var attach = context.Attach;
        var connection = (ListenerConnection)link.Session.Connection;
        ConnectionState state;
        lock (_gate)
        {
            state = ConnectionFor(connection);
        }

        // ListenerLink.Role true: the host receives (the client sends) and the address is the target's.
        var address = link.Role ? (attach.Target as Target)?.Address : (attach.Source as Source)?.Address;
        if (string.IsNullOrEmpty(address))
        {
            context.Complete(new Error(ErrorCode.InvalidField) { Description = "The attach has no address." });
            return;
        }

        if (string.Equals(address, "$cbs", StringComparison.OrdinalIgnoreCase))
        {
            AttachCbs(context, state);
            return;
        }

        var now = _time.GetUtcNow();
        QueueState? queue;
        lock (_gate)
        {
            queue = GetOrCreateQueue(NormaliseQueue(address));
        }

        if (queue is null)
        {
            context.Complete(new Error(ErrorCode.NotFound) { Description = $"The messaging entity 'sb://{Host}/{NormaliseQueue(address)}' could not be found." });
            return;
        }

        var needed = link.Role ? AccessRights.Send : AccessRights.Listen;
        if (_options.RequireCbs && !IsAuthorized(state, queue.Name, now, needed))
        {
            context.Complete(Unauthorized(needed, queue.Name));
            return;
        }

        if (link.Role)
        {
            AttachSender(context, state, queue);
        }
        else
        {
            AttachReceiver(context, state, queue);
        }
    }

    private static bool TakeOne(ref int counter)
    {
        int seen;
        do
        {
            seen = Volatile.Read(ref counter);
            if (seen <= 0)
            {
                return false;
            }
        }
        while (Interlocked.CompareExchange(ref counter, seen - 1, seen) != seen);
        return true;
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private static string NormaliseQueue(string address)
    {
        var path = address.Contains("://", StringComparison.Ordinal) ? Audiences.Split(address).Path : address.Trim('/');
        return path;
    }

    private static object? AppProperty(Message message, string key)
    {
        var map = message.ApplicationProperties?.Map;
        return map is not null && map.TryGetValue(key, out var value) ? value : null;
    }

    private static byte[] EncodeToArray(Message message)
    {
        var buffer = message.Encode();
        return buffer.Buffer.AsSpan(buffer.Offset, buffer.Length).ToArray();
    }

    private static Message DecodeArray(byte[] bytes) => Message.Decode(new ByteBuffer(bytes, 0, bytes.Length, bytes.Length));

    private static string? MessageIdKey(object? id) => id switch
    {
        null => null,
        string s => "s:" + s,
        byte[] b => "b:" + Convert.ToHexString(b),
        _ => id.GetType().Name + ":" + Convert.ToString(id, CultureInfo.InvariantCulture),
    };

    // A message-id as a test compares it: a string as it is, binary as hex, other types (ulong, uuid) in invariant text.
    private static string? MessageIdText(Message message) => message.Properties?.GetMessageId() switch
    {
        null => null,
        string s => s,
        byte[] b => Convert.ToHexString(b),
        var id => Convert.ToString(id, CultureInfo.InvariantCulture),
    };

    private static object? Annotation(Message message, Symbol key)
    {
        var map = message.MessageAnnotations?.Map;
        return map is not null && map.TryGetValue(key, out var value) ? value : null;
    }

    private static Error? Unpack(Message batch, List<(byte[] Bytes, Message Message)> items)
    {
        // A batch (format 0x80013700) carries one Data section per encoded message; each is processed as if sent alone.
        IEnumerable<Data> sections = batch.BodySection switch
        {
            DataList list => Enumerable.Range(0, list.Count).Select(i => list[i]),
            Data single => [single],
            _ => [],
        };
        foreach (var section in sections)
        {
            var bytes = section.Binary;
            try
            {
                items.Add((bytes, DecodeArray(bytes)));
            }
            catch (AmqpException exception)
            {
                return new Error(ErrorCode.DecodeError) { Description = $"A Data section of the batch is not an encoded AMQP message: {exception.Message}" };
            }
        }

        return items.Count == 0
            ? new Error(ErrorCode.DecodeError) { Description = "A batch (message format 0x80013700) must carry Data sections, each an encoded message." }
            : null;
    }

    private void Open()
    {
        _host.Open();
        _dispatcher = Task.Run(() => DispatchLoopAsync(_stop.Token));
    }

    private void AttachCbs(AttachContext context, ConnectionState state)
    {
        var link = context.Link;
        if (link.Role)
        {
            context.Complete(new CbsRequestEndpoint(this, state), 100);
            return;
        }

        if (TakeOne(ref _ignoreCbsReplyAttaches))
        {
            // No answer at all: the attach stays pending until the client gives up and detaches.
            return;
        }

        if (TakeOne(ref _refuseCbsReplyAttaches))
        {
            context.Complete(new Error(ErrorCode.InternalError) { Description = "Injected by the emulator: the CBS reply link is refused." });
            return;
        }

        var replyAddress = (context.Attach.Target as Target)?.Address;
        if (string.IsNullOrEmpty(replyAddress))
        {
            context.Complete(new Error(ErrorCode.InvalidField) { Description = "A receiver on $cbs needs a target address: put-token replies go to the link whose target address is the request's reply-to." });
            return;
        }

        lock (_gate)
        {
            state.CbsReplyLinks[replyAddress] = link;
        }

        context.Complete(new CbsReplyEndpoint(this, state, replyAddress), 0);
    }

    private void AttachSender(AttachContext context, ConnectionState state, QueueState queue)
    {
        if (queue.IsDeadLetterQueue)
        {
            context.Complete(new Error(ErrorCode.NotAllowed) { Description = $"Cannot send to the dead-letter queue '{queue.Name}'." });
            return;
        }

        var sender = new SenderState(context.Link, queue, state);
        lock (_gate)
        {
            state.Senders.Add(sender);
        }

        // Service Bus advertises the tier's message size limit on the attach.
        context.Attach.MaxMessageSize = (ulong)_options.MaxMessageSizeBytes;
        context.Complete(new QueueTargetEndpoint(this, sender), _options.SenderCredit);
    }

    private void AttachReceiver(AttachContext context, ConnectionState state, QueueState queue)
    {
        var source = context.Attach.Source as Source;
        var (hasFilter, filterKey, requested) = FindSessionFilter(source);
        if (queue.RequiresSession && !hasFilter)
        {
            context.Complete(new Error(ErrorCode.NotAllowed) { Description = "It is not possible for an entity that requires sessions to create a non-sessionful message receiver." });
            return;
        }

        if (!queue.RequiresSession && hasFilter)
        {
            context.Complete(new Error(ErrorCode.NotAllowed) { Description = "A sessionful message receiver cannot be created on an entity that does not require sessions. Ensure RequiresSession is set to true when creating a Queue or Subscription to enable sessionful behavior." });
            return;
        }

        if (!hasFilter)
        {
            CompleteReceiver(context, state, queue, null, null);
            return;
        }

        if (requested is not null)
        {
            lock (_gate)
            {
                if (queue.SessionLocks.ContainsKey(requested))
                {
                    requested = null;
                }
                else
                {
                    CompleteReceiver(context, state, queue, requested, filterKey);
                    return;
                }
            }

            context.Complete(new Error(SessionCannotBeLocked) { Description = $"The requested session cannot be accepted. It may be locked by another receiver. (queue '{queue.Name}')" });
            return;
        }

        _ = AcceptNextSessionAsync(context, state, queue, filterKey);
    }

    private async Task AcceptNextSessionAsync(AttachContext context, ConnectionState state, QueueState queue, object? filterKey)
    {
        // A null session filter asks for the next available session; Service Bus waits up to the timeout the client gives in the
        // attach property com.microsoft:timeout (milliseconds; Microsoft.Azure.ServiceBus MessageSession sends it), else its
        // operation timeout, then fails the attach with com.microsoft:timeout.
        var wait = context.Attach.Properties is { } properties && properties.TryGetValue(TimeoutCondition, out var asked) && asked is uint ms
            ? TimeSpan.FromMilliseconds(ms)
            : _options.SessionAcceptTimeout;
        var deadline = DateTime.UtcNow + wait;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                lock (_gate)
                {
                    var now = _time.GetUtcNow();
                    var next = queue.Messages.Values.FirstOrDefault(m => m.SessionId is not null && m.LockedBy is null && m.VisibleAt <= now && !queue.SessionLocks.ContainsKey(m.SessionId));
                    if (next is not null)
                    {
                        CompleteReceiver(context, state, queue, next.SessionId, filterKey);
                        return;
                    }
                }

                if (DateTime.UtcNow > deadline)
                {
                    break;
                }

                await Task.Delay(10, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Host stopping.
        }

        try
        {
            context.Complete(new Error(TimeoutCondition) { Description = $"No session available on '{queue.Name}' within {wait}." });
        }
        catch (Exception exception) when (exception is AmqpException or ObjectDisposedException)
        {
            // The client gave up on the attach (or the connection) first.
        }
    }

    /// <summary>Completes a receiver attach. Called with the lock held when <paramref name="sessionId"/> is set.</summary>
    private void CompleteReceiver(AttachContext context, ConnectionState state, QueueState queue, string? sessionId, object? filterKey)
    {
        var receiver = new ReceiverState(context.Link, queue, state, sessionId);
        lock (_gate)
        {
            if (sessionId is not null)
            {
                queue.SessionLocks[sessionId] = receiver;
                var source = (Source)context.Attach.Source;
                var filters = source.FilterSet;
                var key = filterKey ?? SessionFilterName;
                filters[key] = filters.TryGetValue(key, out var old) && old is DescribedValue described ? new DescribedValue(described.Descriptor, sessionId) : sessionId;
                context.Attach.Properties ??= [];
                context.Attach.Properties[LockedUntilUtc] = (_time.GetUtcNow() + queue.Options.LockDuration).UtcTicks;
            }

            _receivers.Add(receiver);
            state.Receivers.Add(receiver);
        }

        try
        {
            context.Complete(new QueueSourceEndpoint(this, receiver), 0);
        }
        catch (Exception exception) when (exception is AmqpException or ObjectDisposedException)
        {
            // The client gave up on the attach (or the connection) while a session was being found: unlock it.
            lock (_gate)
            {
                ReleaseReceiver(receiver);
            }
        }
    }

    private static (bool Has, object? Key, string? SessionId) FindSessionFilter(Source? source)
    {
        if (source?.FilterSet is not { } filters)
        {
            return (false, null, null);
        }

        foreach (var key in filters.Keys)
        {
            if (string.Equals(key?.ToString(), SessionFilterName.ToString(), StringComparison.Ordinal))
            {
                var value = filters[key!];
                if (value is DescribedValue described)
                {
                    value = described.Value;
                }

                var id = value as string;
                return (true, key, string.IsNullOrEmpty(id) ? null : id);
            }
        }

        return (false, null, null);
    }

    private (int Status, string Description, Grant? Grant) EvaluatePutToken(string? operation, string? type, string? name, string? token, DateTimeOffset? expiration, DateTimeOffset now)
    {
        if (!string.Equals(operation, "put-token", StringComparison.Ordinal))
        {
            return (400, $"Unsupported $cbs operation '{operation}' (expected put-token)", null);
        }

        if (string.IsNullOrEmpty(name))
        {
            return (400, "put-token needs the application property 'name' (the audience)", null);
        }

        if (token is null)
        {
            return (400, "put-token needs the token as an AmqpValue string body", null);
        }

        var (host, path) = Audiences.Split(name);
        if (!_namespaceHosts.Contains(host))
        {
            return (403, $"InvalidAudience: '{name}' is not in this namespace ({string.Join(", ", _namespaceHosts)})", null);
        }

        DateTimeOffset expiresAt;
        var rights = AccessRights.All;
        if (string.Equals(type, SasTokenType, StringComparison.Ordinal))
        {
            var check = SasTokens.Validate(token, name, _options.SharedAccessKeys, now);
            if (!check.Valid)
            {
                return (check.StatusCode, check.Description, null);
            }

            expiresAt = check.ExpiresAt;
            rights = _options.KeyRights is null ? AccessRights.All : _options.KeyRights.GetValueOrDefault(check.KeyName!, AccessRights.None);
        }
        else if (type is "jwt" or "amqp:jwt")
        {
            // "jwt" is what the Azure SDKs send; the protocol guide's table names it "amqp:jwt".
            if (_options.JwtValidator is null || !_options.JwtValidator(token))
            {
                return (401, "InvalidToken: the jwt was not accepted", null);
            }

            expiresAt = expiration ?? now + _options.JwtDefaultLifetime;
            if (expiresAt <= now)
            {
                return (401, $"ExpiredToken: expiration {expiresAt:O} has passed", null);
            }
        }
        else
        {
            return (400, $"Unsupported token type '{type}' (expected {SasTokenType} or jwt)", null);
        }

        return (_options.PutTokenSuccessStatus, "Accepted", new Grant(name, host, path, expiresAt, rights));
    }

    private bool IsAuthorized(ConnectionState connection, string queue, DateTimeOffset now, AccessRights needed)
    {
        var entity = queue.ToLowerInvariant();
        lock (_gate)
        {
            return connection.Grants.Any(g => g.ExpiresAt > now && (g.Rights & (needed | AccessRights.Manage)) != 0 && Audiences.PathCovers(g.Path, entity));
        }
    }

    private Error Unauthorized(AccessRights needed, string queue) => new(ErrorCode.UnauthorizedAccess)
    {
        // Service Bus's own wording, e.g. "Unauthorized access. 'Send' claim(s) are required to perform this operation. Resource: 'sb://ns.servicebus.windows.net/queue'".
        Description = $"Unauthorized access. '{needed}' claim(s) are required to perform this operation. Resource: 'sb://{Host}/{queue}'.",
    };

    private void ArmExpiryTimer(ConnectionState connection, DateTimeOffset expiresAt)
    {
        if (!_options.CloseLinksOnTokenExpiry || _disposed)
        {
            return;
        }

        var due = expiresAt - _time.GetUtcNow();
        var timer = _time.CreateTimer(_ => CloseExpiredLinks(connection), null, due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
        _timers.Add(timer);
    }

    private void CloseExpiredLinks(ConnectionState connection)
    {
        var now = _time.GetUtcNow();
        List<ListenerLink> victims = [];
        lock (_gate)
        {
            victims.AddRange(connection.Senders.Where(s => !IsAuthorized(connection, s.Queue.Name, now, AccessRights.Send)).Select(s => s.Link));
            victims.AddRange(connection.Receivers.Where(r => !IsAuthorized(connection, r.Queue.Name, now, AccessRights.Listen)).Select(r => r.Link));
        }

        foreach (var link in victims)
        {
            CloseLink(link, new Error(ErrorCode.UnauthorizedAccess) { Description = "The token has expired and was not renewed (put-token) on this connection." });
        }
    }

    private static void CloseLink(ListenerLink link, Error error)
    {
        try
        {
            link.Close(TimeSpan.Zero, error);
        }
        catch (AmqpException)
        {
            // Already closing.
        }
        catch (ObjectDisposedException)
        {
            // Transport gone.
        }
    }

    private static async Task CompleteLaterAsync(MessageContext context, TimeSpan delay)
    {
        await Task.Delay(delay).ConfigureAwait(false);
        try
        {
            context.Complete();
        }
        catch (AmqpException)
        {
            // The link or connection closed while the accept was held back: the sender never hears of it.
        }
        catch (ObjectDisposedException)
        {
            // Same, transport disposed.
        }
    }

    /// <summary>Checks every message of a transfer before any is stored: a batch is refused whole.</summary>
    private Error? ValidateForQueue(QueueState queue, IEnumerable<Message> messages)
    {
        foreach (var message in messages)
        {
            var sessionId = message.Properties?.GroupId;
            var tooLong = TooLong("MessageId", message.Properties?.MessageId as string) ?? TooLong("SessionId", sessionId) ?? TooLong("PartitionKey", Annotation(message, PartitionKeyAnnotation) as string);
            if (tooLong is not null)
            {
                return tooLong;
            }

            if (queue.RequiresSession && string.IsNullOrEmpty(sessionId))
            {
                return new Error(ErrorCode.NotAllowed) { Description = "The SessionId was not set on a message, and it cannot be sent to the entity. Entities that have session support enabled can only receive messages that have the SessionId set to a valid value." };
            }

            if (_options.RequirePartitionKeyMatchesSession && !string.IsNullOrEmpty(sessionId) && Annotation(message, PartitionKeyAnnotation) is string partitionKey && !string.Equals(partitionKey, sessionId, StringComparison.Ordinal))
            {
                return new Error(ErrorCode.NotAllowed) { Description = $"The PartitionKey '{partitionKey}' does not match the SessionId '{sessionId}'; Service Bus requires them equal." };
            }
        }

        return null;
    }

    /// <summary>Service Bus caps MessageId, SessionId and PartitionKey at 128 characters (learn.microsoft.com: Service Bus quotas;
    /// the SDKs' ServiceBusMessage setters throw ArgumentOutOfRangeException above it). The transfer is rejected with
    /// <c>com.microsoft:argument-out-of-range</c>, the condition Microsoft.Azure.Amqp maps to ArgumentOutOfRangeException.</summary>
    private static Error? TooLong(string what, string? value) =>
        value is { Length: > MaxIdLength }
            ? new Error(ArgumentOutOfRange) { Description = string.Create(CultureInfo.InvariantCulture, $"The {what} is {value.Length} characters long; the maximum is {MaxIdLength}.") }
            : null;

    /// <summary>Stores one message (lock held); false when duplicate detection dropped it.</summary>
    private bool Store(QueueState queue, byte[] bytes, Message message, DateTimeOffset now)
    {
        // Duplicate detection (learn.microsoft.com/azure/service-bus-messaging/duplicate-detection): a message whose
        // MessageId was enqueued within the window is accepted and dropped.
        var idKey = MessageIdKey(message.Properties?.MessageId);
        if (queue.Options.DuplicateDetection && idKey is not null && !queue.IsDeadLetterQueue)
        {
            if (queue.SeenMessageIds.TryGetValue(idKey, out var seenAt) && now - seenAt < queue.Options.DuplicateDetectionWindow)
            {
                queue.DuplicatesDropped++;
                Interlocked.Increment(ref _duplicatesDropped);
                return false;
            }

            queue.SeenMessageIds[idKey] = now;
        }

        var visibleAt = now;
        if (Annotation(message, ScheduledEnqueueTimeAnnotation) is DateTime scheduled)
        {
            var at = new DateTimeOffset(DateTime.SpecifyKind(scheduled, DateTimeKind.Utc));
            if (at > now)
            {
                visibleAt = at;
                if (!_disposed)
                {
                    _timers.Add(_time.CreateTimer(_ => Signal(), null, at - now, Timeout.InfiniteTimeSpan));
                }
            }
        }

        DateTimeOffset? expiresAt = message.Header?.Ttl is > 0 and var ttl ? visibleAt + TimeSpan.FromMilliseconds(ttl) : null;
        var sequence = queue.NextSequence++;
        queue.Messages.Add(sequence, new StoredMessage
        {
            SequenceNumber = sequence,
            Encoded = bytes,
            EnqueuedAt = now,
            VisibleAt = visibleAt,
            ExpiresAt = expiresAt,
            SessionId = message.Properties?.GroupId,
        });
        return true;
    }

    /// <summary>Applies a receiver's outcome to a locked message (lock held).</summary>
    private void Settle(QueueState queue, StoredMessage message, DeliveryState? outcome)
    {
        message.LockedBy = null;
        message.LockTimer?.Dispose();
        message.LockTimer = null;
        switch (outcome)
        {
            case Accepted:
                queue.Messages.Remove(message.SequenceNumber);
                break;
            case Rejected when queue.IsDeadLetterQueue:
                // A message cannot be dead-lettered from a dead-letter queue (service-bus-dead-letter-queues): it stays.
                FailDelivery(queue, message);
                break;
            case Rejected rejected:
                var info = rejected.Error?.Info;
                var reason = InfoString(info, "DeadLetterReason") ?? rejected.Error?.Condition?.ToString();
                var description = InfoString(info, "DeadLetterErrorDescription") ?? rejected.Error?.Description;
                DeadLetter(queue, message, reason, description);
                break;
            case Modified modified:
                if (modified.MessageAnnotations is { } changes)
                {
                    // Abandon with properties to modify merges them into the message annotations.
                    var copy = message.Decode();
                    copy.MessageAnnotations ??= new MessageAnnotations();
                    foreach (var (key, value) in changes)
                    {
                        copy.MessageAnnotations.Map[key] = value;
                    }

                    message.Encoded = EncodeToArray(copy);
                }

                FailDelivery(queue, message);
                break;
            default:
                FailDelivery(queue, message);
                break;
        }
    }

    private static string? InfoString(Fields? info, string key)
    {
        if (info is null)
        {
            return null;
        }

        foreach (var (k, v) in info)
        {
            if (string.Equals(k?.ToString(), key, StringComparison.Ordinal))
            {
                return v as string;
            }
        }

        return null;
    }

    private void FailDelivery(QueueState queue, StoredMessage message)
    {
        message.DeliveryCount++;
        if (message.DeliveryCount >= queue.Options.MaxDeliveryCount && !queue.IsDeadLetterQueue)
        {
            // Reason and description as service-bus-dead-letter-queues lists them.
            DeadLetter(queue, message, "MaxDeliveryCountExceeded", "Message couldn't be consumed after maximum delivery attempts.");
        }
    }

    private void DeadLetter(QueueState queue, StoredMessage message, string? reason, string? description)
    {
        queue.Messages.Remove(message.SequenceNumber);
        if (queue.IsDeadLetterQueue)
        {
            return;
        }

        var copy = message.Decode();
        copy.ApplicationProperties ??= new ApplicationProperties();
        copy.ApplicationProperties["DeadLetterReason"] = reason;
        copy.ApplicationProperties["DeadLetterErrorDescription"] = description;
        var dlq = GetOrCreateQueue(queue.Name + DeadLetterSuffix)!;
        var sequence = dlq.NextSequence++;
        dlq.Messages.Add(sequence, new StoredMessage
        {
            SequenceNumber = sequence,
            Encoded = EncodeToArray(copy),
            EnqueuedAt = message.EnqueuedAt,
            VisibleAt = message.VisibleAt,
            DeliveryCount = message.DeliveryCount,
        });
    }

    private void ReleaseReceiver(ReceiverState receiver)
    {
        if (receiver.Closed)
        {
            return;
        }

        receiver.Closed = true;
        _receivers.Remove(receiver);
        receiver.Connection.Receivers.Remove(receiver);
        foreach (var stored in receiver.InFlight.Values)
        {
            // The lock is lost with the link: a failed delivery, as when a Service Bus lock expires.
            Settle(receiver.Queue, stored, null);
        }

        receiver.InFlight.Clear();
        if (receiver.SessionId is not null && receiver.Queue.SessionLocks.TryGetValue(receiver.SessionId, out var owner) && ReferenceEquals(owner, receiver))
        {
            receiver.Queue.SessionLocks.Remove(receiver.SessionId);
        }
    }

    private QueueState? GetOrCreateQueue(string name)
    {
        if (_queues.TryGetValue(name, out var queue))
        {
            return queue;
        }

        if (!_options.AutoCreateQueues)
        {
            return null;
        }

        var baseName = name.EndsWith(DeadLetterSuffix, StringComparison.OrdinalIgnoreCase) ? name[..^DeadLetterSuffix.Length] : name;
        CreateQueue(baseName, _options.DefaultQueue with { Name = baseName });
        return _queues[name];
    }

    private void CreateQueue(string name, EmulatedQueueOptions options)
    {
        _queues[name] = new QueueState(name, options, false);
        _queues[name + DeadLetterSuffix] = new QueueState(name + DeadLetterSuffix, options with { Name = name + DeadLetterSuffix, RequiresSession = false, DuplicateDetection = false }, true);
    }

    private ConnectionState ConnectionFor(ListenerConnection connection)
    {
        if (!_connections.TryGetValue(connection, out var state))
        {
            state = new ConnectionState(connection);
            _connections[connection] = state;
            connection.AddClosedCallback((_, _) => OnConnectionClosed(connection));
            if (_options.RequireCbs && _options.CbsGracePeriod is { } grace && !_disposed)
            {
                _timers.Add(_time.CreateTimer(_ => OnGracePeriodOver(state), null, grace, Timeout.InfiniteTimeSpan));
            }
        }

        return state;
    }

    private void OnConnectionClosed(ListenerConnection connection)
    {
        lock (_gate)
        {
            if (_connections.Remove(connection, out var state))
            {
                foreach (var receiver in state.Receivers.ToList())
                {
                    ReleaseReceiver(receiver);
                }
            }
        }

        Signal();
    }

    private void OnGracePeriodOver(ConnectionState connection)
    {
        // "A valid token must be set successfully using a put-token request for some entity node within 20 seconds after
        // the connection has been established, otherwise the connection is unilaterally dropped by Service Bus."
        lock (_gate)
        {
            if (connection.EverAuthorized || !_connections.ContainsKey(connection.Connection))
            {
                return;
            }
        }

        try
        {
            connection.Connection.Close(TimeSpan.Zero, new Error(ErrorCode.UnauthorizedAccess) { Description = $"No put-token succeeded within {_options.CbsGracePeriod} of the connection opening." });
        }
        catch (AmqpException)
        {
            // Already closing.
        }
        catch (ObjectDisposedException)
        {
            // Already gone.
        }
    }

    private void OnLockExpired(ReceiverState receiver, Message message, StoredMessage stored)
    {
        lock (_gate)
        {
            if (!receiver.InFlight.TryGetValue(message, out var current) || !ReferenceEquals(current, stored))
            {
                return;
            }

            receiver.InFlight.Remove(message);
            receiver.LockLost.Add(message);
            Settle(receiver.Queue, stored, null);
        }

        Signal();
    }

    private static void Abort(ConnectionState connection)
    {
        try
        {
            if (connection.Socket is { } socket)
            {
                // Linger 0: the close sends a TCP reset, as a crashed broker or a cut network would.
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
            }
            else
            {
                connection.Connection.Close(TimeSpan.Zero, new Error(ErrorCode.ConnectionForced) { Description = "Dropped by the emulator." });
            }
        }
        catch (SocketException)
        {
            // Already gone.
        }
        catch (ObjectDisposedException)
        {
            // Already gone.
        }
        catch (AmqpException)
        {
            // Already closing.
        }
    }

    private static Message Annotated(StoredMessage stored, DateTimeOffset? lockedUntil)
    {
        // Broker annotations Service Bus adds on delivery: x-opt-sequence-number, x-opt-enqueued-time, x-opt-locked-until.
        var message = stored.Decode();
        message.Header ??= new Header();
        message.Header.DeliveryCount = (uint)stored.DeliveryCount;
        message.MessageAnnotations ??= new MessageAnnotations();
        message.MessageAnnotations.Map[SequenceNumberAnnotation] = stored.SequenceNumber;
        message.MessageAnnotations.Map[EnqueuedTimeAnnotation] = stored.EnqueuedAt.UtcDateTime;
        if (lockedUntil is { } until)
        {
            message.MessageAnnotations.Map[LockedUntilAnnotation] = until.UtcDateTime;
        }

        return message;
    }

    private void Signal() => _dispatchSignal.Writer.TryWrite(true);

    private async Task DispatchLoopAsync(CancellationToken cancellationToken)
    {
        // Deliveries go out from this one loop, never under the lock and never from AMQPNetLite's callbacks,
        // so a session's messages leave in order and no library lock is taken while ours is held.
        var reader = _dispatchSignal.Reader;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (reader.TryRead(out _))
            {
            }

            var (deliveries, drains) = CollectDeliveries();
            foreach (var (receiver, message) in deliveries)
            {
                try
                {
                    receiver.Link.SendMessage(message);
                }
                catch (Exception exception) when (exception is AmqpException or ObjectDisposedException or InvalidOperationException)
                {
                    lock (_gate)
                    {
                        if (receiver.InFlight.Remove(message, out var stored))
                        {
                            stored.LockedBy = null;
                        }
                    }
                }
            }

            foreach (var receiver in drains)
            {
                try
                {
                    receiver.Link.CompleteDrain();
                }
                catch (Exception exception) when (exception is AmqpException or ObjectDisposedException or InvalidOperationException)
                {
                    // Link gone.
                }
            }
        }
    }

    private (List<(ReceiverState Receiver, Message Message)> Deliveries, List<ReceiverState> Drains) CollectDeliveries()
    {
        List<(ReceiverState, Message)> deliveries = [];
        List<ReceiverState> drains = [];
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            foreach (var receiver in _receivers)
            {
                if (receiver.Closed || receiver.Credit <= 0)
                {
                    continue;
                }

                var queue = receiver.Queue;
                var sent = 0;
                List<StoredMessage> expired = [];
                List<StoredMessage> taken = [];
                foreach (var stored in queue.Messages.Values)
                {
                    if (receiver.Credit <= 0)
                    {
                        break;
                    }

                    if (stored.LockedBy is not null || stored.VisibleAt > now || (queue.RequiresSession && !string.Equals(stored.SessionId, receiver.SessionId, StringComparison.Ordinal)))
                    {
                        continue;
                    }

                    if (stored.ExpiresAt is { } expiry && expiry <= now)
                    {
                        expired.Add(stored);
                        continue;
                    }

                    receiver.Credit--;
                    sent++;
                    var message = Annotated(stored, receiver.Link.SettleOnSend ? null : now + queue.Options.LockDuration);
                    if (receiver.Link.SettleOnSend)
                    {
                        // Receive-and-delete: the message leaves the queue as it is sent.
                        taken.Add(stored);
                    }
                    else
                    {
                        stored.LockedBy = receiver;
                        receiver.InFlight[message] = stored;
                        stored.LockTimer = _time.CreateTimer(_ => OnLockExpired(receiver, message, stored), null, queue.Options.LockDuration, Timeout.InfiniteTimeSpan);
                    }

                    deliveries.Add((receiver, message));
                }

                foreach (var stored in taken)
                {
                    queue.Messages.Remove(stored.SequenceNumber);
                }

                foreach (var stored in expired)
                {
                    // Expired: dropped, or dead-lettered when the queue says so (reason TTLExpiredException).
                    if (queue.Options.DeadLetteringOnMessageExpiration)
                    {
                        DeadLetter(queue, stored, "TTLExpiredException", "The message expired and was dead lettered.");
                    }
                    else
                    {
                        queue.Messages.Remove(stored.SequenceNumber);
                    }
                }

                if (sent == 0 && receiver.Link.IsDraining)
                {
                    receiver.Credit = 0;
                    drains.Add(receiver);
                }
            }
        }

        return (deliveries, drains);
    }

    private sealed class LinkProcessor(EmulatedServiceBus bus) : ILinkProcessor
    {
        public void Process(AttachContext attachContext) => bus.ProcessAttach(attachContext);
    }
}
