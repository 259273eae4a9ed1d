using System.Net.Sockets;
using System.Security.Authentication;
using Margin.Infrastructure.ServiceBus;

namespace Margin.Cli.Hosting;

/// <summary>Which exceptions mean Service Bus refused a request or could not be reached, and the one line a command prints for them.</summary>
internal static class ServiceBusFailure
{
    /// <summary>Whether <paramref name="ex"/> is a Service Bus or network failure (not a bug, not cancellation).</summary>
    public static bool Is(Exception ex) => ex switch
    {
        // Storage failures are the storage handler's (Cli.RunAsync), even when a socket error is their cause.
        AggregateException aggregate => aggregate.Flatten().InnerExceptions is var inner && inner.Any(Is) && !inner.Any(e => e is Azure.RequestFailedException),
        OperationCanceledException or Azure.RequestFailedException or HttpRequestException => false,
        ServiceBusException or Amqp.AmqpException or SocketException or TimeoutException or IOException or AuthenticationException => true,
        Azure.Identity.AuthenticationFailedException or Azure.Identity.CredentialUnavailableException => true,
        _ => ex.InnerException is { } inner && Is(inner),
    };

    /// <summary>One line: the command, where (queue and namespace) and what went wrong, without a stack trace.</summary>
    public static string Describe(string command, OrderBroker broker, string queue, Exception ex)
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentNullException.ThrowIfNull(ex);
        var cause = ex is AggregateException aggregate ? aggregate.Flatten().InnerExceptions.First(Is) : ex;
        if (cause is ServiceBusException)
        {
            // The client's messages name the namespace and the queue (and, for a refusal, the kind of credential).
            var message = FirstLine(cause.Message);
            return $"margin {command}: {message}{(message.Contains($"'{queue}'", StringComparison.Ordinal) ? string.Empty : $" ({broker.Where(queue)})")}";
        }

        var refused = cause is SocketException { SocketErrorCode: SocketError.ConnectionRefused } || cause.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused };
        var what = refused ? "refused the connection" : "failed";
        return $"margin {command}: Service Bus {broker.Where(queue)} {what}: {FirstLine(cause.Message)}";
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
