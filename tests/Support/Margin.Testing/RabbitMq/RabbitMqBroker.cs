using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Amqp;
using Amqp.Framing;
using Amqp.Sasl;

namespace Margin.Testing.RabbitMq;

/// <summary>
/// A RabbitMQ 3.10 node with the AMQP 1.0 plugin for tests: started by <c>scripts/rabbitmq.sh</c> in a fresh temporary
/// folder on loopback ports that were free, with its own epmd, and stopped (and its folder deleted) on dispose.
/// </summary>
/// <remarks>
/// Never skipped: when RabbitMQ is not installed or does not start, <see cref="StartAsync"/> throws with the script's
/// output (<c>./test.sh</c> installs it with <c>scripts/rabbitmq.sh install</c>).
/// <para>Queues: RabbitMQ 3.10 declares a queue when a link attaches to a bare name or <c>/queue/NAME</c>, durable only when
/// the terminus durability is not <c>none</c>; a sender or receiver whose declaration disagrees with an existing queue is
/// refused (<c>PRECONDITION_FAILED - inequivalent arg 'durable'</c>). <c>/amq/queue/NAME</c> addresses an existing queue
/// without declaring it. So <see cref="DeclareQueueAsync"/> declares a durable queue (messages survive a restart) and
/// clients use <see cref="QueueAddress"/>. A message sent to <c>/amq/queue/NAME</c> of a queue that does not exist is
/// accepted and dropped: declare first. docs/rabbitmq.md has the measured details.</para>
/// </remarks>
public sealed class RabbitMqBroker : IAsyncDisposable
{
    /// <summary>How many starts are tried when one fails (a port picked as free may be taken before the node binds it).</summary>
    private const int Attempts = 3;

    private static readonly TimeSpan s_scriptTimeout = TimeSpan.FromSeconds(180);

    private readonly string _script;
    private bool _running;
    private bool _disposed;

    private RabbitMqBroker(string script, string folder, int port, int distributionPort, int epmdPort)
    {
        _script = script;
        Folder = folder;
        Port = port;
        DistributionPort = distributionPort;
        EpmdPort = epmdPort;
    }

    /// <summary>The AMQP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The Erlang distribution port (rabbitmqctl talks to the node through it).</summary>
    public int DistributionPort { get; }

    /// <summary>The port of this node's own epmd.</summary>
    public int EpmdPort { get; }

    /// <summary>The instance folder: data, logs, configuration, cookie and PID files.</summary>
    public string Folder { get; }

    /// <summary>The broker's AMQP address, without credentials (SASL ANONYMOUS maps to guest).</summary>
    public string Address => string.Create(CultureInfo.InvariantCulture, $"amqp://127.0.0.1:{Port}");

    /// <summary>The Erlang node name.</summary>
    public string NodeName => string.Create(CultureInfo.InvariantCulture, $"margin-test-{Port}@localhost");

    /// <summary>Whether the node was started and not stopped since.</summary>
    public bool IsRunning => _running;

    /// <summary>How long the last start took (script start to <c>await_startup</c>).</summary>
    public TimeSpan LastStartDuration { get; private set; }

