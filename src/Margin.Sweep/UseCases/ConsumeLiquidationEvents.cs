using System.Globalization;
using System.Text.Json;
using Margin.Sweep.Orders;
using Margin.Sweep.Ports;
using Margin.Sweep.Telemetry;

namespace Margin.Sweep.UseCases;

/// <summary>Receives executor reports from the events queue and applies each with <see cref="RecordLiquidationEvent"/> (hosts without a Service Bus trigger: the CLI, tests).</summary>
/// <remarks>
/// Per message: a body the reader cannot map to a liquidation event is dead-lettered with reason <see cref="MalformedReason"/>,
/// an event whose fields break its rules with <see cref="InvalidReason"/>, the description naming what is wrong, so nothing is
/// lost and nothing is retried in vain. A valid event is applied and then completed. A failure while applying it (storage
/// unavailable, a timeout, conflicts past the retry limit) gives the message back: the broker delivers it again and
/// dead-letters it after its maximum delivery count; applying is idempotent, so a redelivery is harmless. A message that
/// cannot be settled (its lock was lost, the broker is unreachable) is also delivered again. One bad message never stops
/// the others; after a batch with such a failure the run stops (<see cref="ConsumeEventsOptions.StopOnFailure"/>), since the
/// broker would hand the message straight back. Each message dead-lettered counts in <c>margin.poison</c>
/// (<c>margin.queue=liquidation-events</c>). Cancellation is observed between messages: the run ends, the received messages not yet processed are
/// given back, and what was done is returned. A failure to receive (the broker refused or could not be reached) throws.
/// </remarks>
public sealed class ConsumeLiquidationEvents
{
    /// <summary>The dead-letter reason of a body the reader cannot map to a liquidation event (not JSON, not an object, an unknown property, a wrong type, a state or time not written as the schema says).</summary>
    public const string MalformedReason = "MalformedEvent";

    /// <summary>The dead-letter reason of an event whose fields are invalid (<see cref="LiquidationEvent.Problems"/>).</summary>
    public const string InvalidReason = "InvalidEvent";

    /// <summary>The dead-letter reason of a report on an order the account does not have (a wrong order or account id on the executor's side): kept for an operator rather than dropped, since the account may stay in flight until the right report arrives.</summary>
    public const string UnknownOrderReason = "UnknownOrder";

    private readonly IEventInbox _inbox;
    private readonly RecordLiquidationEvent _record;

    /// <summary>Creates the use case.</summary>
    public ConsumeLiquidationEvents(IEventInbox inbox, RecordLiquidationEvent record)
    {
        _inbox = inbox ?? throw new ArgumentNullException(nameof(inbox));
        _record = record ?? throw new ArgumentNullException(nameof(record));
    }

