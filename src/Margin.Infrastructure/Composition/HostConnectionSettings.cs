using Margin.Infrastructure.ServiceBus;

namespace Margin.Infrastructure.Composition;

/// <summary>The Functions host's connection settings, read as this app's <c>Storage</c> and <c>ServiceBus</c> settings, so that one app setting serves the host's triggers and the app's own clients.</summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>AzureWebJobsStorage</c> (a connection string; Azurite's locally) sets <c>Storage:ConnectionString</c>. Its
/// identity-based form (docs/deploy.md) <c>AzureWebJobsStorage__accountName</c>, or <c>__tableServiceUri</c> and
/// <c>__queueServiceUri</c>, sets <c>Storage:TableEndpoint</c> and <c>Storage:QueueEndpoint</c>, and
/// <c>AzureWebJobsStorage__clientId</c> the user-assigned identity (<c>Storage:ManagedIdentityClientId</c>).</item>
/// <item><c>ServiceBusConnection</c> (the Service Bus trigger's connection) sets <c>ServiceBus:ConnectionString</c>;
/// <c>ServiceBusConnection__fullyQualifiedNamespace</c> and <c>__clientId</c> set <c>ServiceBus:FullyQualifiedNamespace</c>
/// and <c>ServiceBus:ManagedIdentityClientId</c>.</item>
/// <item><c>MARGIN_STORAGE</c> (older CLI setting) sets <c>Storage:ConnectionString</c> ahead of <c>AzureWebJobsStorage</c>.</item>
/// </list>
/// <c>MARGIN_</c> settings override all of these.
/// </remarks>
public static class HostConnectionSettings
{
    /// <summary>The host's storage connection setting.</summary>
    public const string Storage = "AzureWebJobsStorage";

    /// <summary>The Service Bus trigger's connection setting (function.json <c>connection</c>).</summary>
    public const string ServiceBus = "ServiceBusConnection";

    /// <summary>The configuration keys the host's settings in <paramref name="environment"/> stand for.</summary>
    /// <param name="environment">The environment variables.</param>
    public static IReadOnlyDictionary<string, string?> Read(IReadOnlyDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? Get(string name) => environment.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
        var keys = new Dictionary<string, string?>(StringComparer.Ordinal);
        if ((Get("MARGIN_STORAGE") ?? Get(Storage)) is { } connection)
        {
            keys[$"{StorageOptions.Section}:ConnectionString"] = connection;
        }
        else
        {
            var account = Get(Storage + "__accountName");
            var table = Get(Storage + "__tableServiceUri") ?? (account is null ? null : $"https://{account}.table.core.windows.net");
            var queue = Get(Storage + "__queueServiceUri") ?? (account is null ? null : $"https://{account}.queue.core.windows.net");
            if (table is not null)
            {
                keys[$"{StorageOptions.Section}:TableEndpoint"] = table;
            }

            if (queue is not null)
            {
                keys[$"{StorageOptions.Section}:QueueEndpoint"] = queue;
            }
        }

        if (Get(Storage + "__clientId") is { } storageClient)
        {
            keys[$"{StorageOptions.Section}:ManagedIdentityClientId"] = storageClient;
        }

        if (Get(ServiceBus) is { } serviceBus)
        {
            keys[$"{ServiceBusOptions.Section}:ConnectionString"] = serviceBus;
        }
        else if (Get(ServiceBus + "__fullyQualifiedNamespace") is { } fullyQualified)
        {
            keys[$"{ServiceBusOptions.Section}:FullyQualifiedNamespace"] = fullyQualified;
        }

        if (Get(ServiceBus + "__clientId") is { } serviceBusClient)
        {
            keys[$"{ServiceBusOptions.Section}:ManagedIdentityClientId"] = serviceBusClient;
        }

        return keys;
    }
}
