using Margin.Sweep.Orders;

namespace Margin.Sweep.Tests.Orders;

public sealed class LiquidationEventJsonTests
{
    [Fact]
    public void Read_AValidEvent_RoundTrips()
    {
        var e = new LiquidationEvent(1, "ord-1", "acct-1", OrderState.PartiallyFilled, new DateTimeOffset(2026, 11, 24, 15, 0, 0, TimeSpan.Zero), [new FilledLeg("ETH", "1.5", "2990.5")], "half done");

        var (read, problem) = LiquidationEventJson.Read(LiquidationEventJson.Write(e));

        Assert.Null(problem);
        Assert.Equal(e.OrderId, read!.OrderId);
        Assert.Equal(OrderState.PartiallyFilled, read.State);
        Assert.Equal(e.At, read.At);
        Assert.Equal("2990.5", Assert.Single(read.FilledLegs).AveragePrice);
    }

    [Theory]
    [InlineData("{not json", "not a liquidation event")]
    [InlineData("null", "the body is null")]
    [InlineData("{\"v\":2,\"orderId\":\"o\",\"accountId\":\"a\",\"state\":\"Filled\",\"at\":\"2026-11-24T15:00:00Z\"}", "schema version 2")]
    [InlineData("{\"v\":1,\"orderId\":\"\",\"accountId\":\"a\",\"state\":\"Filled\",\"at\":\"2026-11-24T15:00:00Z\"}", "orderId is empty")]
    [InlineData("{\"v\":1,\"orderId\":\"o\",\"accountId\":\"a\",\"state\":\"Open\",\"at\":\"2026-11-24T15:00:00Z\"}", "not an executor state")]
    [InlineData("{\"v\":1,\"orderId\":\"o\",\"accountId\":\"a\",\"state\":\"Filled\"}", "at is missing")]
    [InlineData("{\"v\":1,\"orderId\":\"o\",\"accountId\":\"a\",\"state\":\"Exploded\",\"at\":\"2026-11-24T15:00:00Z\"}", "not a liquidation event")]
    public void Read_ABadEvent_SaysWhy(string json, string expected)
    {
        var (read, problem) = LiquidationEventJson.Read(json);

        Assert.Null(read);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }
}