    /// <summary>The AMQP 1.0 address of an existing queue that does not redeclare it (<c>/amq/queue/NAME</c>).</summary>
    public static string QueueAddress(string queue)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        return "/amq/queue/" + queue;
    }

    /// <summary>Starts a node in a fresh temporary folder on free loopback ports.</summary>
    /// <exception cref="InvalidOperationException">The script failed (not installed, did not start); the message holds its output.</exception>
    public static async Task<RabbitMqBroker> StartAsync(CancellationToken cancellationToken = default)
    {
        var script = Path.Combine(RepositoryRoot(), "scripts", "rabbitmq.sh");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"scripts/rabbitmq.sh was not found at {script}");
        }

        var failures = new StringBuilder();
        for (var attempt = 1; ; attempt++)
        {
            var folder = Directory.CreateTempSubdirectory("margin-rabbitmq-").FullName;
            var ports = FreePorts(3);
            var broker = new RabbitMqBroker(script, folder, ports[0], ports[1], ports[2]);
            try
            {
                await broker.StartNodeAsync(cancellationToken).ConfigureAwait(false);
                return broker;
            }
            catch (InvalidOperationException ex) when (attempt < Attempts)
            {
                failures.AppendLine(CultureInfo.InvariantCulture, $"attempt {attempt}: {ex.Message}");
                await broker.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                await broker.DisposeAsync().ConfigureAwait(false);
                if (failures.Length == 0)
                {
                    throw;
                }

                throw new InvalidOperationException($"RabbitMQ did not start after {attempt} attempts:{Environment.NewLine}{failures}attempt {attempt}: {ex.Message}", ex);
            }
        }
    }

    /// <summary>Stops the node (rabbitmqctl stop, then its epmd); the folder stays, so <see cref="StartAgainAsync"/> recovers durable queues.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await RunScriptAsync(["stop", .. InstanceArguments()], cancellationToken).ConfigureAwait(false);
        _running = false;
    }

    /// <summary>Crashes the node: SIGKILL to its Erlang VM (no clean shutdown); <see cref="StartAgainAsync"/> recovers it.</summary>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        await RunScriptAsync(["kill", .. InstanceArguments()], cancellationToken).ConfigureAwait(false);
        _running = false;
    }

    /// <summary>Starts the stopped node again on the same folder and ports.</summary>
    public Task StartAgainAsync(CancellationToken cancellationToken = default) => StartNodeAsync(cancellationToken);

    /// <summary>Stops and starts the node on the same folder and ports: durable queues and their persistent messages survive.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync(cancellationToken).ConfigureAwait(false);
        await StartNodeAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Declares a durable queue (idempotent for a durable queue of that name) by attaching a link whose target is durable.</summary>
    /// <exception cref="AmqpException">The broker refused (for example a non-durable queue of that name exists).</exception>
    public async Task DeclareQueueAsync(string queue, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var session = new Session(connection);
            var attached = new TaskCompletionSource<Attach?>(TaskCreationOptions.RunContinuationsAsynchronously);
            var sender = new SenderLink(
                session,
                "declare-" + queue,
                new Target { Address = "/queue/" + queue, Durable = 2 },
                (_, attach) => attached.TrySetResult(attach));
            sender.AddClosedCallback((_, error) => attached.TrySetException(new AmqpException(error ?? new Error(ErrorCode.DetachForced) { Description = "detached" })));
            var remote = await attached.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            if (remote?.Target is null)
            {
                // A refused attach carries a null target and is followed by a detach with the reason.
                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
                throw new AmqpException(sender.Error ?? new Error(ErrorCode.NotFound) { Description = $"the broker refused to declare queue '{queue}'" });
            }

            await sender.CloseAsync().ConfigureAwait(false);
        }
        finally
        {
            await connection.CloseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Removes every ready message from a queue (rabbitmqctl purge_queue).</summary>
    public Task PurgeAsync(string queue, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        return RunScriptAsync(["ctl", .. InstanceArguments(), "--", "purge_queue", "-q", queue], cancellationToken);
    }

    /// <summary>The number of messages in a queue, ready and unacknowledged (rabbitmqctl list_queues).</summary>
    /// <exception cref="InvalidOperationException">The queue does not exist.</exception>
    public async Task<long> MessageCountAsync(string queue, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        var queues = await QueuesAsync(cancellationToken).ConfigureAwait(false);
        return queues.TryGetValue(queue, out var found)
            ? found.Messages
            : throw new InvalidOperationException($"queue '{queue}' does not exist on {NodeName}; it has: {string.Join(", ", queues.Keys)}");
    }

    /// <summary>The queues of the default virtual host with their durability and message count.</summary>
    public async Task<IReadOnlyDictionary<string, RabbitMqQueueInfo>> QueuesAsync(CancellationToken cancellationToken = default)
    {
        var output = await RunScriptAsync(["ctl", .. InstanceArguments(), "--", "list_queues", "-q", "--no-table-headers", "name", "durable", "messages"], cancellationToken).ConfigureAwait(false);
        var queues = new Dictionary<string, RabbitMqQueueInfo>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split('\t');
            if (fields.Length == 3 && bool.TryParse(fields[1], out var durable) && long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var messages))
            {
                queues[fields[0]] = new RabbitMqQueueInfo(fields[0], durable, messages);
            }
        }

        return queues;
    }

    /// <summary>Opens an AMQP 1.0 connection to the node with SASL ANONYMOUS (what the tests' raw AMQPNetLite clients use).</summary>
    public async Task<Connection> ConnectAsync(CancellationToken cancellationToken = default)
    {
        var factory = new ConnectionFactory();
        factory.SASL.Profile = SaslProfile.Anonymous;
        return await factory.CreateAsync(new Amqp.Address(Address), cancellationToken, null).ConfigureAwait(false);
    }

    /// <summary>Stops the node if it runs and deletes its folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            // Even when the start failed half-way: the script stops whatever it recorded in the folder (server, epmd).
            await RunScriptAsync(["stop", .. InstanceArguments(), "--wipe"], CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _running = false;
            if (Directory.Exists(Folder))
            {
                Directory.Delete(Folder, recursive: true);
            }
        }
    }

    private async Task StartNodeAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var watch = Stopwatch.StartNew();
        var output = await RunScriptAsync(
            ["start", .. InstanceArguments(), "--port", Invariant(Port), "--dist-port", Invariant(DistributionPort), "--epmd-port", Invariant(EpmdPort), "--node", NodeName],
            cancellationToken).ConfigureAwait(false);
        LastStartDuration = watch.Elapsed;
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0 || lines[^1] != Invariant(Port))
        {
            throw new InvalidOperationException($"scripts/rabbitmq.sh start did not print port {Port} last; its output:{Environment.NewLine}{output}");
        }

        _running = true;
    }

    // Test assemblies built under --artifacts-path are not below the repository: they carry its root as assembly metadata
    // ("RepositoryRoot", as Margin.Integration.Tests does); otherwise the folder holding MarginFunctions.sln above them.
    private static string RepositoryRoot()
    {
        var stated = AppDomain.CurrentDomain.GetAssemblies()
            .SelectMany(a => a.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), inherit: false).Cast<System.Reflection.AssemblyMetadataAttribute>())
            .FirstOrDefault(m => m.Key == "RepositoryRoot" && m.Value is not null && File.Exists(Path.Combine(m.Value, "scripts", "rabbitmq.sh")));
        return stated?.Value ?? RepositoryPaths.Root();
    }

    private string[] InstanceArguments() => ["--dir", Folder];

    private async Task<string> RunScriptAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(_script);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"bash {_script} could not be started");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_scriptTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"scripts/rabbitmq.sh {string.Join(' ', arguments)} did not finish within {s_scriptTimeout.TotalSeconds:0} s (or was cancelled)");
        }

        var output = await stdout.ConfigureAwait(false);
        var errors = await stderr.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"scripts/rabbitmq.sh {string.Join(' ', arguments)} failed with exit code {process.ExitCode}"
                + (process.ExitCode == 2 ? " (RabbitMQ missing or a port taken: ./test.sh installs it with scripts/rabbitmq.sh install, as root)" : string.Empty)
                + $":{Environment.NewLine}{output}{errors}");
        }

        return output;
    }

    private static int[] FreePorts(int count)
    {
        // Held open together so that the three differ; released just before the script binds them (a race the retry absorbs).
        var listeners = new List<TcpListener>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }

            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Stop();
            }
        }
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
