using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Margin.Testing.Functions;

/// <summary>
/// A custom handler started as the Azure Functions host starts it: a real process in the function app root, told its port
/// through <c>FUNCTIONS_CUSTOMHANDLER_PORT</c>, and ready once it answers anything on <c>GET /</c>.
/// </summary>
/// <remarks>
/// What it imitates (docs/notes/functions-custom-handler.md §1.1-1.2, from azure-functions-host
/// src/WebJobs.Script/Workers/Http): the port is an unused loopback TCP port picked by binding port 0 and releasing it
/// (<c>WorkerUtilities.GetUnusedTcpPort</c>; the same small race as the host's), the environment carries
/// <c>FUNCTIONS_CUSTOMHANDLER_PORT</c>, <c>FUNCTIONS_CUSTOMHANDLER_WORKER_ID</c>, the legacy <c>FUNCTIONS_HTTPWORKER_PORT</c>/
/// <c>FUNCTIONS_HTTPWORKER_ID</c> and <c>AzureWebJobsScriptRoot</c> on top of the caller's app settings, the working
/// directory is the app root, and readiness is <c>GET http://127.0.0.1:PORT/</c> every 25 ms for up to 30 s where any
/// HTTP answer, even a 404, counts (<c>DefaultHttpWorkerService.IsWorkerReady</c>). Invocations carry the host's headers
/// (<c>X-Azure-Functions-InvocationId</c>, <c>X-Azure-Functions-HostVersion</c>, <c>User-Agent: Azure-Functions-Host/…</c>).
/// <para>Stopping ends only this process, by its PID: <see cref="KillAsync"/> is SIGKILL (a crash, an instance taken away),
/// <see cref="DisposeAsync"/> is SIGTERM and, after <see cref="HandlerProcessOptions.StopTimeout"/>, SIGKILL.</para>
/// </remarks>
public sealed class HandlerProcess : ICustomHandler, IAsyncDisposable
{
    /// <summary>The executable's name in the app root (host.json <c>defaultExecutablePath</c>).</summary>
    public const string PublishedExecutableName = "MarginFunctions";

    /// <summary>The host version this harness claims in its headers.</summary>
    public const string HostVersion = "4.1000.0";

    private readonly Process _process;
    private readonly Stopwatch _sinceStart;
    private readonly HandlerProcessOptions _options;
    private readonly HttpClient _client;
    private readonly LinkedList<HandlerOutputLine> _output = new();
    private int _disposed;