    /// <summary>Receives and handles messages in batches until <paramref name="options"/> say to stop or the call is cancelled.</summary>
    /// <param name="options">Batch size, wait and when to stop (valid: <see cref="ConsumeEventsOptions.Problems"/> empty).</param>
    /// <param name="cancellationToken">Ends the run between messages; the result says so.</param>
    /// <returns>Every handled message, in the order received, and why the run stopped.</returns>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="Exception">Receiving failed (the inbox's own exception: broker unreachable, not authorised).</exception>
    public async Task<ConsumeEventsOutcome> ExecuteAsync(ConsumeEventsOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Problems() is { Count: > 0 } problems)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }

        var handled = new List<ConsumedEvent>();
        while (true)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return new ConsumeEventsOutcome(handled, ConsumeStop.Cancelled);
            }

            var remaining = options.StopAfter is { } limit ? limit - handled.Count : int.MaxValue;
            if (remaining <= 0)
            {
                return new ConsumeEventsOutcome(handled, ConsumeStop.CountReached);
            }

            IReadOnlyList<InboxMessage> batch;
            try
            {
                batch = await _inbox.ReceiveAsync(Math.Min(options.MaxPerBatch, remaining), options.MaxWait, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return new ConsumeEventsOutcome(handled, ConsumeStop.Cancelled);
            }

            if (batch.Count == 0)
            {
                if (options.StopWhenEmpty)
                {
                    return new ConsumeEventsOutcome(handled, ConsumeStop.Empty);
                }

                continue;
            }

            for (var i = 0; i < batch.Count; i++)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    await GiveBackAsync(batch.Skip(i), handled).ConfigureAwait(false);
                    return new ConsumeEventsOutcome(handled, ConsumeStop.Cancelled);
                }

                var result = await HandleAsync(batch[i], cancellationToken).ConfigureAwait(false);
                handled.Add(result);
                if (result.Disposition == EventDisposition.NotProcessed)
                {
                    // Cancelled while it was applied: it and the rest go back.
                    await GiveBackAsync(batch.Skip(i + 1), handled).ConfigureAwait(false);
                    return new ConsumeEventsOutcome(handled, ConsumeStop.Cancelled);
                }
            }

            if (options.StopOnFailure && handled.Skip(handled.Count - batch.Count).Any(m => m.Disposition == EventDisposition.Abandoned))
            {
                // The store is failing: the next receive would hand the given-back messages straight back and each round
                // would use up one of their deliveries until the broker dead-letters them.
                return new ConsumeEventsOutcome(handled, ConsumeStop.Failure);
            }
        }
    }

    /// <summary>Handles one received message: dead-letters it, applies and completes it, or gives it back, as the class describes.</summary>
    /// <param name="message">A message the inbox received.</param>
    /// <param name="cancellationToken">Cancels applying it; a message cancelled mid-way is given back (<see cref="EventDisposition.NotProcessed"/>).</param>
    public async Task<ConsumedEvent> HandleAsync(InboxMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var (e, problem) = LiquidationEventJson.Read(message.Body);
        if (e is null)
        {
            var reason = IsInvalid(message.Body, problem) ? InvalidReason : MalformedReason;
            var description = problem ?? "not a liquidation event";
            var settleError = await SettleAsync(() => _inbox.DeadLetterAsync(message, reason, description, cancellationToken)).ConfigureAwait(false);
            CountDeadLetter(settleError);
            return new ConsumedEvent(message.MessageId, message.DeliveryCount, EventDisposition.DeadLettered)
            {
                DeadLetterReason = reason,
                Problem = description,
                SettleError = settleError,
            };
        }

        EventOutcome outcome;
        try
        {
            outcome = await _record.ExecuteAsync(e, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            var giveBackError = await SettleAsync(() => _inbox.AbandonAsync(message, CancellationToken.None)).ConfigureAwait(false);
            return new ConsumedEvent(message.MessageId, message.DeliveryCount, EventDisposition.NotProcessed) { Event = e, Error = "cancelled while it was applied; given back", SettleError = giveBackError };
        }
        catch (Exception ex)
        {
            // A failure that may pass (storage, timeout): give it back; the broker retries it and dead-letters it at its maximum delivery count.
            var error = string.Create(CultureInfo.InvariantCulture, $"{ex.GetType().Name}: {FirstLine(ex.Message)}");
            var settleError = await SettleAsync(() => _inbox.AbandonAsync(message, CancellationToken.None)).ConfigureAwait(false);
            return new ConsumedEvent(message.MessageId, message.DeliveryCount, EventDisposition.Abandoned) { Event = e, Error = error, SettleError = settleError };
        }

        if (outcome == EventOutcome.UnknownOrder)
        {
            var description = $"order {e.OrderId} is not an order of account {e.AccountId}: check both ids in the executor's report";
            var deadLetterError = await SettleAsync(() => _inbox.DeadLetterAsync(message, UnknownOrderReason, description, CancellationToken.None)).ConfigureAwait(false);
            CountDeadLetter(deadLetterError);
            return new ConsumedEvent(message.MessageId, message.DeliveryCount, EventDisposition.DeadLettered)
            {
                Event = e,
                Outcome = outcome,
                DeadLetterReason = UnknownOrderReason,
                Problem = description,
                SettleError = deadLetterError,
            };
        }

        var completeError = await SettleAsync(() => _inbox.CompleteAsync(message, CancellationToken.None)).ConfigureAwait(false);
        return new ConsumedEvent(message.MessageId, message.DeliveryCount, EventDisposition.Completed) { Event = e, Outcome = outcome, SettleError = completeError };
    }

    // Received but not processed (the run was cancelled): give them back now rather than when their locks expire.
    private async Task GiveBackAsync(IEnumerable<InboxMessage> messages, List<ConsumedEvent> handled)
    {
        foreach (var message in messages)
        {
            var settleError = await SettleAsync(() => _inbox.AbandonAsync(message, CancellationToken.None)).ConfigureAwait(false);
            handled.Add(new ConsumedEvent(message.MessageId, message.DeliveryCount, EventDisposition.NotProcessed) { Error = "not processed: the run was cancelled; given back", SettleError = settleError });
        }
    }

    // margin.poison counts messages that reached the dead-letter queue: one whose dead-lettering failed comes back and is
    // counted when it is dead-lettered again.
    private static void CountDeadLetter(string? settleError)
    {
        if (settleError is null)
        {
            SweepTelemetry.RecordPoison(SweepTelemetry.EventsQueue);
        }
    }

    // A settlement that fails leaves the message with the broker, which delivers it again (after its lock expires): say so, and go on.
    private static async Task<string?> SettleAsync(Func<Task> settle)
    {
        try
        {
            await settle().ConfigureAwait(false);
            return null;
        }
        catch (Exception ex)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{ex.GetType().Name}: {FirstLine(ex.Message)}");
        }
    }

    // Invalid: the body reads as an event and the problem is exactly its field rules' (LiquidationEvent.Problems); anything
    // the reader refused before that (not JSON, not an object, an unknown property, a wrong type, a state or time not
    // written as the schema says) is malformed (docs/consumers.md, "What the service does with your message").
    private static bool IsInvalid(string body, string? problem)
    {
        try
        {
            return JsonSerializer.Deserialize(body, LiquidationEventJson.Default.LiquidationEvent) is { } e
                && e.Problems() is { Count: > 0 } problems
                && string.Equals(string.Join("; ", problems), problem, StringComparison.Ordinal);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}

/// <summary>How <see cref="ConsumeLiquidationEvents"/> receives and when it stops.</summary>
public sealed record ConsumeEventsOptions
{
    /// <summary>At most this many messages per receive (1 to 1,000).</summary>
    public int MaxPerBatch { get; init; } = 32;

    /// <summary>How long one receive waits for a first message (more than zero, at most 1 hour).</summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Stop after handling this many messages (at least 1), or null for no limit.</summary>
    public int? StopAfter { get; init; }

    /// <summary>Stop when a receive waited <see cref="MaxWait"/> and got nothing; when false, only <see cref="StopAfter"/>, a failure or cancellation ends the run.</summary>
    public bool StopWhenEmpty { get; init; } = true;

    /// <summary>Stop after a batch in which a message was given back after a failure (its other messages are still handled), rather than receive it again at once and use up its deliveries while the store is down.</summary>
    public bool StopOnFailure { get; init; } = true;

    /// <summary>Every problem with these options, naming the option; empty when valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (MaxPerBatch is < 1 or > 1000)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"MaxPerBatch must be in [1, 1000] (got {MaxPerBatch})"));
        }

        if (MaxWait <= TimeSpan.Zero || MaxWait > TimeSpan.FromHours(1))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"MaxWait must be more than 0 and at most 1 hour (got {MaxWait})"));
        }

        if (StopAfter is < 1)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"StopAfter must be at least 1 (got {StopAfter})"));
        }

        return problems;
    }
}

