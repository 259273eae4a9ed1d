namespace Margin.Infrastructure.ServiceBus;

/// <summary>Service Bus (or the AMQP broker) refused or failed an operation; the message names the namespace, the queue and what the broker said.</summary>
public class ServiceBusException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ServiceBusException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed, naming the namespace and the queue.</param>
    public ServiceBusException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed, naming the namespace and the queue.</param>
    /// <param name="innerException">The cause.</param>
    public ServiceBusException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Whether the connection or the link was lost (the operation may succeed after a reconnect), as opposed to a refusal by the broker.</summary>
    public bool IsConnectionLoss { get; init; }

    /// <summary>The CBS status code when the failure was a put-token reply, else null.</summary>
    public int? StatusCode { get; init; }

    /// <summary>The broker's AMQP error condition (e.g. <c>amqp:unauthorized-access</c>, <c>com.microsoft:timeout</c>), when it gave one.</summary>
    public string? Condition { get; init; }
}
