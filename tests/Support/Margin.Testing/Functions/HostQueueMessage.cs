namespace Margin.Testing.Functions;

/// <summary>A Storage queue message as the host's queue trigger hands it over: the decoded body and the message's metadata.</summary>
public sealed record HostQueueMessage(
    string Body,
    string Id,
    string PopReceipt,
    long DequeueCount,
    DateTimeOffset InsertionTime,
    DateTimeOffset ExpirationTime,
    DateTimeOffset NextVisibleTime);
