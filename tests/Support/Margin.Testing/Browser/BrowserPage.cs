using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Margin.Testing.Browser;

/// <summary>
/// A page (a tab of its own) opened by <see cref="HeadlessChromium.OpenAsync"/>, loaded, with what it reported while it
/// loaded: console errors and warnings, uncaught exceptions, log errors, and every network request it made.
/// </summary>
/// <remarks>
/// Counted as network requests: http, https, ws, wss and ftp URLs, and file URLs other than the page itself (data:, blob:
/// and about: URLs, which some Chromium versions report too, load nothing from anywhere). Events keep being collected
/// until the page is disposed; <see cref="SettleAsync"/> makes sure every event sent so far has been seen.
/// </remarks>
public sealed class BrowserPage : IAsyncDisposable
{
    private static readonly string[] s_networkSchemes = ["http", "https", "ws", "wss", "ftp"];
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    private readonly DevToolsConnection _connection;
    private readonly string _targetId;
    private readonly string _sessionId;
    private readonly object _gate = new();
    private readonly List<BrowserProblem> _problems = [];
    private readonly List<string> _requests = [];
    private readonly List<string> _allRequests = [];
    private readonly SemaphoreSlim _loads = new(0, int.MaxValue);
    private Uri? _url;
    private bool _disposed;

    internal BrowserPage(DevToolsConnection connection, string targetId, string sessionId)
    {
        _connection = connection;
        _targetId = targetId;
        _sessionId = sessionId;
    }

    /// <summary>The URL the page was navigated to.</summary>
    public Uri Url => _url ?? throw new InvalidOperationException("The page has not been navigated yet.");

    /// <summary>Console errors, warnings and failed assertions, uncaught exceptions and log errors, in the order they came.</summary>
    public IReadOnlyList<BrowserProblem> Problems
    {
        get
        {
            lock (_gate)
            {
                return [.. _problems];
            }
        }
    }

    /// <summary>The requests that would fetch something (see the remarks), in the order they were sent.</summary>
    public IReadOnlyList<string> NetworkRequests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Every URL Chromium reported a request for, the page's own included (for diagnostics).</summary>
    public IReadOnlyList<string> AllRequests
    {
        get
        {
            lock (_gate)
            {
                return [.. _allRequests];
            }
        }
    }

