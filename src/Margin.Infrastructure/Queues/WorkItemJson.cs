using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Margin.Sweep.Work;

namespace Margin.Infrastructure.Queues;

/// <summary>The work item's message body: <c>{"v":1,"sweepId":..,"snapshotId":..,"paramsVersion":..,"partitionFrom":..,"partitionTo":..,"traceparent":..}</c>.</summary>
/// <remarks>
/// Read leniently as hosts deliver it (a body JSON-encoded twice, numbers as strings) and strictly on meaning: an unknown
/// version, a missing field or an invalid range is a problem naming the field, so the message is poisoned with it.
/// <c>traceparent</c> (W3C trace context, docs/observability.md) is optional and telemetry only, so it stays within
/// version 1: written only when the item has one, read when it parses as a trace context, and otherwise (absent, not a
/// string, malformed) ignored: a work item is never poisoned for its trace context.
/// </remarks>
internal static class WorkItemJson
{
    public static string Write(WorkItem item)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("v", WorkItem.SchemaVersion);
            w.WriteString("sweepId", item.SweepId);
            w.WriteString("snapshotId", item.SnapshotId);
            w.WriteString("paramsVersion", item.ParamsVersion);
            w.WriteNumber("partitionFrom", item.PartitionFrom);
            w.WriteNumber("partitionTo", item.PartitionTo);
            if (item.TraceParent is { } traceParent)
            {
                w.WriteString("traceparent", traceParent);
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static (WorkItem? Item, string? Problem) Read(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.String)
            {
                // JSON encoded twice (some hosts and tools wrap the body in a string).
                return Read(root.GetString()!);
            }

            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, $"the body is a JSON {root.ValueKind}, not an object");
            }

            var version = Integer(root, "v");
            if (version != WorkItem.SchemaVersion)
            {
                return (null, $"v is {version}; this version reads {WorkItem.SchemaVersion}");
            }

            var item = new WorkItem(Text(root, "sweepId"), Text(root, "snapshotId"), Text(root, "paramsVersion"), Integer(root, "partitionFrom"), Integer(root, "partitionTo"), TraceParent(root));
            var problems = item.Problems();
            return problems.Count == 0 ? (item, null) : (null, string.Join("; ", problems));
        }
        catch (JsonException ex)
        {
            return (null, $"the body is not JSON: {ex.Message}");
        }
        catch (FormatException ex)
        {
            return (null, ex.Message);
        }
    }

    // A valid W3C traceparent, else null: a bad trace context costs the sweep its trace link, never the work item.
    private static string? TraceParent(JsonElement root) =>
        root.TryGetProperty("traceparent", out var e) && e.ValueKind == JsonValueKind.String && e.GetString() is { } text && ActivityContext.TryParse(text, null, out _)
            ? text
            : null;

    private static string Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.String ? e.GetString()! : throw new FormatException($"{name} is missing or not a string");

    private static int Integer(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var e))
        {
            throw new FormatException($"{name} is missing");
        }

        if (e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var n))
        {
            return n;
        }

        if (e.ValueKind == JsonValueKind.String && int.TryParse(e.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var s))
        {
            return s;
        }

        throw new FormatException($"{name} is not an integer");
    }
}
