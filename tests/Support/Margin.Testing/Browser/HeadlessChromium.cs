using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace Margin.Testing.Browser;

/// <summary>
/// A headless Chromium (the Debian package <c>chromium</c>) for browser tests: started with <c>--headless --no-sandbox
/// --disable-gpu</c>, a fresh user-data folder and a DevTools port it picks itself, driven over the Chrome DevTools
/// Protocol (BCL WebSocket and JSON only), and stopped by its process group on dispose, its folder deleted.
/// </summary>
/// <remarks>
/// Never skipped: without <c>chromium</c> on PATH, <see cref="StartAsync"/> throws saying to run <c>scripts/chromium.sh
/// install</c> (which <c>./test.sh</c> runs as root). Chromium is started through <c>setsid</c>, so it leads a process
/// group of its own holding its zygote, renderer and utility processes: stopping sends SIGTERM to that group, then
/// SIGKILL after <see cref="HeadlessChromiumOptions.StopTimeout"/>, and touches no other process. One instance serves many
/// pages (<see cref="OpenAsync"/>), each in a tab of its own.
/// </remarks>
public sealed class HeadlessChromium : IAsyncDisposable
{
    private const int SigKill = 9;
    private const int SigTerm = 15;
    private const int OutputLines = 200;

    private readonly Process _process;
    private readonly string _folder;
    private readonly HeadlessChromiumOptions _options;
    private readonly Queue<string> _output = new();
    private readonly int _processGroup;
    private DevToolsConnection? _connection;
    private bool _disposed;

    private HeadlessChromium(Process process, string folder, HeadlessChromiumOptions options, int processGroup)
    {
        _process = process;
        _folder = folder;
        _options = options;
        _processGroup = processGroup;
    }

    /// <summary>The PID of the Chromium browser process (the leader of its process group).</summary>
    public int ProcessId => _process.Id;

    /// <summary>The DevTools port Chromium listens on (127.0.0.1).</summary>
    public int Port { get; private set; }

    /// <summary>The browser's product and version, e.g. <c>Chrome/131.0.6778.139</c> (headless reports HeadlessChrome).</summary>
    public string Version { get; private set; } = "";

    /// <summary>The temporary user-data folder (deleted on dispose).</summary>
    public string UserDataFolder => _folder;

    /// <summary>The Chromium binary: <c>chromium</c> on PATH.</summary>
    /// <exception cref="InvalidOperationException">There is none; the message says how to install it.</exception>
    public static string FindBinary() => FindBinary(Environment.GetEnvironmentVariable("PATH") ?? "");

