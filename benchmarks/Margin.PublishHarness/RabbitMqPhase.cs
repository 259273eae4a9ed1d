using Margin.Testing.Orders;
using System.Diagnostics;
using System.Globalization;
using Amqp;
using Margin.Infrastructure.ServiceBus;
using Margin.Sweep.Orders;
using Margin.Testing.RabbitMq;

namespace Margin.PublishHarness;

/// <summary>
/// RabbitMQ rounds: the bare AMQPNetLite sender (pre-built messages, the same window) against ServiceBusOrderPublisher pipelined
/// (CBS off, TLS off, Batching=false) in calls of K orders and in one call of N, the queue checked and purged after every run.
/// </summary>
internal sealed class RabbitMqPhase(RabbitMqBroker broker, HarnessOptions options, TextWriter output)
{
    public const string Queue = "publish-harness";
    public const string Bare = "bare AMQPNetLite";

    public string BareCalls => string.Create(CultureInfo.InvariantCulture, $"bare AMQPNetLite, calls of {options.CallSize}");

    public string OursCalls => string.Create(CultureInfo.InvariantCulture, $"ours, calls of {options.CallSize}");

    public string OursOne => string.Create(CultureInfo.InvariantCulture, $"ours, one call of {options.Orders}");

    public static ServiceBusOptions ClientOptions(RabbitMqBroker broker, int maxInFlight) => new()
    {
        FullyQualifiedNamespace = "127.0.0.1",
        Port = broker.Port,
        UseCbs = false,
        UseTls = false,
        Batching = false,
        OrdersQueue = RabbitMqBroker.QueueAddress(Queue),
        OrdersQueueSessions = false,
        MaxInFlight = maxInFlight,
    };

    public async Task<IReadOnlyList<RunFigures>> RunAsync(CpuMeter meter, CancellationToken cancellationToken)
    {
        await broker.DeclareQueueAsync(Queue, cancellationToken).ConfigureAwait(false);
        var time = TimeProvider.System;
        var orders = SyntheticOrders.Create(options.Orders, time.GetUtcNow(), options.Seed, timeToLive: TimeSpan.FromHours(2));
        var bytes = orders.Select(o => System.Text.Encoding.UTF8.GetByteCount(o.Body)).ToArray();
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {orders.Count:N0} orders, bodies {bytes.Min()} to {bytes.Max()} bytes (mean {bytes.Average():0}), {orders.Select(o => o.AccountId).Distinct().Count():N0} accounts")).ConfigureAwait(false);

        await using var connection = new ServiceBusConnection(ClientOptions(broker, options.MaxInFlight), null, time);
        await using var publisher = new ServiceBusOrderPublisher(connection, time);
        var bareConnection = await broker.ConnectAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var bareLink = new SenderLink(new Session(bareConnection), "bare-sender", RabbitMqBroker.QueueAddress(Queue));

            // Warm-up, untimed: connect, attach, JIT both paths.
            var warm = orders.Take(Math.Min(1_000, orders.Count)).ToList();
            await publisher.PublishAsync(warm, cancellationToken).ConfigureAwait(false);
            await BareSender.SendAsync(bareLink, [.. warm.Select(o => OrderMessages.ToAmqp(o, time.GetUtcNow()))], options.MaxInFlight).ConfigureAwait(false);
            await DrainAsync(2 * warm.Count, cancellationToken).ConfigureAwait(false);

            await MappingCostAsync(orders, time).ConfigureAwait(false);

            IReadOnlyList<Message> prebuilt = [];
            List<StoredOrder[]> calls = [];
            var transfersBefore = 0L;
            var variants = new List<Variant>
            {
                new(Bare,
                    _ =>
                    {
                        var now = time.GetUtcNow();
                        prebuilt = [.. orders.Select(o => OrderMessages.ToAmqp(o, now))];
                        return Task.CompletedTask;
                    },
                    _ => BareSender.SendAsync(bareLink, prebuilt, options.MaxInFlight),
                    async token =>
                    {
                        prebuilt = [];
                        await DrainAsync(orders.Count, token).ConfigureAwait(false);
                        return orders.Count;
                    }),
                new(BareCalls,
                    _ =>
                    {
                        var now = time.GetUtcNow();
                        prebuilt = [.. orders.Select(o => OrderMessages.ToAmqp(o, now))];
                        return Task.CompletedTask;
                    },
                    async _ =>
                    {
                        // Each call waits for every accept before the next starts, as a caller of IOrderPublisher does.
                        foreach (var call in prebuilt.Chunk(options.CallSize))
                        {
                            await BareSender.SendAsync(bareLink, call, options.MaxInFlight).ConfigureAwait(false);
                        }
                    },
                    async token =>
                    {
                        prebuilt = [];
                        await DrainAsync(orders.Count, token).ConfigureAwait(false);
                        return orders.Count;
                    }),
                new(OursCalls,
                    _ =>
                    {
                        calls = [.. orders.Chunk(options.CallSize)];
                        transfersBefore = publisher.AcceptedTransfers;
                        return Task.CompletedTask;
                    },
                    async token =>
                    {
                        foreach (var call in calls)
                        {
                            await publisher.PublishAsync(call, token).ConfigureAwait(false);
                        }
                    },
                    async token =>
                    {
                        await DrainAsync(orders.Count, token).ConfigureAwait(false);
                        return (int)(publisher.AcceptedTransfers - transfersBefore);
                    }),
                new(OursOne,
                    _ =>
                    {
                        transfersBefore = publisher.AcceptedTransfers;
                        return Task.CompletedTask;
                    },
                    token => publisher.PublishAsync(orders, token),
                    async token =>
                    {
                        await DrainAsync(orders.Count, token).ConfigureAwait(false);
                        return (int)(publisher.AcceptedTransfers - transfersBefore);
                    }),
            };

            var runs = await Rounds.RunAsync("RabbitMQ", variants, options.Rounds, orders.Count, meter, output, cancellationToken).ConfigureAwait(false);
            Rounds.Summarise(runs, Bare, output, (OursCalls, BareCalls));
            if (publisher.Retries > 0)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  note: the publisher retried {publisher.Retries} call(s) after a connection loss")).ConfigureAwait(false);
            }

