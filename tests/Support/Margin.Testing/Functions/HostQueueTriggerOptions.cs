using System.Globalization;
using System.Text.Json;

namespace Margin.Testing.Functions;

/// <summary>The queue trigger's settings: host.json <c>extensions.queues</c> and the binding's names, with the host's defaults.</summary>
/// <remarks>
/// Defaults from MicrosoftDocs/azure-docs functions-bindings-storage-queue.md#host-json (docs/notes/functions-custom-handler.md
/// §2.1): batchSize 16, newBatchThreshold batchSize/2 (one vCPU), maxDequeueCount 5, visibilityTimeout 00:00:00,
/// maxPollingInterval 00:01:00, messageEncoding base64. <see cref="LeaseDuration"/> is not a host.json setting: the host
/// receives with a fixed 10-minute visibility and renews it at half-time while the function runs (QueueListener).
/// </remarks>
public sealed record HostQueueTriggerOptions
{
    /// <summary>The function the trigger invokes (the POST path).</summary>
    public string FunctionName { get; init; } = "ProcessShard";

    /// <summary>The trigger binding's name in function.json (the key under Data).</summary>
    public string BindingName { get; init; } = "item";

    /// <summary>Messages received per poll (1..32).</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>The trigger fetches another batch once no more than this many invocations are running.</summary>
    public int NewBatchThreshold { get; init; } = 8;

    /// <summary>A failed message is moved to the poison queue when its dequeue count has reached this.</summary>
    public int MaxDequeueCount { get; init; } = 5;

    /// <summary>How long a failed message stays invisible before it is retried (host.json visibilityTimeout).</summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.Zero;

    /// <summary>The longest wait between two polls of an empty queue (host.json maxPollingInterval).</summary>
    public TimeSpan MaxPollingInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The visibility a received message gets, renewed at half-time while its invocation runs (the host's 10 minutes).</summary>
    /// <remarks>It is how long a message stays hidden after its whole instance disappears without releasing it.</remarks>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Whether bodies are base64 (host.json messageEncoding base64, the default) or plain text (none).</summary>
    public bool Base64Encoded { get; init; } = true;

    /// <summary>The form of the payload the handler receives.</summary>
    public HostPayloadOptions Payload { get; init; } = HostPayloadOptions.Host;

    /// <summary>The options a host.json sets in <c>extensions.queues</c>, the host's defaults for the rest.</summary>
    /// <param name="hostJsonPath">The app's host.json.</param>
    /// <exception cref="InvalidDataException">A queue setting has the wrong type or format.</exception>
    public static HostQueueTriggerOptions FromHostJson(string hostJsonPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostJsonPath);
        using var document = JsonDocument.Parse(File.ReadAllText(hostJsonPath), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var options = new HostQueueTriggerOptions();
        if (!TryGet(document.RootElement, "extensions", out var extensions) || !TryGet(extensions, "queues", out var queues))
        {
            return options;
        }

        try
        {
            foreach (var setting in queues.EnumerateObject())
            {
                options = setting.Name.ToUpperInvariant() switch
                {
                    "BATCHSIZE" => options with { BatchSize = setting.Value.GetInt32() },
                    "NEWBATCHTHRESHOLD" => options with { NewBatchThreshold = setting.Value.GetInt32() },
                    "MAXDEQUEUECOUNT" => options with { MaxDequeueCount = setting.Value.GetInt32() },
                    "VISIBILITYTIMEOUT" => options with { VisibilityTimeout = TimeSpan.Parse(setting.Value.GetString()!, CultureInfo.InvariantCulture) },
                    "MAXPOLLINGINTERVAL" => options with { MaxPollingInterval = TimeSpan.Parse(setting.Value.GetString()!, CultureInfo.InvariantCulture) },
                    "MESSAGEENCODING" => options with { Base64Encoded = !string.Equals(setting.Value.GetString(), "none", StringComparison.OrdinalIgnoreCase) },
                    _ => options,
                };
            }
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException)
        {
            throw new InvalidDataException($"{hostJsonPath}: extensions.queues has a setting of the wrong type or format: {e.Message}", e);
        }

        return options;
    }

    private static bool TryGet(JsonElement element, string name, out JsonElement value)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase) && property.Value.ValueKind == JsonValueKind.Object)
            {
                value = property.Value;
                return true;
            }
        }

        value = default;
        return false;
    }
}
