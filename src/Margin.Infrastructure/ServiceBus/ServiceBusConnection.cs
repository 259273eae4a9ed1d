using System.Collections.Concurrent;
using System.Globalization;
using Amqp;
using Amqp.Framing;
using Amqp.Sasl;
using Amqp.Types;
using Azure.Core;

namespace Margin.Infrastructure.ServiceBus;

/// <summary>The process's one AMQP connection to a Service Bus namespace (or a local AMQP 1.0 broker); links are opened on it and reused.</summary>
/// <remarks>
/// <para>Nothing is opened until first use. Then one connection (SASL ANONYMOUS, or PLAIN with <see cref="ServiceBusOptions.SaslUser"/>;
/// <c>amqps</c> on 5671 unless TLS is off, <c>amqp</c> on 5672 with <c>UseDevelopmentEmulator=true</c>; <see cref="ServiceBusOptions.Port"/> overrides)
/// carries one session, one sender link per queue and the receivers' links.</para>
/// <para>With <see cref="ServiceBusOptions.UseCbs"/>, before a link to a queue is attached its audience <c>amqp://{host}/{queue}</c> is authorised
/// with a CBS <c>put-token</c> on <c>$cbs</c> (the name format of AMQPNetLite's Examples/ServiceBus/Scenarios/CbsAsyncExample.cs;
/// Azure.Messaging.ServiceBus AmqpConnectionScope builds the same host and path with its transport's scheme, amqps). The request
/// follows Microsoft.Azure.Amqp AmqpCbsLink.SendTokenAsync: application properties operation=put-token, type, name (the audience)
/// and expiration (a timestamp), the token as an AmqpValue string body, message-id and reply-to the CBS receiver link's address;
/// replies are matched on correlation-id, and status-code 200 or 202 is success. A SAS token for an audience is signed with that
/// audience as its <c>sr</c> (<see cref="SharedAccessSignatures"/>). Tokens are renewed <see cref="ServiceBusOptions.TokenRenewBefore"/> before they expire in two ways: a <see cref="TimeProvider"/>
/// timer per audience re-puts the token even when nothing is sent, and every use of a link checks the expiry and re-puts first when the
/// renewal is due. A failed timer renewal is retried by a new timer after half the time left to expiry, at most 30 s (so an open
/// receiver that sends nothing is not detached at the expiry), and before the next use. A ready SAS token from the connection string cannot be
/// renewed; once it expires, uses fail with a message saying so. A token already inside its renewal window when issued is re-put at
/// most every 30 s. Tokens belong to the connection: after a reconnect each audience is authorised again on first use.</para>
/// <para>After the connection, its session or a link is lost, the next use reconnects (one reconnect at a time, never after
/// disposal). A connection that dropped is reconnected after an exponential backoff with full jitter between
/// <see cref="ServiceBusOptions.ReconnectMinDelay"/> and <see cref="ServiceBusOptions.ReconnectMaxDelay"/> (<see cref="ReconnectBackoff"/>).
/// A connect that fails sets the next attempt one backoff later; until then every use fails at once with a
/// <see cref="ServiceBusException"/> (<see cref="ServiceBusException.IsConnectionLoss"/>) naming the address and the time of the next
/// attempt, instead of waiting (callers leave their orders in the outbox); the first use after it tries again. A session the peer
/// ended while the connection stayed open (RabbitMQ does this on a settlement outcome it refuses) makes the next use open a new
/// connection and session at once. A 1-minute AMQP idle timeout (heartbeats) makes a silent connection count as lost. Every wait is
/// bounded by <see cref="ServiceBusOptions.OperationTimeout"/> and the caller's cancellation token, except a next-available-session
/// attach, which waits the receive's own wait plus a margin.</para>
/// </remarks>
public sealed class ServiceBusConnection : IAsyncDisposable
{
    /// <summary>The shortest time between two put-tokens for one audience, so a credential whose tokens are already inside the
    /// renewal window when issued cannot make renewals loop (Azure.Messaging.ServiceBus has a similar floor, ClientMinimumTokenRefreshInterval).</summary>
    internal static readonly TimeSpan MinimumRenewInterval = TimeSpan.FromSeconds(30);

    /// <summary>The source filter that asks a session queue for a session (Azure.Messaging.ServiceBus AmqpClientConstants.SessionFilterName).</summary>
    public const string SessionFilter = "com.microsoft:session-filter";

    /// <summary>The error condition and attach property of Service Bus's operation timeout (Microsoft.Azure.ServiceBus AmqpClientConstants.TimeoutName).</summary>
    internal const string TimeoutCondition = "com.microsoft:timeout";

    private const string TimeoutProperty = TimeoutCondition;

