using Amqp;
using Amqp.Framing;
using Amqp.Types;
using Margin.Sweep.Orders;

namespace Margin.Infrastructure.ServiceBus;

/// <summary>One batched transfer: its orders and the envelope message (format <see cref="OrderMessages.BatchMessageFormat"/>).</summary>
/// <param name="Orders">The orders, in publish order.</param>
/// <param name="Envelope">The envelope: one Data section per encoded order message.</param>
/// <param name="EncodedBytes">The envelope's encoded size.</param>
internal sealed record OrderBatch(IReadOnlyList<StoredOrder> Orders, Message Envelope, int EncodedBytes);

/// <summary>Splits orders into Service Bus batches under a size limit.</summary>
/// <remarks>
/// Like Azure.Messaging.ServiceBus (AmqpMessageBatch.TryAddMessage and AmqpMessageConverter.BuildAmqpBatchFromMessages): the
/// envelope carries the first message's message-id, group-id and partition key; every message adds its encoded size plus its
/// Data section's framing (5 bytes up to 255, else 8). Here the size is exact, not an estimate: the envelope without its messages is
/// encoded, and a Data section of n bytes encodes to 3 (descriptor) + 2 or 5 (vbin8/vbin32 constructor and length) + n bytes.
/// </remarks>
internal static class OrderBatches
{
    /// <summary>Splits <paramref name="orders"/> (with their messages) into batches of at most <paramref name="maxBytes"/> encoded bytes, keeping their order.</summary>
    /// <param name="orders">The orders.</param>
    /// <param name="messages">Their messages (same index).</param>
    /// <param name="maxBytes">The largest envelope.</param>
    /// <param name="oversize">Orders that alone exceed the limit (not in any batch), with their size.</param>
    public static IReadOnlyList<OrderBatch> Split(IReadOnlyList<StoredOrder> orders, IReadOnlyList<Message> messages, int maxBytes, out IReadOnlyList<(StoredOrder Order, int Bytes)> oversize)
    {
        ArgumentNullException.ThrowIfNull(orders);
        ArgumentNullException.ThrowIfNull(messages);
        var batches = new List<OrderBatch>();
        var tooBig = new List<(StoredOrder, int)>();
        var current = new List<(StoredOrder Order, Message Message, byte[] Bytes)>();
        var size = 0;
        for (var i = 0; i < orders.Count; i++)
        {
            var bytes = OrderMessages.Encode(messages[i]);
            var section = DataSectionBytes(bytes.Length);
            if (current.Count > 0 && size + section <= maxBytes)
            {
                current.Add((orders[i], messages[i], bytes));
                size += section;
                continue;
            }

            if (current.Count > 0)
            {
                batches.Add(Build(current, size));
                current = [];
            }

            var alone = EnvelopeBytes(messages[i]) + section;
            if (alone > maxBytes)
            {
                tooBig.Add((orders[i], alone));
                continue;
            }

            current.Add((orders[i], messages[i], bytes));
            size = alone;
        }

        if (current.Count > 0)
        {
            batches.Add(Build(current, size));
        }

        oversize = tooBig;
        return batches;
    }

    /// <summary>The encoded size of a Data section holding <paramref name="length"/> bytes.</summary>
    public static int DataSectionBytes(int length) => 3 + (length <= byte.MaxValue ? 2 : 5) + length;

    private static int EnvelopeBytes(Message first)
    {
        // Measured with an empty Data section: AMQPNetLite encodes a message without a body with an AmqpValue(null) body section.
        var envelope = Envelope(first);
        envelope.BodySection = new Data { Binary = [] };
        return OrderMessages.Encode(envelope).Length - DataSectionBytes(0);
    }

    private static Message Envelope(Message first)
    {
        var envelope = new Message
        {
            Properties = new Properties { MessageId = first.Properties?.MessageId, GroupId = first.Properties?.GroupId },
            Format = OrderMessages.BatchMessageFormat,
        };
        var key = new Symbol(OrderMessages.PartitionKeyAnnotation);
        if (first.MessageAnnotations?[key] is { } partitionKey)
        {
            envelope.MessageAnnotations = new MessageAnnotations();
            envelope.MessageAnnotations[key] = partitionKey;
        }

        return envelope;
    }

    private static OrderBatch Build(List<(StoredOrder Order, Message Message, byte[] Bytes)> items, int size)
    {
        var envelope = Envelope(items[0].Message);
        var body = new DataList();
        foreach (var item in items)
        {
            body.Add(new Data { Binary = item.Bytes });
        }

        envelope.BodySection = body;
        return new OrderBatch(items.Select(i => i.Order).ToArray(), envelope, size);
    }
}
