using System.Text;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using Margin.Infrastructure.Queues;
using Margin.Infrastructure.Tests.Azurite;
using Margin.Sweep.Work;

namespace Margin.Infrastructure.Tests.Queues;

[Collection(AzuriteGroup.Name)]
public sealed class StorageWorkQueueTests(AzuriteInstance azurite)
{
    private static readonly WorkItem Item = new("sweep-1", "snap-7", "params-3", 0, 15);

    private async Task<(StorageWorkQueue Queue, string Name)> NewQueueAsync()
    {
        var name = $"shards-{Guid.NewGuid():N}"[..20];
        var queue = StorageWorkQueue.FromConnectionString(azurite.ConnectionString, name);
        await queue.EnsureCreatedAsync(CancellationToken.None);
        return (queue, name);
    }

    [Fact]
    public async Task Enqueue_Receive_Complete_RoundTripsTheWorkItemAsBase64Json()
    {
        var (queue, name) = await NewQueueAsync();

        await queue.EnqueueAsync([Item], CancellationToken.None);

        // The raw message is base64 of the documented JSON (what the Functions host's queue trigger decodes).
        var raw = new QueueClient(azurite.ConnectionString, name);
        var peeked = (await raw.PeekMessagesAsync(1)).Value.Single();
        var json = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(peeked.Body.ToString())))!;
        Assert.Equal(1, (int)json["v"]!);
        Assert.Equal("sweep-1", (string?)json["sweepId"]);
        Assert.Equal(15, (int)json["partitionTo"]!);

        var received = Assert.Single(await queue.ReceiveAsync(32, TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.Equal(Item, received.Item);
        Assert.Null(received.Problem);
        Assert.Equal(1, received.DequeueCount);

        await queue.CompleteAsync(received, CancellationToken.None);
        Assert.Empty(await queue.ReceiveAsync(32, TimeSpan.FromSeconds(1), CancellationToken.None));
    }

    [Fact]
    public async Task MalformedBody_IsReceivedWithTheProblem_ThenPoisonedWithTheReasonAndItsBody()
    {
        var (queue, name) = await NewQueueAsync();
        var raw = new QueueClient(azurite.ConnectionString, name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await raw.SendMessageAsync("""{"v":1,"sweepId":"s","snapshotId":"x","paramsVersion":"p","partitionFrom":9,"partitionTo":3}""");

        var received = Assert.Single(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.Null(received.Item);
        Assert.Contains("partitionFrom 9 and partitionTo 3", received.Problem, StringComparison.Ordinal);

        await queue.PoisonAsync(received, received.Problem!, CancellationToken.None);

        Assert.Empty(await queue.ReceiveAsync(32, TimeSpan.FromSeconds(1), CancellationToken.None));
        var poison = new QueueClient(azurite.ConnectionString, name + "-poison", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        var record = JsonNode.Parse((await poison.ReceiveMessagesAsync(1)).Value.Single().Body.ToString())!;
        Assert.Contains("partitionFrom 9", (string?)record["reason"], StringComparison.Ordinal);
        Assert.Contains("\"partitionTo\":3", (string?)record["body"], StringComparison.Ordinal);
        Assert.Equal(received.MessageId, (string?)record["messageId"]);
    }

    [Fact]
    public async Task CopyToPoison_LongBodyOfEscapedCharacters_StillFitsAMessageKeepingTheLimit()
    {
        // Every character of this body is escaped as \uXXXX in the record: the record must still fit a 64 KiB message.
        var (queue, name) = await NewQueueAsync();
        var body = new string('\u00e9', StorageWorkQueue.MaxPoisonBodyChars + 1);
        await queue.CopyToPoisonAsync(StorageWorkQueue.Decode("long-1", "r", 1, body), "not a work item", CancellationToken.None);
        var poison = new QueueClient(azurite.ConnectionString, name + "-poison", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        var record = JsonNode.Parse((await poison.ReceiveMessagesAsync(1)).Value.Single().Body.ToString())!;
        Assert.Equal(StorageWorkQueue.MaxPoisonBodyChars, ((string?)record["body"])!.Length);
        Assert.Equal(body.Length, (int?)record["bodyLength"]);
    }

    [Fact]
    public async Task ABodyThatIsNotBase64_IsReportedNotThrown_SoItCanBePoisoned()
    {
        var (queue, name) = await NewQueueAsync();
        await new QueueClient(azurite.ConnectionString, name).SendMessageAsync("{not base64}");
        await queue.EnqueueAsync([Item], CancellationToken.None);

        var received = await queue.ReceiveAsync(32, TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.Equal(2, received.Count);
        var bad = Assert.Single(received, r => r.Item is null);
        Assert.Contains("not base64", bad.Problem, StringComparison.Ordinal);
        Assert.Equal(Item, Assert.Single(received, r => r.Item is not null).Item);
        await queue.PoisonAsync(bad, bad.Problem!, CancellationToken.None);
    }

    [Fact]
    public async Task Enqueue_AnInvalidItem_IsRefusedBeforeAnySend()
    {
        var (queue, _) = await NewQueueAsync();

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => queue.EnqueueAsync([Item, Item with { SnapshotId = " " }], CancellationToken.None));

        Assert.Contains("snapshotId is empty", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, await queue.ApproximateCountAsync(CancellationToken.None));
    }
}
