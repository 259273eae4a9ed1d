using System.Globalization;

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
        var problems = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var flag = args[i];
            string Value()
            {
                if (i + 1 >= args.Count)
                {
                    problems.Add($"{flag} needs a value");
                    return string.Empty;
                }

                return args[++i];
            }

            int Int(int min, int max)
            {
                var text = Value();
                if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture, $"{flag} must be an integer in [{min}, {max}] (got '{text}')"));
                    return min;
                }

                return n;
            }

            options = flag switch
            {
                "--orders" => options with { Orders = Int(1, 1_000_000) },
                "--rounds" => options with { Rounds = Int(1, 100) },
                "--call-size" => options with { CallSize = Int(1, 100_000) },
                "--max-in-flight" => options with { MaxInFlight = Int(1, 5000) },
                "--accounts" => options with { Accounts = Int(0, 999_999) },
                "--seed" => options with { Seed = Int(int.MinValue, int.MaxValue) },
                "--skip-rabbitmq" => options with { SkipRabbitMq = true },
                "--skip-emulator" => options with { SkipEmulator = true },
                "--root" => options with { Root = Value() },
                "--help" or "-h" => options with { Help = true },
                _ => Unknown(problems, flag, options),
            };
        }

        return problems.Count == 0 ? (options, problems) : (null, problems);
    }

    private static HarnessOptions Unknown(List<string> problems, string flag, HarnessOptions options)
    {
        problems.Add($"unknown flag '{flag}' (--help lists them)");
        return options;
    }
}
