using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Margin.Testing.Functions;

/// <summary>
/// The JSON the Azure Functions host POSTs to a custom handler for a non-HTTP trigger: <c>{"Data":{...},"Metadata":{...}}</c>,
/// property for property as docs/notes/functions-custom-handler.md §1.3 records it.
/// </summary>
/// <remarks>
/// How the host builds it (azure-functions-host src/WebJobs.Script/Workers/ScriptInvocationContextExtensions.cs): each
/// input and each binding-data value is tried as <c>JObject.FromObject</c>; objects (TimerInfo, dictionaries, the Service
/// Bus actions) stay objects, while strings, numbers and times fall back to <c>JsonConvert.SerializeObject</c> and are sent
/// as a string holding their JSON. Hence the double-encoded body, <c>"DequeueCount":"1"</c> and <c>"Id":"\"…\""</c>.
/// Metadata keys ending in "Trigger" (QueueTrigger) are left out; <c>sys</c> is always there. Shapes: timer from
/// KarlGW/azfunc trigger/timer_test.go and the worker's TimerInfo; queue from the custom handler docs and KarlGW
/// trigger/queue_test.go; Service Bus from KarlGW trigger/service_bus_test.go. <see cref="HostPayloadOptions"/> switches
/// between the observed forms.
/// </remarks>
public static class HostPayloads
{
    /// <summary>Newtonsoft's way: no escaping of non-ASCII or HTML characters.</summary>
    private static readonly JsonWriterOptions s_writer = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The host's Service Bus action objects: serialized empty (their members are not data).</summary>
    private static readonly string[] s_serviceBusActions = ["MessageReceiver", "MessageSession", "MessageActions", "SessionActions", "ReceiveActions"];

