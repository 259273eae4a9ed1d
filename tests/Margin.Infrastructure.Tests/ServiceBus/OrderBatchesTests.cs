using Amqp;
using Amqp.Framing;
using Amqp.Types;
using Margin.Infrastructure.ServiceBus;
using Margin.Sweep.Orders;

namespace Margin.Infrastructure.Tests.ServiceBus;

public sealed class OrderBatchesTests
{
    [Theory]
    [InlineData(1, 2048)]
    [InlineData(40, 4096)]
    [InlineData(500, 262_144)]
    [InlineData(300, 16_384)]
    public void Split_EveryBatchUnderTheLimit_EveryOrderOnceInOrder(int count, int limit)
    {
        var orders = TestOrders.Many(count, legs: 2);
        var messages = orders.Select(o => OrderMessages.ToAmqp(o, TestOrders.Now)).ToArray();

        var batches = OrderBatches.Split(orders, messages, limit, out var oversize);

        Assert.Empty(oversize);
        Assert.Equal(orders.Select(o => o.OrderId), batches.SelectMany(b => b.Orders).Select(o => o.OrderId));
        foreach (var batch in batches)
        {
            var encoded = OrderMessages.Encode(batch.Envelope);
            Assert.Equal(batch.EncodedBytes, encoded.Length);
            Assert.True(encoded.Length <= limit, $"{encoded.Length} > {limit}");
            Assert.Equal(OrderMessages.BatchMessageFormat, batch.Envelope.Format);
        }

        // Greedy: a batch closes only when the next order would not fit.
        for (var i = 0; i + 1 < batches.Count; i++)
        {
            var next = batches[i + 1].Orders[0];
            var nextBytes = OrderMessages.Encode(OrderMessages.ToAmqp(next, TestOrders.Now)).Length;
            Assert.True(batches[i].EncodedBytes + OrderBatches.DataSectionBytes(nextBytes) > limit);
        }
    }

    [Fact]
    public void Split_BatchBody_IsOneDataSectionPerEncodedMessage()
    {
        var orders = TestOrders.Many(3);
        var messages = orders.Select(o => OrderMessages.ToAmqp(o, TestOrders.Now)).ToArray();

        var batch = Assert.Single(OrderBatches.Split(orders, messages, 262_144, out _));

        var decoded = Message.Decode(new ByteBuffer(OrderMessages.Encode(batch.Envelope), 0, batch.EncodedBytes, batch.EncodedBytes));
        var list = Assert.IsType<DataList>(decoded.BodySection);
        Assert.Equal(3, list.Count);
        for (var i = 0; i < 3; i++)
        {
            var inner = Message.Decode(new ByteBuffer(list[i].Binary, 0, list[i].Binary.Length, list[i].Binary.Length));
            Assert.Equal(orders[i].OrderId, inner.Properties.MessageId);
            Assert.Equal(orders[i].AccountId, inner.Properties.GroupId);
        }

        // The envelope carries the first message's id, session and partition key (Azure.Messaging.ServiceBus does the same).
        Assert.Equal(orders[0].OrderId, decoded.Properties.MessageId);
        Assert.Equal(orders[0].AccountId, decoded.Properties.GroupId);
        Assert.Equal(orders[0].AccountId, decoded.MessageAnnotations[new Symbol("x-opt-partition-key")]);
    }

    [Fact]
    public void Split_AnOrderOverTheLimit_IsReportedAndTheOthersBatched()
    {
        var small = TestOrders.Many(4);
        var big = TestOrders.Order("acc-big", legs: 60);
        StoredOrder[] orders = [small[0], small[1], big, small[2], small[3]];
        var messages = orders.Select(o => OrderMessages.ToAmqp(o, TestOrders.Now)).ToArray();

        var batches = OrderBatches.Split(orders, messages, 4096, out var oversize);

        var (order, bytes) = Assert.Single(oversize);
        Assert.Equal(big.OrderId, order.OrderId);
        Assert.True(bytes > 4096);
        Assert.Equal(small.Select(o => o.OrderId), batches.SelectMany(b => b.Orders).Select(o => o.OrderId));
    }

    [Theory]
    [InlineData(0, 5)]
    [InlineData(255, 260)]
    [InlineData(256, 264)]
    public void DataSectionBytes_MatchesTheEncoding(int length, int expected)
    {
        var message = new Message { BodySection = new Data { Binary = new byte[length] } };

        Assert.Equal(expected, OrderBatches.DataSectionBytes(length));
        Assert.Equal(expected, OrderMessages.Encode(message).Length);
    }
}
