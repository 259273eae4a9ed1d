using Margin.Infrastructure.ServiceBus;

namespace Margin.Infrastructure.Tests.ServiceBus;

/// <summary>Names, times and waits shared by the Service Bus contract tests (<c>using static</c>).</summary>
internal static class ContractKit
{
    /// <summary>The orders queue.</summary>
    public const string Orders = "liquidation-orders";

    /// <summary>The events queue.</summary>
    public const string Events = "liquidation-events";

    /// <summary>The operation, send and receive wait of the tests' connections.</summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    /// <summary>Where the tests' fake clocks start.</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Polls <paramref name="condition"/> every 25 ms for up to 10 s; fails the test if it never holds.</summary>
    public static async Task UntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 400 && !condition(); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(condition(), "condition not met within 10 s");
    }

    /// <summary>Receives one message, trying once more if the first receive reports the connection lost (the receiver then reattaches).</summary>
    public static async Task<ReceivedMessage> ReceiveAllowingOneLossAsync(ServiceBusReceiver receiver)
    {
        try
        {
            return Assert.Single(await receiver.ReceiveAsync(1, Wait));
        }
        catch (ServiceBusException e) when (e.IsConnectionLoss)
        {
            return Assert.Single(await receiver.ReceiveAsync(1, Wait));
        }
    }
}
