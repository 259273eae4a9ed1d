namespace Margin.Testing.Functions;

/// <summary>An invocation the trigger is about to send: the message it is for and the payload.</summary>
public sealed class HostQueueInvocationEventArgs(HostQueueMessage message, string payloadJson) : EventArgs
{
    /// <summary>The message (id, dequeue count, decoded body).</summary>
    public HostQueueMessage Message { get; } = message;

    /// <summary>The JSON POSTed to the handler.</summary>
    public string PayloadJson { get; } = payloadJson;
}
