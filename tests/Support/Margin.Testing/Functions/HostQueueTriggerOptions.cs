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
}
