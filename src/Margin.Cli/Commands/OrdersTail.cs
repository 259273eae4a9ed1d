using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Margin.Cli.Hosting;
using Margin.Infrastructure.Composition;
using Margin.Infrastructure.ServiceBus;
using Margin.Sweep.Orders;

namespace Margin.Cli.Commands;

/// <summary><c>margin orders tail [--count N] [--wait SECONDS] [--complete] [--session ID] [--output table|json]</c>: receives orders from the orders queue and prints them with their Service Bus properties.</summary>
/// <remarks>
/// On a session queue each receiver takes one session (the one named, or the next available) and keeps its lock while
/// the command runs, so the next receiver takes another account's session. Without <c>--complete</c> every message is
/// given back at the end (its receiver closes without completing it: the lock is released), which on Service Bus counts
/// a delivery (a queue's maximum delivery count then dead-letters it); with it, they are removed from the queue.
/// </remarks>
internal static class OrdersTail
{
    private const string Name = "orders tail";
    private static readonly TimeSpan SessionAttachAllowance = TimeSpan.FromSeconds(5);

    public static Command Create(CommandIo io)
    {
        var count = new Option<int>("--count", "-n") { Description = "receive at most this many messages", DefaultValueFactory = _ => 10 };
        var wait = new Option<double>("--wait") { Description = "seconds to wait for a message (per receive) before stopping", DefaultValueFactory = _ => 5 };
        var complete = new Option<bool>("--complete") { Description = "complete (remove) the messages; without it they are given back, which on Service Bus counts a delivery" };
        var session = new Option<string?>("--session") { Description = "only this session (account id) on a session queue; default: the next available sessions" };
        var output = CommonOptions.Output();
        var command = new Command("tail", "Receive liquidation orders from the orders queue and print each with its Service Bus properties (give them back, or --complete to remove them).")
        {
            count, wait, complete, session, output, StorageCommand.ServiceBus(),
        };
        command.SetAction((parse, ct) => RunAsync(io, parse, parse.GetValue(count), parse.GetValue(wait), parse.GetValue(complete), parse.GetValue(session), CommonOptions.Parse(parse.GetValue(output)), ct));
        return command;
    }

    private static async Task<int> RunAsync(CommandIo io, ParseResult parse, int count, double waitSeconds, bool complete, string? sessionId, OutputFormat format, CancellationToken ct)
    {
        if (count is < 1 or > 10_000)
        {
            return await StorageCommand.FailAsync(io, Name, string.Create(CultureInfo.InvariantCulture, $"--count must be in [1, 10000] (got {count})"), ct).ConfigureAwait(false);
        }

        if (waitSeconds is <= 0 or > 3600 || double.IsNaN(waitSeconds))
        {
            return await StorageCommand.FailAsync(io, Name, string.Create(CultureInfo.InvariantCulture, $"--wait must be more than 0 and at most 3600 seconds (got {waitSeconds})"), ct).ConfigureAwait(false);
        }

        if (await StorageCommand.ServiceBusSettingsAsync(io, Name, parse, ct).ConfigureAwait(false) is not { } options)
        {
            return ExitCodes.InvalidInput;
        }

        if (sessionId is not null && !options.OrdersQueueSessions)
        {
            return await StorageCommand.FailAsync(io, Name, $"--session needs a session queue; ServiceBus:OrdersQueueSessions is false for '{options.OrdersQueue}'", ct).ConfigureAwait(false);
        }

        var broker = OrderBroker.Create(options, TimeProvider.System);
        await using (broker.ConfigureAwait(false))
        {
            var receivers = new List<ServiceBusReceiver>();
            var received = new List<(ServiceBusReceiver Receiver, ReceivedMessage Message)>();
            var settleErrors = new List<string>();
            try
            {
                try
                {
                    await ReceiveAsync(broker, sessionId, count, TimeSpan.FromSeconds(waitSeconds), receivers, received, ct).ConfigureAwait(false);

                    // Settle before printing, so what is printed says what happened to each message. Messages not completed are
                    // given back by closing their receivers: an explicit abandon would hand each one straight back to the
                    // still-open receiver (it restores its credit on settlement), and closing it then would count a second delivery.
                    foreach (var (receiver, message) in received)
                    {
                        try
                        {
                            if (complete)
                            {
                                await receiver.CompleteAsync(message, ct).ConfigureAwait(false);
                            }

                            settleErrors.Add(string.Empty);
                        }
                        catch (Exception ex) when (ServiceBusFailure.Is(ex) || ex is InvalidOperationException)
                        {
                            settleErrors.Add($"{ex.GetType().Name}: {ex.Message.Split('\n', 2)[0].Trim()}");
                        }
                    }
                }
                finally
                {
                    foreach (var receiver in receivers)
                    {
                        await receiver.DisposeAsync().ConfigureAwait(false);
                    }
                }
            }
            catch (Exception ex) when (ServiceBusFailure.Is(ex))
            {
                await io.Error.WriteLineAsync(ServiceBusFailure.Describe(Name, broker, options.OrdersQueue, ex).AsMemory(), ct).ConfigureAwait(false);
                return ExitCodes.Failed;
            }

            var messages = received.Select((r, i) => (r.Message, Error: settleErrors[i].Length == 0 ? null : settleErrors[i])).ToList();
            if (format == OutputFormat.Json)
            {
                await io.Output.WriteLineAsync(Json(broker, options.OrdersQueue, complete, messages).AsMemory(), ct).ConfigureAwait(false);
            }
            else
            {
                await io.Output.WriteAsync(Text(broker, options.OrdersQueue, complete, messages).AsMemory(), ct).ConfigureAwait(false);
            }

            var failed = messages.Count(m => m.Error is not null);
            if (failed > 0)
            {
                var first = messages.First(m => m.Error is not null);
                await io.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"margin {Name}: {failed} message(s) could not be {(complete ? "completed" : "given back")} on {broker.Where(options.OrdersQueue)} (the broker delivers them again when their lock expires); first: {first.Message.MessageId}: {first.Error}").AsMemory(), ct).ConfigureAwait(false);
                return ExitCodes.Failed;
            }

