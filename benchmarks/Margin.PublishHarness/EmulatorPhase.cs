using Margin.Testing.Orders;
using System.Globalization;
using Amqp;
using Amqp.Sasl;
using Margin.Infrastructure.ServiceBus;
using Margin.Testing.ServiceBus;

namespace Margin.PublishHarness;

/// <summary>
/// Emulated Service Bus rounds (in process: CBS on, duplicate detection on, sessions on): ServiceBusOrderPublisher batched
/// (MaxBatchBytes 256 KB) and pipelined, and the bare pipelined sender, each on a fresh emulator so the queue starts empty.
/// </summary>
internal sealed class EmulatorPhase(HarnessOptions options, TextWriter output)
{
    public const string Queue = "liquidation-orders";
    public const string Bare = "bare AMQPNetLite pipelined";
    public const string Batched = "ours, batched (256 KB)";
    public const string Pipelined = "ours, pipelined";

    public async Task<IReadOnlyList<RunFigures>> RunAsync(CpuMeter meter, CancellationToken cancellationToken)
    {
        var time = TimeProvider.System;
        var orders = SyntheticOrders.Create(options.Orders, time.GetUtcNow(), options.Seed, timeToLive: TimeSpan.FromHours(2));
        // Warm-up orders on other accounts (other message ids: duplicate detection would drop the real ones otherwise).
        var warm = SyntheticOrders.Create(50, time.GetUtcNow(), options.Seed + 1, firstAccount: 500_000, timeToLive: TimeSpan.FromHours(2));
        EmulatedServiceBus? bus = null;
        ServiceBusConnection? connection = null;
        ServiceBusOrderPublisher? publisher = null;
        Connection? bareConnection = null;
        SenderLink? bareLink = null;
        IReadOnlyList<Message> prebuilt = [];
        var transfersBefore = 0;

        async Task StartBusAsync(CancellationToken token)
        {
            bus = await EmulatedServiceBus.StartAsync(
                new EmulatorOptions { Queues = [new EmulatedQueueOptions(Queue) { RequiresSession = true, DuplicateDetection = true }] },
                token).ConfigureAwait(false);
        }

        Func<CancellationToken, Task> PrepareOurs(bool batching) => async token =>
        {
            await StartBusAsync(token).ConfigureAwait(false);
            connection = new ServiceBusConnection(new ServiceBusOptions { ConnectionString = bus!.ConnectionString, Batching = batching, MaxInFlight = options.MaxInFlight }, null, time);
            publisher = new ServiceBusOrderPublisher(connection, time);
            await publisher.PublishAsync(warm, token).ConfigureAwait(false);
            transfersBefore = bus.Transfers.Count(t => t.Queue == Queue);
        };

        async Task PrepareBareAsync(CancellationToken token)
        {
            await StartBusAsync(token).ConfigureAwait(false);
            var factory = new ConnectionFactory();
            factory.SASL.Profile = SaslProfile.Anonymous;
            bareConnection = await factory.CreateAsync(bus!.Address, token, null).ConfigureAwait(false);
            var session = new Session(bareConnection);
            var audience = bus.AudienceFor(Queue);
            var expires = time.GetUtcNow().AddHours(1);
            await BareSender.PutTokenAsync(session, audience, bus.CreateSasToken(audience, expires), expires).ConfigureAwait(false);
            bareLink = new SenderLink(session, "bare-sender", Queue);
            var now = time.GetUtcNow();
            await BareSender.SendAsync(bareLink, [.. warm.Select(o => OrderMessages.ToAmqp(o, now))], options.MaxInFlight).ConfigureAwait(false);
            transfersBefore = bus.Transfers.Count(t => t.Queue == Queue);
            prebuilt = [.. orders.Select(o => OrderMessages.ToAmqp(o, now))];
        }

        async Task<int> FinishAsync(CancellationToken token)
        {
            var stored = bus!.Messages(Queue).Count;
            var transfers = bus.Transfers.Count(t => t.Queue == Queue) - transfersBefore;
            var duplicates = bus.DuplicatesDropped;
            prebuilt = [];
            if (publisher is not null)
            {
                await publisher.DisposeAsync().ConfigureAwait(false);
                await connection!.DisposeAsync().ConfigureAwait(false);
                publisher = null;
                connection = null;
            }

            if (bareConnection is not null)
            {
                await bareConnection.CloseAsync().ConfigureAwait(false);
                bareConnection = null;
            }

            await bus.DisposeAsync().ConfigureAwait(false);
            bus = null;
            if (stored != orders.Count + warm.Count || duplicates != 0)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"the emulated queue holds {stored} messages ({duplicates} duplicates dropped), expected {orders.Count + warm.Count}"));
            }

            return transfers;
        }

        var variants = new List<Variant>
        {
            new(Bare, PrepareBareAsync, _ => BareSender.SendAsync(bareLink!, prebuilt, options.MaxInFlight), FinishAsync),
            new(Batched, PrepareOurs(batching: true), token => publisher!.PublishAsync(orders, token), FinishAsync),
            new(Pipelined, PrepareOurs(batching: false), token => publisher!.PublishAsync(orders, token), FinishAsync),
        };

        try
        {
            var runs = await Rounds.RunAsync("Emulated Service Bus (in process: CBS, duplicate detection, sessions)", variants, options.Rounds, orders.Count, meter, output, cancellationToken).ConfigureAwait(false);
            Rounds.Summarise(runs, Bare, output);
            return runs;
        }
        finally
        {
            if (bus is not null)
            {
                await bus.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