            await CallLatencyAsync(orders, publisher, bareLink, time, cancellationToken).ConfigureAwait(false);
            await bareLink.CloseAsync().ConfigureAwait(false);
            return runs;
        }
        finally
        {
            await bareConnection.CloseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The latency of one small call on an otherwise idle broker: 300 calls of 6 orders (the sweep's mean per partition), one
    /// after the other, alternating bare and ours: what the broker's accept of a few durable messages costs, and what we add.
    /// </summary>
    private async Task CallLatencyAsync(IReadOnlyList<StoredOrder> orders, ServiceBusOrderPublisher publisher, SenderLink bareLink, TimeProvider time, CancellationToken cancellationToken)
    {
        const int Calls = 300;
        const int Size = 6;
        var bare = new List<double>(Calls);
        var ours = new List<double>(Calls);
        for (var i = 0; i < Calls; i++)
        {
            var call = orders.Skip(i * Size % (orders.Count - Size)).Take(Size).ToArray();
            var now = time.GetUtcNow();
            Message[] messages = [.. call.Select(o => OrderMessages.ToAmqp(o, now))];
            var started = Stopwatch.GetTimestamp();
            await BareSender.SendAsync(bareLink, messages, options.MaxInFlight).ConfigureAwait(false);
            bare.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            started = Stopwatch.GetTimestamp();
            await publisher.PublishAsync(call, cancellationToken).ConfigureAwait(false);
            ours.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        await DrainAsync(2L * Calls * Size, cancellationToken).ConfigureAwait(false);
        string Figures(List<double> ms)
        {
            var sorted = ms.Order().ToArray();
            return string.Create(CultureInfo.InvariantCulture, $"p50 {sorted[(sorted.Length / 2) - 1]:0.00} ms, p99 {sorted[(int)Math.Ceiling(0.99 * sorted.Length) - 1]:0.00} ms, max {sorted[^1]:0.00} ms");
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  one call of {Size} orders on the idle broker ({Calls} calls each, alternating): bare {Figures(bare)}; ours {Figures(ours)}")).ConfigureAwait(false);
    }

    /// <summary>Checks the queue holds exactly <paramref name="expected"/> messages (every accepted order arrived), then purges it: RabbitMQ slows down with a backlog.</summary>
    private async Task DrainAsync(long expected, CancellationToken cancellationToken)
    {
        var count = await broker.MessageCountAsync(Queue, cancellationToken).ConfigureAwait(false);
        if (count != expected)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"queue {Queue} holds {count} messages after a run, expected {expected}"));
        }

        await broker.PurgeAsync(Queue, cancellationToken).ConfigureAwait(false);
        count = await broker.MessageCountAsync(Queue, cancellationToken).ConfigureAwait(false);
        if (count != 0)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"queue {Queue} holds {count} messages after the purge"));
        }
    }

    /// <summary>What the publisher does per order before any byte is sent, alone on one thread: mapping (the JSON scan for v and severity included) and encoding.</summary>
    private async Task MappingCostAsync(IReadOnlyList<StoredOrder> orders, TimeProvider time)
    {
        var now = time.GetUtcNow();
        for (var i = 0; i < Math.Min(2_000, orders.Count); i++)
        {
            OrderMessages.Encode(OrderMessages.ToAmqp(orders[i], now));
        }

        var clock = Stopwatch.StartNew();
        var messages = orders.Select(o => OrderMessages.ToAmqp(o, now)).ToList();
        var map = clock.Elapsed;
        clock.Restart();
        var size = 0L;
        foreach (var m in messages)
        {
            size += OrderMessages.Encode(m).Length;
        }

        var encode = clock.Elapsed;
        await output.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"  per order on one thread: mapping (OrderMessages.ToAmqp, JSON scan included) {map.TotalMicroseconds / orders.Count:0.00} us, encoding {encode.TotalMicroseconds / orders.Count:0.00} us; encoded message {size / (double)orders.Count:0} bytes")).ConfigureAwait(false);
    }
}
