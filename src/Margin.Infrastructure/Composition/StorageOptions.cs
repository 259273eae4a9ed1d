using System.Globalization;
using Margin.Infrastructure.Storage;

namespace Margin.Infrastructure.Composition;

/// <summary>Where the storage account is and how to reach it (configuration section <c>Storage</c>).</summary>
/// <remarks>
/// Either a <see cref="ConnectionString"/> (Azurite's development string, or an account key) or, in Azure, the account's
/// <see cref="TableEndpoint"/> and <see cref="QueueEndpoint"/> with <c>DefaultAzureCredential</c> (managed identity).
/// <see cref="Prefix"/> is put in front of every table and queue name, so that several deployments or test runs can
/// share one account; lowercase letters and digits only.
/// </remarks>
public sealed record StorageOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Storage";

    /// <summary>A storage connection string, or null to use endpoints and a token credential.</summary>
    public string? ConnectionString { get; init; }

    /// <summary>The Table service endpoint (e.g. <c>https://ACCOUNT.table.core.windows.net</c>) when no connection string is given.</summary>
    public Uri? TableEndpoint { get; init; }

    /// <summary>The Queue service endpoint (e.g. <c>https://ACCOUNT.queue.core.windows.net</c>) when no connection string is given.</summary>
    public Uri? QueueEndpoint { get; init; }

    /// <summary>The client id of the user-assigned managed identity to reach <see cref="TableEndpoint"/> and <see cref="QueueEndpoint"/> with; null for <c>DefaultAzureCredential</c>'s own choice (<c>AZURE_CLIENT_ID</c>, the system-assigned identity, a developer's login).</summary>
    public string? ManagedIdentityClientId { get; init; }

    /// <summary>The deployment's partition count <c>N</c>, fixed when it is created (docs/storage.md).</summary>
    public int Partitions { get; init; } = 256;

    /// <summary>Put in front of every table and queue name; empty by default.</summary>
    public string Prefix { get; init; } = string.Empty;

    /// <summary>Every problem with these options, naming the setting; empty when valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(ConnectionString) && (TableEndpoint is null || QueueEndpoint is null))
        {
            problems.Add($"{Section}: set {Section}:ConnectionString (Azurite: UseDevelopmentStorage=true), or both {Section}:TableEndpoint and {Section}:QueueEndpoint for Azure with a managed identity");
        }

        if (Partitions is < 1 or > AccountPartitioner.MaxPartitions)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{Section}:Partitions must be in [1, {AccountPartitioner.MaxPartitions}] (got {Partitions})"));
        }

        if (Prefix.Length > 20 || !Prefix.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9')) || (Prefix.Length > 0 && !char.IsAsciiLetterLower(Prefix[0])))
        {
            problems.Add($"{Section}:Prefix must be at most 20 lowercase letters and digits, starting with a letter (got '{Prefix}')");
        }

        return problems;
    }
}
