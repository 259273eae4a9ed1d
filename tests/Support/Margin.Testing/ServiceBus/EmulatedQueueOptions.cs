namespace Margin.Testing.ServiceBus;

/// <summary>A queue's settings, as on a Service Bus queue.</summary>
/// <param name="Name">The queue name (case-insensitive, as in Service Bus).</param>
public sealed record EmulatedQueueOptions(string Name)
{
    /// <summary>Whether the queue requires sessions: every message needs a group-id and receivers a com.microsoft:session-filter.</summary>
    public bool RequiresSession { get; init; }

    /// <summary>Whether a message whose message-id was already enqueued within <see cref="DuplicateDetectionWindow"/> is accepted and dropped.</summary>
    public bool DuplicateDetection { get; init; }

    /// <summary>The duplicate-detection history window (Service Bus default: 10 minutes; 20 seconds to 7 days).</summary>
    public TimeSpan DuplicateDetectionWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>After this many deliveries a message abandoned again is dead-lettered with reason MaxDeliveryCountExceeded (Service Bus default 10).</summary>
    public int MaxDeliveryCount { get; init; } = 10;

    /// <summary>How long a peek-lock delivery (and a session) stays locked; when it passes unsettled the lock is lost, the
    /// message becomes available again with its delivery count raised, and a later settlement is refused with
    /// com.microsoft:message-lock-lost (Service Bus default 1 minute).</summary>
    public TimeSpan LockDuration { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Whether a message whose time to live passes is moved to the dead-letter queue (reason TTLExpiredException) instead of being dropped.</summary>
    public bool DeadLetteringOnMessageExpiration { get; init; }
}
