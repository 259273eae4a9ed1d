using System.CommandLine;
using System.Globalization;
using Margin.Cli.Commands;
using Margin.Infrastructure.Composition;
using Margin.Infrastructure.ServiceBus;

namespace Margin.Cli.Hosting;

/// <summary>What commands that work on a deployment's storage share: the <c>--connection</c> and <c>--partitions</c> flags, the settings, and the stores.</summary>
internal static class StorageCommand
{
    public static Option<string?> Connection() => new("--connection", "--connection-string")
    {
        Description = "the storage connection string (Azurite or an account key); default: Storage:ConnectionString from appsettings.json, $MARGIN_Storage__ConnectionString, $MARGIN_STORAGE or $AzureWebJobsStorage",
    };

    public static Option<int?> Partitions() => new("--partitions")
    {
        Description = "the deployment's partition count N (fixed when it is created; default Storage:Partitions, 256)",
    };

    public static Option<string?> Prefix() => new("--prefix")
    {
        Description = "put in front of every table and queue name, so several deployments share one storage account (default Storage:Prefix, empty)",
    };

    public static Option<string?> ServiceBus() => new("--service-bus")
    {
        Description = "the Service Bus connection string orders go to (default ServiceBus:ConnectionString, $MARGIN_ServiceBus__ConnectionString; none: orders stay in the outbox)",
    };

    /// <summary>The <c>--service-bus</c> flag as a settings override, if the command has it and it is given.</summary>
    public static Dictionary<string, string?> ServiceBusOverride(ParseResult parse)
    {
        var overrides = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (parse.CommandResult.Command.Options.FirstOrDefault(o => o.Name == "--service-bus") is Option<string?> option && parse.GetValue(option) is { Length: > 0 } cs)
        {
            overrides["ServiceBus:ConnectionString"] = cs;
        }

        return overrides;
    }

    /// <summary>The settings with the flags applied, or null after writing every problem to stderr.</summary>
    public static async Task<MarginSettings?> SettingsAsync(CommandIo io, string command, ParseResult parse, Option<string?> connection, Option<int?> partitions, IReadOnlyDictionary<string, string?>? more, CancellationToken cancellationToken = default)
    {
        var overrides = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (parse.GetValue(connection) is { Length: > 0 } cs)
        {
            overrides["Storage:ConnectionString"] = cs;
        }

        if (parse.GetValue(partitions) is { } n)
        {
            overrides["Storage:Partitions"] = n.ToString(CultureInfo.InvariantCulture);
        }

        if (parse.RootCommandResult.Command.Options.Concat(parse.CommandResult.Command.Options).FirstOrDefault(o => o.Name == "--prefix") is Option<string?> prefix && parse.GetValue(prefix) is { } p)
        {
            overrides["Storage:Prefix"] = p;
        }

        foreach (var (key, value) in ServiceBusOverride(parse).Concat(more ?? new Dictionary<string, string?>()))
        {
            overrides[key] = value;
        }

        try
        {
            return MarginSettings.Load(overrides);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException or InvalidDataException)
        {
            await io.Error.WriteLineAsync($"margin {command}: invalid settings:{Environment.NewLine}{ex.Message}".AsMemory(), cancellationToken).ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>The <c>ServiceBus</c> settings with <c>--service-bus</c> applied, or null after writing the problem (invalid, or not configured) to stderr.</summary>
    public static async Task<ServiceBusOptions?> ServiceBusSettingsAsync(CommandIo io, string command, ParseResult parse, CancellationToken ct)
    {
        ServiceBusOptions options;
        try
        {
            options = MarginSettings.LoadServiceBus(ServiceBusOverride(parse));
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
        {
            await io.Error.WriteLineAsync($"margin {command}: invalid settings:{Environment.NewLine}{ex.Message}".AsMemory(), ct).ConfigureAwait(false);
            return null;
        }

        if (!options.IsConfigured)
        {
            await io.Error.WriteLineAsync($"margin {command}: {OrderBroker.NotConfigured}".AsMemory(), ct).ConfigureAwait(false);
            return null;
        }

        return options;
    }

    /// <summary>The deployment's stores, with every table and queue created.</summary>
    public static async Task<MarginStorage> OpenAsync(MarginSettings settings, CancellationToken cancellationToken = default)
    {
        var storage = MarginStorage.Create(settings.Storage);
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        return storage;
    }

    public static async Task<int> FailAsync(CommandIo io, string command, string message, CancellationToken cancellationToken = default)
    {
        await io.Error.WriteLineAsync($"margin {command}: {message}".AsMemory(), cancellationToken).ConfigureAwait(false);
        return ExitCodes.InvalidInput;
    }
}
