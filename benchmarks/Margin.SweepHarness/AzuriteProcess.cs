using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Margin.SweepHarness;

/// <summary>The harness's own Azurite: <c>node node_modules/azurite/...</c> from the repository, on loopback ports the OS picks, with on-disk storage in a fresh temporary folder.</summary>
/// <remarks>
/// Port 0 on every service, the ports read from Azurite's "successfully listening at" lines (never the fixed default
/// ports, which other engineers' instances may hold). Stopped by its PID: TERM, then KILL after 10 s; the folder is
/// deleted. <see cref="Stop"/> is idempotent and safe from any thread (the harness calls it on success, failure, Ctrl-C
/// and process exit). ARCHITECTURE.md's measured facts apply: <c>--skipApiVersionCheck</c>, <c>--disableTelemetry</c>,
/// on-disk rather than in-memory persistence.
/// </remarks>
internal sealed partial class AzuriteProcess : IDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly string _directory;
    private readonly Lock _gate = new();
    private bool _stopped;

    private AzuriteProcess(Process process, string directory, int queuePort, int tablePort)
    {
        _process = process;
        Pid = process.Id;
        _directory = directory;
        QueuePort = queuePort;
        TablePort = tablePort;
    }

    /// <summary>Azurite's process id (its CPU time is sampled from <c>/proc</c>).</summary>
    public int Pid { get; }

    public int QueuePort { get; }

    public int TablePort { get; }

    public string ConnectionString => string.Create(
        CultureInfo.InvariantCulture,
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};QueueEndpoint=http://127.0.0.1:{QueuePort}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{TablePort}/devstoreaccount1;");

    /// <summary>Azurite's CPU time so far (user and system).</summary>
    public TimeSpan CpuTime()
    {
        lock (_gate)
        {
            try
            {
                if (_stopped || _process.HasExited)
                {
                    return TimeSpan.Zero;
                }

                _process.Refresh();
                return _process.TotalProcessorTime;
            }
            catch (InvalidOperationException)
            {
                // It exited between the check and the read (a Ctrl-C reaches Azurite too, as it is in our process group).
                return TimeSpan.Zero;
            }
        }
    }

    /// <summary>CPU time of Azurite's main thread (the JavaScript event loop; V8's GC and libuv's file threads are the rest), from <c>/proc/PID/task/PID/stat</c>; zero where there is none.</summary>
    public TimeSpan MainThreadCpuTime() => TimeSpan.FromSeconds(ProcessCpu.ThreadSeconds(Pid, Pid));

    /// <summary>Starts Azurite from <paramref name="root"/>'s <c>node_modules</c> and waits until its queue and table services listen.</summary>
    /// <exception cref="InvalidOperationException">Azurite is not installed, or did not start; the message says why.</exception>
    public static AzuriteProcess Start(string root)
    {
        var script = Path.Combine(root, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"Azurite is not installed at {script}: run `npm ci --no-audit --no-fund` in {root}");
        }

        var directory = Directory.CreateTempSubdirectory("margin-harness-azurite-").FullName;
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

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            DeleteDirectory(directory);
            throw new InvalidOperationException($"node could not be started ({ex.Message}): Azurite needs Node.js on the PATH", ex);
        }

        var output = new StringBuilder();
        var ports = new Dictionary<string, int>(StringComparer.Ordinal);
        void Line(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                // Keep only the start-up lines: Azurite is --silent afterwards, but nothing here should grow without bound.
                if (output.Length < 16_384)
                {
                    output.AppendLine(line);
                }

                if (ListeningLine().Match(line) is { Success: true } m)
                {
                    ports[m.Groups[1].Value] = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
                }

                Monitor.PulseAll(output);
            }
        }

        process.OutputDataReceived += (_, e) => Line(e.Data);
        process.ErrorDataReceived += (_, e) => Line(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            lock (output)
            {
                if (ports.TryGetValue("Queue", out var queue) && ports.TryGetValue("Table", out var table) && ports.ContainsKey("Blob"))
                {
                    return new AzuriteProcess(process, directory, queue, table);
                }

                Monitor.Wait(output, TimeSpan.FromMilliseconds(200));
            }

            if (process.HasExited || clock.Elapsed > s_startTimeout)
            {
                var exited = process.HasExited;
                StopProcess(process);
                process.Dispose();
                DeleteDirectory(directory);
                lock (output)
                {
                    throw new InvalidOperationException(exited
                        ? $"Azurite exited before listening; its output:{Environment.NewLine}{output}"
                        : $"Azurite did not report listening within {s_startTimeout.TotalSeconds:0} s (stopped again); its output:{Environment.NewLine}{output}");
                }
            }
        }
    }

    /// <summary>Stops Azurite by its PID (TERM, then KILL after 10 s) and deletes its folder; later calls do nothing.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            StopProcess(_process);
            _process.Dispose();
            DeleteDirectory(_directory);
        }
    }

    public void Dispose() => Stop();

    private static void StopProcess(Process process)
    {
        if (process.HasExited)
        {
            return;
        }

        // .NET has no SIGTERM API; kill(1) sends it to this PID only. Azurite flushes its database and exits on TERM.
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
}
