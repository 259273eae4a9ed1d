using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using Margin.Testing.RabbitMq;
using Margin.SweepHarness;

namespace Margin.PublishHarness;

/// <summary>The run: emulated Service Bus rounds, then a RabbitMQ of its own (rounds, then a sweep against an Azurite of its own); every process it started is stopped on the way out.</summary>
internal static class Harness
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var (options, problems) = HarnessOptions.Parse(args);
        if (options is null)
        {
            foreach (var p in problems)
            {
                await error.WriteLineAsync($"publish harness: {p}").ConfigureAwait(false);
            }

            return 2;
        }

        if (options.Help)
        {
            await output.WriteLineAsync(HarnessOptions.Usage).ConfigureAwait(false);
            return 0;
        }

        var root = options.Root ?? HarnessArgs.FindRoot(Path.Combine("scripts", "rabbitmq.sh"));
        if (root is null)
        {
            await error.WriteLineAsync("publish harness: no repository root (MarginFunctions.sln and scripts/rabbitmq.sh) above the current directory or the executable; pass --root").ConfigureAwait(false);
            return 2;
        }

        using var cancel = new CancellationTokenSource();
        void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            e.Cancel = true;
            cancel.Cancel();
        }

        Console.CancelKeyPress += OnCancel;
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            cancel.Cancel();
        });
        RabbitMqBroker? broker = null;
        try
        {
            await output.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"publish harness {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC: {Environment.ProcessorCount} cores, load average {CpuMeter.LoadAverage()}, {RuntimeInformation.OSDescription}, .NET {Environment.Version}, AMQPNetLite {AmqpNetLiteVersion()}, {RabbitMqVersion()}")).ConfigureAwait(false);
            await output.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"N = {options.Orders:N0} orders per run, {options.Rounds} rounds, MaxInFlight (and the bare window) {options.MaxInFlight}, calls of {options.CallSize}, sweep of {options.Accounts:N0} accounts")).ConfigureAwait(false);
            if (!options.SkipEmulator)
            {
                await output.WriteLineAsync().ConfigureAwait(false);
                await new EmulatorPhase(options, output).RunAsync(new CpuMeter(null), cancel.Token).ConfigureAwait(false);
            }

            if (!options.SkipRabbitMq || options.Accounts > 0)
            {
                await output.WriteLineAsync().ConfigureAwait(false);
                var clock = Stopwatch.StartNew();
                broker = await RabbitMqBroker.StartAsync(cancel.Token).ConfigureAwait(false);
                var beam = BeamPid(broker);
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"RabbitMQ node {broker.NodeName} on {broker.Address} (Erlang VM pid {beam?.ToString(CultureInfo.InvariantCulture) ?? "?"}), started in {clock.Elapsed.TotalSeconds:0.0} s; queue {RabbitMqPhase.Queue} durable, messages durable")).ConfigureAwait(false);
                if (!options.SkipRabbitMq)
                {
                    await new RabbitMqPhase(broker, options, output).RunAsync(new CpuMeter(beam), cancel.Token).ConfigureAwait(false);
                }

                if (options.Accounts > 0)
                {
                    await output.WriteLineAsync().ConfigureAwait(false);
                    await output.WriteLineAsync("Commit-to-accept latency: a sweep against Azurite, orders to RabbitMQ").ConfigureAwait(false);
                    await new LatencyPhase(broker, beam, options, root, output).RunAsync(cancel.Token).ConfigureAwait(false);
                }
            }

            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"done; load average {CpuMeter.LoadAverage()}")).ConfigureAwait(false);
            return 0;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            await error.WriteLineAsync("publish harness: cancelled").ConfigureAwait(false);
            return 130;
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException or Amqp.AmqpException or Infrastructure.ServiceBus.ServiceBusException or Azure.RequestFailedException or InvalidDataException)
        {
            await error.WriteLineAsync($"publish harness: {ex.GetType().Name}: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
        finally
        {
            Console.CancelKeyPress -= OnCancel;
            if (broker is not null)
            {
                await broker.DisposeAsync().ConfigureAwait(false);
                await output.WriteLineAsync("RabbitMQ stopped, its folder deleted").ConfigureAwait(false);
            }
        }
    }

    private static int? BeamPid(RabbitMqBroker broker)
    {
        var file = Path.Combine(broker.Folder, "rabbitmq.pid");
        return File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    private static string AmqpNetLiteVersion() =>
        typeof(Amqp.Connection).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(Amqp.Connection).Assembly.GetName().Version?.ToString() ?? "?";

    private static string RabbitMqVersion()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("dpkg-query", ["-W", "-f", "rabbitmq-server ${Version}, erlang-base ${Version}", "rabbitmq-server"]) { RedirectStandardOutput = true, UseShellExecute = false });
            if (process is null)
            {
                return "RabbitMQ ?";
            }

            var text = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return text.Length > 0 ? text.Split(',')[0] : "RabbitMQ ?";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "RabbitMQ ?";
        }
    }
}
