using Margin.Testing.Functions;

namespace MarginFunctions.Tests.HostHarness;

/// <summary>The queue trigger takes its settings from host.json's extensions.queues, as the host does.</summary>
public sealed class HostQueueTriggerOptionsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("margin-hostjson-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void FromHostJson_QueueSettings_ReplaceTheHostsDefaults()
    {
        var path = Write("""
            { "version": "2.0",
              "extensions": { "queues": { "batchSize": 4, "newBatchThreshold": 2, "maxDequeueCount": 3,
                "visibilityTimeout": "00:00:30", "maxPollingInterval": "00:00:02", "messageEncoding": "none" } } }
            """);

        var options = HostQueueTriggerOptions.FromHostJson(path);

        Assert.Equal(
            (4, 2, 3, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(2), false),
            (options.BatchSize, options.NewBatchThreshold, options.MaxDequeueCount, options.VisibilityTimeout, options.MaxPollingInterval, options.Base64Encoded));
    }

    [Fact]
    public void FromHostJson_NoQueueSection_KeepsTheHostsDefaults()
    {
        var options = HostQueueTriggerOptions.FromHostJson(Write("""{ "version": "2.0", "extensions": { "http": { "routePrefix": "api" } } }"""));

        Assert.Equal(new HostQueueTriggerOptions(), options);
        Assert.Equal((16, 8, 5, TimeSpan.Zero, true), (options.BatchSize, options.NewBatchThreshold, options.MaxDequeueCount, options.VisibilityTimeout, options.Base64Encoded));
    }

    [Fact]
    public void FromHostJson_SettingOfTheWrongType_ThrowsNamingTheFile()
    {
        var path = Write("""{ "extensions": { "queues": { "visibilityTimeout": 30 } } }""");

        var error = Assert.Throws<InvalidDataException>(() => HostQueueTriggerOptions.FromHostJson(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    private string Write(string json)
    {
        var path = Path.Combine(_folder, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, json);
        return path;
    }
}
