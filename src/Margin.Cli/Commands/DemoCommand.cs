using System.CommandLine;
using System.Globalization;
using Margin.Cli.Hosting;

namespace Margin.Cli.Commands;

/// <summary><c>margin demo</c>: seeds a generated book (10,000 accounts by default), runs a full sweep against the configured storage (Azurite locally) and prints the summary.</summary>
/// <remarks>./demo.sh starts a local Azurite and runs this; on its own it needs a storage connection (<c>--connection</c> or settings).</remarks>
internal static class DemoCommand
{
    public static Command Create(CommandIo io)
    {
        var connection = StorageCommand.Connection();
        var partitions = StorageCommand.Partitions();
        var accounts = new Option<int>("--accounts") { Description = "how many accounts to seed", DefaultValueFactory = _ => 10_000 };
        var seed = new Option<int>("--seed") { Description = "the generator seed", DefaultValueFactory = _ => 1 };
        var workers = SweepCommand.Workers();
        var workItems = SweepCommand.WorkItems();
        var command = new Command("demo", "Seed a generated book, run a sweep over it (prices from the simulated demo market), and print accounts per status, orders and throughput.")
        {
            accounts, seed, workers, workItems, connection, partitions, StorageCommand.Prefix(), StorageCommand.ServiceBus(),
        };
        command.SetAction(async (parse, ct) =>
        {
            var count = parse.GetValue(accounts);
            if (count is < 1 or > Sweep.Seeding.BookGenerator.MaxAccounts)
            {
                return await StorageCommand.FailAsync(io, "demo", $"--accounts must be in [1, {Sweep.Seeding.BookGenerator.MaxAccounts}] (got {count})", ct).ConfigureAwait(false);
            }

            if (await StorageCommand.SettingsAsync(io, "demo", parse, connection, partitions, SweepCommand.Overrides(parse, workers, workItems), ct).ConfigureAwait(false) is not { } settings)
            {
                return ExitCodes.InvalidInput;
            }

            await io.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"margin demo: {count:N0} generated accounts, {settings.Storage.Partitions} partitions, {settings.Sweep.WorkItems} work items, {settings.Drain.Workers} workers").AsMemory(), ct).ConfigureAwait(false);
            try
            {
                var storage = await StorageCommand.OpenAsync(settings, ct).ConfigureAwait(false);
                await Seeder.RunAsync(io, storage, count, parse.GetValue(seed), Seeder.DefaultParameters, Seeder.DefaultMarket, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is FileNotFoundException or InvalidDataException or ArgumentException or InvalidOperationException)
            {
                return await StorageCommand.FailAsync(io, "demo", ex.Message, ct).ConfigureAwait(false);
            }

            return await SweepCommand.RunAsync(io, settings, ct).ConfigureAwait(false);
        });
        return command;
    }
}
