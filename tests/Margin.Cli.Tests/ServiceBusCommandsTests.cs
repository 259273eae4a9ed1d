using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Amqp;
using Amqp.Framing;
using Margin.Infrastructure.Composition;
using Margin.Infrastructure.Tests.Azurite;
using Margin.Sweep.Orders;
using Margin.Testing.ServiceBus;

namespace Margin.Cli.Tests;

/// <summary>The commands that publish and receive, end to end: a real Azurite and the emulated Service Bus (in-process AMQP host with CBS, sessions, peek-lock and dead-lettering).</summary>
[Collection(AzuriteGroup.Name)]
public sealed class ServiceBusCommandsTests(AzuriteInstance azurite)
{
    private const string Orders = "liquidation-orders";
    private const string Events = "liquidation-events";
    private readonly string _prefix = "b" + Guid.NewGuid().ToString("N")[..10];

    private static Task<EmulatedServiceBus> StartBusAsync() => EmulatedServiceBus.StartAsync(new EmulatorOptions
    {
        Queues =
        [
            new EmulatedQueueOptions(Orders) { RequiresSession = true, DuplicateDetection = true },
            new EmulatedQueueOptions(Events),
        ],
    });

    private Task<CliRun> RunAsync(params string[] args) =>
        CliRunner.RunAsync([.. args, "--connection", azurite.ConnectionString, "--prefix", _prefix, "--partitions", "8"]);

    private static int Count(string text, string pattern) => Regex.Count(text, pattern);

