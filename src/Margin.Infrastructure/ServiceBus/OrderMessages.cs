using System.Text;
using Amqp;
using Amqp.Framing;
using Amqp.Types;
using Margin.Sweep.Orders;

namespace Margin.Infrastructure.ServiceBus;

/// <summary>The wire contract of a liquidation order on Service Bus: how a <see cref="StoredOrder"/> becomes an AMQP message.</summary>
/// <remarks>
/// Follows the Azure.Messaging.ServiceBus property mapping (AmqpMessageConverter): MessageId -> properties.message-id,
/// SessionId -> properties.group-id, Subject -> properties.subject, ContentType -> properties.content-type,
/// CorrelationId -> properties.correlation-id, TimeToLive -> header.ttl (milliseconds), PartitionKey -> message annotation
/// <c>x-opt-partition-key</c>, ScheduledEnqueueTime -> message annotation <c>x-opt-scheduled-enqueue-time</c> (timestamp).
/// The body is one Data section with the order's UTF-8 JSON, byte for byte <see cref="StoredOrder.Body"/>.
/// The time to live is the whole milliseconds until <see cref="StoredOrder.ExpiresAt"/>, rounded down so the message never
/// outlives the order, and at least 1 (0 would mean "no expiry"); longer than <see cref="uint.MaxValue"/> ms is capped.
/// </remarks>
public static class OrderMessages
{
    /// <summary>The subject of every order message.</summary>
    public const string Subject = "liquidation-order";

    /// <summary>The content type of every order message.</summary>
    public const string ContentType = "application/json";

    /// <summary>The partition key annotation (Service Bus requires it to equal the session id).</summary>
    public const string PartitionKeyAnnotation = "x-opt-partition-key";

    /// <summary>The scheduled enqueue time annotation.</summary>
    public const string ScheduledEnqueueTimeAnnotation = "x-opt-scheduled-enqueue-time";

    /// <summary>The transfer message format of a Service Bus batch: each Data section of the body is an encoded message (Microsoft.Azure.Amqp AmqpConstants.AmqpBatchedMessageFormat; 0x137 is Microsoft's IANA enterprise number).</summary>
    public const uint BatchMessageFormat = 0x80013700;

    /// <summary>Maps an order to its AMQP message.</summary>
    /// <param name="order">The outbox order.</param>
    /// <param name="now">The time the time to live counts from.</param>
    /// <param name="scheduledEnqueueTime">When Service Bus should make it visible, or null for now.</param>
    /// <exception cref="ArgumentException">The order's body is not a liquidation order (its severity and schema version are read from it).</exception>
    public static Message ToAmqp(StoredOrder order, DateTimeOffset now, DateTimeOffset? scheduledEnqueueTime = null)
    {
        ArgumentNullException.ThrowIfNull(order);
        LiquidationOrder? body;
        try
        {
            body = LiquidationOrderJson.Read(order.Body);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new ArgumentException($"order {order.OrderId} (account {order.AccountId}): its body is not a liquidation order: {e.Message}", nameof(order), e);
        }

        if (body is null)
        {
            throw new ArgumentException($"order {order.OrderId} (account {order.AccountId}): its body is empty (null)", nameof(order));
        }

        var message = new Message
        {
            Header = new Header { Durable = true, Ttl = TimeToLiveMilliseconds(order.ExpiresAt, now) },
            Properties = new Properties
            {
                MessageId = order.OrderId,
                GroupId = order.AccountId,
                Subject = Subject,
                ContentType = ContentType,
                CorrelationId = order.SweepId,
            },
            ApplicationProperties = new ApplicationProperties(),
            MessageAnnotations = new MessageAnnotations(),
            BodySection = new Data { Binary = Encoding.UTF8.GetBytes(order.Body) },
        };
        message.ApplicationProperties["schemaVersion"] = body.V;
        message.ApplicationProperties["accountId"] = order.AccountId;
        message.ApplicationProperties["severity"] = body.Severity;
        message.ApplicationProperties["sweepId"] = order.SweepId;
        message.ApplicationProperties["episode"] = order.Episode;
        message.MessageAnnotations[new Symbol(PartitionKeyAnnotation)] = order.AccountId;
        if (scheduledEnqueueTime is { } at)
        {
            message.MessageAnnotations[new Symbol(ScheduledEnqueueTimeAnnotation)] = at.UtcDateTime;
        }

        return message;
    }

    /// <summary>The header ttl for an order expiring at <paramref name="expiresAt"/>: whole milliseconds from <paramref name="now"/>, rounded down, at least 1, at most <see cref="uint.MaxValue"/>.</summary>
    /// <param name="expiresAt">When the order expires.</param>
    /// <param name="now">Now.</param>
    public static uint TimeToLiveMilliseconds(DateTimeOffset expiresAt, DateTimeOffset now)
    {
        var ms = Math.Floor((expiresAt - now).TotalMilliseconds);
        return ms < 1 ? 1u : ms >= uint.MaxValue ? uint.MaxValue : (uint)ms;
    }

    /// <summary>Encodes a message to the bytes a batch carries in one Data section.</summary>
    /// <param name="message">The message.</param>
    public static byte[] Encode(Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var buffer = message.Encode();
        return buffer.Buffer.AsSpan(buffer.Offset, buffer.Length).ToArray();
    }
}
