using Margin.Infrastructure.ServiceBus;
using Margin.Sweep.Options;
using Microsoft.Extensions.Configuration;

namespace Margin.Infrastructure.Composition;

/// <summary>The settings every host of the app reads (the <c>margin</c> CLI and the Functions handler): storage, sweep, prices, oracle sources and Service Bus.</summary>
/// <remarks>
/// Sources, later ones winning: an optional JSON file (the CLI's <c>appsettings.json</c>), the Functions host's own
/// connection settings (<see cref="HostConnectionSettings"/>: <c>AzureWebJobsStorage</c> and <c>ServiceBusConnection</c>,
/// with their identity-based forms), environment variables with the prefix <c>MARGIN_</c> and <c>__</c> between
/// sections (<c>MARGIN_Storage__Partitions</c>), then the caller's overrides (command-line flags). Every section is
/// validated; a problem names the setting.
/// </remarks>
/// <param name="Storage">The storage account.</param>
/// <param name="Sweep">How sweeps run.</param>
/// <param name="Prices">How prices are refreshed and guarded.</param>
/// <param name="Oracles">The <c>Oracles</c> section (its <c>Sources</c>, read by <see cref="OracleSources"/>).</param>
/// <param name="ServiceBus">Where orders go and events come from (not configured: orders stay in the outbox).</param>
public sealed record MarginConfiguration(StorageOptions Storage, SweepOptions Sweep, PriceRefreshOptions Prices, IConfigurationSection Oracles, ServiceBusOptions ServiceBus)
{
    /// <summary>The environment variables' prefix.</summary>
    public const string EnvironmentPrefix = "MARGIN_";

    /// <summary>Builds the configuration from the sources in the remarks.</summary>
    /// <param name="jsonFile">A JSON settings file, or null; a missing file is no error.</param>
    /// <param name="environment">The environment variables (<see cref="Environment.GetEnvironmentVariables()"/>).</param>
    /// <param name="overrides">Keys like <c>Storage:ConnectionString</c>, applied last; null values are ignored.</param>
    public static IConfigurationRoot Build(string? jsonFile, IReadOnlyDictionary<string, string?> environment, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var builder = new ConfigurationBuilder();
        if (jsonFile is not null)
        {
            builder.AddJsonFile(jsonFile, optional: true);
        }

        var prefixed = environment
            .Where(kv => kv.Key.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase) && kv.Value is not null)
            .Select(kv => KeyValuePair.Create(kv.Key[EnvironmentPrefix.Length..].Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal), kv.Value));
        return builder
            .AddInMemoryCollection(HostConnectionSettings.Read(environment))
            .AddInMemoryCollection(prefixed)
            .AddInMemoryCollection((overrides ?? new Dictionary<string, string?>()).Where(kv => kv.Value is not null))
            .Build();
    }

    /// <summary>The process's environment variables as a dictionary, for <see cref="Build"/>.</summary>
    public static IReadOnlyDictionary<string, string?> ProcessEnvironment()
    {
        var variables = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            variables[(string)entry.Key] = entry.Value as string;
        }

        return variables;
    }

    /// <summary>Binds and validates the sections.</summary>
    /// <param name="configuration">The configuration from <see cref="Build"/>.</param>
    /// <param name="problems">Every problem, naming the setting; empty when valid.</param>
    /// <exception cref="ArgumentException">A value cannot be converted to its setting's type (the message names the setting).</exception>
    public static MarginConfiguration Read(IConfiguration configuration, out IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        try
        {
            var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
            var sweep = configuration.GetSection(SweepOptions.Section).Get<SweepOptions>() ?? new SweepOptions();
            var prices = configuration.GetSection(PriceRefreshOptions.Section).Get<PriceRefreshOptions>() ?? new PriceRefreshOptions();
            var serviceBus = configuration.GetSection(ServiceBusOptions.Section).Get<ServiceBusOptions>() ?? new ServiceBusOptions();
            problems = [.. storage.Problems(), .. sweep.Problems(), .. prices.Problems(), .. serviceBus.Problems()];
            return new MarginConfiguration(storage, sweep, prices, configuration.GetSection("Oracles"), serviceBus);
        }
        catch (InvalidOperationException ex)
        {
            // The binder's message names the key and the value it could not convert.
            throw new ArgumentException(ex.InnerException is { } inner ? $"{ex.Message} {inner.Message}" : ex.Message, ex);
        }
    }
}
