using System.Buffers;
using System.Text;
using System.Text.Json;
using Margin.Infrastructure.Storage;

namespace Margin.Infrastructure.Queues;

/// <summary>The <c>margin-stress</c> queue's message: <c>{"v":1,"runId":"st20261124T235900123Z-1a2b3c4d"}</c>, base64-encoded UTF-8 JSON on the queue.</summary>
/// <remarks>
/// Read as the Functions host delivers it: the decoded body, possibly JSON-encoded twice; the raw base64 text is accepted
/// too (a tool reading the queue directly). Strict on meaning: an unknown <c>v</c>, a missing or empty <c>runId</c>, or a
/// run id a table key cannot hold is a problem naming the field, so the message is poisoned with it.
/// </remarks>
public static class StressQueueMessage
{
    /// <summary>The message's version.</summary>
    public const int Version = 1;

    /// <summary>The longest run id a message may carry.</summary>
    public const int MaxRunIdLength = 128;

    /// <summary>The message body (JSON, before the queue's base64).</summary>
    /// <param name="runId">The run's id.</param>
    /// <exception cref="ArgumentException">The run id is empty, too long, or not a valid table key.</exception>
    public static string Encode(string runId)
    {
        if (Problem(runId) is { } problem)
        {
            throw new ArgumentException(problem, nameof(runId));
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("v", Version);
            w.WriteString("runId", runId);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Reads a message body.</summary>
    /// <param name="body">The body: JSON (possibly JSON-encoded twice), or its base64.</param>
    /// <param name="runId">The run's id, when the body is valid; else empty.</param>
    /// <param name="problem">What is wrong with the body, when it is not valid; else null.</param>
    /// <returns>Whether the body is a valid message.</returns>
    public static bool TryDecode(string? body, out string runId, out string? problem)
    {
        runId = string.Empty;
        var text = body?.Trim() ?? string.Empty;
        if (text.Length == 0)
        {
            problem = "the message is empty; expected {\"v\":1,\"runId\":\"...\"}";
            return false;
        }

        if (text[0] is not ('{' or '"' or '[') && TryBase64(text, out var decoded))
        {
            text = decoded.Trim();
        }

        problem = Read(text, depth: 0, out var id);
        if (problem is not null)
        {
            return false;
        }

        runId = id!;
        return true;
    }

    private static string? Read(string text, int depth, out string? runId)
    {
        runId = null;
        try
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.String && depth == 0)
            {
                // JSON encoded twice (some hosts and tools wrap the body in a string).
                return Read(root.GetString()!, depth + 1, out runId);
            }

            if (root.ValueKind != JsonValueKind.Object)
            {
                return $"the message is a JSON {root.ValueKind}, not an object like {{\"v\":1,\"runId\":\"...\"}}";
            }

            if (!root.TryGetProperty("v", out var v))
            {
                return "v is missing (expected 1)";
            }

            if (!(v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var version)) && !(v.ValueKind == JsonValueKind.String && int.TryParse(v.GetString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out version)))
            {
                return $"v is {v.GetRawText()}, not an integer";
            }

            if (version != Version)
            {
                return $"v is {version}; this version reads {Version}";
            }

            if (!root.TryGetProperty("runId", out var id) || id.ValueKind != JsonValueKind.String)
            {
                return "runId is missing or not a string";
            }

            runId = id.GetString()!;
            if (Problem(runId) is { } problem)
            {
                runId = null;
                return problem;
            }

            return null;
        }
        catch (JsonException ex)
        {
            return $"the message is not JSON: {ex.Message}";
        }
    }

    private static string? Problem(string? runId) =>
        runId is { Length: > MaxRunIdLength }
            ? $"runId has {runId.Length} characters; at most {MaxRunIdLength}"
            : TableKeys.Problem("runId", runId);

    private static bool TryBase64(string text, out string decoded)
    {
        decoded = string.Empty;
        var bytes = new byte[text.Length];
        if (!Convert.TryFromBase64String(text, bytes, out var length))
        {
            return false;
        }

        try
        {
            decoded = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 0, length);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
