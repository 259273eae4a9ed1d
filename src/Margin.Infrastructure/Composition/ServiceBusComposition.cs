using Azure.Identity;
using Margin.Infrastructure.ServiceBus;
using Margin.Sweep.Orders;
using Margin.Sweep.Ports;

namespace Margin.Infrastructure.Composition;

/// <summary>Builds the process's Service Bus connection from <see cref="ServiceBusOptions"/>.</summary>
public static class ServiceBusComposition
{
    /// <summary>The connection, or null when Service Bus is not configured (orders then stay in the outbox).</summary>
    /// <remarks>With <see cref="ServiceBusOptions.FullyQualifiedNamespace"/> and no connection string, tokens come from <see cref="DefaultAzureCredential"/> (managed identity in Azure; the user-assigned one <see cref="ServiceBusOptions.ManagedIdentityClientId"/> when set).</remarks>
    /// <param name="options">The options.</param>
    /// <param name="time">The clock.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message names every problem.</exception>
    public static ServiceBusConnection? Connect(ServiceBusOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        if (options.Problems() is { Count: > 0 } problems)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }

        if (!options.IsConfigured)
        {
            return null;
        }

        var credential = string.IsNullOrWhiteSpace(options.ConnectionString) && options.UseCbs ? new DefaultAzureCredential(CredentialOptions(options)) : null;
        return new ServiceBusConnection(options, credential, time);
    }

    /// <summary>The options of the <see cref="DefaultAzureCredential"/> used with <see cref="ServiceBusOptions.FullyQualifiedNamespace"/>:
    /// a user-assigned managed identity when <see cref="ServiceBusOptions.ManagedIdentityClientId"/> is set.</summary>
    /// <param name="options">The options.</param>
    internal static DefaultAzureCredentialOptions CredentialOptions(ServiceBusOptions options) =>
        string.IsNullOrWhiteSpace(options.ManagedIdentityClientId)
            ? new DefaultAzureCredentialOptions()
            : new DefaultAzureCredentialOptions { ManagedIdentityClientId = options.ManagedIdentityClientId.Trim() };

    /// <summary>The order publisher: Service Bus on <paramref name="connection"/>, or <see cref="OutboxOnlyPublisher"/> when it is null (not configured).</summary>
    /// <param name="connection">The connection from <see cref="Connect"/>, or null.</param>
    /// <param name="time">The clock.</param>
    public static IOrderPublisher Publisher(ServiceBusConnection? connection, TimeProvider time) =>
        connection is null ? OutboxOnlyPublisher.Instance : new ServiceBusOrderPublisher(connection, time);

    /// <summary>A receiver on the events queue (<see cref="ServiceBusOptions.EventsQueue"/>, with sessions when <see cref="ServiceBusOptions.EventsQueueSessions"/>).</summary>
    /// <param name="connection">The connection.</param>
    public static ServiceBusReceiver EventsReceiver(ServiceBusConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return new ServiceBusReceiver(connection, connection.Options.EventsQueue, connection.Options.EventsQueueSessions);
    }

    /// <summary>A receiver on the orders queue (<see cref="ServiceBusOptions.OrdersQueue"/>; with sessions when <see cref="ServiceBusOptions.OrdersQueueSessions"/>, taking <paramref name="sessionId"/> or the next available session).</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="sessionId">The account whose orders to take, or null for the next available one.</param>
    public static ServiceBusReceiver OrdersReceiver(ServiceBusConnection connection, string? sessionId = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return new ServiceBusReceiver(connection, connection.Options.OrdersQueue, connection.Options.OrdersQueueSessions, sessionId);
    }
}
