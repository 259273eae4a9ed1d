using System.Diagnostics.CodeAnalysis;
using System.Text;
using Azure.Storage.Queues;

namespace Margin.Infrastructure.Queues;

/// <summary>A queue's poison queue (the Functions host's convention: the queue's name plus <c>-poison</c>), where a message that cannot be processed is kept with the reason.</summary>
/// <remarks>
/// One format for every queue of the app (<c>margin-shards</c>, <c>margin-stress</c>): a record
/// <c>{"reason":..,"dequeueCount":..,"messageId":..,"body":..,"bodyLength":..}</c>, base64-encoded UTF-8 JSON like the
/// messages themselves. The body is kept up to <see cref="MaxBodyChars"/> characters (its full length beside it), so the
/// record always fits a queue message. The host's own poison move (after <c>maxDequeueCount</c>) writes the original
/// message instead, unchanged.
/// </remarks>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It is a queue: an Azure Storage queue.")]
public sealed class PoisonQueue
{
    /// <summary>The poison queue's suffix (the Functions host's convention).</summary>
    public const string Suffix = "-poison";

    /// <summary>The most characters of a body kept in its record: even if every one is escaped as <c>\uXXXX</c> (six characters), the record stays under a message's 64 KiB once base64-encoded.</summary>
    public const int MaxBodyChars = 6 * 1024;

    private readonly QueueClient _queue;

    /// <summary>Creates the adapter over the poison queue's client (created by <see cref="EnsureCreatedAsync"/>).</summary>
    /// <param name="queue">The poison queue, with no message encoding of its own (this class encodes base64).</param>
    public PoisonQueue(QueueClient queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        _queue = queue;
    }

    /// <summary>The poison queue's name.</summary>
    public string Name => _queue.Name;

    /// <summary>Creates the poison queue if it does not exist.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default) =>
        await _queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);

    /// <summary>Writes a message that cannot be processed to the poison queue with the reason; the original is left to its receiver (the Functions host deletes it once the invocation succeeds).</summary>
    /// <param name="messageId">The original message's id.</param>
    /// <param name="dequeueCount">How many times it was received, this time included.</param>
    /// <param name="body">The original's decoded body.</param>
    /// <param name="reason">Why it is poison.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task CopyAsync(string messageId, long dequeueCount, string body, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);

        // A queue message holds 64 KiB: a long body is kept in part, with its length, so the record always fits.
        var kept = body.Length <= MaxBodyChars ? body : body[..MaxBodyChars];
        var record = System.Text.Json.JsonSerializer.Serialize(new PoisonRecord(reason, dequeueCount, messageId, kept, body.Length), PoisonJsonContext.Default.PoisonRecord);
        await _queue.SendMessageAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(record)), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How many messages the poison queue holds (approximate); 0 when it does not exist yet.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<int> ApproximateCountAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var properties = await _queue.GetPropertiesAsync(cancellationToken).ConfigureAwait(false);
            return properties.Value.ApproximateMessagesCount;
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            return 0;
        }
    }
}

/// <summary>A poisoned message with the reason.</summary>
internal sealed record PoisonRecord(string Reason, long DequeueCount, string MessageId, string Body, int BodyLength);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(PoisonRecord))]
internal sealed partial class PoisonJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