    private readonly TimeProvider _time;
    private readonly CbsCredential? _credential;
    private readonly ReconnectBackoff _backoff;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _closing = new();
    private readonly string? _user;
    private readonly string? _password;
    private readonly string _containerId = "margin-" + Guid.NewGuid().ToString("N")[..12];
    private volatile Live? _live;
    private int _failures;
    private DateTimeOffset? _retryAt;
    private string? _lastConnectError;
    private long _connectAttempts;
    private long _connects;
    private long _tokensPut;
    private long _links;
    private volatile bool _disposed;

    /// <summary>Creates the connection (nothing is opened until first use).</summary>
    /// <param name="options">Valid, configured options.</param>
    /// <param name="credential">The token credential with <see cref="ServiceBusOptions.FullyQualifiedNamespace"/>, or null with a connection string.</param>
    /// <param name="time">The clock for token expiry and renewal.</param>
    /// <exception cref="ArgumentException">The options are invalid or not configured, or a namespace is given without a credential; the message names every problem.</exception>
    public ServiceBusConnection(ServiceBusOptions options, TokenCredential? credential, TimeProvider time)
        : this(options, credential, time, Random.Shared.NextDouble)
    {
    }

    /// <summary>Creates the connection with a given jitter source (tests make the backoff deterministic).</summary>
    internal ServiceBusConnection(ServiceBusOptions options, TokenCredential? credential, TimeProvider time, Func<double> jitter)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        if (options.Problems() is { Count: > 0 } problems)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }

        var emulator = false;
        int? port = null;
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            var cs = ServiceBusConnectionString.Parse(options.ConnectionString);
            Namespace = cs.Host;
            emulator = cs.UseDevelopmentEmulator;
            port = cs.Port;
            if (options.UseCbs)
            {
                _credential = cs.SharedAccessSignature is { } sas
                    ? new CbsCredential.SasToken(sas)
                    : new CbsCredential.SasKey(cs.KeyName!, cs.Key!, options.TokenLifetime);
            }
        }
        else if (!string.IsNullOrWhiteSpace(options.FullyQualifiedNamespace))
        {
            Namespace = options.FullyQualifiedNamespace.Trim();
            if (options.UseCbs)
            {
                _credential = new CbsCredential.Entra(credential ?? throw new ArgumentException(
                    $"{ServiceBusOptions.Section}:FullyQualifiedNamespace '{Namespace}' needs a token credential (e.g. DefaultAzureCredential, a managed identity)", nameof(credential)));
            }
        }
        else
        {
            throw new ArgumentException($"Service Bus is not configured: give {ServiceBusOptions.Section}:ConnectionString or {ServiceBusOptions.Section}:FullyQualifiedNamespace", nameof(options));
        }

        UseTls = options.UseTls ?? !emulator;
        Port = options.Port ?? port ?? (UseTls ? 5671 : 5672);
        _user = options.SaslUser;
        _password = options.SaslPassword;
        _backoff = new ReconnectBackoff(options.ReconnectMinDelay, options.ReconnectMaxDelay, jitter);
    }

    /// <summary>The options.</summary>
    public ServiceBusOptions Options { get; }

    /// <summary>The namespace host, for messages.</summary>
    public string Namespace { get; }

    /// <summary>The AMQP port used.</summary>
    public int Port { get; }

    /// <summary>Whether the connection uses TLS (<c>amqps</c>).</summary>
    public bool UseTls { get; }

    /// <summary>The AMQP idle timeout this side advertises and enforces (1 minute; tests shorten it).</summary>
    internal TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>What a next-available-session attach may take beyond the receive's wait (the round trip and a busy broker) before
    /// it is given up locally as "no session".</summary>
    internal TimeSpan SessionAttachMargin { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether an AMQP connection is open now (false before first use, and after a loss until the next use reconnects).</summary>
    public bool IsOpen => _live is { IsOpen: true };

    /// <summary>How many AMQP connections were opened (1 plus the reconnects).</summary>
    public long Connects => Interlocked.Read(ref _connects);

    /// <summary>How many times a connection was attempted (successful or not).</summary>
    internal long ConnectAttempts => Interlocked.Read(ref _connectAttempts);

    /// <summary>The consecutive connection losses and failed connects the reconnect backoff counts (0 once a link attached after a connect).</summary>
    internal int ReconnectFailures => Volatile.Read(ref _failures);

    /// <summary>How many CBS put-token requests were accepted (first authorisations and renewals).</summary>
    public long TokensPut => Interlocked.Read(ref _tokensPut);

    /// <summary>The kind of credential, for messages (<c>SAS key 'NAME'</c>, <c>SAS token</c>, <c>Entra ID token</c>), or <c>none (CBS off)</c>.</summary>
    public string CredentialKind => _credential?.Kind ?? "none (CBS off)";

    /// <summary>The CBS audience of a queue: <c>amqp://{host}/{queue}</c>.</summary>
    /// <param name="queue">The queue.</param>
    public string Audience(string queue) => $"amqp://{Namespace}/{queue}";

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _closing.CancelAsync().ConfigureAwait(false);
        var entered = await _gate.WaitAsync(Options.OperationTimeout).ConfigureAwait(false);
        try
        {
            var live = _live;
            _live = null;
            if (live is not null)
            {
                await live.CloseAsync(Options.OperationTimeout).ConfigureAwait(false);
            }
        }
        finally
        {
            if (entered)
            {
                _gate.Release();
                _gate.Dispose();
            }

            _closing.Dispose();
        }
    }

    /// <summary>Opens (or reuses) the connection and the sender link on the orders queue, authorizing it: what a health check needs to know that orders can be published.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="ServiceBusAuthorizationException">The credential was refused.</exception>
    public async Task ProbeAsync(CancellationToken cancellationToken = default) =>
        await GetSenderAsync(Options.OrdersQueue, cancellationToken).ConfigureAwait(false);

    /// <summary>The sender link to <paramref name="queue"/> (reused; reattached after a loss), with its audience authorised.</summary>
    internal async Task<Sender> GetSenderAsync(string queue, CancellationToken cancellationToken)
    {
        using var timeout = Bounded(cancellationToken);
        var stage = "connecting";
        try
        {
            var live = await GetLiveAsync(timeout.Token).ConfigureAwait(false);
            stage = "authorising (CBS put-token)";
            await AuthorizeAsync(live, queue, timeout.Token).ConfigureAwait(false);
            stage = "attaching";
            if (live.Senders.TryGetValue(queue, out var existing) && existing.IsUsable)
            {
                return existing;
            }

            await live.LinkGate.WaitAsync(timeout.Token).ConfigureAwait(false);
            try
            {
                if (live.Senders.TryGetValue(queue, out existing) && existing.IsUsable)
                {
                    return existing;
                }

                if (existing is not null)
                {
                    live.Senders.TryRemove(new KeyValuePair<string, Sender>(queue, existing));
                    existing.Link.Close(TimeSpan.Zero, null);
                }

                var attached = NewAttachSignal();
                // A fresh name each time: a link the broker detached keeps its name in the session until the detach is answered.
                var name = $"{_containerId}-send-{queue}-{Interlocked.Increment(ref _links).ToString(CultureInfo.InvariantCulture)}";
                ulong maxMessageSize = 0;
                var link = new SenderLink(live.Session, name, new Target { Address = queue }, (_, attach) =>
                {
                    // Service Bus announces the tier's largest message (a batch counts as one) on its attach; 0 or absent: no limit given.
                    maxMessageSize = attach.MaxMessageSize;
                    OnAttached(attached, attach.Target is null);
                });
                await WaitAttachedAsync(link, attached, $"a sender to queue '{queue}'", timeout.Token).ConfigureAwait(false);
                var closed = new TaskCompletionSource<Error?>(TaskCreationOptions.RunContinuationsAsynchronously);
                var sender = new Sender(link, closed, maxMessageSize);
                live.Senders[queue] = sender;
                link.AddClosedCallback((_, error) =>
                {
                    live.Senders.TryRemove(new KeyValuePair<string, Sender>(queue, sender));
                    closed.TrySetResult(error);
                });

                // The peer may end the session under a link that stays attached (RabbitMQ): the session's one closed callback
                // (ConnectAsync) completes every sender in Senders; this covers a session that ended before this sender was added.
                if (live.Session.IsClosed)
                {
                    live.Senders.TryRemove(new KeyValuePair<string, Sender>(queue, sender));
                    closed.TrySetResult(live.Session.Error);
                }
                Interlocked.Exchange(ref _failures, 0);
                return sender;
            }
            finally
            {
                live.LinkGate.Release();
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !_disposed)
        {
            throw new TimeoutException($"Service Bus namespace '{Namespace}': no sender to queue '{queue}' within {Options.OperationTimeout} (OperationTimeout), stuck {stage}");
        }
        catch (AmqpException e)
        {
            // The session or connection closed under us (AMQPNetLite throws from the link constructor or a send).
            throw new ServiceBusException($"Service Bus namespace '{Namespace}': no sender to queue '{queue}', the connection closed while {stage}: {Describe(e.Error)}", e)
            {
                IsConnectionLoss = true,
                Condition = e.Error?.Condition.ToString(),
            };
        }
    }

    /// <summary>Opens a peek-lock receiver link on <paramref name="queue"/> with no credit (the receiver gives it); on a session queue
    /// with the session filter (<paramref name="sessionId"/> or null for the next available session).</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="sessions">Whether the queue has sessions.</param>
    /// <param name="sessionId">The session to take, or null for the next available one.</param>
    /// <param name="sessionWait">For a next-available session: how long the broker may hold the attach waiting for a session
    /// (sent as the attach property <c>com.microsoft:timeout</c>, as Microsoft.Azure.ServiceBus's MessageSession does); the local
    /// wait for the attach is this plus <see cref="SessionAttachMargin"/> instead of <see cref="ServiceBusOptions.OperationTimeout"/>.</param>
    /// <param name="onMessage">Where delivered messages go.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The link and the session taken; a null link when no session was available within <paramref name="sessionWait"/>
    /// (the broker's <c>com.microsoft:timeout</c>, or the local wait running out).</returns>
    internal async Task<(ReceiverLink? Link, string? SessionId)> OpenReceiverAsync(string queue, bool sessions, string? sessionId, TimeSpan? sessionWait, MessageCallback onMessage, CancellationToken cancellationToken)
    {
        using var timeout = Bounded(cancellationToken);
        var stage = "connecting";
        var nextSession = sessions && sessionId is null && sessionWait is not null;
        try
        {
            var live = await GetLiveAsync(timeout.Token).ConfigureAwait(false);
            stage = "authorising (CBS put-token)";
            await AuthorizeAsync(live, queue, timeout.Token).ConfigureAwait(false);
            stage = sessions ? "attaching (waiting for a session)" : "attaching";
            var source = new Source { Address = queue };
            var attach = new Attach { Source = source, Target = new Target() };
            if (sessions)
            {
                // Azure.Messaging.ServiceBus (AmqpConnectionScope.CreateReceivingLinkAsync) and the AMQPNetLite MessageSessionExample:
                // a filter-set entry keyed by the symbol com.microsoft:session-filter, valued with the session id or null (next available).
                var filters = new Map { [new Symbol(SessionFilter)] = sessionId };
                source.FilterSet = filters;
            }

            if (nextSession)
            {
                // Service Bus holds a next-available-session attach until a session frees up or this timeout (milliseconds) passes.
                attach.Properties = new Fields { [new Symbol(TimeoutProperty)] = (uint)Math.Min(uint.MaxValue, sessionWait!.Value.TotalMilliseconds) };
            }

            var attached = NewAttachSignal();
            string? acceptedSession = sessionId;
            var receiver = new ReceiverLink(live.Session, $"{_containerId}-recv-{queue}-{Guid.NewGuid():N}", attach, (_, remote) =>
            {
                if (sessions && remote.Source is Source answer && answer.FilterSet is { } set && set[new Symbol(SessionFilter)] is string id)
                {
                    acceptedSession = id;
                }

                OnAttached(attached, remote.Source is null);
            });
            var what = sessions ? $"a session receiver on queue '{queue}' (session {sessionId ?? "next available"})" : $"a receiver on queue '{queue}'";
            if (nextSession)
            {
                using var attachWait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
                attachWait.CancelAfter(sessionWait!.Value + SessionAttachMargin);
                try
                {
                    await WaitAttachedAsync(receiver, attached, what, attachWait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !_disposed)
                {
                    return (null, null);
                }
                catch (ServiceBusException e) when (e.Condition == TimeoutCondition)
                {
                    return (null, null);
                }
            }
            else
            {
                await WaitAttachedAsync(receiver, attached, what, timeout.Token).ConfigureAwait(false);
            }

            // Messages are pushed to the callback (AMQPNetLite's ReceiveAsync(TimeSpan.Zero) waits instead of returning at once).
            // No credit yet: the receiver gives it per receive, in manual mode, so settling never restores it.
            receiver.Start(0, onMessage);

            // A link attached on this connection: it works, so the next loss starts the backoff afresh (a receive-only process
            // never attaches a sender; without this its delays would climb to ReconnectMaxDelay).
            Interlocked.Exchange(ref _failures, 0);
            return (receiver, acceptedSession);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !_disposed)
        {
            throw new TimeoutException($"Service Bus namespace '{Namespace}': no receiver on queue '{queue}' within {Options.OperationTimeout} (OperationTimeout), stuck {stage}");
        }
        catch (AmqpException e)
        {
            throw new ServiceBusException($"Service Bus namespace '{Namespace}': no receiver on queue '{queue}', the connection closed while {stage}: {Describe(e.Error)}", e)
            {
                IsConnectionLoss = true,
                Condition = e.Error?.Condition.ToString(),
            };
        }
    }

    private static TaskCompletionSource<bool> NewAttachSignal()
    {
        var signal = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        ObserveFault(signal.Task);
        return signal;
    }

    /// <summary>Marks a fault of <paramref name="task"/> as observed: a refusal or send failure that arrives after the caller gave up
    /// waiting (timeout, cancellation) must not surface later as <see cref="TaskScheduler.UnobservedTaskException"/>.</summary>
    internal static void ObserveFault(Task task) =>
        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private static void OnAttached(TaskCompletionSource<bool> attached, bool refused)
    {
        // A refused attach comes back with a null terminus and is followed by a detach carrying the error (AMQP 1.0, 2.6.3):
        // the closed callback reports that error.
        if (!refused)
        {
            attached.TrySetResult(true);
        }
    }

    private CancellationTokenSource Bounded(CancellationToken cancellationToken)
    {
        // Disposal cancels every wait (a reconnect backoff included).
        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        cts.CancelAfter(Options.OperationTimeout);
        return cts;
    }

    private async Task WaitAttachedAsync(Link link, TaskCompletionSource<bool> attached, string what, CancellationToken cancellationToken)
    {
        link.AddClosedCallback((_, error) => attached.TrySetException(new ServiceBusException(
            $"Service Bus namespace '{Namespace}' refused {what}: {Describe(error)}")
        {
            IsConnectionLoss = error is null || IsConnectionCondition(error),
            Condition = error?.Condition.ToString(),
        }));
        try
        {
            await attached.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            link.Close(TimeSpan.Zero, null);
            throw;
        }
    }

    private static void CloseQuietly(Link link)
    {
        try
        {
            if (!link.IsClosed)
            {
                link.Close(TimeSpan.Zero, null);
            }
        }
#pragma warning disable CA1031 // Best effort: the session may be gone already.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    internal static string Describe(Error? error) =>
        error is null ? "the link or connection closed without an error" : $"{error.Condition}: {error.Description ?? "no description"}";

    private static bool IsConnectionCondition(Error error) =>
        error.Condition.ToString() is "amqp:connection:forced" or "amqp:connection:framing-error" or "amqp:link:detach-forced" or "amqp:internal-error" or "com.microsoft:server-busy" or "com.microsoft:timeout";

    private async Task<Live> GetLiveAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_live is { IsOpen: true } live)
        {
            return live;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            live = _live;
            if (live is { IsOpen: true })
            {
                return live;
            }

            if (live is not null)
            {
                _live = null;
                live.Dispose();
            }

            var address = $"{(UseTls ? "amqps" : "amqp")}://{Namespace}:{Port.ToString(CultureInfo.InvariantCulture)}";
            var failures = Volatile.Read(ref _failures);
            if (_retryAt is { } retryAt)
            {
                // The last connect failed: until its backoff has passed, fail at once instead of making every caller wait it
                // out (a sweep publishes once per work item; each would otherwise sit through the backoff while the namespace is down).
                var now = _time.GetUtcNow();
                if (now < retryAt)
                {
                    throw new ServiceBusException(string.Create(CultureInfo.InvariantCulture,
                        $"Service Bus namespace '{Namespace}': cannot connect to {address}: not trying again before {retryAt:yyyy-MM-ddTHH:mm:ss.fffZ} (reconnect backoff, {(retryAt - now).TotalMilliseconds:0} ms left after {failures} failed attempt(s); last: {_lastConnectError})"))
                    {
                        IsConnectionLoss = true,
                    };
                }
            }
            else if (failures > 0)
            {
                // The connection was lost (not refused): the first reconnect waits its backoff.
                await Task.Delay(_backoff.Delay(failures), _time, cancellationToken).ConfigureAwait(false);
                ObjectDisposedException.ThrowIf(_disposed, this);
            }

            try
            {
                Interlocked.Increment(ref _connectAttempts);
                live = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures = Interlocked.Increment(ref _failures);
                var delay = _backoff.Delay(failures);
                var next = _time.GetUtcNow() + delay;
                _retryAt = next;
                _lastConnectError = e.Message;
                throw new ServiceBusException(string.Create(CultureInfo.InvariantCulture,
                    $"Service Bus namespace '{Namespace}': cannot connect to {address}: {e.Message} (next attempt after {next:yyyy-MM-ddTHH:mm:ss.fffZ}, in {delay.TotalMilliseconds:0} ms)"), e)
                {
                    IsConnectionLoss = true,
                };
            }

            _retryAt = null;
            _lastConnectError = null;
            _live = live;
            Interlocked.Increment(ref _connects);
            return live;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<Live> ConnectAsync(CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory();
        if (_user is null)
        {
            // Service Bus authorises through CBS; SASL only opens the connection.
            factory.SASL.Profile = SaslProfile.Anonymous;
        }

        factory.AMQP.ContainerId = _containerId;
        factory.AMQP.HostName = Namespace;

        // Heartbeats both ways (Azure.Messaging.ServiceBus AmqpConnectionScope.ConnectionIdleTimeout is 1 minute): a connection
        // that went silent (a dropped NAT entry, a dead broker) is closed, so the next use reconnects instead of timing out forever.
        factory.AMQP.IdleTimeout = (int)IdleTimeout.TotalMilliseconds;
        var address = new Address(Namespace, Port, _user, _password, "/", UseTls ? "amqps" : "amqp");
        var connection = await factory.CreateAsync(address, cancellationToken, null).ConfigureAwait(false);
        var live = new Live(connection, new Session(connection));

        // One callback per session, not one per sender (senders are re-created after each detach): sends waiting for a
        // disposition on a session the peer ended stop waiting.
        live.Session.AddClosedCallback((_, error) =>
        {
            foreach (var (queue, sender) in live.Senders)
            {
                live.Senders.TryRemove(new KeyValuePair<string, Sender>(queue, sender));
                sender.ClosedSource.TrySetResult(error ?? live.Session.Error);
            }
        });
        connection.AddClosedCallback((_, _) =>
        {
            if (!live.Lost && !_disposed)
            {
                // Lost, not closed by us: the next connect waits a backoff.
                Interlocked.Increment(ref _failures);
            }

            live.Lost = true;
        });
        return live;
    }

    private async Task AuthorizeAsync(Live live, string queue, CancellationToken cancellationToken)
    {
        if (_credential is null)
        {
            return;
        }

        var audience = Audience(queue);
        if (live.Tokens.TryGetValue(audience, out var held) && held.Holds(_time.GetUtcNow(), _credential.Renewable))
        {
            return;
        }

        await live.CbsGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            if (live.Tokens.TryGetValue(audience, out held) && held.Holds(now, _credential.Renewable))
            {
                return;
            }

            var token = await _credential.GetTokenAsync(audience, now, cancellationToken).ConfigureAwait(false);
            if (live.Cbs is null)
            {
                // Fresh link names per attempt; a half-opened pair is closed and the connection counted lost (OpenAsync), so the
                // next use rebuilds instead of tripping over a link still attached under the same name.
                var names = $"{_containerId}-cbs-{Interlocked.Increment(ref _links).ToString(CultureInfo.InvariantCulture)}";
                try
                {
                    live.Cbs = await CbsLink.OpenAsync(live.Session, names, queue, this, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not ObjectDisposedException)
                {
                    // Counted as a failure, so the rebuild waits its backoff rather than opening a new connection per call
                    // against a namespace whose $cbs refuses or does not answer.
                    Interlocked.Increment(ref _failures);
                    live.Lost = true;
                    throw;
                }
            }

            // Bounded by the caller's token (OperationTimeout): a $cbs that never answers surfaces as "stuck authorising".
            var (status, description) = await live.Cbs.PutTokenAsync(audience, token, cancellationToken).ConfigureAwait(false);
            if (status is 401 or 403)
            {
                throw new ServiceBusAuthorizationException(Namespace, queue, _credential.Kind, status, description);
            }

            if (status is not (200 or 202))
            {
                throw new ServiceBusException($"Service Bus namespace '{Namespace}': put-token for queue '{queue}' with the {_credential.Kind} answered {status.ToString(CultureInfo.InvariantCulture)}: {description ?? "no description"}") { StatusCode = status };
            }

            Interlocked.Increment(ref _tokensPut);
            var renewAt = token.ExpiresAt - Options.TokenRenewBefore;
            ITimer? timer = null;
            if (_credential.Renewable)
            {
                var due = renewAt - now;
                timer = _time.CreateTimer(_ => _ = RenewInBackgroundAsync(live, queue), null, due < MinimumRenewInterval ? MinimumRenewInterval : due, Timeout.InfiniteTimeSpan);
            }

            if (live.Tokens.TryGetValue(audience, out var previous))
            {
                previous.Timer?.Dispose();
            }

            live.Tokens[audience] = new Authorization(token.ExpiresAt, renewAt, now, timer);
        }
        finally
        {
            live.CbsGate.Release();
        }
    }

    private async Task RenewInBackgroundAsync(Live live, string queue)
    {
        if (_disposed || !live.IsOpen)
        {
            return;
        }

        try
        {
            using var timeout = Bounded(CancellationToken.None);
            await AuthorizeAsync(live, queue, timeout.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A failed background renewal is retried by a new timer (below) and before the next use of the link (AuthorizeAsync checks the expiry), which reports the error.
        catch (Exception)
#pragma warning restore CA1031
        {
            RearmRenewal(live, queue);
        }
    }

    /// <summary>After a failed background renewal: tries again after <see cref="RenewRetryDelay"/>, so an open receiver (which may
    /// not use its link again before the token expires) is not detached by Service Bus at the expiry.</summary>
    private void RearmRenewal(Live live, string queue)
    {
        var audience = Audience(queue);
        if (_disposed || !live.IsOpen || !live.Tokens.TryGetValue(audience, out var held))
        {
            return;
        }

        var delay = RenewRetryDelay(held.ExpiresAt - _time.GetUtcNow());
        if (delay is not { } due)
        {
            // Expired: the next use re-puts (and reports why it cannot).
            return;
        }

        var timer = _time.CreateTimer(_ => _ = RenewInBackgroundAsync(live, queue), null, due, Timeout.InfiniteTimeSpan);
        if (live.Tokens.TryUpdate(audience, held with { Timer = timer }, held))
        {
            held.Timer?.Dispose();
        }
        else
        {
            // A renewal succeeded meanwhile and set its own timer.
            timer.Dispose();
        }
    }

    /// <summary>How long to wait before retrying a failed renewal of a token with <paramref name="left"/> to live: half of it, at
    /// most 30 s and at least 1 s; null when it has expired.</summary>
    internal static TimeSpan? RenewRetryDelay(TimeSpan left)
    {
        if (left <= TimeSpan.Zero)
        {
            return null;
        }

        var half = left / 2;
        return half > MinimumRenewInterval ? MinimumRenewInterval : half < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : half;
    }

    /// <summary>A sender link, what completes when it closes (with the error, if any), and the largest message the broker
    /// announced on its attach (0: none announced).</summary>
    internal sealed record Sender(SenderLink Link, TaskCompletionSource<Error?> ClosedSource, ulong MaxMessageSize = 0)
    {
        /// <summary>Completes when the link or its session closes, with the error if any.</summary>
        public Task<Error?> Closed => ClosedSource.Task;

        /// <summary>The largest batch to build: <paramref name="configured"/>, or the broker's announced limit when that is smaller.</summary>
        /// <param name="configured">ServiceBus:MaxBatchBytes.</param>
        public int BatchLimit(int configured) => MaxMessageSize is > 0 && MaxMessageSize < (ulong)configured ? (int)MaxMessageSize : configured;

        /// <summary>Whether sends can go on it: attached, its session not ended, and no detach or close seen (a broker detach leaves the link not closed until it is answered).</summary>
        public bool IsUsable => Link.LinkState == LinkState.Attached && !Link.IsClosed && !Link.Session.IsClosed && !Closed.IsCompleted;
    }

    private sealed record Authorization(DateTimeOffset ExpiresAt, DateTimeOffset RenewAt, DateTimeOffset PutAt, ITimer? Timer)
    {
        /// <summary>Whether the token held is good enough at <paramref name="now"/>: before its renewal time; or, for a token that
        /// cannot be renewed (a ready SAS) or was put less than <see cref="MinimumRenewInterval"/> ago (a credential that hands out
        /// a token already inside the renewal window), before its expiry.</summary>
        public bool Holds(DateTimeOffset now, bool renewable) =>
            now < RenewAt || (now < ExpiresAt && (!renewable || now - PutAt < MinimumRenewInterval));
    }

    private sealed class Live(Connection connection, Session session) : IDisposable
    {
        private volatile bool _lost;

        public Connection Connection { get; } = connection;

        public Session Session { get; } = session;

        public CbsLink? Cbs { get; set; }

        public ConcurrentDictionary<string, Sender> Senders { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, Authorization> Tokens { get; } = new(StringComparer.Ordinal);

        public SemaphoreSlim LinkGate { get; } = new(1, 1);

        public SemaphoreSlim CbsGate { get; } = new(1, 1);

        public bool Lost
        {
            get => _lost;
            set => _lost = value;
        }

        /// <summary>Whether the connection, its session and the CBS links can still be used. The peer may end the session and keep
        /// the connection (RabbitMQ ends it on a settlement outcome it does not take): every link on it is then dead, so the next
        /// use opens a fresh connection and session.</summary>
        public bool IsOpen => !_lost && !Connection.IsClosed && !Session.IsClosed && Cbs is not { IsOpen: false };

        public async Task CloseAsync(TimeSpan timeout)
        {
            _lost = true;
            StopTimers();
            try
            {
                await Connection.CloseAsync(timeout, null).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Closing is best effort: the broker may be gone already.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }

        public void Dispose()
        {
            _lost = true;
            StopTimers();
            if (!Connection.IsClosed)
            {
                Connection.Close(TimeSpan.Zero, null);
            }
        }

        private void StopTimers()
        {
            foreach (var token in Tokens.Values)
            {
                token.Timer?.Dispose();
            }
        }
    }

    /// <summary>The request and reply links to <c>$cbs</c> (Microsoft.Azure.Amqp AmqpCbsLink; AMQPNetLite CbsAsyncExample).</summary>
    private sealed class CbsLink
    {
        private readonly ConcurrentDictionary<string, (TaskCompletionSource<Message> Reply, string Audience)> _pending = new(StringComparer.Ordinal);
        private readonly SenderLink _sender;
        private readonly ReceiverLink _receiver;
        private readonly string _replyTo;
        private long _next;

        private CbsLink(SenderLink sender, ReceiverLink receiver, string replyTo)
        {
            _sender = sender;
            _receiver = receiver;
            _replyTo = replyTo;
        }

        public bool IsOpen => !_sender.IsClosed && !_receiver.IsClosed;

        public static async Task<CbsLink> OpenAsync(Session session, string names, string queue, ServiceBusConnection owner, CancellationToken cancellationToken)
        {
            var replyTo = $"{names}-reply";
            var senderAttached = NewAttachSignal();
            var sender = new SenderLink(session, $"{names}-sender", new Target { Address = "$cbs" }, (_, attach) => OnAttached(senderAttached, attach.Target is null));
            ReceiverLink? receiver = null;
            try
            {
                await owner.WaitAttachedAsync(sender, senderAttached, $"the CBS request link to $cbs (authorising queue '{queue}')", cancellationToken).ConfigureAwait(false);
                var receiverAttached = NewAttachSignal();
                var attach = new Attach { Source = new Source { Address = "$cbs" }, Target = new Target { Address = replyTo } };
                receiver = new ReceiverLink(session, $"{names}-receiver", attach, (_, remote) => OnAttached(receiverAttached, remote.Source is null));
                await owner.WaitAttachedAsync(receiver, receiverAttached, $"the CBS reply link from $cbs (authorising queue '{queue}')", cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                // Neither link stays behind: a request link left attached would answer nothing and hold its name.
                CloseQuietly(sender);
                if (receiver is not null)
                {
                    CloseQuietly(receiver);
                }

                throw;
            }

            var link = new CbsLink(sender, receiver, replyTo);
            receiver.Start(16, (r, reply) =>
            {
                r.Accept(reply);
                var correlation = reply.Properties?.CorrelationId?.ToString();
                if (correlation is not null && link._pending.TryRemove(correlation, out var waiter))
                {
                    waiter.Reply.TrySetResult(reply);
                }
            });
            receiver.AddClosedCallback((_, error) =>
            {
                foreach (var waiter in link._pending.Values)
                {
                    waiter.Reply.TrySetException(new ServiceBusException($"Service Bus namespace '{owner.Namespace}': the CBS reply link closed before answering the put-token for {waiter.Audience}: {Describe(error)}") { IsConnectionLoss = true });
                }
            });
            return link;
        }

        public async Task<(int Status, string? Description)> PutTokenAsync(string audience, CbsToken token, CancellationToken cancellationToken)
        {
            var id = Interlocked.Increment(ref _next).ToString(CultureInfo.InvariantCulture);
            var request = new Message(token.Value)
            {
                Properties = new Properties { MessageId = id, ReplyTo = _replyTo },
                ApplicationProperties = new ApplicationProperties(),
            };

            // Microsoft.Azure.Amqp CbsConstants / AmqpCbsLink.SendTokenAsync: operation, type, name (the audience), expiration.
            request.ApplicationProperties["operation"] = "put-token";
            request.ApplicationProperties["type"] = token.Type;
            request.ApplicationProperties["name"] = audience;
            request.ApplicationProperties["expiration"] = token.ExpiresAt.UtcDateTime;
            var reply = new TaskCompletionSource<Message>(TaskCreationOptions.RunContinuationsAsynchronously);
            _pending[id] = (reply, audience);
            try
            {
                var send = _sender.SendAsync(request);
                ObserveFault(send);
                await send.WaitAsync(cancellationToken).ConfigureAwait(false);
                var response = await reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                var properties = response.ApplicationProperties;
                var status = properties?["status-code"] is { } code ? Convert.ToInt32(code, CultureInfo.InvariantCulture) : 0;
                return (status, properties?["status-description"]?.ToString());
            }
            finally
            {
                _pending.TryRemove(id, out _);
            }
        }
    }
}
