using Margin.Sweep.Telemetry;
using Margin.Sweep.UseCases;
using Margin.Sweep.Work;

namespace Margin.Sweep.Tests.Telemetry;

/// <summary>margin.poison counts the work items WorkQueueDrain moves to the poison queue.</summary>
public sealed class WorkQueueDrainTelemetryTests
{
    private static readonly DrainOptions Options = new() { Workers = 1, MaxDequeueCount = 2, RetryDelay = TimeSpan.Zero, PollInterval = TimeSpan.FromMilliseconds(1) };

    [Fact]
    public async Task RunAsync_AnUnreadableBodyAndAnItemThatKeepsFailing_CountTwoPoisonOnTheShardQueue_NotTheRetry()
    {
        var world = await SweepWorld.CreateAsync(50);
        await world.Start().ExecuteAsync();
        world.Queue.SendUnreadable("not json", "the body is not JSON");
        await world.Queue.EnqueueAsync([new WorkItem("sw-not-stored", "s1", "p1", 0, 1)]);
        var drain = new WorkQueueDrain(world.Queue, world.Process(), Options, TimeProvider.System);
        using var capture = TelemetryCapture.Start();

        var outcome = await drain.RunAsync(_ => Task.FromResult(world.Queue.Available == 0));

        // The failing item was released once (a retry, not poison) and poisoned on its second attempt.
        Assert.Single(outcome.Failures);
        Assert.Equal(2, outcome.Poisoned.Count);
        Assert.Equal(2, world.Queue.Poisoned.Count);
        Assert.Equal(world.Options.WorkItems, outcome.Processed.Count);
        var poison = capture.Of(SweepTelemetry.PoisonMetric);
        Assert.Equal(2, poison.Sum(m => m.Value));
        Assert.All(poison, m => Assert.Equal(SweepTelemetry.ShardQueue, m.Tag(SweepTelemetry.QueueTag)));
    }
}
