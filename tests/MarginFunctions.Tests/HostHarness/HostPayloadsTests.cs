using System.Text.Json;
using Margin.Testing.Functions;

namespace MarginFunctions.Tests.HostHarness;

/// <summary>The payloads the harness sends are the ones docs/notes/functions-custom-handler.md §1.3 records.</summary>
public sealed class HostPayloadsTests
{
    private const string Body = """{"sweepId":"s-1","partitions":[0,1],"note":"é <x>"}""";

    private static readonly DateTimeOffset s_now = new(2026, 11, 24, 21, 0, 0, 125, TimeSpan.Zero);

    private static readonly HostQueueMessage s_queueMessage = new(
        Body,
        "4e773554-1b7e-4a0d-a6d1-7f1c3b1e0f00",
        "AgAAAAMAAAAAAAAA+d0=",
        1,
        s_now.AddSeconds(-3),
        s_now.AddDays(7),
        s_now.AddMinutes(10));

    private static readonly HostServiceBusMessage s_serviceBusMessage = new(
        Body,
        "order-42",
        Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"),
        1,
        7,
        s_now.AddSeconds(-1),
        s_now.AddDays(14))
    {
        ApplicationProperties = new Dictionary<string, object?> { ["account"] = "a-1", ["attempt"] = 2 },
    };

    [Fact]
    public void StorageQueue_HostForm_ItemIsTheBodyJsonEncodedTwice()
    {
        using var payload = JsonDocument.Parse(HostPayloads.StorageQueue(s_queueMessage, s_now));
        var item = payload.RootElement.GetProperty("Data").GetProperty("item");

        Assert.Equal(JsonValueKind.String, item.ValueKind);
        Assert.Equal(Body, JsonSerializer.Deserialize<string>(item.GetString()!));
    }

    [Fact]
    public void StorageQueue_DocumentedForm_ItemIsTheBodyJsonEncodedOnce()
    {
        using var payload = JsonDocument.Parse(HostPayloads.StorageQueue(s_queueMessage, s_now, options: HostPayloadOptions.Documented));
        var item = payload.RootElement.GetProperty("Data").GetProperty("item");

        Assert.Equal(Body, item.GetString());
        using var work = JsonDocument.Parse(item.GetString()!);
        Assert.Equal("s-1", work.RootElement.GetProperty("sweepId").GetString());
    }

    [Fact]
    public void StorageQueue_HostForm_DequeueCountIsAStringAndIdsCarryQuotes()
    {
        using var payload = JsonDocument.Parse(HostPayloads.StorageQueue(s_queueMessage, s_now));
        var metadata = payload.RootElement.GetProperty("Metadata");

        Assert.Equal(JsonValueKind.String, metadata.GetProperty("DequeueCount").ValueKind);
        Assert.Equal("1", metadata.GetProperty("DequeueCount").GetString());
        Assert.Equal("\"4e773554-1b7e-4a0d-a6d1-7f1c3b1e0f00\"", metadata.GetProperty("Id").GetString());
        Assert.Equal("\"AgAAAAMAAAAAAAAA+d0=\"", metadata.GetProperty("PopReceipt").GetString());
    }

    [Fact]
    public void StorageQueue_DocumentedForm_DequeueCountIsANumberAndIdsArePlain()
    {
        using var payload = JsonDocument.Parse(HostPayloads.StorageQueue(s_queueMessage, s_now, options: HostPayloadOptions.Documented));
        var metadata = payload.RootElement.GetProperty("Metadata");

        Assert.Equal(1, metadata.GetProperty("DequeueCount").GetInt32());
        Assert.Equal("4e773554-1b7e-4a0d-a6d1-7f1c3b1e0f00", metadata.GetProperty("Id").GetString());
    }

    [Fact]
    public void StorageQueue_Metadata_HasTheMessageTimesAndSysButNoQueueTrigger()
    {
        using var payload = JsonDocument.Parse(HostPayloads.StorageQueue(s_queueMessage, s_now));
        var metadata = payload.RootElement.GetProperty("Metadata");
        var sys = metadata.GetProperty("sys");

        Assert.Equal(
            ["DequeueCount", "ExpirationTime", "Id", "InsertionTime", "NextVisibleTime", "PopReceipt", "sys"],
            metadata.EnumerateObject().Select(p => p.Name));
        Assert.Equal("2026-11-24T20:59:57.125Z", metadata.GetProperty("InsertionTime").GetString());
        Assert.Equal(s_now.AddMinutes(10), metadata.GetProperty("NextVisibleTime").GetDateTimeOffset());
        Assert.Equal("ProcessShard", sys.GetProperty("MethodName").GetString());
        Assert.Equal(s_now, sys.GetProperty("UtcNow").GetDateTimeOffset());
        Assert.True(Guid.TryParse(sys.GetProperty("RandGuid").GetString(), out _));
    }

