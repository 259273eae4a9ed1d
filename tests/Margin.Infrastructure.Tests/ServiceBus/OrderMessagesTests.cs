using System.Text;
using Amqp;
using Amqp.Framing;
using Amqp.Types;
using Margin.Infrastructure.ServiceBus;

namespace Margin.Infrastructure.Tests.ServiceBus;

public sealed class OrderMessagesTests
{
    [Fact]
    public void ToAmqp_MapsEveryPropertyHeaderAnnotationAndTheBody()
    {
        var order = TestOrders.Order("acc-42", episode: 5, severity: "Bankrupt", sweepId: "sweep-77", ttl: TimeSpan.FromSeconds(90));

        var message = OrderMessages.ToAmqp(order, TestOrders.Now);

        Assert.Equal(order.OrderId, message.Properties.MessageId);
        Assert.Equal("acc-42", message.Properties.GroupId);
        Assert.Equal("liquidation-order", message.Properties.Subject);
        Assert.Equal("application/json", (string)message.Properties.ContentType);
        Assert.Equal("sweep-77", message.Properties.CorrelationId);
        Assert.True(message.Header.Durable);
        Assert.Equal(90_000u, message.Header.Ttl);
        Assert.Equal(1, message.ApplicationProperties["schemaVersion"]);
        Assert.Equal("acc-42", message.ApplicationProperties["accountId"]);
        Assert.Equal("Bankrupt", message.ApplicationProperties["severity"]);
        Assert.Equal("sweep-77", message.ApplicationProperties["sweepId"]);
        Assert.Equal(5, message.ApplicationProperties["episode"]);
        Assert.Equal(5, message.ApplicationProperties.Map.Count);
        Assert.Equal("acc-42", message.MessageAnnotations[new Symbol("x-opt-partition-key")]);
        Assert.Null(message.MessageAnnotations[new Symbol("x-opt-scheduled-enqueue-time")]);
        var data = Assert.IsType<Data>(message.BodySection);
        Assert.Equal(Encoding.UTF8.GetBytes(order.Body), data.Binary);
    }

    [Fact]
    public void ToAmqp_SurvivesEncoding_WithTheSameTypes()
    {
        var order = TestOrders.Order("acc-1", episode: 2);

        var decoded = Message.Decode(OrderMessages.ToAmqp(order, TestOrders.Now).Encode());

        Assert.IsType<int>(decoded.ApplicationProperties["schemaVersion"]);
        Assert.IsType<int>(decoded.ApplicationProperties["episode"]);
        Assert.IsType<Symbol>(decoded.Properties.ContentType);
        Assert.Equal(order.Body, Encoding.UTF8.GetString(((Data)decoded.BodySection).Binary));
    }

    [Fact]
    public void ToAmqp_Scheduled_AddsTheEnqueueTimeAnnotation()
    {
        var at = TestOrders.Now.AddMinutes(3);

        var message = OrderMessages.ToAmqp(TestOrders.Order(), TestOrders.Now, at);

        Assert.Equal(at.UtcDateTime, message.MessageAnnotations[new Symbol("x-opt-scheduled-enqueue-time")]);
    }

    [Theory]
    [InlineData(90_000.0, 90_000u)]
    [InlineData(1_500.9, 1_500u)]
    [InlineData(0.4, 1u)]
    [InlineData(0.0, 1u)]
    [InlineData(-60_000.0, 1u)]
    [InlineData(5_000_000_000.0, uint.MaxValue)]
    public void TimeToLiveMilliseconds_RoundsDown_AtLeastOne_Capped(double milliseconds, uint expected)
    {
        Assert.Equal(expected, OrderMessages.TimeToLiveMilliseconds(TestOrders.Now.AddMilliseconds(milliseconds), TestOrders.Now));
    }

    [Fact]
    public void ToAmqp_BodyIsNotAnOrder_NamesTheOrder()
    {
        var order = TestOrders.Order() with { Body = "{not json" };

        var ex = Assert.Throws<ArgumentException>(() => OrderMessages.ToAmqp(order, TestOrders.Now));

        Assert.Contains(order.OrderId, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromAmqp_ReadsBackWhatToAmqpWrote()
    {
        var order = TestOrders.Order("acc-7", episode: 4, severity: "Bankrupt", ttl: TimeSpan.FromSeconds(30));
        var message = Message.Decode(OrderMessages.ToAmqp(order, TestOrders.Now).Encode());

        var received = ReceivedMessage.FromAmqp(message, new object());

        Assert.Equal(order.OrderId, received.MessageId);
        Assert.Equal("acc-7", received.SessionId);
        Assert.Equal("liquidation-order", received.Subject);
        Assert.Equal("application/json", received.ContentType);
        Assert.Equal(order.SweepId, received.CorrelationId);
        Assert.Equal(TimeSpan.FromSeconds(30), received.TimeToLive);
        Assert.Equal("Bankrupt", received.ApplicationProperties["severity"]);
        Assert.Equal(4, received.ApplicationProperties["episode"]);
        Assert.Equal("acc-7", received.Annotations["x-opt-partition-key"]);
        Assert.Equal(order.Body, Encoding.UTF8.GetString(received.Body.Span));
        Assert.Equal(0, received.DeliveryCount);
    }

    [Fact]
    public void FromAmqp_ValueBody_IsItsUtf8()
    {
        var received = ReceivedMessage.FromAmqp(new Message("{\"a\":1}"), new object());

        Assert.Equal("{\"a\":1}", Encoding.UTF8.GetString(received.Body.Span));
        Assert.Null(received.TimeToLive);
    }
}
