namespace Margin.Infrastructure.ServiceBus;

/// <summary>Receives from a queue in peek-lock mode; on a session queue it asks for a session through <c>com.microsoft:session-filter</c>.</summary>
/// <remarks>SKELETON (issue 5, being implemented).</remarks>
public sealed class ServiceBusReceiver : IAsyncDisposable
{
    /// <summary>Creates a receiver (the link is attached on first receive).</summary>
    /// <param name="connection">The shared connection.</param>
    /// <param name="queue">The queue.</param>
    /// <param name="sessions">Whether the queue has sessions.</param>
    /// <param name="sessionId">With sessions, the session to take, or null for the next available one.</param>
    public ServiceBusReceiver(ServiceBusConnection connection, string queue, bool sessions, string? sessionId = null)
    {
        _ = connection ?? throw new ArgumentNullException(nameof(connection));
        _ = queue;
        _ = sessions;
        _ = sessionId;
    }

    /// <summary>Receives up to <paramref name="max"/> messages, waiting at most <paramref name="maxWait"/> for the first.</summary>
    public Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(int max, TimeSpan maxWait, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Completes (accepts) a message.</summary>
    public Task CompleteAsync(ReceivedMessage message, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Abandons a message (it is delivered again).</summary>
    public Task AbandonAsync(ReceivedMessage message, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Dead-letters a message with a reason and description.</summary>
    public Task DeadLetterAsync(ReceivedMessage message, string reason, string description, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => throw new NotImplementedException();
}

/// <summary>A received message with the Service Bus properties this app maps.</summary>
/// <param name="MessageId">message-id.</param>
/// <param name="SessionId">group-id.</param>
/// <param name="Subject">subject.</param>
/// <param name="ContentType">content-type.</param>
/// <param name="CorrelationId">correlation-id.</param>
/// <param name="TimeToLive">header ttl, or null.</param>
/// <param name="ApplicationProperties">application-properties.</param>
/// <param name="Annotations">message-annotations (x-opt-*).</param>
/// <param name="Body">The Data body bytes.</param>
/// <param name="DeliveryCount">The header's delivery count.</param>
/// <param name="Handle">The receiver's handle for settling it.</param>
public sealed record ReceivedMessage(
    string? MessageId,
    string? SessionId,
    string? Subject,
    string? ContentType,
    string? CorrelationId,
    TimeSpan? TimeToLive,
    IReadOnlyDictionary<string, object?> ApplicationProperties,
    IReadOnlyDictionary<string, object?> Annotations,
    ReadOnlyMemory<byte> Body,
    long DeliveryCount,
    object Handle);