    /// <summary>The Chromium binary: <c>chromium</c> in one of the folders of a PATH-style list.</summary>
    /// <exception cref="InvalidOperationException">There is none; the message says how to install it.</exception>
    public static string FindBinary(string searchPath)
    {
        ArgumentNullException.ThrowIfNull(searchPath);
        foreach (var folder in searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, "chromium");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "Chromium is not installed: no 'chromium' on PATH. The report's browser tests need it: install it with "
            + "'sudo scripts/chromium.sh install' (apt-get install chromium), or run ./test.sh as root, which installs it.");
    }

    /// <summary>Starts Chromium and connects to it.</summary>
    /// <exception cref="InvalidOperationException">Chromium is not installed, exited, or did not open its DevTools port in time; the message holds its last output.</exception>
    public static async Task<HeadlessChromium> StartAsync(HeadlessChromiumOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new HeadlessChromiumOptions();
        var binary = FindBinary();
        var folder = Directory.CreateTempSubdirectory("margin-chromium-").FullName;
        var profile = Path.Combine(folder, "profile");
        Directory.CreateDirectory(profile);

        // setsid makes Chromium the leader of a new process group (it execs in place: same PID), so its children can be
        // stopped together without touching anything else.
        var setsid = FindOnPath("setsid");
        var info = new ProcessStartInfo(setsid ?? binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = folder,
        };
        if (setsid is not null)
        {
            info.ArgumentList.Add(binary);
        }

        foreach (var argument in Arguments(profile, options))
        {
            info.ArgumentList.Add(argument);
        }

        // Configuration and caches under the temporary folder too: nothing lands in the user's home.
        info.Environment["XDG_CONFIG_HOME"] = Path.Combine(folder, "config");
        info.Environment["XDG_CACHE_HOME"] = Path.Combine(folder, "cache");

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"{binary} did not start");
        }
        catch
        {
            Directory.Delete(folder, recursive: true);
            throw;
        }

        var group = setsid is not null && ProcessGroupOf(process.Id) == process.Id ? process.Id : 0;
        var chromium = new HeadlessChromium(process, folder, options, group);
        process.OutputDataReceived += (_, e) => chromium.Remember(e.Data);
        process.ErrorDataReceived += (_, e) => chromium.Remember(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await chromium.ConnectAsync(profile, cancellationToken).ConfigureAwait(false);
            return chromium;
        }
        catch
        {
            await chromium.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Opens a file in a new tab and waits until it has loaded (see <see cref="BrowserPage"/> for what it collects).</summary>
    public Task<BrowserPage> OpenFileAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        return File.Exists(full)
            ? OpenAsync(new Uri(full), cancellationToken)
            : throw new FileNotFoundException($"No page to open at {full}", full);
    }

    /// <summary>Opens a URL in a new tab, with Runtime, Log, Network and Page events collected from before the navigation, and waits until it has loaded.</summary>
    /// <exception cref="InvalidOperationException">Chromium could not open the URL.</exception>
    /// <exception cref="TimeoutException">The page did not load within <see cref="HeadlessChromiumOptions.CommandTimeout"/>.</exception>
    public async Task<BrowserPage> OpenAsync(Uri url, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var connection = _connection ?? throw new InvalidOperationException("Chromium is not connected.");
        var target = await connection.SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" }, cancellationToken: cancellationToken).ConfigureAwait(false);
        var targetId = target.GetProperty("targetId").GetString()!;
        var attached = await connection.SendAsync("Target.attachToTarget", new JsonObject { ["targetId"] = targetId, ["flatten"] = true }, cancellationToken: cancellationToken).ConfigureAwait(false);
        var page = new BrowserPage(connection, targetId, attached.GetProperty("sessionId").GetString()!);
        try
        {
            await page.EnableAsync(_options.ViewportWidth, _options.ViewportHeight, cancellationToken).ConfigureAwait(false);
            await page.NavigateAsync(url, _options.CommandTimeout, cancellationToken).ConfigureAwait(false);
            await page.SettleAsync(cancellationToken).ConfigureAwait(false);
            return page;
        }
        catch (Exception ex) when (ex is TimeoutException or DevToolsException)
        {
            await page.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"{ex.Message}. Chromium's last output:{Environment.NewLine}{Output()}", ex);
        }
        catch
        {
            await page.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Chromium's last lines of output (stdout and stderr), for failure messages.</summary>
    public string Output()
    {
        lock (_output)
        {
            return string.Join(Environment.NewLine, _output);
        }
    }

    /// <summary>Stops Chromium (SIGTERM to its process group, SIGKILL after the stop timeout) and deletes its folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            if (!_process.HasExited)
            {
                Signal(SigTerm);
                using var timeout = new CancellationTokenSource(_options.StopTimeout);
                try
                {
                    await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // It ignored SIGTERM: SIGKILL below.
                }
            }

            // Also when the browser process exited on SIGTERM: a child of its group that outlived it is ended for sure.
            Signal(SigKill);
            await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(_options.StopTimeout).ConfigureAwait(false);
        }
        finally
        {
            _process.Dispose();
            DeleteFolder();
        }
    }

    private async Task ConnectAsync(string profile, CancellationToken cancellationToken)
    {
        var portFile = Path.Combine(profile, "DevToolsActivePort");
        var watch = Stopwatch.StartNew();
        string[]? lines = null;
        while (true)
        {
            if (File.Exists(portFile))
            {
                // Two lines, the port and the browser's WebSocket path; a half-written file is read again.
                lines = (await File.ReadAllTextAsync(portFile, cancellationToken).ConfigureAwait(false)).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (lines.Length >= 2 && int.TryParse(lines[0], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port > 0)
                {
                    Port = port;
                    break;
                }
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Chromium exited with code {_process.ExitCode} before it opened its DevTools port. Its output:{Environment.NewLine}{Output()}");
            }

            if (watch.Elapsed > _options.StartTimeout)
            {
                throw new InvalidOperationException($"Chromium did not write {portFile} within {_options.StartTimeout.TotalSeconds:0} s. Its output:{Environment.NewLine}{Output()}");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        var endpoint = new Uri(string.Create(CultureInfo.InvariantCulture, $"ws://127.0.0.1:{Port}{lines[1]}"));
        try
        {
            _connection = await DevToolsConnection.ConnectAsync(endpoint, _options.StartTimeout, cancellationToken).ConfigureAwait(false);
            var version = await _connection.SendAsync("Browser.getVersion", cancellationToken: cancellationToken).ConfigureAwait(false);
            Version = version.GetProperty("product").GetString() ?? "";
        }
        catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or DevToolsException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"Chromium's DevTools endpoint {endpoint} did not answer: {ex.Message}. Its output:{Environment.NewLine}{Output()}", ex);
        }
    }

    private static IEnumerable<string> Arguments(string profile, HeadlessChromiumOptions options) =>
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--user-data-dir=" + profile,
        "--remote-debugging-port=0",
        "--remote-debugging-address=127.0.0.1",
        // Quiet: nothing of the browser's own (updates, sync, first-run pages) talks to the network or adds tabs.
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-default-apps",
        "--mute-audio",
        "--hide-scrollbars",
        // Containers often have a 64 MB /dev/shm, which large pages exhaust.
        "--disable-dev-shm-usage",
        "--force-color-profile=srgb",
        string.Create(CultureInfo.InvariantCulture, $"--window-size={options.ViewportWidth},{options.ViewportHeight}"),
        "about:blank",
    ];

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, name))
            .FirstOrDefault(File.Exists);

    /// <summary>The process group of a process (field 5 of /proc/PID/stat), or 0 when it cannot be read.</summary>
    private static int ProcessGroupOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            // The command name (field 2) is in parentheses and may hold spaces: the fields after the last ')' are fixed.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }

    /// <summary>Sends a signal to Chromium's process group when it leads one (started through setsid), else to its PID only.</summary>
    private void Signal(int signal)
    {
        if (_processGroup > 0)
        {
            // ESRCH (no such group) is fine: everything has exited.
            _ = Kill(-_processGroup, signal);
        }
        else if (!_process.HasExited)
        {
            _ = Kill(_process.Id, signal);
        }
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Enqueue(line);
            while (_output.Count > OutputLines)
            {
                _output.Dequeue();
            }
        }
    }

    private void DeleteFolder()
    {
        // Chromium's last writes may race the first delete; a few tries, then the folder is left in /tmp rather than failing a test.
        for (var attempt = 1; attempt <= 5 && Directory.Exists(_folder); attempt++)
        {
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException) when (attempt < 5)
            {
                Thread.Sleep(200);
            }
            catch (IOException)
            {
                return;
            }
        }
    }

    // DllImport rather than LibraryImport: the generated LibraryImport stub needs AllowUnsafeBlocks, for one blittable call.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);
}
