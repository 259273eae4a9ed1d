using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Margin.Infrastructure.Tests.Azurite;

/// <summary>
/// One Azurite process for the test assembly: started from the repository's <c>node_modules</c> (test.sh installs it) on
/// loopback ports the OS picks, with on-disk storage in a fresh temporary folder, and stopped by its PID (TERM, then KILL).
/// </summary>
/// <remarks>
/// Never skipped: if Azurite is not installed, the fixture fails every test that needs it with the command that installs
/// it. ARCHITECTURE.md's measured facts apply: <c>--skipApiVersionCheck</c> (the SDK asks for an API version Azurite
/// rejects otherwise), on-disk storage (in-memory persistence misbehaves under load).
/// Ports: Azurite is asked for port 0 on every service, so the OS binds a free port atomically, and the ports are read
/// from its "successfully listening at http://127.0.0.1:PORT" lines. Picking free ports first and passing them would race
/// with any other process taking one in between. A start that exits or stalls before listening is retried (bounded).
/// </remarks>
public sealed partial class AzuriteInstance : IDisposable
{
    /// <summary>Azurite's well-known development account key.</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>How many starts are tried before the fixture gives up.</summary>
    private const int Attempts = 3;

    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly string _directory;
    private bool _disposed;

    public AzuriteInstance()
    {
        var root = RepositoryRoot();
        var script = Path.Combine(root, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"Azurite is not installed at {script}: run ./test.sh (or `npm ci` in {root}), which installs it into the repository");
        }

        _directory = Directory.CreateTempSubdirectory("margin-azurite-").FullName;
        var failures = new System.Text.StringBuilder();
        for (var attempt = 1; ; attempt++)
        {
            var started = Start(script, _directory);
            var ports = started.WaitForPorts(s_startTimeout);
            if (ports is { } p)
            {
                _process = started.Process;
                (BlobPort, QueuePort, TablePort) = p;
                return;
            }

            // xunit does not dispose a fixture whose constructor failed: stop what we started here, then retry or report.
            Stop(started.Process);
            started.Process.Dispose();
            failures.AppendLine(CultureInfo.InvariantCulture, $"attempt {attempt}: {started.Failure}");
            if (attempt == Attempts)
            {
                DeleteDirectory(_directory);
                throw new InvalidOperationException($"Azurite did not start after {Attempts} attempts:{Environment.NewLine}{failures}");
            }
        }
    }

    public int BlobPort { get; }

    public int QueuePort { get; }

    public int TablePort { get; }

    /// <summary>The connection string for this instance's endpoints.</summary>
    public string ConnectionString => string.Create(
        CultureInfo.InvariantCulture,
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};BlobEndpoint=http://127.0.0.1:{BlobPort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{QueuePort}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{TablePort}/devstoreaccount1;");

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Stop(_process);
        _process.Dispose();
        DeleteDirectory(_directory);
    }

    private static StartedAzurite Start(string script, string directory)
    {
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            script, "--silent", "--skipApiVersionCheck", "--disableTelemetry", "--location", directory,
            "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
            "--blobPort", "0", "--queuePort", "0", "--tablePort", "0",
        })
        {
            start.ArgumentList.Add(arg);
        }

        var started = new StartedAzurite(Process.Start(start) ?? throw new InvalidOperationException("node did not start"));
        started.Process.OutputDataReceived += (_, e) => started.Line(e.Data);
        started.Process.ErrorDataReceived += (_, e) => started.Line(e.Data);
        started.Process.BeginOutputReadLine();
        started.Process.BeginErrorReadLine();
        return started;
    }

    /// <summary>Stops a process this fixture started, by its PID: TERM first (Azurite flushes and exits), KILL after 10 s.</summary>
    private static void Stop(Process process)
    {
        if (process.HasExited)
        {
            return;
        }

        using (var term = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
        {
            term?.WaitForExit(5_000);
        }

        if (!process.WaitForExit(10_000))
        {
            process.Kill();
            process.WaitForExit(5_000);
        }
    }

    private static void DeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a dying process: the temporary folder is left for the OS to clean.
        }
    }

    [GeneratedRegex(@"Azurite (Blob|Queue|Table) service is successfully listening at https?://[^:/]+:(\d+)")]
    private static partial Regex ListeningLine();

    /// <summary>A started Azurite process and what it has printed: the ports it listens on, once it says so.</summary>
    private sealed class StartedAzurite(Process process)
    {
        private readonly Dictionary<string, int> _ports = new(StringComparer.Ordinal);
        private readonly System.Text.StringBuilder _output = new();

        public Process Process { get; } = process;

        public string Failure { get; private set; } = string.Empty;

        public void Line(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_output)
            {
                _output.AppendLine(line);
                if (ListeningLine().Match(line) is { Success: true } m)
                {
                    _ports[m.Groups[1].Value] = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
                }

                Monitor.PulseAll(_output);
            }
        }

        /// <summary>The three ports once Azurite listens on all of them, or null (with <see cref="Failure"/>) when it exits or stalls first.</summary>
        public (int Blob, int Queue, int Table)? WaitForPorts(TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                lock (_output)
                {
                    if (_ports.TryGetValue("Blob", out var blob) && _ports.TryGetValue("Queue", out var queue) && _ports.TryGetValue("Table", out var table))
                    {
                        return (blob, queue, table);
                    }

                    Monitor.Wait(_output, TimeSpan.FromMilliseconds(200));
                }

                if (Process.HasExited || clock.Elapsed > timeout)
                {
                    // Let the readers drain what the process printed last (the bind error comes just before the exit).
                    Process.WaitForExit(1_000);
                    lock (_output)
                    {
                        Failure = Process.HasExited
                            ? $"Azurite exited with code {Process.ExitCode} before listening; its output: {_output}"
                            : $"Azurite did not report listening on all its ports within {timeout.TotalSeconds} s; its output: {_output}";
                    }

                    return null;
                }
            }
        }
    }

    private static string RepositoryRoot()
    {
        var built = typeof(AzuriteInstance).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
        if (built is not null && File.Exists(Path.Combine(built, "package.json")))
        {
            return built;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "package.json")) && File.Exists(Path.Combine(dir.FullName, "MarginFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no repository root (MarginFunctions.sln and package.json) above {AppContext.BaseDirectory}");
    }
}

/// <summary>Tests in this collection share one Azurite.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteGroup : ICollectionFixture<AzuriteInstance>
{
    public const string Name = "azurite";
}
