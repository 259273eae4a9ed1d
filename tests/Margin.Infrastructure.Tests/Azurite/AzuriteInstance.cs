using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Margin.Infrastructure.Tests.Azurite;

/// <summary>
/// One Azurite process for the test assembly: started from the repository's <c>node_modules</c> (test.sh installs it) on
/// free loopback ports with on-disk storage in a fresh temporary folder, and stopped by its PID (TERM, then KILL).
/// </summary>
/// <remarks>
/// Never skipped: if Azurite is not installed, the fixture fails every test that needs it with the command that installs
/// it. ARCHITECTURE.md's measured facts apply: <c>--skipApiVersionCheck</c> (the SDK asks for an API version Azurite
/// rejects otherwise), on-disk storage (in-memory persistence misbehaves under load).
/// </remarks>
public sealed class AzuriteInstance : IDisposable
{
    /// <summary>Azurite's well-known development account key.</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process _process;
    private readonly string _directory;

    public AzuriteInstance()
    {
        var root = RepositoryRoot();
        var script = Path.Combine(root, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"Azurite is not installed at {script}: run ./test.sh (or `npm ci` in {root}), which installs it into the repository");
        }

        _directory = Directory.CreateTempSubdirectory("margin-azurite-").FullName;
        (BlobPort, QueuePort, TablePort) = (FreePort(), FreePort(), FreePort());
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            script, "--silent", "--skipApiVersionCheck", "--disableTelemetry", "--location", _directory,
            "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
            "--blobPort", BlobPort.ToString(CultureInfo.InvariantCulture),
            "--queuePort", QueuePort.ToString(CultureInfo.InvariantCulture),
            "--tablePort", TablePort.ToString(CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lock (_errors)
                {
                    _errors.AppendLine(line);
                }
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        try
        {
            WaitForPort(TablePort);
            WaitForPort(QueuePort);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            // xunit does not dispose a fixture whose constructor failed: stop what we started here, then report.
            Dispose();
            string errors;
            lock (_errors)
            {
                errors = _errors.ToString();
            }

            throw new InvalidOperationException($"{ex.Message}; Azurite's stderr: {errors}", ex);
        }
    }

    private readonly System.Text.StringBuilder _errors = new();
    private bool _disposed;

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
        if (!_process.HasExited)
        {
            // TERM first (Azurite flushes and exits), KILL if it has not gone after 10 s. Only this PID, which we started.
            using (var term = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
            {
                term?.WaitForExit(5_000);
            }

            if (!_process.WaitForExit(10_000))
            {
                _process.Kill();
                _process.WaitForExit(5_000);
            }
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a dying process: the temporary folder is left for the OS to clean.
        }
    }

    private void WaitForPort(int port)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Azurite exited with code {_process.ExitCode} before listening on {port}");
            }

            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(100);
            }
        }

        throw new TimeoutException($"Azurite did not listen on 127.0.0.1:{port} within 30 s");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