            return ExitCodes.Success;
        }
    }

    // One receiver per session (each keeps its session's lock until the end, so the next one takes another session); a queue
    // without sessions, or a named session, needs one receiver. Service Bus holds a next-available session request until a
    // session with messages frees up or its own timeout passes (the receiver then returns an empty list): --wait bounds that
    // too, and running out of it ends the tail, as an empty receive does.
    private static async Task ReceiveAsync(OrderBroker broker, string? sessionId, int count, TimeSpan wait, List<ServiceBusReceiver> receivers, List<(ServiceBusReceiver, ReceivedMessage)> received, CancellationToken ct)
    {
        var options = broker.Options;
        var nextSession = options.OrdersQueueSessions && sessionId is null;
        while (received.Count < count)
        {
            var receiver = ServiceBusComposition.OrdersReceiver(broker.Connection!, sessionId);
            receivers.Add(receiver);
            IReadOnlyList<ReceivedMessage> batch;
            using (var budget = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                if (options.OrdersQueueSessions)
                {
                    // The receive's own wait plus time to connect and attach (well under a second normally, more on a busy
                    // machine), so that only a broker holding the session request ends the receive through the budget.
                    budget.CancelAfter(wait + SessionAttachAllowance);
                }

                try
                {
                    batch = await receiver.ReceiveAsync(count - received.Count, wait, budget.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (budget.IsCancellationRequested && !ct.IsCancellationRequested)
                {
                    return;
                }
            }

            var got = batch.Count;
            while (batch.Count > 0)
            {
                received.AddRange(batch.Select(m => (receiver, m)));
                if (received.Count >= count)
                {
                    return;
                }

                // A session's messages are already on their way once it is taken: wait briefly for the rest, then the next session.
                batch = await receiver.ReceiveAsync(count - received.Count, nextSession ? SessionDrainWait(wait) : wait, ct).ConfigureAwait(false);
            }

            if (!nextSession || got == 0)
            {
                return;
            }
        }
    }

    private static TimeSpan SessionDrainWait(TimeSpan wait) => wait < TimeSpan.FromMilliseconds(500) ? wait : TimeSpan.FromMilliseconds(500);

    private static string Text(OrderBroker broker, string queue, bool complete, List<(ReceivedMessage Message, string? Error)> messages)
    {
        var text = new StringBuilder();
        foreach (var (m, error) in messages)
        {
            text.Append(CultureInfo.InvariantCulture, $"message {m.MessageId ?? "(no id)"}  session {m.SessionId ?? "-"}  subject {m.Subject ?? "-"}  correlation {m.CorrelationId ?? "-"}  ttl {Ttl(m.TimeToLive)}  delivery {m.DeliveryCount}  {m.ContentType ?? "-"}").AppendLine();
            text.Append("  properties: ").AppendJoin(", ", m.ApplicationProperties.Select(p => $"{p.Key}={Value(p.Value)}")).AppendLine();
            if (m.Annotations.Count > 0)
            {
                text.Append("  annotations: ").AppendJoin(", ", m.Annotations.Select(p => $"{p.Key}={Value(p.Value)}")).AppendLine();
            }

            text.Append("  order: ").Append(Summary(m.Body)).AppendLine();
            if (error is not null)
            {
                text.Append(CultureInfo.InvariantCulture, $"  not {(complete ? "completed" : "given back")}: {error}").AppendLine();
            }
        }

        var fate = complete
            ? "completed (removed from the queue)"
            : "given back (not completed; on Service Bus each counts as a delivery; --complete removes them)";
        text.Append(CultureInfo.InvariantCulture, $"{messages.Count} message(s) from {broker.Where(queue)}{(messages.Count == 0 ? string.Empty : "; " + fate)}").AppendLine();
        return text.ToString();
    }

    // The order body in one line: account, episode, severity, legs, expiry; or why it is not an order.
    private static string Summary(ReadOnlyMemory<byte> body)
    {
        LiquidationOrder? order;
        try
        {
            order = LiquidationOrderJson.Read(Encoding.UTF8.GetString(body.Span));
        }
        catch (JsonException ex)
        {
            return $"not a liquidation order ({body.Length} bytes): {ex.Message.Split('\n', 2)[0].Trim()}";
        }

        if (order is null)
        {
            return "not a liquidation order (null)";
        }

        var legs = order.Legs.IsDefaultOrEmpty ? "no legs" : string.Join("; ", order.Legs.Select(l => $"{l.Side} {l.Quantity} {l.Target} limit {l.LimitPrice}"));
        return string.Create(CultureInfo.InvariantCulture, $"account {order.AccountId}, episode {order.Episode}, {order.Severity}, {order.Legs.Length} leg(s): {legs}; expires {order.ExpiresAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z");
    }

    private static string Ttl(TimeSpan? ttl) => ttl is not { } t ? "-" : t.TotalSeconds < 1 ? $"{t.TotalMilliseconds:0}ms" : t.ToString(t.TotalHours >= 1 ? @"h\:mm\:ss" : @"m\:ss", CultureInfo.InvariantCulture);

    private static string Value(object? value) => value switch
    {
        null => "null",
        DateTime d => d.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
        DateTimeOffset d => d.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    private static string Json(OrderBroker broker, string queue, bool complete, List<(ReceivedMessage Message, string? Error)> messages)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("queue", queue);
            json.WriteString("namespace", broker.Namespace);
            json.WriteString("settlement", complete ? "completed" : "givenBack");
            json.WriteStartArray("messages");
            foreach (var (m, error) in messages)
            {
                json.WriteStartObject();
                json.WriteString("messageId", m.MessageId);
                json.WriteString("sessionId", m.SessionId);
                json.WriteString("subject", m.Subject);
                json.WriteString("contentType", m.ContentType);
                json.WriteString("correlationId", m.CorrelationId);
                if (m.TimeToLive is { } ttl)
                {
                    json.WriteNumber("timeToLiveMs", (long)ttl.TotalMilliseconds);
                }
                else
                {
                    json.WriteNull("timeToLiveMs");
                }

                json.WriteNumber("deliveryCount", m.DeliveryCount);
                WriteMap(json, "applicationProperties", m.ApplicationProperties);
                WriteMap(json, "annotations", m.Annotations);
                json.WritePropertyName("body");
                try
                {
                    using var body = JsonDocument.Parse(m.Body);
                    body.WriteTo(json);
                }
                catch (JsonException)
                {
                    json.WriteStringValue(Encoding.UTF8.GetString(m.Body.Span));
                }

                json.WriteBoolean("settled", error is null);
                if (error is not null)
                {
                    json.WriteString("settleError", error);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteMap(Utf8JsonWriter json, string name, IReadOnlyDictionary<string, object?> map)
    {
        json.WriteStartObject(name);
        foreach (var (key, value) in map)
        {
            switch (value)
            {
                case null:
                    json.WriteNull(key);
                    break;
                case bool b:
                    json.WriteBoolean(key, b);
                    break;
                case int or long or short or sbyte or byte or ushort or uint:
                    json.WriteNumber(key, Convert.ToInt64(value, CultureInfo.InvariantCulture));
                    break;
                case ulong u:
                    json.WriteNumber(key, u);
                    break;
                case decimal d:
                    json.WriteNumber(key, d);
                    break;
                case double or float when double.IsFinite(Convert.ToDouble(value, CultureInfo.InvariantCulture)):
                    json.WriteNumber(key, Convert.ToDouble(value, CultureInfo.InvariantCulture));
                    break;
                default:
                    json.WriteString(key, Value(value));
                    break;
            }
        }

        json.WriteEndObject();
    }
}
