using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Margin.Testing.Browser;

/// <summary>
/// One WebSocket to Chromium's browser DevTools endpoint speaking the Chrome DevTools Protocol: commands with ids and their
/// responses, and events, each optionally for a page session (flat sessions of <c>Target.attachToTarget</c>).
/// </summary>
internal sealed class DevToolsConnection : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly ConcurrentDictionary<string, Action<string, JsonElement>> _sessions = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeSpan _commandTimeout;
    private Task? _receiveLoop;
    private long _nextId;
    private Exception? _closed;

    private DevToolsConnection(TimeSpan commandTimeout) => _commandTimeout = commandTimeout;

    /// <summary>Connects to a browser endpoint (<c>ws://127.0.0.1:PORT/devtools/browser/ID</c>).</summary>
    public static async Task<DevToolsConnection> ConnectAsync(Uri endpoint, TimeSpan commandTimeout, CancellationToken cancellationToken)
    {
        var connection = new DevToolsConnection(commandTimeout);
        // Screenshots arrive as one base64 message of several megabytes; the receive loop assembles frames of any size.
        connection._socket.Options.KeepAliveInterval = TimeSpan.Zero;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(commandTimeout);
        await connection._socket.ConnectAsync(endpoint, timeout.Token).ConfigureAwait(false);
        connection._receiveLoop = Task.Run(connection.ReceiveLoopAsync, CancellationToken.None);
        return connection;
    }

    /// <summary>Routes the events of a page session (method, params) to a handler, called on the receive loop: keep it short.</summary>
    public void Subscribe(string sessionId, Action<string, JsonElement> handler) => _sessions[sessionId] = handler;

    /// <summary>Stops routing a session's events.</summary>
    public void Unsubscribe(string sessionId) => _sessions.TryRemove(sessionId, out _);

    /// <summary>Sends a command and returns its <c>result</c>.</summary>
    /// <exception cref="DevToolsException">Chromium answered with an error, did not answer in time, or the connection closed.</exception>
    public async Task<JsonElement> SendAsync(string method, JsonObject? parameters = null, string? sessionId = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (_closed is { } closed)
        {
            throw new DevToolsException($"{method}: the DevTools connection is closed ({closed.Message})", closed);
        }

        var id = Interlocked.Increment(ref _nextId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? [] };
        if (sessionId is not null)
        {
            message["sessionId"] = sessionId;
        }

        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        try
        {
            var bytes = Encoding.UTF8.GetBytes(message.ToJsonString());
            await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _sendLock.Release();
            }

            var limit = timeout ?? _commandTimeout;
            try
            {
                return await answer.Task.WaitAsync(limit, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException ex)
            {
                throw new DevToolsException($"{method}: Chromium did not answer within {limit.TotalSeconds:0} s", ex);
            }
        }
        catch (WebSocketException ex)
        {
            throw new DevToolsException($"{method}: the DevTools connection failed ({ex.Message})", ex);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>Closes the socket and ends the receive loop; pending commands fail.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                // Chromium may be gone already: the socket is aborted below either way.
            }
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Abort();
        if (_receiveLoop is not null)
        {
            await _receiveLoop.ConfigureAwait(false);
        }

        _socket.Dispose();
        _stop.Dispose();
        _sendLock.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                buffer.Clear();
                ValueWebSocketReceiveResult received;
                do
                {
                    received = await _socket.ReceiveAsync(buffer.GetMemory(64 * 1024), _stop.Token).ConfigureAwait(false);
                    buffer.Advance(received.Count);
                }
                while (!received.EndOfMessage && received.MessageType != WebSocketMessageType.Close);

                if (received.MessageType == WebSocketMessageType.Close)
                {
                    Close(new DevToolsException("Chromium closed the DevTools connection"));
                    return;
                }

                Dispatch(buffer.WrittenMemory);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            Close(new DevToolsException($"the DevTools connection ended ({ex.Message})", ex));
        }
    }

    private void Dispatch(ReadOnlyMemory<byte> message)
    {
        using var document = JsonDocument.Parse(message);
        var root = document.RootElement;
        if (root.TryGetProperty("id", out var idElement) && idElement.TryGetInt64(out var id))
        {
            if (_pending.TryGetValue(id, out var answer))
            {
                if (root.TryGetProperty("error", out var error))
                {
                    var code = error.TryGetProperty("code", out var c) ? c.ToString() : "?";
                    var text = error.TryGetProperty("message", out var m) ? m.GetString() : error.ToString();
                    answer.TrySetException(new DevToolsException($"Chromium refused the command: {text} (code {code})"));
                }
                else
                {
                    answer.TrySetResult(root.TryGetProperty("result", out var result) ? result.Clone() : default);
                }
            }

            return;
        }

        if (root.TryGetProperty("method", out var method)
            && root.TryGetProperty("sessionId", out var session)
            && session.GetString() is { } sessionId
            && _sessions.TryGetValue(sessionId, out var handler))
        {
            handler(method.GetString() ?? "", root.TryGetProperty("params", out var p) ? p.Clone() : default);
        }
    }

    private void Close(Exception reason)
    {
        _closed ??= reason;
        foreach (var pending in _pending.Values)
        {
            pending.TrySetException(reason);
        }
    }
}
