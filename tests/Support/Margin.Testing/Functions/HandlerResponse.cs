using System.Net;

namespace Margin.Testing.Functions;

/// <summary>A handler's answer to one invocation: status and body as received.</summary>
public sealed record HandlerResponse(HttpStatusCode StatusCode, string Body)
{
    /// <summary>Whether the status is 2xx (the host calls EnsureSuccessStatusCode before reading the body).</summary>
    public bool IsSuccessStatusCode => (int)StatusCode is >= 200 and <= 299;
}
