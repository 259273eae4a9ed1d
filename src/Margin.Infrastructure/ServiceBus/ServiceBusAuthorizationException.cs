namespace Margin.Infrastructure.ServiceBus;

/// <summary>The CBS node answered a put-token with 401 (unauthorised) or 403 (forbidden).</summary>
/// <remarks>The message names the namespace, the queue, the kind of credential (<c>SAS key 'NAME'</c>, <c>SAS token</c>, <c>Entra ID token</c>) and the broker's status description, never the key or the token.</remarks>
public sealed class ServiceBusAuthorizationException : ServiceBusException
{
    /// <summary>Creates the exception.</summary>
    public ServiceBusAuthorizationException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    public ServiceBusAuthorizationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ServiceBusAuthorizationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception from a put-token reply.</summary>
    /// <param name="ns">The namespace host.</param>
    /// <param name="entity">The queue.</param>
    /// <param name="credentialKind">The kind of credential, e.g. <c>SAS key 'RootManageSharedAccessKey'</c>.</param>
    /// <param name="statusCode">The reply's status-code (401 or 403).</param>
    /// <param name="statusDescription">The reply's status-description.</param>
    public ServiceBusAuthorizationException(string ns, string entity, string credentialKind, int statusCode, string? statusDescription)
        : base(Describe(ns, entity, credentialKind, statusCode, statusDescription))
    {
        Namespace = ns;
        Entity = entity;
        CredentialKind = credentialKind;
        StatusCode = statusCode;
        StatusDescription = statusDescription;
    }

    /// <summary>The namespace host.</summary>
    public string? Namespace { get; }

    /// <summary>The queue the token was for.</summary>
    public string? Entity { get; }

    /// <summary>The kind of credential that was refused.</summary>
    public string? CredentialKind { get; }

    /// <summary>The broker's status-description.</summary>
    public string? StatusDescription { get; }

    private static string Describe(string ns, string entity, string credentialKind, int statusCode, string? statusDescription)
    {
        var what = statusCode == 403 ? "forbidden (403)" : $"unauthorised ({statusCode})";
        return $"Service Bus namespace '{ns}' refused the {credentialKind} for queue '{entity}': {what}: {statusDescription ?? "no description"}. "
            + "Check the key or the role assignment (Azure Service Bus Data Sender/Receiver) for this queue.";
    }
}
