using Margin.Infrastructure.Composition;
using Margin.Infrastructure.ServiceBus;
using Margin.Sweep.Options;
using Margin.Sweep.UseCases;
using Microsoft.Extensions.Configuration;

namespace Margin.Cli.Hosting;

/// <summary>The CLI's settings: <c>appsettings.json</c> beside the executable, then environment variables, then flags (docs/cli.md).</summary>
/// <remarks>
/// Environment variables use the prefix <c>MARGIN_</c> and <c>__</c> between sections (<c>MARGIN_Storage__ConnectionString</c>);
/// <c>MARGIN_STORAGE</c> and the Functions host's <c>AzureWebJobsStorage</c> also set the storage connection string;
/// <c>MARGIN_ServiceBus__ConnectionString</c> the Service Bus one (none: orders stay in the outbox).
/// Every section is validated; a problem names the setting.
/// </remarks>
internal sealed record MarginSettings(StorageOptions Storage, SweepOptions Sweep, PriceRefreshOptions Prices, DrainOptions Drain, IConfigurationSection Oracles, ServiceBusOptions ServiceBus)
{
    /// <summary>Loads the settings, with <paramref name="overrides"/> (from flags, keys like <c>Storage:ConnectionString</c>) applied last.</summary>
    /// <exception cref="ArgumentException">A setting is invalid; the message names every problem.</exception>
    public static MarginSettings Load(IReadOnlyDictionary<string, string?> overrides)
    {
        var configuration = Build(overrides);
        var shared = MarginConfiguration.Read(configuration, out var sharedProblems);
        var drain = configuration.GetSection("Drain").Get<DrainOptions>() ?? new DrainOptions();
        var problems = sharedProblems.ToList();
        if (drain.Workers is < 1 or > 64)
        {
            problems.Add($"Drain:Workers must be in [1, 64] (got {drain.Workers})");
        }

        if (drain.MaxDequeueCount is < 1 or > 100)
        {
            problems.Add($"Drain:MaxDequeueCount must be in [1, 100] (got {drain.MaxDequeueCount})");
        }

        foreach (var (name, value, least) in new[] { ("Visibility", drain.Visibility, TimeSpan.FromSeconds(1)), ("RetryDelay", drain.RetryDelay, TimeSpan.Zero), ("PollInterval", drain.PollInterval, TimeSpan.FromMilliseconds(1)) })
        {
            if (value < least || value > TimeSpan.FromDays(7))
            {
                problems.Add($"Drain:{name} must be between {least} and 7 days (got {value})");
            }
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, problems));
        }

        return new MarginSettings(shared.Storage, shared.Sweep, shared.Prices, drain, shared.Oracles, shared.ServiceBus);
    }

    /// <summary>Loads only the <c>ServiceBus</c> section, for commands that need no storage (<c>margin orders tail</c>).</summary>
    /// <exception cref="ArgumentException">A Service Bus setting is invalid; the message names every problem.</exception>
    public static ServiceBusOptions LoadServiceBus(IReadOnlyDictionary<string, string?> overrides)
    {
        var serviceBus = ServiceBusOf(Build(overrides));
        return serviceBus.Problems() is { Count: > 0 } problems ? throw new ArgumentException(string.Join(Environment.NewLine, problems)) : serviceBus;
    }

    private static IConfigurationRoot Build(IReadOnlyDictionary<string, string?> overrides)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        return MarginConfiguration.Build(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), MarginConfiguration.ProcessEnvironment(), overrides);
    }

    private static ServiceBusOptions ServiceBusOf(IConfiguration configuration) =>
        configuration.GetSection(ServiceBusOptions.Section).Get<ServiceBusOptions>() ?? new ServiceBusOptions();
}
