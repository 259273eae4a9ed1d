using System.Globalization;
using System.Net;
using System.Text.Json;
using Margin.Sweep.Ports;

namespace Margin.Infrastructure.Oracles;

/// <summary>One HTTP answer of an oracle source, read whole, with the failures it can turn into.</summary>
/// <param name="SourceId">The source that asked.</param>
/// <param name="Uri">The address asked.</param>
/// <param name="Status">The status code.</param>
/// <param name="Reason">The reason phrase, when the server sent one.</param>
/// <param name="Body">The body as text.</param>
/// <param name="RetryAfter">The <c>Retry-After</c> header, described (<c>60 s</c> or a date), when the server sent one.</param>
internal sealed record OracleResponse(string SourceId, Uri Uri, HttpStatusCode Status, string? Reason, string Body, string? RetryAfter)
{
    /// <summary>Longer bodies are shortened in messages, so a page of HTML cannot flood a log.</summary>
    private const int MaxQuotedBody = 200;

    public bool IsSuccess => (int)Status is >= 200 and <= 299;

    /// <summary>The request as a whole failed for <paramref name="what"/>; the message names the source and the address.</summary>
    public OracleSourceException Failure(string what, Exception? inner = null)
    {
        var message = $"oracle source '{SourceId}': GET {Uri}: {what}";
        return inner is null ? new OracleSourceException(message) : new OracleSourceException(message, inner);
    }

    /// <summary>The failure for a status code the source does not treat as a per-asset answer.</summary>
    public OracleSourceException StatusFailure(string? detail = null)
    {
        var code = (int)Status;
        var meaning = code switch
        {
            429 => RetryAfter is null ? "rate-limited" : $"rate-limited, retry after {RetryAfter}",
            418 => RetryAfter is null ? "rate-limited: the IP is banned" : $"rate-limited: the IP is banned, retry after {RetryAfter}",
            >= 500 => "the service failed",
            _ => "the request was refused",
        };
        var status = string.Create(CultureInfo.InvariantCulture, $"HTTP {code}{(string.IsNullOrEmpty(Reason) ? string.Empty : " " + Reason)}");
        return Failure($"{status}: {meaning}{(detail is null ? string.Empty : ": " + detail)}; body: {QuotedBody()}");
    }

    /// <summary>Parses the body as JSON; a body that is not JSON fails the request as a whole.</summary>
    /// <exception cref="OracleSourceException">The body is not JSON.</exception>
    public JsonDocument ParseJson()
    {
        try
        {
            return JsonDocument.Parse(Body);
        }
        catch (JsonException ex)
        {
            throw Failure($"malformed JSON (HTTP {(int)Status}): {ex.Message}; body: {QuotedBody()}", ex);
        }
    }

    /// <summary>The failure for a JSON body that is not the documented shape.</summary>
    public OracleSourceException ShapeFailure(string what) =>
        Failure($"the body is not the documented shape: {what}; body: {QuotedBody()}");

    public string QuotedBody()
    {
        var flat = Body.ReplaceLineEndings(" ");
        return flat.Length <= MaxQuotedBody ? $"'{flat}'" : $"'{flat[..MaxQuotedBody]}...' ({flat.Length} characters)";
    }
}
