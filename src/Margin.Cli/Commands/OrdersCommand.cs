using System.CommandLine;
using System.Globalization;
using Margin.Cli.Hosting;
using Margin.Cli.Output;
using Margin.Sweep.Orders;
using Spectre.Console;

namespace Margin.Cli.Commands;

/// <summary><c>margin orders list|relay|tail|events</c>: the liquidation outbox, and the Service Bus queues orders go to and executor reports come from.</summary>
internal static class OrdersCommand
{
    public static Command Create(CommandIo io)
    {
        var connection = StorageCommand.Connection();
        var partitions = StorageCommand.Partitions();
        var unsent = new Option<bool>("--unsent") { Description = "only open orders the broker has not accepted yet (what RelayOutbox sends)" };
        var account = new Option<string?>("--account") { Description = "only this account's orders" };
        var limit = new Option<int>("--limit") { Description = "at most this many, newest first", DefaultValueFactory = _ => 50 };
        var list = new Command("list", "List liquidation orders from the outbox.") { unsent, account, limit, connection, partitions, StorageCommand.Prefix() };
        list.SetAction((parse, ct) => ListAsync(io, parse, parse.GetValue(unsent), parse.GetValue(account), parse.GetValue(limit), connection, partitions, ct));
        return new Command("orders", "Liquidation orders: the outbox in the margin table, and the Service Bus queues.")
        {
            list, OrdersRelay.Create(io), OrdersTail.Create(io), OrdersEvents.Create(io),
        };
    }

    private static async Task<int> ListAsync(CommandIo io, ParseResult parse, bool unsent, string? accountId, int limit, Option<string?> connection, Option<int?> partitions, CancellationToken ct)
    {
        if (limit < 1)
        {
            return await StorageCommand.FailAsync(io, "orders list", $"--limit must be at least 1 (got {limit})", ct).ConfigureAwait(false);
        }

        if (await StorageCommand.SettingsAsync(io, "orders list", parse, connection, partitions, null, ct).ConfigureAwait(false) is not { } settings)
        {
            return ExitCodes.InvalidInput;
        }

        var storage = await StorageCommand.OpenAsync(settings, ct).ConfigureAwait(false);
        var orders = new List<StoredOrder>();
        if (accountId is not null)
        {
            var (_, mine) = await storage.Margin.ReadAccountAsync(accountId, ct).ConfigureAwait(false);
            orders.AddRange(mine.Where(o => !unsent || (!o.Sent && !o.State.IsTerminal())));
        }
        else
        {
            await foreach (var order in storage.Margin.ReadOrdersAsync(unsent, ct).ConfigureAwait(false))
            {
                orders.Add(order);
            }
        }

        var shown = orders.OrderByDescending(o => o.CreatedAt).ThenBy(o => o.OrderId, StringComparer.Ordinal).Take(limit).ToList();
        var console = ConsoleFactory.Create(io.Output, io.Terminal);
        var table = new Table().Title(string.Create(CultureInfo.InvariantCulture, $"{orders.Count} order(s){(unsent ? " not yet sent" : string.Empty)}; newest {shown.Count}"));
        foreach (var column in new[] { "Order", "Account", "Episode", "State", "Sent", "Created", "Expires", "Severity", "Legs", "Sweep" })
        {
            table.AddColumn(column);
        }

        foreach (var o in shown)
        {
            var message = LiquidationOrderJson.Read(o.Body);
            table.AddRow(
                Markup.Escape(o.OrderId),
                Markup.Escape(o.AccountId),
                o.Episode.ToString(CultureInfo.InvariantCulture),
                o.State.ToString(),
                o.Sent ? "yes" : "no",
                o.CreatedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                o.ExpiresAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                message?.Severity ?? "?",
                Markup.Escape(message is null ? "?" : string.Join(", ", message.Legs.Select(l => $"{l.Side} {l.Quantity} {l.Target}"))),
                Markup.Escape(o.SweepId));
        }

        console.Write(table);
        return ExitCodes.Success;
    }
}