/// <summary>What a consumer run did.</summary>
/// <param name="Messages">Every handled message, in the order received.</param>
/// <param name="StoppedBecause">Why the run ended.</param>
public sealed record ConsumeEventsOutcome(IReadOnlyList<ConsumedEvent> Messages, ConsumeStop StoppedBecause)
{
    /// <summary>Messages whose event was applied and that were completed.</summary>
    public int Completed => Messages.Count(m => m.Disposition == EventDisposition.Completed);

    /// <summary>Messages moved to the dead-letter queue.</summary>
    public int DeadLettered => Messages.Count(m => m.Disposition == EventDisposition.DeadLettered);

    /// <summary>Messages given back after a failure (delivered again).</summary>
    public int Abandoned => Messages.Count(m => m.Disposition == EventDisposition.Abandoned);
}

/// <summary>Why a consumer run ended.</summary>
public enum ConsumeStop
{
    /// <summary>A receive found the queue empty (<see cref="ConsumeEventsOptions.StopWhenEmpty"/>).</summary>
    Empty,

    /// <summary><see cref="ConsumeEventsOptions.StopAfter"/> messages were handled.</summary>
    CountReached,

    /// <summary>The caller cancelled.</summary>
    Cancelled,

    /// <summary>A message was given back after a failure (<see cref="ConsumeEventsOptions.StopOnFailure"/>).</summary>
    Failure,
}

/// <summary>What was done with a received message.</summary>
public enum EventDisposition
{
    /// <summary>Its event was applied and the message completed (removed from the queue).</summary>
    Completed,

    /// <summary>Not an event, or an invalid one: moved to the dead-letter queue with the reason.</summary>
    DeadLettered,

    /// <summary>Applying it failed: given back to be delivered again.</summary>
    Abandoned,

    /// <summary>The run was cancelled before or while it was applied: given back (an event half-applied is harmless: applying is idempotent).</summary>
    NotProcessed,
}

/// <summary>One handled message, for display.</summary>
/// <param name="MessageId">The broker's message id, if any.</param>
/// <param name="DeliveryCount">Deliveries before this one.</param>
/// <param name="Disposition">What was done with it.</param>
public sealed record ConsumedEvent(string? MessageId, long DeliveryCount, EventDisposition Disposition)
{
    /// <summary>The event, when the body was a valid one.</summary>
    public LiquidationEvent? Event { get; init; }

    /// <summary>What applying it did, when it was applied.</summary>
    public EventOutcome? Outcome { get; init; }

    /// <summary>The dead-letter reason (<see cref="ConsumeLiquidationEvents.MalformedReason"/> or <see cref="ConsumeLiquidationEvents.InvalidReason"/>), when dead-lettered.</summary>
    public string? DeadLetterReason { get; init; }

    /// <summary>What is wrong with the body, naming the field, when dead-lettered.</summary>
    public string? Problem { get; init; }

    /// <summary>Why applying it failed or did not happen, when abandoned or not processed.</summary>
    public string? Error { get; init; }

    /// <summary>Why completing, dead-lettering or abandoning it failed (the broker delivers it again), or null when it was settled.</summary>
    public string? SettleError { get; init; }

    /// <summary>Whether the settlement reached the broker.</summary>
    public bool Settled => SettleError is null;
}
