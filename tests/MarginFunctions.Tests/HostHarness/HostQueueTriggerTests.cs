using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Storage.Queues;
using Margin.Infrastructure.Tests.Azurite;
using Margin.Testing.Functions;

namespace MarginFunctions.Tests.HostHarness;

/// <summary>HostQueueTrigger deletes, retries, poisons and leases messages as the host's queue trigger does (against Azurite, with an in-process handler).</summary>
[Collection(AzuriteGroup.Name)]
public sealed class HostQueueTriggerTests(AzuriteInstance azurite)
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    private static readonly HostQueueTriggerOptions s_fast = new() { MaxPollingInterval = TimeSpan.FromMilliseconds(200) };

    [Fact]
    public async Task Start_HandlerSucceeds_DeletesTheMessageAfterOneInvocationWithItsRealMetadata()
    {
        var queue = await NewQueueAsync();
        var sent = (await Base64Client(queue).SendMessageAsync("""{"workItem":1}""")).Value;
        var handler = ScriptedHandler.Succeeding();
        await using var trigger = new HostQueueTrigger(azurite.ConnectionString, queue, handler, s_fast);

        trigger.Start();
        await WaitForAsync(() => trigger.Successes == 1);
        await trigger.StopAsync();

        var (function, payload) = Assert.Single(handler.Received);
        using var json = JsonDocument.Parse(payload);
        var metadata = json.RootElement.GetProperty("Metadata");
        Assert.Equal("ProcessShard", function);
        Assert.Equal("""{"workItem":1}""", JsonSerializer.Deserialize<string>(json.RootElement.GetProperty("Data").GetProperty("item").GetString()!));
        Assert.Equal(HostPayloads.Encode(sent.MessageId), metadata.GetProperty("Id").GetString());
        Assert.Equal("1", metadata.GetProperty("DequeueCount").GetString());
        Assert.StartsWith("\"", metadata.GetProperty("PopReceipt").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync(queue));
        Assert.Null(trigger.Fault);
    }

    [Fact]
    public async Task Start_HandlerKeepsFailing_RetriesThenPoisonsAtMaxDequeueCount()
    {
        var queue = await NewQueueAsync();
        await Base64Client(queue).SendMessageAsync("""{"workItem":2}""");
        var handler = new ScriptedHandler(_ => Task.FromResult(new HandlerResponse(HttpStatusCode.InternalServerError, """{"Outputs":{},"Logs":["boom"],"ReturnValue":null}""")));
        await using var trigger = new HostQueueTrigger(azurite.ConnectionString, queue, handler, s_fast);

        trigger.Start();
        await WaitForAsync(() => trigger.Poisoned == 1);
        await trigger.StopAsync();

        Assert.Equal(["1", "2", "3", "4", "5"], handler.Received.Select(r => DequeueCount(r.Payload)));
        Assert.All(handler.Received, r => Assert.Contains("workItem", r.Payload, StringComparison.Ordinal));
        Assert.Equal(5, trigger.Failures);
        Assert.Equal(0, await CountAsync(queue));
        Assert.Equal(["""{"workItem":2}"""], await PoisonBodiesAsync(queue));
    }

    [Fact]
    public async Task Start_BodyIsNotBase64_PoisonsItWithoutAnInvocation()
    {
        var queue = await NewQueueAsync();
        await new QueueClient(azurite.ConnectionString, queue).SendMessageAsync("not base64 {json}");
        var handler = ScriptedHandler.Succeeding();
        await using var trigger = new HostQueueTrigger(azurite.ConnectionString, queue, handler, s_fast);

        trigger.Start();
        await WaitForAsync(() => trigger.Poisoned == 1);
        await trigger.StopAsync();

        Assert.Empty(handler.Received);
        Assert.Equal(0, await CountAsync(queue));
        var poisoned = await new QueueClient(azurite.ConnectionString, queue + "-poison").PeekMessagesAsync(10);
        Assert.Equal(["not base64 {json}"], poisoned.Value.Select(m => m.MessageText));
    }

    [Fact]
    public async Task Start_SuccessWhoseBodyIsNotJson_CountsAsAFailureAndIsRetried()
    {
        var queue = await NewQueueAsync();
        await Base64Client(queue).SendMessageAsync("{}");
        var answers = 0;
        var handler = new ScriptedHandler(_ => Task.FromResult(Interlocked.Increment(ref answers) == 1
            ? new HandlerResponse(HttpStatusCode.OK, "done")
            : new HandlerResponse(HttpStatusCode.OK, ScriptedHandler.Success)));
        await using var trigger = new HostQueueTrigger(azurite.ConnectionString, queue, handler, s_fast);

        trigger.Start();
        await WaitForAsync(() => trigger.Successes == 1);
        await trigger.StopAsync();

        Assert.Equal(1, trigger.Failures);
        Assert.Equal(["1", "2"], handler.Received.Select(r => DequeueCount(r.Payload)));
        Assert.Equal(0, await CountAsync(queue));
    }

    [Fact]
    public async Task Start_InvocationsHeldOpen_FetchesAgainOnlyAtNewBatchThresholdSoAtMostBatchSizePlusItRun()
    {
        var queue = await NewQueueAsync();
        var client = Base64Client(queue);
        for (var i = 0; i < 24; i++)
        {
            await client.SendMessageAsync(i.ToString(CultureInfo.InvariantCulture));
        }

        // Each invocation runs until the test lets one finish, so how many run at once is the listener's doing, not the
        // machine's speed. The settle pauses give a listener that fetched too early (it polls every 200 ms at most) time to show it.
        using var gate = new SemaphoreSlim(0);
        var handler = new ScriptedHandler(async _ =>
        {
            await gate.WaitAsync();
            return new HandlerResponse(HttpStatusCode.OK, ScriptedHandler.Success);
        });
        await using var trigger = new HostQueueTrigger(azurite.ConnectionString, queue, handler, s_fast with { BatchSize = 4, NewBatchThreshold = 2 });
        var settle = TimeSpan.FromSeconds(1);

        // A first batch of BatchSize, and no further fetch while more than NewBatchThreshold of it run.
        trigger.Start();
        await WaitForAsync(() => trigger.InFlight == 4);
        await Task.Delay(settle);
        Assert.Equal(4, trigger.InFlight);
        gate.Release();
        await WaitForAsync(() => trigger.Successes == 1);
        await Task.Delay(settle);
        Assert.Equal(3, trigger.InFlight);
        Assert.Equal(4, trigger.Invocations);

        // Down to NewBatchThreshold: the next batch is fetched while those two still run, and nothing beyond it.
        gate.Release();
        await WaitForAsync(() => trigger.InFlight == 6);
        await Task.Delay(settle);
        Assert.Equal(6, trigger.InFlight);
        Assert.Equal(8, trigger.Invocations);

        gate.Release(24);
        await WaitForAsync(() => trigger.Successes == 24);
        await trigger.StopAsync();

        Assert.Equal(6, trigger.MaxInFlight);
        Assert.Equal(24, trigger.Invocations);
    }

    [Fact]
    public async Task Start_InvocationOutlivesTheLease_RenewsItSoNoOtherInstanceGetsTheMessage()
    {
        var queue = await NewQueueAsync();
        await Base64Client(queue).SendMessageAsync("slow");
        var slow = new ScriptedHandler(async _ =>
        {
            await Task.Delay(TimeSpan.FromSeconds(5));
            return new HandlerResponse(HttpStatusCode.OK, ScriptedHandler.Success);
        });
        var other = ScriptedHandler.Succeeding();
        var leased = s_fast with { LeaseDuration = TimeSpan.FromSeconds(2) };
        await using var first = new HostQueueTrigger(azurite.ConnectionString, queue, slow, leased);
        await using var second = new HostQueueTrigger(azurite.ConnectionString, queue, other, leased);

        first.Start();
        await WaitForAsync(() => first.InFlight == 1);
        second.Start();
        await WaitForAsync(() => first.Successes == 1);
        await Task.WhenAll(first.StopAsync(), second.StopAsync());

        Assert.Empty(other.Received);
        Assert.Equal(0, first.LostLeases);
        Assert.Equal(0, await CountAsync(queue));
    }

    [Fact]
    public async Task Start_HandlerDiesDuringAnInvocation_ReleasesTheMessageAndStopsReceiving()
    {
        var queue = await NewQueueAsync();
        await Base64Client(queue).SendMessageAsync("item");
        ScriptedHandler? dying = null;
        dying = new ScriptedHandler(_ =>
        {
            dying!.Exit();
            throw new HttpRequestException("An error occurred while sending the request (connection reset)");
        });
        var survivor = ScriptedHandler.Succeeding();
        var options = s_fast with { VisibilityTimeout = TimeSpan.FromSeconds(1) };
        await using var first = new HostQueueTrigger(azurite.ConnectionString, queue, dying, options);
        await using var second = new HostQueueTrigger(azurite.ConnectionString, queue, survivor, options);

        first.Start();
        await WaitForAsync(() => first.HandlerGone);
        second.Start();
        await WaitForAsync(() => second.Successes == 1);
        await Task.WhenAll(first.StopAsync(), second.StopAsync());

        Assert.Equal(1, first.Invocations);
        Assert.Equal(1, first.Failures);
        Assert.Equal("2", DequeueCount(Assert.Single(survivor.Received).Payload));
        Assert.Equal(0, first.Poisoned + second.Poisoned);
    }

    [Fact]
    public async Task Start_TwoInstancesOnOneQueue_EachMessageSucceedsExactlyOnce()
    {
        var queue = await NewQueueAsync();
        var client = Base64Client(queue);
        for (var i = 0; i < 60; i++)
        {
            await client.SendMessageAsync(i.ToString(CultureInfo.InvariantCulture));
        }

        var processed = new ConcurrentBag<string>();
        ScriptedHandler Handler() => new(async payload =>
        {
            processed.Add(JsonSerializer.Deserialize<string>(Item(payload))!);
            await Task.Delay(30);
            return new HandlerResponse(HttpStatusCode.OK, ScriptedHandler.Success);
        });
        var options = s_fast with { BatchSize = 8, NewBatchThreshold = 4 };
        await using var first = new HostQueueTrigger(azurite.ConnectionString, queue, Handler(), options);
        await using var second = new HostQueueTrigger(azurite.ConnectionString, queue, Handler(), options);

        first.Start();
        second.Start();
        await WaitForAsync(() => first.Successes + second.Successes == 60);
        await Task.WhenAll(first.StopAsync(), second.StopAsync());

        Assert.Equal(Enumerable.Range(0, 60).Select(i => i.ToString(CultureInfo.InvariantCulture)).Order(StringComparer.Ordinal), processed.Order(StringComparer.Ordinal));
        Assert.True(first.Successes > 0 && second.Successes > 0, $"one instance took every message ({first.Successes}/{second.Successes})");
        Assert.Equal(0, first.Failures + second.Failures + first.LostLeases + second.LostLeases);
    }

    private static string Item(string payload)
    {
        using var json = JsonDocument.Parse(payload);
        return json.RootElement.GetProperty("Data").GetProperty("item").GetString()!;
    }

    private static string DequeueCount(string payload)
    {
        using var json = JsonDocument.Parse(payload);
        return json.RootElement.GetProperty("Metadata").GetProperty("DequeueCount").GetString()!;
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < s_wait, $"the condition did not hold within {s_wait.TotalSeconds} s");
            await Task.Delay(25);
        }
    }

    private QueueClient Base64Client(string queue) =>
        new(azurite.ConnectionString, queue, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    private async Task<string> NewQueueAsync()
    {
        var name = "harness-" + Guid.NewGuid().ToString("N")[..20];
        await new QueueClient(azurite.ConnectionString, name).CreateAsync();
        return name;
    }

    private async Task<int> CountAsync(string queue) =>
        (await new QueueClient(azurite.ConnectionString, queue).GetPropertiesAsync()).Value.ApproximateMessagesCount;

    private async Task<string[]> PoisonBodiesAsync(string queue)
    {
        var poisoned = await Base64Client(queue + "-poison").PeekMessagesAsync(32);
        return [.. poisoned.Value.Select(m => Encoding.UTF8.GetString(m.Body.ToArray()))];
    }
}
