using Margin.SweepHarness;

namespace Margin.PublishHarness;

/// <summary>The harness's flags (docs/benchmarks.md, "Publishing liquidation orders").</summary>
internal sealed record HarnessOptions
{
    public const string Usage = """
        Margin.PublishHarness: publishes liquidation orders with the project's ServiceBusOrderPublisher and with a bare
        AMQPNetLite sender (the transport ceiling) to a RabbitMQ of its own and to the in-process emulated Service Bus,
        alternating them round by round, then runs a sweep against an Azurite of its own with orders going to RabbitMQ
        and measures each publish call's latency. Prints the figures.

          --orders N          orders per run (default 20000)
          --rounds R          rounds; each round runs every variant once (default 3)
          --call-size K       orders per PublishAsync call in the "calls of K" variant (default 100, like a work item)
          --max-in-flight W   ServiceBus:MaxInFlight and the bare sender's window (default 256, the option's default)
          --accounts A        accounts of the sweep's generated book (default 50000; 0 skips the sweep)
          --seed S            seed of the orders and of the book (default 1)
          --skip-rabbitmq     no RabbitMQ rounds (the sweep still needs RabbitMQ unless --accounts 0)
          --skip-emulator     no emulated Service Bus rounds
          --root DIR          the repository root (default: found above the current directory)
          --help              this text
        """;

    public int Orders { get; init; } = 20_000;

    public int Rounds { get; init; } = 3;

    public int CallSize { get; init; } = 100;

    public int MaxInFlight { get; init; } = 256;

    public int Accounts { get; init; } = 50_000;

    public int Seed { get; init; } = 1;

    public bool SkipRabbitMq { get; init; }

    public bool SkipEmulator { get; init; }

    public string? Root { get; init; }

    public bool Help { get; init; }

    /// <summary>Parses the flags; the problems name the flag.</summary>
    public static (HarnessOptions? Options, IReadOnlyList<string> Problems) Parse(IReadOnlyList<string> args)
    {
        var options = new HarnessOptions();
        var read = new HarnessArgs(args);
        var problems = read.Problems;
        while (read.Next())
        {
            options = read.Flag switch
            {
                "--orders" => options with { Orders = read.Int(1, 1_000_000) },
                "--rounds" => options with { Rounds = read.Int(1, 100) },
                "--call-size" => options with { CallSize = read.Int(1, 100_000) },
                "--max-in-flight" => options with { MaxInFlight = read.Int(1, 5000) },
                "--accounts" => options with { Accounts = read.Int(0, 999_999) },
                "--seed" => options with { Seed = read.Int(int.MinValue, int.MaxValue) },
                "--skip-rabbitmq" => options with { SkipRabbitMq = true },
                "--skip-emulator" => options with { SkipEmulator = true },
                "--root" => options with { Root = read.Value() },
                "--help" or "-h" => options with { Help = true },
                _ => read.Unknown(options),
            };
        }

        return problems.Count == 0 ? (options, problems) : (null, problems);
    }
}
