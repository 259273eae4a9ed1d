using System.Collections.Concurrent;
using System.Net;
using Margin.Testing.Functions;

namespace MarginFunctions.Tests.HostHarness;

/// <summary>An in-process custom handler whose answers a test scripts; it records every payload it receives.</summary>
internal sealed class ScriptedHandler(Func<string, Task<HandlerResponse>> answer) : ICustomHandler
{
    public const string Success = """{"Outputs":{},"Logs":[],"ReturnValue":null}""";

    private volatile bool _exited;

    public ConcurrentQueue<(string Function, string Payload)> Received { get; } = new();

    public bool HasExited => _exited;

    public static ScriptedHandler Succeeding() => new(_ => Task.FromResult(new HandlerResponse(HttpStatusCode.OK, Success)));

    /// <summary>From now on the "process" is gone: invocations fail as a refused connection does.</summary>
    public void Exit() => _exited = true;

    public async Task<HandlerResponse> InvokeAsync(string functionName, string payloadJson, CancellationToken cancellationToken = default)
    {
        if (_exited)
        {
            throw new HttpRequestException("Connection refused (127.0.0.1)");
        }

        Received.Enqueue((functionName, payloadJson));
        return await answer(payloadJson).ConfigureAwait(false);
    }
}
