using System.CommandLine;
using System.Globalization;
using Margin.Cli.Hosting;
using Margin.Infrastructure.Composition;

namespace Margin.Cli.Commands;

/// <summary><c>margin sweep [--workers W]</c>: refresh prices, start a sweep and drain it through the real work queue, with a live progress bar and a summary.</summary>
internal static class SweepCommand
{
    public static Command Create(CommandIo io)
    {
        var connection = StorageCommand.Connection();
        var partitions = StorageCommand.Partitions();
        var workers = Workers();
        var workItems = WorkItems();
        var resume = new Option<bool>("--resume") { Description = "do not start a sweep: finish the latest one's remaining work items (after an interrupted run)" };
        var command = new Command("sweep", "Refresh prices from the configured oracle sources, start a sweep and process every work item with W concurrent workers; print accounts per status, orders, throughput and storage operations.")
        {
            workers, workItems, resume, connection, partitions, StorageCommand.Prefix(), StorageCommand.ServiceBus(),
        };
        command.SetAction(async (parse, ct) =>
        {
            if (await StorageCommand.SettingsAsync(io, "sweep", parse, connection, partitions, Overrides(parse, workers, workItems), ct).ConfigureAwait(false) is not { } settings)
            {
                return ExitCodes.InvalidInput;
            }

            if (parse.GetValue(resume))
            {
                var broker = OrderBroker.Create(settings.ServiceBus, TimeProvider.System);
                await using (broker.ConfigureAwait(false))
                {
                    return await SweepRunner.ResumeAsync(io, settings, await StorageCommand.OpenAsync(settings, ct).ConfigureAwait(false), broker, ct).ConfigureAwait(false);
                }
            }

            return await RunAsync(io, settings, ct).ConfigureAwait(false);
        });
        return command;
    }

    public static Option<int?> Workers() => new("--workers", "-w") { Description = "concurrent workers draining the work queue (default Drain:Workers, 4)" };

    public static Option<int?> WorkItems() => new("--work-items") { Description = "how many work items the sweep is split into (default Sweep:WorkItems, 16)" };

    public static Dictionary<string, string?> Overrides(ParseResult parse, Option<int?> workers, Option<int?> workItems)
    {
        var overrides = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (parse.GetValue(workers) is { } w)
        {
            overrides["Drain:Workers"] = w.ToString(CultureInfo.InvariantCulture);
        }

        if (parse.GetValue(workItems) is { } n)
        {
            overrides["Sweep:WorkItems"] = n.ToString(CultureInfo.InvariantCulture);
        }

        return overrides;
    }

    public static async Task<int> RunAsync(CommandIo io, MarginSettings settings, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = settings.Prices.SourceTimeout };
        IReadOnlyList<Sweep.Ports.IOracleSource> sources;
        try
        {
            (sources, var prices) = OracleSources.Create(settings.Oracles, settings.Prices, http, TimeProvider.System);
            settings = settings with { Prices = prices };
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidDataException or FileNotFoundException)
        {
            return await StorageCommand.FailAsync(io, "sweep", $"invalid oracle source settings: {ex.Message}", ct).ConfigureAwait(false);
        }

        if (sources.Count == 0)
        {
            return await StorageCommand.FailAsync(io, "sweep", "no oracle source is configured (Oracles:Sources in appsettings.json; docs/oracles.md)", ct).ConfigureAwait(false);
        }

        var storage = await StorageCommand.OpenAsync(settings, ct).ConfigureAwait(false);
        var broker = OrderBroker.Create(settings.ServiceBus, TimeProvider.System);
        await using (broker.ConfigureAwait(false))
        {
            return await SweepRunner.RunAsync(io, settings, storage, broker, sources, ct).ConfigureAwait(false);
        }
    }
}
