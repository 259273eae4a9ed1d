using System.Text;
using Amqp;
using Amqp.Framing;
using Amqp.Types;
using Margin.Sweep.Orders;
using Margin.Testing.RabbitMq;

namespace Margin.Integration.Tests.RabbitMq;

/// <summary>
/// A bare AMQPNetLite sender and receiver, and the wire mapping of an order written out by hand from the contract
/// (docs/consumers.md; /work/shared common context): what the broker tests send without the project's client.
/// </summary>
internal static class RawAmqp
{
    public static Message OrderMessage(StoredOrder order, DateTimeOffset now, DateTimeOffset? scheduledAt = null)
    {
        var body = LiquidationOrderJson.Read(order.Body) ?? throw new ArgumentException("not an order body", nameof(order));
        var message = new Message
        {
            BodySection = new Data { Binary = Encoding.UTF8.GetBytes(order.Body) },
            Header = new Header { Durable = true, Ttl = (uint)Math.Max(1, (order.ExpiresAt - now).TotalMilliseconds) },
            Properties = new Properties
            {
                MessageId = order.OrderId,
                GroupId = order.AccountId,
                Subject = "liquidation-order",
                ContentType = "application/json",
                CorrelationId = order.SweepId,
            },
            ApplicationProperties = new ApplicationProperties(),
            MessageAnnotations = new MessageAnnotations(),
        };
        message.ApplicationProperties["schemaVersion"] = 1;
        message.ApplicationProperties["accountId"] = order.AccountId;
        message.ApplicationProperties["severity"] = body.Severity;
        message.ApplicationProperties["sweepId"] = order.SweepId;
        message.ApplicationProperties["episode"] = order.Episode;
        message.MessageAnnotations[new Symbol("x-opt-partition-key")] = order.AccountId;
        if (scheduledAt is { } at)
        {
            message.MessageAnnotations[new Symbol("x-opt-scheduled-enqueue-time")] = at.UtcDateTime;
        }

        return message;
    }

    public static async Task SendAsync(RabbitMqBroker broker, string address, IEnumerable<Message> messages)
    {
        var connection = await broker.ConnectAsync();
        try
        {
            var sender = new SenderLink(new Session(connection), "raw-sender", address);
            foreach (var message in messages)
            {
                await sender.SendAsync(message, TimeSpan.FromSeconds(30));
            }

            await sender.CloseAsync();
        }
        finally
        {
            await connection.CloseAsync();
        }
    }

    /// <summary>Receives up to <paramref name="max"/> messages, accepting (or releasing) each, until none arrives within <paramref name="idle"/>.</summary>
    public static async Task<IReadOnlyList<Message>> ReceiveAsync(RabbitMqBroker broker, string address, int max, TimeSpan idle, bool release = false)
    {
        var connection = await broker.ConnectAsync();
        try
        {
            var receiver = new ReceiverLink(new Session(connection), "raw-receiver", address);
            receiver.SetCredit(Math.Min(max, 500));
            var received = new List<Message>();
            while (received.Count < max && await receiver.ReceiveAsync(idle) is { } message)
            {
                if (release)
                {
                    receiver.Release(message);
                }
                else
                {
                    receiver.Accept(message);
                }

                received.Add(message);
            }

            await receiver.CloseAsync();
            return received;
        }
        finally
        {
            await connection.CloseAsync();
        }
    }
}
