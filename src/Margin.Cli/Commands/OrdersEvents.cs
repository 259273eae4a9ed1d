using System.CommandLine;
using System.Globalization;
using System.Text;
using Margin.Cli.Hosting;
using Margin.Infrastructure.Composition;
using Margin.Infrastructure.ServiceBus;
using Margin.Sweep.UseCases;

namespace Margin.Cli.Commands;

/// <summary><c>margin orders events [--count N] [--wait SECONDS]</c>: receives executor reports from the events queue, applies each to its order (ConsumeLiquidationEvents) and prints what happened.</summary>
internal static class OrdersEvents
{
    private const string Name = "orders events";

    public static Command Create(CommandIo io)
    {
        var connection = StorageCommand.Connection();
        var partitions = StorageCommand.Partitions();
        var count = new Option<int>("--count", "-n") { Description = "handle at most this many messages", DefaultValueFactory = _ => 100 };
        var wait = new Option<double>("--wait") { Description = "seconds to wait for a message (per receive) before stopping", DefaultValueFactory = _ => 5 };
        var command = new Command("events", "Receive executor reports (accepted, partially filled, filled, failed, expired) from the events queue and apply each to its order and account; malformed or invalid ones are dead-lettered with the reason.")
        {
            count, wait, connection, partitions, StorageCommand.Prefix(), StorageCommand.ServiceBus(),
        };
        command.SetAction((parse, ct) => RunAsync(io, parse, parse.GetValue(count), parse.GetValue(wait), connection, partitions, ct));
        return command;
    }

    private static async Task<int> RunAsync(CommandIo io, ParseResult parse, int count, double waitSeconds, Option<string?> connection, Option<int?> partitions, CancellationToken ct)
    {
        if (count is < 1 or > 100_000)
        {
            return await StorageCommand.FailAsync(io, Name, string.Create(CultureInfo.InvariantCulture, $"--count must be in [1, 100000] (got {count})"), ct).ConfigureAwait(false);
        }

        if (waitSeconds is <= 0 or > 3600 || double.IsNaN(waitSeconds))
        {
            return await StorageCommand.FailAsync(io, Name, string.Create(CultureInfo.InvariantCulture, $"--wait must be more than 0 and at most 3600 seconds (got {waitSeconds})"), ct).ConfigureAwait(false);
        }

        // Service Bus first: without it there is nothing to receive, whatever the storage settings.
        if (await StorageCommand.ServiceBusSettingsAsync(io, Name, parse, ct).ConfigureAwait(false) is null
            || await StorageCommand.SettingsAsync(io, Name, parse, connection, partitions, null, ct).ConfigureAwait(false) is not { } settings)
        {
            return ExitCodes.InvalidInput;
        }

        var storage = await StorageCommand.OpenAsync(settings, ct).ConfigureAwait(false);
        var options = settings.ServiceBus;
        var broker = OrderBroker.Create(options, TimeProvider.System);
        await using (broker.ConfigureAwait(false))
        {
            ConsumeEventsOutcome outcome;
            var receiver = ServiceBusComposition.EventsReceiver(broker.Connection!);
            try
            {
                try
                {
                    var consume = new ConsumeLiquidationEvents(new ServiceBusEventInbox(receiver), new RecordLiquidationEvent(storage.Margin, settings.Sweep, TimeProvider.System));
                    outcome = await consume.ExecuteAsync(new ConsumeEventsOptions { MaxPerBatch = Math.Min(count, 100), MaxWait = TimeSpan.FromSeconds(waitSeconds), StopAfter = count }, ct).ConfigureAwait(false);
                }
                finally
                {
                    await receiver.DisposeAsync().ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ServiceBusFailure.Is(ex))
            {
                await io.Error.WriteLineAsync(ServiceBusFailure.Describe(Name, broker, options.EventsQueue, ex).AsMemory(), ct).ConfigureAwait(false);
                return ExitCodes.Failed;
            }

            await io.Output.WriteAsync(Text(broker, options.EventsQueue, outcome).AsMemory(), ct).ConfigureAwait(false);
            var failed = outcome.Messages.Where(m => m.Disposition == EventDisposition.Abandoned || !m.Settled).ToList();
            if (failed.Count > 0)
            {
                var first = failed[0];
                await io.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"margin {Name}: {failed.Count} message(s) were not settled as intended and will be delivered again; first: {first.MessageId}: {first.Error ?? first.SettleError}").AsMemory(), ct).ConfigureAwait(false);
                return ExitCodes.Failed;
            }

            return ExitCodes.Success;
        }
    }

    internal static string Text(OrderBroker broker, string queue, ConsumeEventsOutcome outcome)
    {
        var text = new StringBuilder();
        foreach (var m in outcome.Messages)
        {
            text.Append(CultureInfo.InvariantCulture, $"message {m.MessageId ?? "(no id)"} (delivery {m.DeliveryCount}): ");
            if (m.Event is { } e)
            {
                text.Append(CultureInfo.InvariantCulture, $"order {e.OrderId} of {e.AccountId}: {e.State} at {e.At.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z{(e.FilledLegs.IsDefaultOrEmpty ? string.Empty : $", {e.FilledLegs.Length} filled leg(s)")}{(e.Detail is null ? string.Empty : $" ({e.Detail})")}: ");
            }

            text.Append(m.Disposition switch
            {
                EventDisposition.Completed => $"{m.Outcome}; completed",
                EventDisposition.DeadLettered => $"dead-lettered ({m.DeadLetterReason}): {m.Problem}",
                EventDisposition.Abandoned => $"not applied ({m.Error}); given back, the broker delivers it again and dead-letters it after its maximum delivery count",
                _ => m.Error ?? "not processed",
            });
            if (m.SettleError is not null)
            {
                text.Append(CultureInfo.InvariantCulture, $"; settling it failed ({m.SettleError}): it comes back when its lock expires");
            }

            text.AppendLine();
        }

        var outcomes = outcome.Messages.Where(m => m.Outcome is not null).GroupBy(m => m.Outcome!.Value).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key}");
        var stopped = outcome.StoppedBecause switch
        {
            ConsumeStop.Empty => "the queue is empty",
            ConsumeStop.CountReached => "--count reached",
            ConsumeStop.Failure => "a message was given back after a failure (receiving on would hand it straight back)",
            _ => "cancelled",
        };
        text.Append(CultureInfo.InvariantCulture, $"{outcome.Messages.Count} event message(s) from {broker.Where(queue)}: {outcome.Completed} applied and completed");
        text.Append(outcome.Completed > 0 ? $" ({string.Join(", ", outcomes)})" : string.Empty);
        text.Append(CultureInfo.InvariantCulture, $", {outcome.DeadLettered} dead-lettered, {outcome.Abandoned} given back; stopped: {stopped}").AppendLine();
        return text.ToString();
    }
}
