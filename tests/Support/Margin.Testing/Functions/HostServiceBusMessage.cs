namespace Margin.Testing.Functions;

/// <summary>A Service Bus message as the host's Service Bus trigger hands it over (ServiceBusReceivedMessage's members).</summary>
public sealed record HostServiceBusMessage(
    string Body,
    string MessageId,
    Guid LockToken,
    int DeliveryCount,
    long SequenceNumber,
    DateTimeOffset EnqueuedTime,
    DateTimeOffset ExpiresAt)
{
    /// <summary>The content type, when set (<c>application/json</c> for the liquidation events).</summary>
    public string? ContentType { get; init; } = "application/json";

    /// <summary>The session id, when the message has one.</summary>
    public string? SessionId { get; init; }

    /// <summary>The correlation id, when set.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>The subject (label), when set.</summary>
    public string? Subject { get; init; }

    /// <summary>Application properties; strings, numbers, booleans and nulls.</summary>
    public IReadOnlyDictionary<string, object?> ApplicationProperties { get; init; } = new Dictionary<string, object?>();

    /// <summary>The namespace the host's client is connected to (Metadata.Client.FullyQualifiedNamespace).</summary>
    public string FullyQualifiedNamespace { get; init; } = "margin.servicebus.windows.net";
}
