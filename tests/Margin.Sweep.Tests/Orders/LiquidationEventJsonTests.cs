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
    [InlineData("{\"v\":1,\"orderId\":\"o\",\"accountId\":\"a\",\"state\":4,\"at\":\"2026-11-24T15:00:00Z\"}", "state: 4 is not one of")]
    [InlineData("{\"v\":1,\"orderId\":\"o\",\"accountId\":\"a\",\"state\":\"filled\",\"at\":\"2026-11-24T15:00:00Z\"}", "state: \"filled\" is not one of")]
    [InlineData("{\"v\":1,\"orderId\":\"o\",\"accountId\":\"a\",\"state\":\"Filled\",\"at\":\"2026-11-24T15:00:00\"}", "with its offset")]
    [InlineData("{\"v\":1,\"orderId\":\"o\",\"accountId\":\"a\",\"state\":\"Filled\",\"at\":\"2026-11-24T15:00:00Z\",\"filledLeg\":[]}", "filledLeg")]
    [InlineData("[1]", "not an object")]
    public void Read_ABadEvent_SaysWhy(string json, string expected)
    {
        var (read, problem) = LiquidationEventJson.Read(json);

        Assert.Null(read);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_AnOffsetOtherThanZ_IsAccepted()
    {
        var (read, problem) = LiquidationEventJson.Read("{\"v\":1,\"orderId\":\"o\",\"accountId\":\"a\",\"state\":\"Filled\",\"at\":\"2026-11-24T16:00:00+01:00\"}");

        Assert.Null(problem);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 15, 0, 0, TimeSpan.Zero), read!.At);
        Assert.Empty(read.FilledLegs);
    }

    [Fact]
    public void Write_DefaultFilledLegs_WritesAnEmptyList()
    {
        var json = LiquidationEventJson.Write(new LiquidationEvent(1, "o", "a", OrderState.Failed, new DateTimeOffset(2026, 11, 24, 15, 0, 0, TimeSpan.Zero), default));

        Assert.Contains("\"filledLegs\":[]", json, StringComparison.Ordinal);
        Assert.Null(LiquidationEventJson.Read(json).Problem);
    }
}
