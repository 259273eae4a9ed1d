using System.Globalization;
using Margin.Infrastructure.Queues;
using Margin.Sweep.Telemetry;
using MarginFunctions.Hosting;
using MarginFunctions.Invocations;

namespace MarginFunctions.Functions;

/// <summary>One Storage queue message as the host's queue trigger delivers it (ProcessShard on <c>margin-shards</c>, RunStress on <c>margin-stress</c>), and what both functions do with a message they cannot use.</summary>
/// <param name="Function">The function (its folder name).</param>
/// <param name="Queue">The queue the trigger reads.</param>
/// <param name="MessageId">The queue's message id.</param>
/// <param name="PopReceipt">The host's receipt (empty when the host sent none).</param>
/// <param name="DequeueCount">How many times the message has been received, this time included.</param>
/// <param name="Body">The decoded body (the host undoes the queue's base64).</param>
internal sealed record QueueDelivery(string Function, string Queue, string MessageId, string PopReceipt, long DequeueCount, string Body)
{
    /// <summary>The queue triggers' binding name in function.json (ProcessShard and RunStress).</summary>
    public const string Binding = "item";

    /// <summary>The poison queue the host moves a message to after its last attempt, and the handler copies an unusable body to.</summary>
    public string PoisonQueue => Queue + Margin.Infrastructure.Queues.PoisonQueue.Suffix;

    /// <summary>Reads the message from the invocation.</summary>
    /// <param name="invocation">The host's invocation.</param>
    /// <param name="function">The function.</param>
    /// <param name="queue">The queue its trigger reads.</param>
    /// <param name="expected">What a message on that queue is (<c>work item</c>), and how long one is, for the problem.</param>
    /// <exception cref="InvalidDataException">
    /// No body where function.json puts it (a renamed binding, another payload shape), or a body too long to copy whole to
    /// the poison queue: failing keeps the message with the host, which moves it intact to the poison queue after
    /// <c>maxDequeueCount</c>, rather than the handler keeping a partial copy.
    /// </exception>
    public static QueueDelivery Read(HostInvocation invocation, string function, string queue, string expected)
    {
        var messageId = invocation.MetadataText("Id") ?? "(no id)";
        if (invocation.DataText(Binding) is not { Length: > 0 } body)
        {
            throw new InvalidDataException($"the invocation has no queue message in Data.{Binding} (message {messageId}); check {function}/function.json's binding name");
        }

        if (body.Length > Margin.Infrastructure.Queues.PoisonQueue.MaxBodyChars)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"message {messageId} is {body.Length} characters, not a {expected}; the host moves it to {queue}{Margin.Infrastructure.Queues.PoisonQueue.Suffix} after maxDequeueCount"));
        }

        return new QueueDelivery(function, queue, messageId, invocation.MetadataText("PopReceipt") ?? string.Empty, invocation.MetadataInteger("DequeueCount") ?? 1, body);
    }

    /// <summary>Whether this is the attempt after which the host moves a failing message to the poison queue.</summary>
    /// <param name="maxDequeueCount">host.json's <c>extensions.queues.maxDequeueCount</c> (<see cref="FunctionsOptions.MaxDequeueCount"/>).</param>
    public bool IsLastAttempt(int maxDequeueCount) => DequeueCount >= maxDequeueCount;

    /// <summary>Keeps a body that retrying cannot mend, with the reason, in the poison queue now; the handler then answers 200 and the host deletes the original.</summary>
    /// <param name="poison">The queue's poison queue.</param>
    /// <param name="expected">What a message on the queue is (<c>work item</c>, <c>stress message</c>).</param>
    /// <param name="problem">Why this body is not one.</param>
    /// <param name="logger">The function's logger.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The line for the host's log.</returns>
    public async Task<IReadOnlyList<string>> PoisonAsync(PoisonQueue poison, string expected, string problem, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(poison);
        await poison.CopyAsync(MessageId, DequeueCount, Body, problem, cancellationToken).ConfigureAwait(false);
        SweepTelemetry.RecordPoison(Queue);
        Log.MessagePoisoned(logger, Function, MessageId, DequeueCount, expected, poison.Name, problem);
        return [$"message {MessageId} is not a {expected} and was moved to {poison.Name}: {problem}"];
    }

    /// <summary>Says that this failing attempt is the last: the host moves the message to the poison queue once the handler answers.</summary>
    /// <param name="maxDequeueCount">host.json's <c>maxDequeueCount</c>.</param>
    /// <param name="logger">The function's logger.</param>
    public void NoteExhausted(int maxDequeueCount, ILogger logger)
    {
        Log.MessageExhausted(logger, Function, MessageId, DequeueCount, maxDequeueCount, PoisonQueue);
        SweepTelemetry.RecordPoison(Queue);
    }
}
