using System.Globalization;
using System.Net.Http.Headers;
using Margin.Sweep.Ports;

namespace Margin.Infrastructure.Oracles;

/// <summary>The one GET every HTTP oracle source makes: transport failures, timeouts and cancellation become <see cref="OracleSourceException"/>.</summary>
/// <remarks>
/// The port's token is the caller's per-source timeout, so its cancellation is a failure of the source like
/// <see cref="HttpClient.Timeout"/> is, not a cancellation of the refresh; the <see cref="OperationCanceledException"/>
/// stays the inner exception. Public exchanges refuse requests without a <c>User-Agent</c> (Coinbase does), so one is
/// sent when the client has none.
/// </remarks>
internal static class OracleHttp
{
    public static async Task<OracleResponse> GetAsync(HttpClient http, string sourceId, Uri uri, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (http.DefaultRequestHeaders.UserAgent.Count == 0)
        {
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("MarginFunctions", "1.0"));
        }

        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            return new OracleResponse(sourceId, uri, response.StatusCode, response.ReasonPhrase, body, Describe(response.Headers.RetryAfter));
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            throw new OracleSourceException($"oracle source '{sourceId}': GET {uri}: timed out: cancelled by the caller (its timeout) before the answer arrived", ex);
        }
        catch (OperationCanceledException ex)
        {
            // HttpClient reports its own Timeout as a TaskCanceledException whose inner exception is a TimeoutException.
            throw new OracleSourceException(
                string.Create(CultureInfo.InvariantCulture, $"oracle source '{sourceId}': GET {uri}: timed out after {http.Timeout.TotalSeconds} s (the HTTP client's timeout)"),
                ex);
        }
        catch (HttpRequestException ex)
        {
            throw new OracleSourceException($"oracle source '{sourceId}': GET {uri}: the request failed: {ex.Message}", ex);
        }
    }

    private static string? Describe(RetryConditionHeaderValue? retryAfter) => retryAfter switch
    {
        { Delta: { } delta } => string.Create(CultureInfo.InvariantCulture, $"{delta.TotalSeconds} s"),
        { Date: { } date } => date.ToString("O", CultureInfo.InvariantCulture),
        _ => null,
    };
}