    [Fact]
    public void StorageQueue_QuotedTimes_TimesCarryQuotes()
    {
        var options = HostPayloadOptions.Host with { QuotedTimes = true };
        using var payload = JsonDocument.Parse(HostPayloads.StorageQueue(s_queueMessage, s_now, options: options));

        Assert.Equal("\"2026-11-24T20:59:57.125Z\"", payload.RootElement.GetProperty("Metadata").GetProperty("InsertionTime").GetString());
    }

    [Fact]
    public void Timer_WithoutMonitor_ScheduleStatusIsNull()
    {
        using var payload = JsonDocument.Parse(HostPayloads.Timer("StartSweep", s_now));
        var timer = payload.RootElement.GetProperty("Data").GetProperty("timer");

        Assert.True(timer.GetProperty("Schedule").GetProperty("AdjustForDST").GetBoolean());
        Assert.Equal(JsonValueKind.Null, timer.GetProperty("ScheduleStatus").ValueKind);
        Assert.False(timer.GetProperty("IsPastDue").GetBoolean());
        Assert.Equal("StartSweep", payload.RootElement.GetProperty("Metadata").GetProperty("sys").GetProperty("MethodName").GetString());
    }

    [Fact]
    public void Timer_WithMonitor_ScheduleStatusHasLastNextAndLastUpdated()
    {
        var status = new TimerScheduleStatus(s_now.AddMinutes(-1), s_now.AddMinutes(1), s_now.AddMinutes(-1));
        using var payload = JsonDocument.Parse(HostPayloads.Timer("RefreshPrices", s_now, isPastDue: true, scheduleStatus: status));
        var timer = payload.RootElement.GetProperty("Data").GetProperty("timer");
        var scheduleStatus = timer.GetProperty("ScheduleStatus");

        Assert.True(timer.GetProperty("IsPastDue").GetBoolean());
        Assert.Equal(s_now.AddMinutes(-1), scheduleStatus.GetProperty("Last").GetDateTimeOffset());
        Assert.Equal(s_now.AddMinutes(1), scheduleStatus.GetProperty("Next").GetDateTimeOffset());
        Assert.Equal(s_now.AddMinutes(-1), scheduleStatus.GetProperty("LastUpdated").GetDateTimeOffset());
    }

    [Fact]
    public void ServiceBus_HostForm_MessageIsEncodedTwiceAndCountsAreStrings()
    {
        using var payload = JsonDocument.Parse(HostPayloads.ServiceBus(s_serviceBusMessage, s_now));
        var metadata = payload.RootElement.GetProperty("Metadata");

        Assert.Equal(Body, JsonSerializer.Deserialize<string>(payload.RootElement.GetProperty("Data").GetProperty("message").GetString()!));
        Assert.Equal("1", metadata.GetProperty("DeliveryCount").GetString());
        Assert.Equal("7", metadata.GetProperty("SequenceNumber").GetString());
        Assert.Equal("\"order-42\"", metadata.GetProperty("MessageId").GetString());
        Assert.Equal("\"0f8fad5b-d9cb-469f-a165-70867728950e\"", metadata.GetProperty("LockToken").GetString());
        Assert.Equal("\"application/json\"", metadata.GetProperty("ContentType").GetString());
    }

    [Fact]
    public void ServiceBus_Metadata_HasTheHostsObjectsAndProperties()
    {
        using var payload = JsonDocument.Parse(HostPayloads.ServiceBus(s_serviceBusMessage, s_now));
        var metadata = payload.RootElement.GetProperty("Metadata");

        foreach (var empty in new[] { "MessageReceiver", "MessageSession", "MessageActions", "SessionActions", "ReceiveActions" })
        {
            Assert.Empty(metadata.GetProperty(empty).EnumerateObject());
        }

        Assert.Equal("margin.servicebus.windows.net", metadata.GetProperty("Client").GetProperty("FullyQualifiedNamespace").GetString());
        Assert.Equal("a-1", metadata.GetProperty("ApplicationProperties").GetProperty("account").GetString());
        Assert.Equal(2, metadata.GetProperty("UserProperties").GetProperty("attempt").GetInt32());
        Assert.Equal(s_now.AddDays(14), metadata.GetProperty("ExpiresAtUtc").GetDateTimeOffset());
        Assert.Equal(s_now.AddSeconds(-1), metadata.GetProperty("EnqueuedTimeUtc").GetDateTimeOffset());
        Assert.Equal("RecordLiquidationEvent", metadata.GetProperty("sys").GetProperty("MethodName").GetString());
    }
}