    [Fact]
    public async Task Demo_WithServiceBus_PublishesEveryOrder_TailShowsThem_EventsApplyReports()
    {
        await using var bus = await StartBusAsync();

        var demo = await RunAsync("demo", "--accounts", "300", "--work-items", "4", "--workers", "2", "--service-bus", bus.ConnectionString);

        Assert.True(demo.ExitCode == 0, demo.Stderr + demo.Stdout);
        var reached = Regex.Match(demo.Stdout, $@"(\d+) orders reached Service Bus \(queue '{Orders}' on namespace '127\.0\.0\.1'\)\r?\n");
        Assert.True(reached.Success, demo.Stdout);
        var published = int.Parse(reached.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(published > 0);
        Assert.Contains($"Orders              {published} new; {published} published, 0 in the outbox", demo.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("not configured", demo.Stdout, StringComparison.Ordinal);
        var queued = bus.Messages(Orders);
        Assert.Equal(published, queued.Count);
        Assert.Equal(0, bus.DuplicatesDroppedIn(Orders));
        var unsent = await RunAsync("orders", "list", "--unsent");
        Assert.Contains("0 order(s) not yet sent", unsent.Stdout, StringComparison.Ordinal);

        // Nothing left for the relay.
        var relay = await RunAsync("orders", "relay", "--service-bus", bus.ConnectionString);
        Assert.True(relay.ExitCode == 0, relay.Stderr);
        Assert.Equal($"relayed to queue '{Orders}' on namespace '127.0.0.1': 0 pending, 0 sent, 0 expired (left for the next sweep to close), 0 held by a kill switch", relay.Stdout.TrimEnd());

        // tail without --complete: printed and given back (one more delivery each), still queued.
        var tail = await CliRunner.RunAsync("orders", "tail", "--count", "3", "--wait", "3", "--service-bus", bus.ConnectionString);
        Assert.True(tail.ExitCode == 0, tail.Stderr + tail.Stdout);
        Assert.Equal(3, Count(tail.Stdout, "(?m)^message ord-"));
        Assert.Equal(3, Count(tail.Stdout, @"subject liquidation-order  correlation sw-"));
        Assert.Equal(3, Count(tail.Stdout, @"properties: schemaVersion=1, accountId=acct-\d{6}, severity=(Liquidatable|Bankrupt), sweepId=sw-[^,]+, episode=1"));
        Assert.Equal(3, Count(tail.Stdout, @"annotations: .*x-opt-partition-key=acct-\d{6}"));
        Assert.Equal(3, Count(tail.Stdout, @"order: account acct-\d{6}, episode 1, (Liquidatable|Bankrupt), \d+ leg\(s\): (Sell|Buy) "));
        Assert.Contains($"3 message(s) from queue '{Orders}' on namespace '127.0.0.1'; given back (not completed; on Service Bus each counts as a delivery; --complete removes them)", tail.Stdout, StringComparison.Ordinal);
        var sessions = Regex.Matches(tail.Stdout, @"(?m)^message \S+  session (\S+) ").Select(m => m.Groups[1].Value).ToList();
        var accounts = Regex.Matches(tail.Stdout, @"(?m)^  order: account (\S+),").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(3, sessions.Count);
        Assert.Equal(accounts, sessions);

        Assert.Equal(published, bus.Messages(Orders).Count);

        // Given back once: a message the first tail saw comes again with exactly one more delivery, one it did not with none.
        // (The next tail takes the next available sessions: usually the same accounts, but a session whose lock the first
        // process's closing connection has not yet released is skipped, so compare per account.)
        for (var i = 0; i < 50 && bus.OpenConnections > 0; i++)
        {
            await Task.Delay(100);
        }

        var again = await CliRunner.RunAsync("orders", "tail", "--count", "3", "--wait", "3", "--service-bus", bus.ConnectionString);
        var seen = Regex.Matches(again.Stdout, @"(?m)^message \S+  session (\S+) .*  delivery (\d+)  ").Select(m => (Session: m.Groups[1].Value, Delivery: int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))).ToList();
        Assert.Equal(3, seen.Count);
        Assert.All(seen, m => Assert.Equal(sessions.Contains(m.Session) ? 1 : 0, m.Delivery));
        Assert.Contains(seen, m => sessions.Contains(m.Session));

        // tail --complete --output json: removed from the queue; the JSON carries every mapped property.
        var taken = await CliRunner.RunAsync("orders", "tail", "--count", "2", "--wait", "2", "--complete", "--output", "json", "--service-bus", bus.ConnectionString);
        Assert.True(taken.ExitCode == 0, taken.Stderr + taken.Stdout);
        var json = JsonNode.Parse(taken.Stdout)!;
        Assert.Equal("completed", (string?)json["settlement"]);
        var messages = json["messages"]!.AsArray();
        Assert.Equal(2, messages.Count);
        foreach (var message in messages)
        {
            var body = message!["body"]!;
            Assert.Equal((string?)body["orderId"], (string?)message["messageId"]);
            Assert.Equal((string?)body["accountId"], (string?)message["sessionId"]);
            Assert.Equal((string?)body["sweepId"], (string?)message["correlationId"]);
            Assert.Equal("application/json", (string?)message["contentType"]);
            Assert.Equal(1, (int)message["applicationProperties"]!["schemaVersion"]!);
            Assert.Equal((string?)body["severity"], (string?)message["applicationProperties"]!["severity"]);
            Assert.InRange((long)message["timeToLiveMs"]!, 1, 15 * 60 * 1000);
            Assert.True((bool)message["settled"]!);
        }

        Assert.Equal(published - 2, bus.Messages(Orders).Count);

        // An executor reports: one accept, one fill, one malformed body, one invalid event.
        var accepted = LiquidationOrderJson.Read(bus.Messages(Orders)[0].Body is byte[] b0 ? System.Text.Encoding.UTF8.GetString(b0) : throw new InvalidOperationException("no Data body"))!;
        var filled = LiquidationOrderJson.Read(System.Text.Encoding.UTF8.GetString((byte[])bus.Messages(Orders)[1].Body))!;
        Report(bus, "e1", new LiquidationEvent(1, accepted.OrderId, accepted.AccountId, OrderState.Accepted, DateTimeOffset.UtcNow, []));
        Report(bus, "e2", new LiquidationEvent(1, filled.OrderId, filled.AccountId, OrderState.Filled, DateTimeOffset.UtcNow, [new FilledLeg(filled.Legs[0].Target, filled.Legs[0].Quantity, filled.Legs[0].LimitPrice)]));
        bus.Enqueue(Events, Data("e3", "{not json"));
        bus.Enqueue(Events, Data("e4", $$"""{"v":1,"orderId":"{{accepted.OrderId}}","accountId":"{{accepted.AccountId}}","state":"Open","at":"2026-11-24T10:00:00Z","filledLegs":[]}"""));

        var events = await RunAsync("orders", "events", "--wait", "2", "--service-bus", bus.ConnectionString);

        Assert.True(events.ExitCode == 0, events.Stderr + events.Stdout);
        Assert.Contains($"message e1 (delivery 0): order {accepted.OrderId} of {accepted.AccountId}: Accepted at ", events.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"message e1 \(delivery 0\): .*: Applied; completed", events.Stdout);
        Assert.Matches(@"message e2 \(delivery 0\): .*Filled at .*, 1 filled leg\(s\): Closed; completed", events.Stdout);
        Assert.Contains("message e3 (delivery 0): dead-lettered (MalformedEvent): not a liquidation event", events.Stdout, StringComparison.Ordinal);
        Assert.Contains("message e4 (delivery 0): dead-lettered (InvalidEvent): state: Open is not an executor state", events.Stdout, StringComparison.Ordinal);
        Assert.Contains($"4 event message(s) from queue '{Events}' on namespace '127.0.0.1': 2 applied and completed (1 Applied, 1 Closed), 2 dead-lettered, 0 given back; stopped: the queue is empty", events.Stdout, StringComparison.Ordinal);
        Assert.Empty(bus.Messages(Events));
        Assert.Equal(["e3", "e4"], bus.DeadLetters(Events).Select(m => (string)m.Properties.MessageId).Order(StringComparer.Ordinal));
        Assert.Equal(["InvalidEvent", "MalformedEvent"], bus.DeadLetters(Events).Select(m => (string)m.ApplicationProperties["DeadLetterReason"]).Order(StringComparer.Ordinal));

        // The store followed: the accepted order is Accepted, the filled one closed.
        var storage = MarginStorage.Create(new StorageOptions { ConnectionString = azurite.ConnectionString, Partitions = 8, Prefix = _prefix });
        Assert.Equal(OrderState.Accepted, (await storage.Margin.ReadAccountAsync(accepted.AccountId)).Orders.Single(o => o.OrderId == accepted.OrderId).State);
        var (result, orders) = await storage.Margin.ReadAccountAsync(filled.AccountId);
        Assert.Equal(OrderState.Filled, orders.Single(o => o.OrderId == filled.OrderId).State);
        Assert.Null(result!.OpenOrderId);
    }

    [Fact]
    public async Task Tail_EmptySessionQueue_PrintsNothingAndSucceeds()
    {
        await using var bus = await StartBusAsync();

        var tail = await CliRunner.RunAsync("orders", "tail", "--wait", "1", "--service-bus", bus.ConnectionString);

        Assert.True(tail.ExitCode == 0, tail.Stderr + tail.Stdout);
        Assert.Equal($"0 message(s) from queue '{Orders}' on namespace '127.0.0.1'", tail.Stdout.TrimEnd());
    }

    [Fact]
    public async Task Tail_WrongKey_OneLineNamingNamespaceQueueAndCredential_Exit3()
    {
        await using var bus = await StartBusAsync();
        var wrong = bus.ConnectionString.Replace(EmulatorOptions.DefaultKey, "d3JvbmcK", StringComparison.Ordinal);

        var tail = await CliRunner.RunAsync("orders", "tail", "--wait", "1", "--service-bus", wrong);

        Assert.Equal(3, tail.ExitCode);
        var line = Assert.Single(tail.Stderr.TrimEnd().Split('\n'));
        Assert.StartsWith("margin orders tail: ", line, StringComparison.Ordinal);
        Assert.Contains("'127.0.0.1'", line, StringComparison.Ordinal);
        Assert.Contains($"'{Orders}'", line, StringComparison.Ordinal);
        Assert.Contains("401", line, StringComparison.Ordinal);
        Assert.DoesNotContain("d3JvbmcK", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_NothingListening_OneLineNamingNamespaceAndQueue_Exit3()
    {
        var port = FreePort();
        var nowhere = $"Endpoint=sb://127.0.0.1:{port}/;SharedAccessKeyName=k;SharedAccessKey=a2V5;UseDevelopmentEmulator=true";

        var events = await RunAsync("orders", "events", "--wait", "1", "--service-bus", nowhere);

        Assert.Equal(3, events.ExitCode);
        var line = Assert.Single(events.Stderr.TrimEnd().Split('\n'));
        Assert.StartsWith("margin orders events: ", line, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", line, StringComparison.Ordinal);
        Assert.Contains($"'{Events}'", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", events.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sweep_ServiceBusUnreachable_FinishesAndReportsTheFailures_RelaySendsThemLater()
    {
        // Two partitions: two publishes fail (each waits out the client's reconnect backoff, which grows per failure).
        Task<CliRun> Run(params string[] args) => CliRunner.RunAsync([.. args, "--connection", azurite.ConnectionString, "--prefix", _prefix, "--partitions", "2"]);
        Assert.Equal(0, (await Run("seed", "--accounts", "200")).ExitCode);
        var port = FreePort();
        var nowhere = $"Endpoint=sb://127.0.0.1:{port}/;SharedAccessKeyName={EmulatorOptions.DefaultKeyName};SharedAccessKey={EmulatorOptions.DefaultKey};UseDevelopmentEmulator=true";

        var sweep = await Run("sweep", "--work-items", "1", "--workers", "1", "--service-bus", nowhere);

        Assert.True(sweep.ExitCode == 0, sweep.Stderr + sweep.Stdout);
        var left = Regex.Match(sweep.Stdout, $@"0 orders reached Service Bus \(queue '{Orders}' on namespace '127\.0\.0\.1'\); (\d+) remain in the outbox \(margin orders relay sends them\)");
        Assert.True(left.Success, sweep.Stdout);
        Assert.Matches($@"Service Bus publish failed 2 time\(s\); those orders stay in the outbox \(margin orders relay sends them\)\. First error: Service Bus namespace '127\.0\.0\.1': cannot connect to amqp://127\.0\.0\.1:{port}", sweep.Stdout);

        // A relay while it is still down: one line naming the queue and the namespace, exit 3, the orders still in the outbox.
        var down = await Run("orders", "relay", "--service-bus", nowhere);
        Assert.Equal(3, down.ExitCode);
        var downLine = Assert.Single(down.Stderr.TrimEnd().Split('\n'));
        Assert.StartsWith($"margin orders relay: Service Bus namespace '127.0.0.1': cannot connect to amqp://127.0.0.1:{port}: ", downLine, StringComparison.Ordinal);
        Assert.EndsWith($" (queue '{Orders}' on namespace '127.0.0.1'); the unsent orders stay in the outbox", downLine, StringComparison.Ordinal);

        // The broker comes up on that port: the relay sends what stayed behind.
        await using var bus = await EmulatedServiceBus.StartAsync(new EmulatorOptions
        {
            Port = port,
            Queues = [new EmulatedQueueOptions(Orders) { RequiresSession = true, DuplicateDetection = true }],
        });
        var relay = await Run("orders", "relay", "--service-bus", bus.ConnectionString);
        Assert.True(relay.ExitCode == 0, relay.Stderr);
        Assert.Contains($": {left.Groups[1].Value} pending, {left.Groups[1].Value} sent, 0 expired", relay.Stdout, StringComparison.Ordinal);
        Assert.Equal(int.Parse(left.Groups[1].Value, CultureInfo.InvariantCulture), bus.Messages(Orders).Count);
        var unsent = await Run("orders", "list", "--unsent");
        Assert.Contains("0 order(s) not yet sent", unsent.Stdout, StringComparison.Ordinal);
    }

    private static void Report(EmulatedServiceBus bus, string messageId, LiquidationEvent e) => bus.Enqueue(Events, Data(messageId, LiquidationEventJson.Write(e)));

    private static Message Data(string messageId, string body) => new()
    {
        BodySection = new Data { Binary = System.Text.Encoding.UTF8.GetBytes(body) },
        Properties = new Properties { MessageId = messageId, ContentType = "application/json" },
    };

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
