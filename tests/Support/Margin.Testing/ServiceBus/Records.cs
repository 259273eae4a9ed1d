namespace Margin.Testing.ServiceBus;

/// <summary>One put-token request the <c>$cbs</c> node received, and what it answered.</summary>
/// <param name="Operation">The <c>operation</c> application property.</param>
/// <param name="Type">The <c>type</c> application property (servicebus.windows.net:sastoken or jwt).</param>
/// <param name="Name">The <c>name</c> application property (the audience).</param>
/// <param name="Expiration">The <c>expiration</c> application property when it was a timestamp.</param>
/// <param name="ExpirationValue">The raw <c>expiration</c> value (to check its AMQP type).</param>
/// <param name="Token">The body (AmqpValue string), or null.</param>
/// <param name="MessageId">The request's message-id.</param>
/// <param name="ReplyTo">The request's reply-to.</param>
/// <param name="ReceivedAt">When it arrived (the emulator's clock).</param>
/// <param name="StatusCode">The status-code answered (or that would have been, when CBS answers are switched off).</param>
/// <param name="StatusDescription">The status-description answered.</param>
/// <param name="Answered">Whether a reply was sent.</param>
public sealed record PutTokenRecord(
    string? Operation,
    string? Type,
    string? Name,
    DateTimeOffset? Expiration,
    object? ExpirationValue,
    string? Token,
    object? MessageId,
    string? ReplyTo,
    DateTimeOffset ReceivedAt,
    int StatusCode,
    string StatusDescription,
    bool Answered);

/// <summary>One transfer a sender made to a queue, and its outcome.</summary>
/// <param name="Queue">The queue addressed.</param>
/// <param name="MessageFormat">The transfer's message-format (0, or 0x80013700 for a batch).</param>
/// <param name="MessageCount">Messages it carried (inner messages of a batch).</param>
/// <param name="SizeBytes">Its encoded size.</param>
/// <param name="ReceivedAt">When it arrived.</param>
/// <param name="Outcome">"accepted", or the rejection's condition.</param>
/// <param name="Description">Why it was rejected, or null.</param>
public sealed record TransferRecord(string Queue, uint MessageFormat, int MessageCount, int SizeBytes, DateTimeOffset ReceivedAt, string Outcome, string? Description)
{
    /// <summary>The message-id of each message it carried (a batch's in order; binary ids as hex, null for none); empty when
    /// the transfer was dropped or released by an injected fault before it was decoded.</summary>
    public IReadOnlyList<string?> MessageIds { get; init; } = [];

    /// <summary>The message-ids of its messages that duplicate detection accepted and dropped (an id already enqueued within the window).</summary>
    public IReadOnlyList<string?> DuplicateMessageIds { get; init; } = [];
}
