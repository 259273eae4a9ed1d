using Amqp;

namespace Margin.Testing.ServiceBus;

/// <summary>A queue's messages and settings. Guarded by the emulator's lock.</summary>
internal sealed class QueueState(string name, EmulatedQueueOptions options, bool isDeadLetterQueue)
{
    public string Name { get; } = name;

    public EmulatedQueueOptions Options { get; } = options;

    public bool IsDeadLetterQueue { get; } = isDeadLetterQueue;

    public bool RequiresSession => Options.RequiresSession && !IsDeadLetterQueue;

    /// <summary>Messages in sequence-number order (arrival order).</summary>
    public SortedDictionary<long, StoredMessage> Messages { get; } = [];

    /// <summary>Message ids seen, with when they were first enqueued (duplicate-detection history).</summary>
    public Dictionary<string, DateTimeOffset> SeenMessageIds { get; } = new(StringComparer.Ordinal);

    /// <summary>Sessions locked by a receiver link.</summary>
    public Dictionary<string, ReceiverState> SessionLocks { get; } = new(StringComparer.Ordinal);

    public long DuplicatesDropped { get; set; }

    /// <summary>The next sequence number (Service Bus numbers each entity's messages from 1).</summary>
    public long NextSequence { get; set; } = 1;
}

/// <summary>A message held by a queue: its encoded form and broker state.</summary>
internal sealed class StoredMessage
{
    public required long SequenceNumber { get; init; }

    public required byte[] Encoded { get; set; }

    public required DateTimeOffset EnqueuedAt { get; init; }

    public required DateTimeOffset VisibleAt { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    public string? SessionId { get; init; }

    public int DeliveryCount { get; set; }

    public ReceiverState? LockedBy { get; set; }

    /// <summary>Fires when the current lock runs out; disposed when the delivery is settled.</summary>
    public ITimer? LockTimer { get; set; }

    public Message Decode() => Message.Decode(new ByteBuffer(Encoded, 0, Encoded.Length, Encoded.Length));
}
