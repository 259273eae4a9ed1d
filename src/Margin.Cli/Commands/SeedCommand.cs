using System.CommandLine;
using Margin.Cli.Hosting;

namespace Margin.Cli.Commands;

/// <summary><c>margin seed --accounts N [--seed X]</c>: a realistic generated book in the accounts table, deterministic for a seed (docs/demo.md).</summary>
internal static class SeedCommand
{
    public static Command Create(CommandIo io)
    {
        var connection = StorageCommand.Connection();
        var partitions = StorageCommand.Partitions();
        var accounts = new Option<int>("--accounts") { Description = "how many accounts (at most 999,999)", Required = true };
        var seed = new Option<int>("--seed") { Description = "the generator seed (same seed, same book)", DefaultValueFactory = _ => 1 };
        var parameters = new Option<string>("--params") { Description = "the parameters document the book is built for (imported, and activated if none is)", DefaultValueFactory = _ => Seeder.DefaultParameters };
        var market = new Option<string>("--market") { Description = "the reference market the accounts are sized at", DefaultValueFactory = _ => Seeder.DefaultMarket };
        var command = new Command("seed", "Write a realistic generated book into the accounts table (stablecoin, blue-chip and altcoin collateral, borrows, perpetuals, futures, options; a share near or past liquidation).")
        {
            accounts, seed, parameters, market, connection, partitions, StorageCommand.Prefix(),
        };
        command.SetAction(async (parse, ct) =>
        {
            var count = parse.GetValue(accounts);
            if (count is < 1 or > Sweep.Seeding.BookGenerator.MaxAccounts)
            {
                return await StorageCommand.FailAsync(io, "seed", $"--accounts must be in [1, {Sweep.Seeding.BookGenerator.MaxAccounts}] (got {count})", ct).ConfigureAwait(false);
            }

            if (await StorageCommand.SettingsAsync(io, "seed", parse, connection, partitions, null, ct).ConfigureAwait(false) is not { } settings)
            {
                return ExitCodes.InvalidInput;
            }

            try
            {
                var storage = await StorageCommand.OpenAsync(settings, ct).ConfigureAwait(false);
                await Seeder.RunAsync(io, storage, count, parse.GetValue(seed), parse.GetValue(parameters)!, parse.GetValue(market)!, ct).ConfigureAwait(false);
                return ExitCodes.Success;
            }
            catch (Exception ex) when (ex is FileNotFoundException or InvalidDataException or ArgumentException or InvalidOperationException)
            {
                return await StorageCommand.FailAsync(io, "seed", ex.Message, ct).ConfigureAwait(false);
            }
        });
        return command;
    }
}