    private static readonly JsonSerializerOptions s_inner = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A timer trigger: <c>Data.{bindingName}</c> is the TimerInfo object; ScheduleStatus is null unless the function monitors its schedule.</summary>
    /// <param name="functionName">The function (and POST path), e.g. StartSweep.</param>
    /// <param name="utcNow">The host's clock (sys.UtcNow).</param>
    /// <param name="isPastDue">Whether the occurrence is late (the host missed it, e.g. while no instance ran).</param>
    /// <param name="scheduleStatus">Last, Next and LastUpdated when <c>useMonitor</c> is true; null otherwise.</param>
    /// <param name="bindingName">The trigger binding's name in function.json.</param>
    public static string Timer(
        string functionName,
        DateTimeOffset utcNow,
        bool isPastDue = false,
        TimerScheduleStatus? scheduleStatus = null,
        string bindingName = "timer")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(functionName);
        ArgumentException.ThrowIfNullOrWhiteSpace(bindingName);
        return Write(w =>
        {
            w.WriteStartObject("Data");
            w.WriteStartObject(bindingName);
            w.WriteStartObject("Schedule");
            w.WriteBoolean("AdjustForDST", true);
            w.WriteEndObject();
            if (scheduleStatus is null)
            {
                w.WriteNull("ScheduleStatus");
            }
            else
            {
                w.WriteStartObject("ScheduleStatus");
                w.WriteString("Last", UtcTime(scheduleStatus.Last));
                w.WriteString("Next", UtcTime(scheduleStatus.Next));
                w.WriteString("LastUpdated", UtcTime(scheduleStatus.LastUpdated));
                w.WriteEndObject();
            }

            w.WriteBoolean("IsPastDue", isPastDue);
            w.WriteEndObject();
            w.WriteEndObject();

            w.WriteStartObject("Metadata");
            WriteSys(w, functionName, utcNow);
            w.WriteEndObject();
        });
    }

    /// <summary>A Storage queue trigger: <c>Data.{bindingName}</c> is the decoded body; Metadata has the message's id, pop receipt, dequeue count and times.</summary>
    /// <param name="message">The message as received (the body already base64-decoded, as the host does under <c>messageEncoding: base64</c>).</param>
    /// <param name="utcNow">The host's clock (sys.UtcNow).</param>
    /// <param name="functionName">The function (and POST path).</param>
    /// <param name="bindingName">The trigger binding's name in function.json.</param>
    /// <param name="options">Which observed form; <see cref="HostPayloadOptions.Host"/> when null.</param>
    public static string StorageQueue(
        HostQueueMessage message,
        DateTimeOffset utcNow,
        string functionName = "ProcessShard",
        string bindingName = "item",
        HostPayloadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        options ??= HostPayloadOptions.Host;
        return Trigger(functionName, bindingName, message.Body, utcNow, options, (w, options) =>
        {
            WriteCount(w, "DequeueCount", message.DequeueCount, options);
            w.WriteString("ExpirationTime", Time(UtcTime(message.ExpirationTime), options));
            w.WriteString("Id", Id(message.Id, options));
            w.WriteString("InsertionTime", Time(UtcTime(message.InsertionTime), options));
            w.WriteString("NextVisibleTime", Time(UtcTime(message.NextVisibleTime), options));
            w.WriteString("PopReceipt", Id(message.PopReceipt, options));
        });
    }

    /// <summary>A Service Bus trigger: <c>Data.{bindingName}</c> is the body; Metadata has the received message's members and the host's (empty) action objects.</summary>
    /// <param name="message">The message as received.</param>
    /// <param name="utcNow">The host's clock (sys.UtcNow).</param>
    /// <param name="functionName">The function (and POST path).</param>
    /// <param name="bindingName">The trigger binding's name in function.json.</param>
    /// <param name="options">Which observed form; <see cref="HostPayloadOptions.Host"/> when null.</param>
    public static string ServiceBus(
        HostServiceBusMessage message,
        DateTimeOffset utcNow,
        string functionName = "RecordLiquidationEvent",
        string bindingName = "message",
        HostPayloadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        options ??= HostPayloadOptions.Host;
        return Trigger(functionName, bindingName, message.Body, utcNow, options, (w, options) =>
        {
            foreach (var empty in s_serviceBusActions)
            {
                w.WriteStartObject(empty);
                w.WriteEndObject();
            }

            w.WriteStartObject("Client");
            w.WriteString("FullyQualifiedNamespace", message.FullyQualifiedNamespace);
            w.WriteBoolean("IsClosed", false);
            w.WriteNumber("TransportType", 0);
            w.WriteString("Identifier", string.Create(CultureInfo.InvariantCulture, $"{message.FullyQualifiedNamespace}-{Guid.NewGuid()}"));
            w.WriteEndObject();

            WriteCount(w, "DeliveryCount", message.DeliveryCount, options);
            w.WriteString("LockToken", Id(message.LockToken.ToString(), options));
            w.WriteString("ExpiresAtUtc", Time(UtcTime(message.ExpiresAt), options));
            w.WriteString("ExpiresAt", Time(OffsetTime(message.ExpiresAt), options));
            w.WriteString("EnqueuedTimeUtc", Time(UtcTime(message.EnqueuedTime), options));
            w.WriteString("EnqueuedTime", Time(OffsetTime(message.EnqueuedTime), options));
            w.WriteString("MessageId", Id(message.MessageId, options));
            if (message.ContentType is not null)
            {
                w.WriteString("ContentType", Id(message.ContentType, options));
            }

            if (message.SessionId is not null)
            {
                w.WriteString("SessionId", Id(message.SessionId, options));
            }

            if (message.CorrelationId is not null)
            {
                w.WriteString("CorrelationId", Id(message.CorrelationId, options));
            }

            if (message.Subject is not null)
            {
                w.WriteString("Subject", Id(message.Subject, options));
                w.WriteString("Label", Id(message.Subject, options));
            }

            WriteCount(w, "SequenceNumber", message.SequenceNumber, options);
            WriteProperties(w, "ApplicationProperties", message.ApplicationProperties);
            WriteProperties(w, "UserProperties", message.ApplicationProperties);
        });
    }

    // A queue or Service Bus invocation: Data holds the body under the binding's name (encoded again in the host's form),
    // Metadata the trigger's members and sys.
    private static string Trigger(string functionName, string bindingName, string body, DateTimeOffset utcNow, HostPayloadOptions options, Action<Utf8JsonWriter, HostPayloadOptions> metadata)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(functionName);
        ArgumentException.ThrowIfNullOrWhiteSpace(bindingName);
        return Write(w =>
        {
            w.WriteStartObject("Data");
            w.WriteString(bindingName, options.BodyEncodedTwice ? Encode(body) : body);
            w.WriteEndObject();

            w.WriteStartObject("Metadata");
            metadata(w, options);
            WriteSys(w, functionName, utcNow);
            w.WriteEndObject();
        });
    }

    /// <summary>A string as <c>JsonConvert.SerializeObject</c> writes it: its JSON literal, quotes included.</summary>
    public static string Encode(string value) => JsonSerializer.Serialize(value, s_inner);

    private static string Id(string value, HostPayloadOptions options) => options.QuotedIds ? Encode(value) : value;

    private static string Time(string value, HostPayloadOptions options) => options.QuotedTimes ? Encode(value) : value;

    /// <summary>A UTC DateTime as Newtonsoft writes it: ISO 8601, fractional seconds without trailing zeros, Z.</summary>
    private static string UtcTime(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    /// <summary>A DateTimeOffset as Newtonsoft writes it: ISO 8601 with the offset.</summary>
    private static string OffsetTime(DateTimeOffset value) =>
        value.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture);

    private static void WriteCount(Utf8JsonWriter w, string name, long value, HostPayloadOptions options)
    {
        if (options.NumbersAsStrings)
        {
            w.WriteString(name, value.ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            w.WriteNumber(name, value);
        }
    }

    private static void WriteProperties(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, object?> properties)
    {
        w.WritePropertyName(name);
        JsonSerializer.Serialize(w, properties, s_inner);
    }

    private static void WriteSys(Utf8JsonWriter w, string functionName, DateTimeOffset utcNow)
    {
        w.WriteStartObject("sys");
        w.WriteString("MethodName", functionName);
        w.WriteString("UtcNow", UtcTime(utcNow));
        w.WriteString("RandGuid", Guid.NewGuid().ToString());
        w.WriteEndObject();
    }

    private static string Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, s_writer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