    /// <summary>Evaluates a JavaScript expression in the page (promises awaited) and returns its value as JSON.</summary>
    /// <exception cref="InvalidOperationException">The expression threw; the message holds the exception.</exception>
    public async Task<JsonElement> EvaluateAsync(string expression, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(expression);
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = true }, cancellationToken).ConfigureAwait(false);
        if (result.TryGetProperty("exceptionDetails", out var details))
        {
            throw new InvalidOperationException($"The expression threw in the page: {ExceptionText(details)}{Environment.NewLine}{expression}");
        }

        var value = result.GetProperty("result");
        return value.TryGetProperty("value", out var v) ? v : default;
    }

    /// <summary>Evaluates an expression and converts its JSON value (e.g. an array of objects to a list of records).</summary>
    public async Task<T> EvaluateAsync<T>(string expression, CancellationToken cancellationToken = default)
    {
        var value = await EvaluateAsync(expression, cancellationToken).ConfigureAwait(false);
        return value.ValueKind == JsonValueKind.Undefined
            ? throw new InvalidOperationException($"The expression returned undefined: {expression}")
            : value.Deserialize<T>(s_json)
              ?? throw new InvalidOperationException($"The expression returned null: {expression}");
    }

    /// <summary>A PNG of the whole page (beyond the viewport), at the viewport's width.</summary>
    public async Task<byte[]> CaptureScreenshotAsync(CancellationToken cancellationToken = default)
    {
        var metrics = await SendAsync("Page.getLayoutMetrics", null, cancellationToken).ConfigureAwait(false);
        var size = metrics.TryGetProperty("cssContentSize", out var css) ? css : metrics.GetProperty("contentSize");
        var width = Math.Ceiling(size.GetProperty("width").GetDouble());
        var height = Math.Ceiling(size.GetProperty("height").GetDouble());
        var shot = await SendAsync(
            "Page.captureScreenshot",
            new JsonObject
            {
                ["format"] = "png",
                ["captureBeyondViewport"] = true,
                ["fromSurface"] = true,
                ["clip"] = new JsonObject { ["x"] = 0, ["y"] = 0, ["width"] = width, ["height"] = height, ["scale"] = 1 },
            },
            cancellationToken).ConfigureAwait(false);
        return Convert.FromBase64String(shot.GetProperty("data").GetString() ?? "");
    }

    /// <summary>Captures the whole page and writes the PNG to a file (its folder created); returns the bytes.</summary>
    public async Task<byte[]> SaveScreenshotAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var png = await CaptureScreenshotAsync(cancellationToken).ConfigureAwait(false);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await File.WriteAllBytesAsync(path, png, cancellationToken).ConfigureAwait(false);
        return png;
    }

    /// <summary>
    /// A round trip through the page's renderer: every event Chromium sent before the answer (messages on the connection
    /// are ordered) has been collected when this returns.
    /// </summary>
    public Task SettleAsync(CancellationToken cancellationToken = default) => EvaluateAsync("document.readyState", cancellationToken);

    /// <summary>Closes the page's tab.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _connection.Unsubscribe(_sessionId);
        try
        {
            await _connection.SendAsync("Target.closeTarget", new JsonObject { ["targetId"] = _targetId }, timeout: TimeSpan.FromSeconds(10), cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
        catch (DevToolsException)
        {
            // The browser is going away (or went): its tabs go with it.
        }

        _loads.Dispose();
    }

    /// <summary>Enables the domains whose events the page collects.</summary>
    internal async Task EnableAsync(int width, int height, CancellationToken cancellationToken)
    {
        _connection.Subscribe(_sessionId, OnEvent);
        foreach (var domain in new[] { "Runtime", "Log", "Network", "Page" })
        {
            await SendAsync(domain + ".enable", null, cancellationToken).ConfigureAwait(false);
        }

        await SendAsync(
            "Emulation.setDeviceMetricsOverride",
            new JsonObject { ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = false },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Navigates to a URL and waits until it has loaded (the load event, and the document complete at that URL).</summary>
    internal async Task NavigateAsync(Uri url, TimeSpan timeout, CancellationToken cancellationToken)
    {
        _url = url;
        var navigation = await SendAsync("Page.navigate", new JsonObject { ["url"] = url.AbsoluteUri }, cancellationToken).ConfigureAwait(false);
        if (navigation.TryGetProperty("errorText", out var error) && error.GetString() is { Length: > 0 } text)
        {
            throw new InvalidOperationException($"Chromium could not open {url}: {text}");
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            try
            {
                await _loads.WaitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"{url} did not fire its load event within {timeout.TotalSeconds:0} s");
            }

            // A load event of the blank page the tab opened with would also count: only the navigated document's will do.
            var state = await EvaluateAsync("[document.readyState, location.href]", cancellationToken).ConfigureAwait(false);
            if (state[0].GetString() == "complete" && string.Equals(state[1].GetString(), url.AbsoluteUri, StringComparison.Ordinal))
            {
                return;
            }
        }
    }

    private Task<JsonElement> SendAsync(string method, JsonObject? parameters, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _connection.SendAsync(method, parameters, _sessionId, cancellationToken: cancellationToken);
    }

    private void OnEvent(string method, JsonElement parameters)
    {
        switch (method)
        {
            case "Page.loadEventFired":
                _loads.Release();
                break;
            case "Runtime.consoleAPICalled":
                var type = parameters.GetProperty("type").GetString() ?? "";
                if (type is "error" or "warning" or "assert")
                {
                    var args = parameters.TryGetProperty("args", out var a) ? string.Join(" ", a.EnumerateArray().Select(ArgumentText)) : "";
                    Add(new BrowserProblem("console." + type, args + StackLocation(parameters)));
                }

                break;
            case "Runtime.exceptionThrown":
                Add(new BrowserProblem("exception", ExceptionText(parameters.GetProperty("exceptionDetails"))));
                break;
            case "Log.entryAdded":
                var entry = parameters.GetProperty("entry");
                if (entry.GetProperty("level").GetString() == "error")
                {
                    var url = entry.TryGetProperty("url", out var u) ? " (" + u.GetString() + ")" : "";
                    Add(new BrowserProblem("log.error", $"{entry.GetProperty("source").GetString()}: {entry.GetProperty("text").GetString()}{url}"));
                }

                break;
            case "Network.requestWillBeSent":
                Request(parameters.GetProperty("request").GetProperty("url").GetString() ?? "");
                break;
            case "Network.webSocketCreated":
                Request(parameters.GetProperty("url").GetString() ?? "");
                break;
            case "Inspector.targetCrashed":
                Add(new BrowserProblem("crash", "the page's renderer crashed"));
                break;
            default:
                break;
        }
    }

    private void Add(BrowserProblem problem)
    {
        lock (_gate)
        {
            _problems.Add(problem);
        }
    }

    private void Request(string url)
    {
        lock (_gate)
        {
            _allRequests.Add(url);
            if (Counts(url))
            {
                _requests.Add(url);
            }
        }
    }

    private bool Counts(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return true;
        }

        if (uri.Scheme == Uri.UriSchemeFile)
        {
            // The page's own document (without a fragment) is the one file request a self-contained page makes.
            return _url is null || !string.Equals(uri.GetLeftPart(UriPartial.Query), _url.GetLeftPart(UriPartial.Query), StringComparison.Ordinal);
        }

        return s_networkSchemes.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase);
    }

    private static string ArgumentText(JsonElement argument) =>
        argument.TryGetProperty("value", out var value) ? value.ToString()
        : argument.TryGetProperty("description", out var description) ? description.GetString() ?? ""
        : argument.TryGetProperty("type", out var type) ? type.GetString() ?? "" : "";

    private static string StackLocation(JsonElement parameters)
    {
        if (parameters.TryGetProperty("stackTrace", out var stack)
            && stack.TryGetProperty("callFrames", out var frames)
            && frames.GetArrayLength() > 0)
        {
            var top = frames[0];
            return string.Create(CultureInfo.InvariantCulture, $" (at {top.GetProperty("url").GetString()}:{top.GetProperty("lineNumber").GetInt32() + 1})");
        }

        return "";
    }

    private static string ExceptionText(JsonElement details)
    {
        var text = details.TryGetProperty("text", out var t) ? t.GetString() : null;
        var description = details.TryGetProperty("exception", out var e) && e.TryGetProperty("description", out var d) ? d.GetString() : null;
        var where = details.TryGetProperty("url", out var u)
            ? string.Create(CultureInfo.InvariantCulture, $" (at {u.GetString()}:{(details.TryGetProperty("lineNumber", out var l) ? l.GetInt32() + 1 : 0)})")
            : "";
        return $"{text}{(description is null ? "" : " " + description)}{where}";
    }
}
