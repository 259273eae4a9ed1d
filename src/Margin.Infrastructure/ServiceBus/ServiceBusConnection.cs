using Azure.Core;

namespace Margin.Infrastructure.ServiceBus;

/// <summary>The process's one AMQP connection to a Service Bus namespace (or a local AMQP 1.0 broker); links are opened on it and reused.</summary>
/// <remarks>SKELETON (issue 5, being implemented): connects lazily, authorises each link's audience with CBS put-token (SAS or jwt), renews tokens before expiry, reconnects with backoff and jitter after a connection or link loss.</remarks>
public sealed class ServiceBusConnection : IAsyncDisposable
{
    /// <summary>Creates the connection (nothing is opened until first use).</summary>
    /// <param name="options">Valid, configured options.</param>
    /// <param name="credential">The token credential with <see cref="ServiceBusOptions.FullyQualifiedNamespace"/>, or null with a connection string.</param>
    /// <param name="time">The clock for token expiry and renewal.</param>
    public ServiceBusConnection(ServiceBusOptions options, TokenCredential? credential, TimeProvider time)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        _ = credential;
        _ = time ?? throw new ArgumentNullException(nameof(time));
        throw new NotImplementedException();
    }

    /// <summary>The options.</summary>
    public ServiceBusOptions Options { get; }

    /// <summary>The namespace host, for messages.</summary>
    public string Namespace => throw new NotImplementedException();

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => throw new NotImplementedException();
}
