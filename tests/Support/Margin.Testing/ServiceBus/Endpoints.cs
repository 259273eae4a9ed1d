using System.Net.Sockets;
using Amqp;
using Amqp.Handler;
using Amqp.Listener;

namespace Margin.Testing.ServiceBus;

/// <summary>What the emulator knows about one AMQP connection. Guarded by the emulator's lock.</summary>
internal sealed class ConnectionState(ListenerConnection connection)
{
    public ListenerConnection Connection { get; } = connection;

    public Socket? Socket { get; set; }

    /// <summary>Audiences granted by put-token on this connection.</summary>
    public List<Grant> Grants { get; } = [];

    /// <summary>Receiver links on $cbs by their target address (the reply-to of requests).</summary>
    public Dictionary<string, ListenerLink> CbsReplyLinks { get; } = new(StringComparer.Ordinal);

    public List<SenderState> Senders { get; } = [];

    /// <summary>Whether any put-token succeeded on this connection (the 20-second rule).</summary>
    public bool EverAuthorized { get; set; }

    public List<ReceiverState> Receivers { get; } = [];
}

/// <summary>A token accepted by put-token: who it is for and until when.</summary>
internal sealed record Grant(string Audience, string Host, string Path, DateTimeOffset ExpiresAt, AccessRights Rights);

/// <summary>A client's sender link to a queue.</summary>
internal sealed class SenderState(ListenerLink link, QueueState queue, ConnectionState connection)
{
    public ListenerLink Link { get; } = link;

    public QueueState Queue { get; } = queue;

    public ConnectionState Connection { get; } = connection;
}

/// <summary>A client's receiver link on a queue (peek-lock unless it attached with settled sends).</summary>
internal sealed class ReceiverState(ListenerLink link, QueueState queue, ConnectionState connection, string? sessionId)
{
    public ListenerLink Link { get; } = link;

    public QueueState Queue { get; } = queue;

    public ConnectionState Connection { get; } = connection;

    public string? SessionId { get; } = sessionId;

    public int Credit { get; set; }

    public bool Closed { get; set; }

    public Dictionary<Message, StoredMessage> InFlight { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>Deliveries whose lock ran out before they were settled.</summary>
    public HashSet<Message> LockLost { get; } = new(ReferenceEqualityComparer.Instance);
}

/// <summary>Incoming transfers to a queue.</summary>
internal sealed class QueueTargetEndpoint(EmulatedServiceBus bus, SenderState sender) : LinkEndpoint
{
    public override void OnMessage(MessageContext messageContext) => bus.OnTransfer(sender, messageContext);

    public override void OnFlow(FlowContext flowContext)
    {
    }

    public override void OnDisposition(DispositionContext dispositionContext)
    {
    }

    public override void OnLinkClosed(ListenerLink link, Amqp.Framing.Error error) => bus.OnSenderClosed(sender);
}

/// <summary>Deliveries from a queue to a receiver and their dispositions.</summary>
internal sealed class QueueSourceEndpoint(EmulatedServiceBus bus, ReceiverState receiver) : LinkEndpoint
{
    public override void OnMessage(MessageContext messageContext)
    {
    }

    public override void OnFlow(FlowContext flowContext) => bus.OnReceiverFlow(receiver, flowContext.Messages);

    public override void OnDisposition(DispositionContext dispositionContext) => bus.OnReceiverDisposition(receiver, dispositionContext);

    public override void OnLinkClosed(ListenerLink link, Amqp.Framing.Error error) => bus.OnReceiverClosed(receiver);
}

/// <summary>put-token requests arriving on $cbs.</summary>
internal sealed class CbsRequestEndpoint(EmulatedServiceBus bus, ConnectionState connection) : LinkEndpoint
{
    public override void OnMessage(MessageContext messageContext) => bus.OnCbsRequest(connection, messageContext);

    public override void OnFlow(FlowContext flowContext)
    {
    }

    public override void OnDisposition(DispositionContext dispositionContext)
    {
    }
}

/// <summary>The link put-token replies go out on.</summary>
internal sealed class CbsReplyEndpoint(EmulatedServiceBus bus, ConnectionState connection, string address) : LinkEndpoint
{
    public override void OnMessage(MessageContext messageContext)
    {
    }

    public override void OnFlow(FlowContext flowContext)
    {
    }

    public override void OnDisposition(DispositionContext dispositionContext)
    {
    }

    public override void OnLinkClosed(ListenerLink link, Amqp.Framing.Error error) => bus.OnCbsReplyClosed(connection, address, link);
}

/// <summary>Sees each accepted transport: its socket (to drop it abruptly) and its connection.</summary>
internal sealed class TransportTracker(EmulatedServiceBus bus) : IHandler
{
    private Socket? _socket;

    public bool CanHandle(EventId id) => id is EventId.SocketAccept or EventId.ConnectionAccept;

    public void Handle(Event protocolEvent)
    {
        if (protocolEvent.Id == EventId.SocketAccept)
        {
            _socket = protocolEvent.Context as Socket;
        }
        else if ((protocolEvent.Connection ?? protocolEvent.Context) is ListenerConnection connection)
        {
            bus.OnConnectionAccepted(connection, _socket);
        }
    }
}
