using Azure.Identity;
using Margin.Infrastructure.ServiceBus;

namespace Margin.Infrastructure.Composition;

/// <summary>Builds the process's Service Bus connection from <see cref="ServiceBusOptions"/>.</summary>
public static class ServiceBusComposition
{
    /// <summary>The connection, or null when Service Bus is not configured (orders then stay in the outbox).</summary>
    /// <remarks>With <see cref="ServiceBusOptions.FullyQualifiedNamespace"/> and no connection string, tokens come from <see cref="DefaultAzureCredential"/> (managed identity in Azure).</remarks>
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

        var credential = string.IsNullOrWhiteSpace(options.ConnectionString) && options.UseCbs ? new DefaultAzureCredential() : null;
        return new ServiceBusConnection(options, credential, time);
    }
}
