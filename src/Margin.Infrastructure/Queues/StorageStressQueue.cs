using System.Diagnostics.CodeAnalysis;
using System.Text;
using Azure.Storage.Queues;
using Margin.Sweep.Stress;

namespace Margin.Infrastructure.Queues;

/// <summary>The stress queue on Azure Storage Queues (<c>margin-stress</c>): one message per accepted run, which the <c>RunStress</c> function executes.</summary>
/// <remarks>
/// Messages are base64-encoded UTF-8 JSON (<see cref="StressQueueMessage"/>), the Functions host's default queue
/// encoding. The host retries a failing run and moves its message to <c>margin-stress-poison</c> after its last attempt;
/// both queues are created by <see cref="EnsureCreatedAsync"/>.
/// </remarks>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It is a queue: an Azure Storage queue.")]
public sealed class StorageStressQueue : IStressQueue
{
    /// <summary>The queue's name.</summary>
    public const string QueueName = "margin-stress";

    /// <summary>The poison queue's name (the Functions host's convention: the queue's name plus <c>-poison</c>).</summary>
    public const string PoisonQueueName = QueueName + "-poison";

    private readonly QueueClient _queue;

    /// <summary>Creates the adapter over the queue clients (created by <see cref="EnsureCreatedAsync"/>).</summary>
    /// <param name="queue">The stress queue, with no message encoding of its own (this class encodes base64).</param>
    /// <param name="poison">Its poison queue.</param>
    public StorageStressQueue(QueueClient queue, QueueClient poison)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(poison);
        _queue = queue;
        Poison = new PoisonQueue(poison);
    }

    /// <summary>Creates the adapter from a connection string (Azurite's or an account's).</summary>
    /// <param name="connectionString">The storage connection string.</param>
    /// <param name="queueName">The queue's name; the poison queue is this plus <c>-poison</c>.</param>
    public static StorageStressQueue FromConnectionString(string connectionString, string queueName = QueueName) =>
        new(new QueueClient(connectionString, queueName), new QueueClient(connectionString, queueName + "-poison"));

    /// <summary>The queue's name.</summary>
    public string Name => _queue.Name;

    /// <summary>The poison queue (<c>margin-stress-poison</c>): the RunStress function copies a body that is not a stress message there with the reason; the host moves a run's message there after its last failed attempt.</summary>
    public PoisonQueue Poison { get; }

    /// <summary>Creates both queues if they do not exist.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        await _queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await Poison.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The run id cannot be carried (empty, too long, not a table key).</exception>
    public async Task EnqueueAsync(string runId, CancellationToken cancellationToken = default)
    {
        var body = StressQueueMessage.Encode(runId);
        await _queue.SendMessageAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(body)), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How many messages the queue holds (approximate, as the service reports it).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<int> ApproximateCountAsync(CancellationToken cancellationToken = default)
    {
        var properties = await _queue.GetPropertiesAsync(cancellationToken).ConfigureAwait(false);
        return properties.Value.ApproximateMessagesCount;
    }
}
