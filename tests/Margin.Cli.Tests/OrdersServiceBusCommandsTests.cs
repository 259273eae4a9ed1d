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
}
