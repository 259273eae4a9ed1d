namespace Margin.Testing.Functions;

/// <summary>What the Functions host needs of a custom handler: an invocation endpoint, and whether the process is still alive.</summary>
/// <remarks><see cref="HandlerProcess"/> is the real one; tests of the host's trigger behaviour can supply a fake.</remarks>
public interface ICustomHandler
{
    /// <summary>Whether the handler process has exited (the host then sees a refused or reset connection).</summary>
    bool HasExited { get; }

    /// <summary>POSTs the host's invocation payload to <c>/{functionName}</c>, as the host does for a non-HTTP trigger.</summary>
    /// <exception cref="HttpRequestException">No connection, or the connection broke before the answer (the handler died).</exception>
    Task<HandlerResponse> InvokeAsync(string functionName, string payloadJson, CancellationToken cancellationToken = default);
}
