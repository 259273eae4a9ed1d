namespace MarginFunctions.Hosting;

/// <summary>The handler's log messages (source-generated; structured names).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "MarginFunctions listening on 127.0.0.1:{Port}; {Sources} oracle source(s); Service Bus {ServiceBus}")]
    public static partial void Started(ILogger logger, int port, int sources, string serviceBus);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "{Function} invocation {InvocationId} succeeded in {ElapsedMs} ms: {Summary}")]
    public static partial void Succeeded(ILogger logger, string function, string? invocationId, long elapsedMs, string summary);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "{Function} invocation {InvocationId} failed in {ElapsedMs} ms (the host retries it): {Problem}")]
    public static partial void Failed(ILogger logger, string function, string? invocationId, long elapsedMs, string problem);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "{Function}: the timer is past due; it runs once now")]
    public static partial void PastDue(ILogger logger, string function);

    // The formatted texts of 20 and 21 for ProcessShard are what docs/runbook.md and the poison alert (infra/modules/alerts.bicep) match.
    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "{Function}: queue message {MessageId} (attempt {DequeueCount}) is not a {Expected} and was moved to {PoisonQueue}: {Problem}")]
    public static partial void MessagePoisoned(ILogger logger, string function, string? messageId, long dequeueCount, string expected, string poisonQueue, string problem);

    [LoggerMessage(EventId = 21, Level = LogLevel.Error, Message = "{Function}: queue message {MessageId} failed its last attempt ({DequeueCount} of {MaxDequeueCount}); the host moves it to {PoisonQueue}")]
    public static partial void MessageExhausted(ILogger logger, string function, string? messageId, long dequeueCount, int maxDequeueCount, string poisonQueue);

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "RunStress: queue message {MessageId} names stress run {RunId}, which is not stored; nothing to run, the message is deleted")]
    public static partial void StressRunUnknown(ILogger logger, string? messageId, string runId);

    [LoggerMessage(EventId = 23, Level = LogLevel.Warning, Message = "RunStress: stress run {RunId} failed: {Problem}")]
    public static partial void StressRunFailed(ILogger logger, string runId, string problem);

    [LoggerMessage(EventId = 24, Level = LogLevel.Error, Message = "RunStress: stress run {RunId} could not be marked failed after its last attempt ({Problem}); its record may still say Running")]
    public static partial void StressRunNotMarked(ILogger logger, string runId, string problem);

    [LoggerMessage(EventId = 30, Level = LogLevel.Error, Message = "RecordLiquidationEvent: message {MessageId} (delivery {DeliveryCount}) is refused ({Reason}): {Problem}; it is given back, and Service Bus dead-letters it at the queue's maxDeliveryCount")]
    public static partial void EventRefused(ILogger logger, string? messageId, long deliveryCount, string reason, string problem);

    [LoggerMessage(EventId = 41, Level = LogLevel.Information, Message = "POST api/stress accepted stress run {RunId} ({Scenario}) on snapshot {SnapshotId} under parameters {ParamsVersion}{Candidate}; queued on margin-stress")]
    public static partial void StressAccepted(ILogger logger, string runId, string scenario, string snapshotId, string paramsVersion, string candidate);

    [LoggerMessage(EventId = 40, Level = LogLevel.Warning, Message = "{Method} {Path} answered {Status}: {Problem}")]
    public static partial void HttpRefused(ILogger logger, string method, string path, int status, string problem);
}
