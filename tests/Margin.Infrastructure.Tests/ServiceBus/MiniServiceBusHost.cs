using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Amqp;
using Amqp.Framing;
using Amqp.Listener;

namespace Margin.Infrastructure.Tests.ServiceBus;

/// <summary>
/// A minimal in-process AMQP host for the client's own smoke tests: a <c>$cbs</c> node that checks SAS signatures against one key
/// and records every put-token, and queues that unpack batches (format 0x80013700), hand messages to receivers and record their
/// outcomes. Not Service Bus: no sessions, no duplicate detection (the emulated Service Bus in Margin.Testing has those).
/// </summary>
internal sealed class MiniServiceBusHost : IDisposable
{
    public const string KeyName = "RootManageSharedAccessKey";
    public const string Key = "mini-host-key";

    private readonly ContainerHost _host;
    private readonly ConcurrentDictionary<string, MiniQueue> _queues = new(StringComparer.Ordinal);

    public MiniServiceBusHost(params string[] queues)
    {
        Port = FreePort();
        _host = new ContainerHost(new Address($"amqp://localhost:{Port}"));
        _host.Listeners[0].SASL.EnableAnonymousMechanism = true;
        _host.RegisterRequestProcessor("$cbs", new Cbs(this));
        foreach (var name in queues)
        {
            var queue = new MiniQueue(name);
            _queues[name] = queue;
            _host.RegisterMessageProcessor(name, queue);
            _host.RegisterMessageSource(name, queue);
        }

        _host.Open();
    }

    public int Port { get; }

    public string ConnectionString => $"Endpoint=sb://localhost:{Port}/;SharedAccessKeyName={KeyName};SharedAccessKey={Key};UseDevelopmentEmulator=true";

    public ConcurrentQueue<Message> PutTokens { get; } = new();

    public MiniQueue Queue(string name) => _queues[name];

    public void Dispose()
    {
        _host.Close();
        foreach (var queue in _queues.Values)
        {
            queue.Dispose();
        }
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        var port = ((IPEndPoint)socket.LocalEndpoint).Port;
        socket.Stop();
        return port;
    }

    private static bool Valid(string token, string audience)
    {
        var parts = token["SharedAccessSignature ".Length..].Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => WebUtility.UrlDecode(p[1]), StringComparer.Ordinal);
        var sr = WebUtility.UrlDecode(parts["sr"]);
        var signed = WebUtility.UrlEncode(sr) + "\n" + parts["se"];
        var expected = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Key), Encoding.UTF8.GetBytes(signed)));
        return parts["skn"] == KeyName && parts["sig"] == expected && audience.StartsWith(sr, StringComparison.Ordinal);
    }

    internal sealed class MiniQueue(string name) : IMessageProcessor, IMessageSource, IDisposable
    {
        private readonly ConcurrentQueue<Message> _ready = new();
        private readonly SemaphoreSlim _available = new(0);
        private readonly ConcurrentDictionary<Connection, bool> _dropped = new();

        public string Name { get; } = name;

        public ConcurrentQueue<Message> Enqueued { get; } = new();

        public ConcurrentQueue<uint> TransferFormats { get; } = new();

        public ConcurrentQueue<(string? MessageId, DeliveryState? State)> Outcomes { get; } = new();

        public int Credit => 300;

        /// <summary>When set, the next transfers are answered with this instead of Accepted.</summary>
        public Func<Message, Error?>? Refuse { get; set; }

        /// <summary>When set, transfers are neither stored nor settled.</summary>
        public bool Hold { get; set; }

        /// <summary>How many more transfers drop their whole connection instead of being stored.</summary>
        public int DropConnections { get; set; }

        public void Process(MessageContext messageContext)
        {
            var message = messageContext.Message;
            TransferFormats.Enqueue(message.Format);
            if (Hold)
            {
                return;
            }

            var connection = messageContext.Link.Session.Connection;
            if (_dropped.ContainsKey(connection))
            {
                return;
            }

            if (DropConnections > 0)
            {
                DropConnections--;
                _dropped[connection] = true;
                connection.Close(TimeSpan.Zero, new Error(new Amqp.Types.Symbol("amqp:connection:forced")) { Description = "dropped by the test host" });
                return;
            }

            if (Refuse?.Invoke(message) is { } error)
            {
                messageContext.Complete(error);
                return;
            }

            if (message.Format == 0x80013700 && message.BodySection is DataList list)
            {
                for (var i = 0; i < list.Count; i++)
                {
                    var bytes = list[i].Binary;
                    Add(Message.Decode(new ByteBuffer(bytes, 0, bytes.Length, bytes.Length)));
                }
            }
            else
            {
                Add(Message.Decode(message.Encode()));
            }

            messageContext.Complete();
        }

        public void Dispose() => _available.Dispose();

        public void Add(Message message)
        {
            Enqueued.Enqueue(message);
            _ready.Enqueue(message);
            _available.Release();
        }

        public async Task<ReceiveContext> GetMessageAsync(ListenerLink link)
        {
            while (true)
            {
                await _available.WaitAsync().ConfigureAwait(false);
                if (_ready.TryDequeue(out var message))
                {
                    if (link.IsClosed)
                    {
                        // A receiver whose connection dropped was still waiting: the message is for the next one.
                        _ready.Enqueue(message);
                        _available.Release();
                        return null!;
                    }

                    return new ReceiveContext(link, Message.Decode(message.Encode()));
                }
            }
        }

        public void DisposeMessage(ReceiveContext receiveContext, DispositionContext dispositionContext)
        {
            var message = receiveContext.Message;
            Outcomes.Enqueue((message.Properties?.MessageId?.ToString(), dispositionContext.DeliveryState));
            if (dispositionContext.DeliveryState is Modified or Released)
            {
                var again = Message.Decode(message.Encode());
                again.Header ??= new Header();
                again.Header.DeliveryCount++;
                _ready.Enqueue(again);
                _available.Release();
            }

            dispositionContext.Complete();
        }
    }

    private sealed class Cbs(MiniServiceBusHost host) : IRequestProcessor
    {
        public int Credit => 100;

        public void Process(RequestContext requestContext)
        {
            var request = requestContext.Message;
            host.PutTokens.Enqueue(request);
            var type = request.ApplicationProperties["type"] as string;
            var audience = (string)request.ApplicationProperties["name"];
            var token = request.Body as string ?? string.Empty;
            var ok = type == "servicebus.windows.net:sastoken" && Valid(token, audience);
            var response = new Message
            {
                Properties = new Properties { CorrelationId = request.Properties.MessageId },
                ApplicationProperties = new ApplicationProperties(),
            };
            response.ApplicationProperties["status-code"] = ok ? 200 : 401;
            response.ApplicationProperties["status-description"] = ok ? "OK" : string.Create(CultureInfo.InvariantCulture, $"InvalidSignature: The token has an invalid signature. TrackingId:mini");
            requestContext.Complete(response);
        }
    }
}
