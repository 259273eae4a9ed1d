using System.Diagnostics.CodeAnalysis;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Margin.Sweep.Ports;
using Margin.Sweep.Work;

namespace Margin.Infrastructure.Queues;

/// <summary>The work queue on Azure Storage Queues (<c>margin-shards</c>), with its poison queue (<c>margin-shards-poison</c>).</summary>
/// <remarks>
/// Messages are base64-encoded UTF-8 JSON, the encoding the Functions host's queue trigger expects by default; this class
/// encodes and decodes it, so a body that is not base64 is reported (and poisoned) rather than failing the receive. A
/// poisoned message keeps its body (up to 6,144 characters) and gains the reason, as
/// <c>{"reason":..,"dequeueCount":..,"messageId":..,"body":..,"bodyLength":..}</c>.
/// </remarks>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It is a queue: an Azure Storage queue.")]
public sealed class StorageWorkQueue : IWorkQueue
{
    /// <summary>The work queue's name.</summary>
    public const string QueueName = "margin-shards";

    /// <summary>The poison queue's name (the Functions host's convention: the queue's name plus <c>-poison</c>).</summary>
    public const string PoisonQueueName = QueueName + "-poison";

    private readonly QueueClient _queue;

    /// <summary>Creates the adapter over the two queue clients (created by <see cref="EnsureCreatedAsync"/>).</summary>
    /// <param name="queue">The work queue, with no message encoding of its own (this class encodes and decodes base64, so that a body that is not base64 is poisoned instead of failing the whole receive).</param>
    /// <param name="poison">The poison queue, likewise.</param>
    public StorageWorkQueue(QueueClient queue, QueueClient poison)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(poison);
        _queue = queue;
        Poison = new PoisonQueue(poison);
    }

    /// <summary>Creates the adapter from a connection string (Azurite's or an account's).</summary>
    /// <param name="connectionString">The storage connection string.</param>
    /// <param name="queueName">The work queue's name; the poison queue is this plus <c>-poison</c>.</param>
    public static StorageWorkQueue FromConnectionString(string connectionString, string queueName = QueueName) =>
        new(new QueueClient(connectionString, queueName), new QueueClient(connectionString, queueName + "-poison"));

    /// <summary>The poison queue (<c>margin-shards-poison</c>).</summary>
    public PoisonQueue Poison { get; }

    /// <summary>Creates both queues if they do not exist.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        await _queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await Poison.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task EnqueueAsync(IReadOnlyList<WorkItem> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        foreach (var item in items)
        {
            var problems = item.Problems();
            if (problems.Count > 0)
            {
                throw new ArgumentException($"work item of sweep {item.SweepId}: {string.Join("; ", problems)}", nameof(items));
            }
        }

        foreach (var item in items)
        {
            await _queue.SendMessageAsync(Base64(WorkItemJson.Write(item)), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ReceivedWorkItem>> ReceiveAsync(int max, TimeSpan visibility, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(max, 32);
        QueueMessage[] messages = await _queue.ReceiveMessagesAsync(max, visibility, cancellationToken).ConfigureAwait(false);
        return messages.Select(m =>
        {
            var raw = m.Body.ToString();
            var bytes = new byte[raw.Length];
            if (!Convert.TryFromBase64String(raw, bytes, out var length))
            {
                return new ReceivedWorkItem(m.MessageId, m.PopReceipt, m.DequeueCount, raw, null, "the message is not base64 (work items are base64-encoded UTF-8 JSON, the Functions host's encoding)");
            }

            var body = System.Text.Encoding.UTF8.GetString(bytes, 0, length);
            var (item, problem) = WorkItemJson.Read(body);
            return new ReceivedWorkItem(m.MessageId, m.PopReceipt, m.DequeueCount, body, item, problem);
        }).ToList();
    }

    /// <inheritdoc/>
    public async Task<bool> CompleteAsync(ReceivedWorkItem message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            await _queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Azure.RequestFailedException ex) when (NotOurs(ex))
        {
            return false;
        }
    }

    // 404 MessageNotFound (deleted, or taken by another receiver whose receipt replaced ours) or 400 PopReceiptMismatch.
    private static bool NotOurs(Azure.RequestFailedException ex) => (ex.Status == 404 && ex.ErrorCode is "MessageNotFound") || (ex.Status == 400 && ex.ErrorCode is "PopReceiptMismatch");

    /// <inheritdoc/>
    public async Task<bool> ReleaseAsync(ReceivedWorkItem message, TimeSpan delay, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        try
        {
            await _queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: delay, cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Azure.RequestFailedException ex) when (NotOurs(ex))
        {
            return false;
        }
    }

    /// <inheritdoc/>
    public async Task PoisonAsync(ReceivedWorkItem message, string reason, CancellationToken cancellationToken = default)
    {
        // Written to the poison queue before it is deleted here: a crash in between leaves a copy in both, never none.
        await CopyToPoisonAsync(message, reason, cancellationToken).ConfigureAwait(false);
        await CompleteAsync(message, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes a message that cannot be processed to the poison queue with the reason, and leaves the original to its receiver (the Functions host deletes it once the invocation succeeds).</summary>
    /// <param name="message">The received message.</param>
    /// <param name="reason">Why it is poison.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task CopyToPoisonAsync(ReceivedWorkItem message, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Poison.CopyAsync(message.MessageId, message.DequeueCount, message.Body, reason, cancellationToken);
    }

    /// <summary>Reads a message body another receiver has already taken and decoded (the Functions host's queue trigger): the work item, or why it is not one.</summary>
    /// <param name="messageId">The queue's message id.</param>
    /// <param name="popReceipt">The receipt (the host's; empty when unknown).</param>
    /// <param name="dequeueCount">How many times it has been received, this time included.</param>
    /// <param name="body">The decoded body (UTF-8 JSON, possibly JSON-encoded twice).</param>
    public static ReceivedWorkItem Decode(string messageId, string popReceipt, long dequeueCount, string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var (item, problem) = WorkItemJson.Read(body);
        return new ReceivedWorkItem(messageId, popReceipt, dequeueCount, body, item, problem);
    }

    /// <summary>The most characters of a poisoned body kept in its record (<see cref="PoisonQueue.MaxBodyChars"/>).</summary>
    public const int MaxPoisonBodyChars = PoisonQueue.MaxBodyChars;

    private static string Base64(string text) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>How many messages the work queue holds (approximate, as the service reports it).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<int> ApproximateCountAsync(CancellationToken cancellationToken = default)
    {
        var properties = await _queue.GetPropertiesAsync(cancellationToken).ConfigureAwait(false);
        return properties.Value.ApproximateMessagesCount;
    }

    /// <summary>How many messages the poison queue holds (approximate); 0 when it does not exist yet.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<int> ApproximatePoisonCountAsync(CancellationToken cancellationToken = default) => Poison.ApproximateCountAsync(cancellationToken);
}
