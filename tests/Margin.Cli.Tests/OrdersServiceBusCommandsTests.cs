using Margin.Cli.Hosting;
using Margin.Infrastructure.ServiceBus;

namespace Margin.Cli.Tests;

/// <summary><c>margin orders tail|events|relay</c> and the sweep's Service Bus lines, without a broker.</summary>
public sealed class OrdersServiceBusCommandsTests
{
    [Theory]
    [InlineData("tail")]
    [InlineData("events")]
    public async Task ServiceBusCommand_NotConfigured_OneLineAndExitCode2(string command)
    {
        // events needs storage too; Service Bus is checked first, so no storage is needed to hear what is missing.
        var run = await CliRunner.RunAsync("orders", command);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"margin orders {command}: {OrderBroker.NotConfigured}", run.Stderr.TrimEnd());
        Assert.Contains("MARGIN_ServiceBus__ConnectionString", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(run.Stdout);
    }

    [Theory]
    [InlineData("tail", "--count", "0", "--count must be in [1, 10000] (got 0)")]
    [InlineData("tail", "--wait", "0", "--wait must be more than 0")]
    [InlineData("events", "--count", "0", "--count must be in [1, 100000] (got 0)")]
    public async Task ServiceBusCommand_BadFlag_IsNamed(string command, string flag, string value, string expected)
    {
        var run = await CliRunner.RunAsync("orders", command, flag, value);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(expected, run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void ServiceBusLines_NotConfigured_SayOrdersRemainInTheOutbox()
    {
        var broker = OrderBroker.Create(new ServiceBusOptions(), TimeProvider.System);

        var lines = SweepRunner.ServiceBusLines(broker, published: 0, left: 1234, failures: []);

        Assert.Equal(["Service Bus is not configured: 1,234 orders remain in the outbox (margin orders list; margin orders relay once it is configured)"], lines);
        Assert.Same(Sweep.Orders.OutboxOnlyPublisher.Instance, broker.Publisher);
    }

    [Fact]
    public async Task ServiceBusLines_Configured_SayWhereOrdersWentAndTheFirstFailure()
    {
        var options = new ServiceBusOptions { ConnectionString = "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=a2V5" };
        await using var broker = OrderBroker.Create(options, TimeProvider.System);

        var all = SweepRunner.ServiceBusLines(broker, published: 1500, left: 0, failures: []);
        var some = SweepRunner.ServiceBusLines(broker, published: 40, left: 3, failures: ["first refusal\nsecond line", "second refusal"]);

        Assert.Equal(["1,500 orders reached Service Bus (queue 'liquidation-orders' on namespace 'ns.servicebus.windows.net')"], all);
        Assert.Equal(
            [
                "40 orders reached Service Bus (queue 'liquidation-orders' on namespace 'ns.servicebus.windows.net'); 3 remain in the outbox (margin orders relay sends them)",
                "Service Bus publish failed 2 time(s); those orders stay in the outbox (margin orders relay sends them). First error: first refusal",
            ],
            some);
        Assert.IsNotType<Sweep.Orders.OutboxOnlyPublisher>(broker.Publisher);
        Assert.True(broker.Publisher.IsConfigured);
    }
}