    private HandlerProcess(Process process, Stopwatch sinceStart, int port, string workerId, HandlerProcessOptions options)
    {
        _process = process;
        _sinceStart = sinceStart;
        _options = options;
        Port = port;
        WorkerId = workerId;
        BaseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/"));
        _client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1), ActivityHeadersPropagator = System.Diagnostics.DistributedContextPropagator.CreateNoOutputPropagator() })
        {
            BaseAddress = BaseAddress,
            Timeout = options.InvocationTimeout,
        };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd("Azure-Functions-Host/" + HostVersion);
        _client.DefaultRequestHeaders.Add("X-Azure-Functions-HostVersion", HostVersion);
    }

    /// <summary>The loopback port the handler was told to listen on.</summary>
    public int Port { get; }

    /// <summary>The value of <c>FUNCTIONS_CUSTOMHANDLER_WORKER_ID</c>.</summary>
    public string WorkerId { get; }

    /// <summary><c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The process id (the only process this object ever signals).</summary>
    public int ProcessId => _process.Id;

    /// <summary>From process start to the first answer on <c>GET /</c>: the cold start the host waits for.</summary>
    public TimeSpan ColdStart { get; private set; }

    /// <inheritdoc/>
    public bool HasExited => _process.HasExited;

    /// <summary>The exit code once exited (137 = 128 + SIGKILL, 143 = 128 + SIGTERM when the handler does not handle it).</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>Starts the published handler: <c>{appRoot}/MarginFunctions</c> with the app root as working directory.</summary>
    /// <param name="appRoot">The function app root (artifacts/functions/app).</param>
    /// <param name="settings">App settings passed as environment variables (AzureWebJobsStorage, MARGIN_…); a null value removes an inherited variable.</param>
    /// <param name="options">Timeouts and arguments; the host's defaults when null.</param>
    /// <param name="cancellationToken">Cancels the readiness wait (the process is then killed).</param>
    public static Task<HandlerProcess> StartPublishedAsync(
        string appRoot,
        IReadOnlyDictionary<string, string?> settings,
        HandlerProcessOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(appRoot);
        return StartAsync(Path.Combine(appRoot, PublishedExecutableName), appRoot, settings, options, cancellationToken);
    }

    /// <summary>Starts any executable as a custom handler and waits until it answers on <c>GET /</c>.</summary>
    /// <param name="executablePath">A full path, or a name looked up on PATH.</param>
    /// <param name="workingDirectory">The process's working directory (the app root) and <c>AzureWebJobsScriptRoot</c>.</param>
    /// <param name="settings">App settings passed as environment variables; a null value removes an inherited variable.</param>
    /// <param name="options">Timeouts and arguments; the host's defaults when null.</param>
    /// <param name="cancellationToken">Cancels the readiness wait (the process is then stopped).</param>
    /// <exception cref="InvalidOperationException">The process exited before answering; the message has its output.</exception>
    /// <exception cref="TimeoutException">No answer within <see cref="HandlerProcessOptions.ReadinessTimeout"/>; the process was killed; the message has its output.</exception>
    public static async Task<HandlerProcess> StartAsync(
        string executablePath,
        string workingDirectory,
        IReadOnlyDictionary<string, string?> settings,
        HandlerProcessOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(executablePath);
        ArgumentException.ThrowIfNullOrWhiteSpace(workingDirectory);
        ArgumentNullException.ThrowIfNull(settings);
        options ??= new HandlerProcessOptions();
        if (Path.IsPathRooted(executablePath) && !File.Exists(executablePath))
        {
            throw new FileNotFoundException($"the handler executable {executablePath} does not exist (run scripts/package-functions.sh)", executablePath);
        }

        var port = UnusedLoopbackPort();
        var workerId = Guid.NewGuid().ToString();
        var start = new ProcessStartInfo(executablePath)
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
        };
        foreach (var argument in options.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in settings)
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        var portText = port.ToString(CultureInfo.InvariantCulture);
        start.Environment["FUNCTIONS_CUSTOMHANDLER_PORT"] = portText;
        start.Environment["FUNCTIONS_CUSTOMHANDLER_WORKER_ID"] = workerId;
        start.Environment["FUNCTIONS_HTTPWORKER_PORT"] = portText;
        start.Environment["FUNCTIONS_HTTPWORKER_ID"] = workerId;
        start.Environment["AzureWebJobsScriptRoot"] = workingDirectory;

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var sinceStart = Stopwatch.StartNew();
        if (!process.Start())
        {
            process.Dispose();
            throw new InvalidOperationException($"{executablePath} did not start");
        }

        var handler = new HandlerProcess(process, sinceStart, port, workerId, options);
        process.OutputDataReceived += (_, e) => handler.Capture(isError: false, e.Data);
        process.ErrorDataReceived += (_, e) => handler.Capture(isError: true, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await handler.WaitUntilReadyAsync(cancellationToken).ConfigureAwait(false);
            return handler;
        }
        catch
        {
            await handler.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The captured output so far (stdout and stderr, in arrival order).</summary>
    public IReadOnlyList<HandlerOutputLine> OutputLines()
    {
        lock (_output)
        {
            return [.. _output];
        }
    }

    /// <summary>The captured output as one text, for assertion and exception messages.</summary>
    public string Output()
    {
        var text = new StringBuilder();
        foreach (var line in OutputLines())
        {
            text.AppendLine(line.ToString());
        }

        return text.ToString();
    }

    /// <inheritdoc/>
    public async Task<HandlerResponse> InvokeAsync(string functionName, string payloadJson, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(functionName);
        ArgumentNullException.ThrowIfNull(payloadJson);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(functionName, UriKind.Relative))
        {
            Content = new StringContent(payloadJson, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Azure-Functions-InvocationId", Guid.NewGuid().ToString());
        using var response = await _client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return new HandlerResponse(response.StatusCode, body);
    }

    /// <summary>Sends a request as the host forwards an HTTP trigger (<c>enableForwardingHttpRequest</c>): the original path, e.g. <c>/api/health</c>.</summary>
    /// <remarks>The caller disposes the response. A relative request URI is resolved against <see cref="BaseAddress"/>.</remarks>
    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.Headers.Contains("X-Azure-Functions-InvocationId"))
        {
            request.Headers.Add("X-Azure-Functions-InvocationId", Guid.NewGuid().ToString());
        }

        return _client.SendAsync(request, cancellationToken);
    }

    /// <summary>SIGKILL to this process (no tree: the handler starts no children), then waits for it to be reaped.</summary>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        if (!_process.HasExited)
        {
            try
            {
                _process.Kill(entireProcessTree: false);
            }
            catch (InvalidOperationException)
            {
                // It exited between the check and the signal.
            }
        }

        await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>SIGTERM (a graceful stop, as when the host shuts an instance down), SIGKILL after the stop timeout.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                await TerminateAsync().ConfigureAwait(false);
                using var wait = new CancellationTokenSource(_options.StopTimeout);
                try
                {
                    await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    await KillAsync().ConfigureAwait(false);
                }
            }
            else
            {
                // Let the output readers drain what the process wrote last.
                await _process.WaitForExitAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _client.Dispose();
            _process.Dispose();
        }
    }

    /// <summary>Binds port 0 on loopback and releases it, as the host's <c>WorkerUtilities.GetUnusedTcpPort</c> does.</summary>
    private static int UnusedLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private async Task TerminateAsync()
    {
        var kill = new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
        };
        using var term = Process.Start(kill);
        if (term is not null)
        {
            await term.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        using var probe = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(1) }) { Timeout = Timeout.InfiniteTimeSpan };
        var deadline = _options.ReadinessTimeout;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                throw new InvalidOperationException(
                    $"the handler exited with code {_process.ExitCode} after {_sinceStart.Elapsed.TotalSeconds:F2} s without answering on GET /; its output:{Environment.NewLine}{Output()}");
            }

            var remaining = deadline - _sinceStart.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException(
                    $"the handler did not answer on GET {BaseAddress} within {deadline.TotalSeconds:F0} s (the host gives up then); its output:{Environment.NewLine}{Output()}");
            }

            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(remaining);
            try
            {
                using var response = await probe.GetAsync(BaseAddress, attempt.Token).ConfigureAwait(false);
                ColdStart = _sinceStart.Elapsed;
                return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet (connection refused): the host keeps polling.
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // This attempt used up the remaining time; the loop reports the timeout.
            }

            await Task.Delay(_options.ReadinessPollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Capture(bool isError, string? text)
    {
        if (text is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AddLast(new HandlerOutputLine(isError, _sinceStart.Elapsed, text));
            while (_output.Count > _options.MaxOutputLines)
            {
                _output.RemoveFirst();
            }
        }
    }
}
