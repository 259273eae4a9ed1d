using System.Text;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using Margin.Infrastructure.Queues;
using Margin.Infrastructure.Tests.Azurite;

namespace Margin.Infrastructure.Tests.Queues;

[Collection(AzuriteGroup.Name)]
public sealed class StorageStressQueueTests(AzuriteInstance azurite)
{
    [Fact]
    public async Task Enqueue_WritesBase64JsonThatTheFunctionSideDecodes()
    {
        var name = $"stress-{Guid.NewGuid():N}"[..20];
        var queue = StorageStressQueue.FromConnectionString(azurite.ConnectionString, name);
        await queue.EnsureCreatedAsync(CancellationToken.None);

        await queue.EnqueueAsync("st20261124T235900123Z-1a2b3c4d", CancellationToken.None);

        Assert.Equal(1, await queue.ApproximateCountAsync(CancellationToken.None));
        var raw = (await new QueueClient(azurite.ConnectionString, name).ReceiveMessagesAsync(1)).Value.Single().Body.ToString();
        var body = Encoding.UTF8.GetString(Convert.FromBase64String(raw));
        Assert.Equal("""{"v":1,"runId":"st20261124T235900123Z-1a2b3c4d"}""", body);
        var json = JsonNode.Parse(body)!;
        Assert.Equal(1, (int)json["v"]!);

        // As the Functions host hands it over (decoded), and as a tool reading the queue sees it (base64).
        Assert.True(StressQueueMessage.TryDecode(body, out var runId, out var problem), problem);
        Assert.Equal("st20261124T235900123Z-1a2b3c4d", runId);
        Assert.True(StressQueueMessage.TryDecode(raw, out runId, out _));
        Assert.Equal("st20261124T235900123Z-1a2b3c4d", runId);
        Assert.True(await new QueueClient(azurite.ConnectionString, name + "-poison").ExistsAsync());
    }

    [Fact]
    public async Task Enqueue_ARunIdAMessageCannotCarry_IsRefusedBeforeAnySend()
    {
        var name = $"stress-{Guid.NewGuid():N}"[..20];
        var queue = StorageStressQueue.FromConnectionString(azurite.ConnectionString, name);
        await queue.EnsureCreatedAsync(CancellationToken.None);

        await Assert.ThrowsAsync<ArgumentException>(() => queue.EnqueueAsync("a/b", CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => queue.EnqueueAsync("", CancellationToken.None));

        Assert.Equal(0, await queue.ApproximateCountAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Poison_Copy_KeepsTheBodyWithTheReasonInTheStressPoisonQueueInTheWorkQueuesFormat()
    {
        var name = $"stress-{Guid.NewGuid():N}"[..20];
        var queue = StorageStressQueue.FromConnectionString(azurite.ConnectionString, name);
        await queue.EnsureCreatedAsync(CancellationToken.None);

        await queue.Poison.CopyAsync("m-1", 2, "{\"v\":7}", "v is 7; this version reads 1", CancellationToken.None);

        Assert.Equal(name + "-poison", queue.Poison.Name);
        Assert.Equal(1, await queue.Poison.ApproximateCountAsync(CancellationToken.None));
        Assert.Equal(0, await queue.ApproximateCountAsync(CancellationToken.None));
        var raw = (await new QueueClient(azurite.ConnectionString, name + "-poison").ReceiveMessagesAsync(1)).Value.Single().Body.ToString();
        var record = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(raw)))!;
        Assert.Equal("v is 7; this version reads 1", (string?)record["reason"]);
        Assert.Equal("{\"v\":7}", (string?)record["body"]);
        Assert.Equal("m-1", (string?)record["messageId"]);
        Assert.Equal(2, (long?)record["dequeueCount"]);
        Assert.Equal(7, (int?)record["bodyLength"]);
    }
}
