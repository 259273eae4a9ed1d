using System.CommandLine;
using System.Globalization;
using Margin.Cli.Hosting;
using Margin.Sweep.UseCases;

namespace Margin.Cli.Commands;

/// <summary><c>margin orders relay</c>: RelayOutbox once: publishes the open orders the outbox still holds unsent.</summary>
internal static class OrdersRelay
{
    private const string Name = "orders relay";

    public static Command Create(CommandIo io)
    {
        var connection = StorageCommand.Connection();
        var partitions = StorageCommand.Partitions();
        var command = new Command("relay", "Publish the outbox's open, unsent orders to Service Bus once (what the relay timer does) and print pending, sent, expired and held.")
        {
            connection, partitions, StorageCommand.Prefix(), StorageCommand.ServiceBus(),
        };
        command.SetAction(async (parse, ct) =>
        {
            if (await StorageCommand.SettingsAsync(io, Name, parse, connection, partitions, null, ct).ConfigureAwait(false) is not { } settings)
            {
                return ExitCodes.InvalidInput;
            }

            var storage = await StorageCommand.OpenAsync(settings, ct).ConfigureAwait(false);
            var broker = OrderBroker.Create(settings.ServiceBus, TimeProvider.System);
            await using (broker.ConfigureAwait(false))
            {
                var relay = new RelayOutbox(storage.Margin, broker.Publisher, new MarginModelCache(storage.Snapshots, storage.Parameters), TimeProvider.System);
                RelayOutcome outcome;
                try
                {
                    outcome = await relay.ExecuteAsync(ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ServiceBusFailure.Is(ex))
                {
                    await io.Error.WriteLineAsync($"{ServiceBusFailure.Describe(Name, broker, settings.ServiceBus.OrdersQueue, ex)}; the unsent orders stay in the outbox".AsMemory(), ct).ConfigureAwait(false);
                    return ExitCodes.Failed;
                }

                var counts = string.Create(CultureInfo.InvariantCulture, $"{outcome.Pending:N0} pending, {outcome.Sent:N0} sent, {outcome.Expired:N0} expired (left for the next sweep to close), {outcome.Held:N0} held by a kill switch");
                if (!outcome.Configured)
                {
                    await io.Output.WriteLineAsync($"outbox: {counts}".AsMemory(), ct).ConfigureAwait(false);
                    await io.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"margin {Name}: {OrderBroker.NotConfigured}; {outcome.Pending:N0} orders remain in the outbox").AsMemory(), ct).ConfigureAwait(false);
                    return ExitCodes.InvalidInput;
                }

                await io.Output.WriteLineAsync($"relayed to {broker.Where(settings.ServiceBus.OrdersQueue)}: {counts}".AsMemory(), ct).ConfigureAwait(false);
                if (outcome.NotAccepted > 0)
                {
                    await io.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"margin {Name}: the broker refused {outcome.NotAccepted:N0} order(s), which stay in the outbox; first: {outcome.FirstRefusal}").AsMemory(), ct).ConfigureAwait(false);
                    return ExitCodes.Failed;
                }

                return ExitCodes.Success;
            }
        });
        return command;
    }
}
