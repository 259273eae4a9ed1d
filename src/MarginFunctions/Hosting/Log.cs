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

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "ProcessShard: queue message {MessageId} (attempt {DequeueCount}) is not a work item and was moved to {PoisonQueue}: {Problem}")]
    public static partial void WorkItemPoisoned(ILogger logger, string? messageId, long dequeueCount, string poisonQueue, string problem);

    [LoggerMessage(EventId = 21, Level = LogLevel.Error, Message = "ProcessShard: queue message {MessageId} failed its last attempt ({DequeueCount} of {MaxDequeueCount}); the host moves it to margin-shards-poison")]
    public static partial void WorkItemExhausted(ILogger logger, string? messageId, long dequeueCount, int maxDequeueCount);

    [LoggerMessage(EventId = 30, Level = LogLevel.Error, Message = "RecordLiquidationEvent: message {MessageId} (delivery {DeliveryCount}) is refused ({Reason}): {Problem}; it is given back, and Service Bus dead-letters it at the queue's maxDeliveryCount")]
    public static partial void EventRefused(ILogger logger, string? messageId, long deliveryCount, string reason, string problem);

    [LoggerMessage(EventId = 40, Level = LogLevel.Warning, Message = "{Method} {Path} answered {Status}: {Problem}")]
    public static partial void HttpRefused(ILogger logger, string method, string path, int status, string problem);
}
