using System.Text.Json;
using Margin.Engine.Domain;
using Margin.Sweep.Ports;

namespace Margin.Infrastructure.Oracles;

/// <summary>Kraken tickers: <c>GET /0/public/Ticker?pair=XBTUSD,ETHUSD</c>, one request for every asset.</summary>
/// <remarks>
/// Price = <c>c[0]</c> (the last trade), confidence = half the spread from <c>a[0]</c> and <c>b[0]</c>. Kraken's ticker
/// has no timestamp: the publish time is the time provider's now when the answer arrived, so a quote is never older than
/// the request (an exchange that stopped trading still looks fresh; the aggregation's outlier and guard bands are the
/// defence). Errors come in the <c>error</c> array of a 200: <c>EQuery:Unknown asset pair</c> is a problem of the pair's
/// assets (with several pairs, each pair is asked again alone to find the unknown one), any other <c>E</c> error fails the
/// fetch; warnings (<c>W</c>...) are ignored.
/// </remarks>
public sealed class KrakenSource : IOracleSource
{
    private const string Options = nameof(KrakenOptions);
    private const string UnknownPair = "EQuery:Unknown asset pair";

    private readonly HttpClient _http;
    private readonly Uri _baseAddress;
    private readonly TimeProvider _time;
    private readonly Dictionary<Asset, KrakenPair> _pairs;

    /// <summary>Creates the source over a typed <paramref name="httpClient"/>; <paramref name="timeProvider"/> stamps the quotes.</summary>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public KrakenSource(HttpClient httpClient, KrakenOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _http = httpClient;
        _time = timeProvider;
        SourceId = OracleOptionsCheck.SourceId(options.SourceId, Options);
        _baseAddress = OracleOptionsCheck.BaseAddress(options.BaseAddress, Options);
        _pairs = OracleOptionsCheck.Assets(options.Pairs, Options, nameof(options.Pairs), p =>
            OracleOptionsCheck.VenueSymbol(p.Pair, "./_") is { } bad ? $"Pair {bad}"
            : p.ResultKey is not null && OracleOptionsCheck.VenueSymbol(p.ResultKey, "./_") is { } badKey ? $"ResultKey {badKey}"
            : null);
    }

    /// <inheritdoc/>
    public string SourceId { get; }

    /// <inheritdoc/>
    public async Task<OracleFetch> FetchAsync(IReadOnlyList<Asset> assets, CancellationToken cancellationToken = default)
    {
        var fetch = new OracleFetchBuilder(SourceId, assets, "Kraken's answer has no entry for its pair");
        var owners = fetch.GroupByVenueKey(a => _pairs.TryGetValue(a, out var pair) ? pair.Pair : null, a => $"no Kraken pair is configured for {a} ({Options}.Pairs)");

        if (owners.Count == 0)
        {
            return fetch.Build();
        }

        var all = await QueryAsync([.. owners.Keys], cancellationToken).ConfigureAwait(false);
        var answers = all.Result is not null || owners.Count == 1
            ? [all]
            : await Task.WhenAll(owners.Keys.Select(p => QueryAsync([p], cancellationToken))).ConfigureAwait(false);
        foreach (var answer in answers)
        {
            foreach (var pair in answer.Pairs)
            {
                foreach (var asset in owners[pair])
                {
                    if (answer.Result is { } result)
                    {
                        Read(fetch, asset, _pairs[asset], result, single: answer.Pairs.Count == 1, answer.ReceivedAt);
                    }
                    else
                    {
                        fetch.Problem(asset, $"Kraken does not know the pair {pair} ({UnknownPair})");
                    }
                }
            }
        }

        return fetch.Build();
    }

    private static void Read(OracleFetchBuilder fetch, Asset asset, KrakenPair pair, JsonElement result, bool single, DateTimeOffset receivedAt)
    {
        string[] keys = pair.ResultKey is { } key && key != pair.Pair ? [key, pair.Pair] : [pair.Pair];
        var found = keys.FirstOrDefault(k => result.TryGetProperty(k, out _));
        if (found is null && single && result.EnumerateObject().Count() == 1)
        {
            // One pair asked, one entry answered: it is that pair, whatever Kraken calls it.
            found = result.EnumerateObject().First().Name;
        }

        if (found is null)
        {
            var answered = string.Join(", ", result.EnumerateObject().Select(p => p.Name));
            fetch.Problem(asset, $"Kraken's answer has no entry {string.Join(" or ", keys)} for the pair {pair.Pair} (it has: {answered}); set {Options}.Pairs[{asset}].ResultKey");
            return;
        }

        var entry = result.GetProperty(found);
        if (!OracleValues.TryArrayDecimal(entry, "c", 0, out var price, out var problem)
            || !OracleValues.TryArrayDecimal(entry, "a", 0, out var ask, out problem)
            || !OracleValues.TryArrayDecimal(entry, "b", 0, out var bid, out problem)
            || !OracleValues.TryHalfSpread(bid, ask, out var halfSpread, out problem))
        {
            fetch.Problem(asset, $"pair {found}: malformed entry: {problem}");
            return;
        }

        fetch.Quote(asset, price, halfSpread, receivedAt, $"pair {found}");
    }

    /// <summary>Asks for <paramref name="pairs"/>; the answer's <c>Result</c> is null when Kraken does not know one of them (<c>EQuery:Unknown asset pair</c>).</summary>
    private async Task<Answer> QueryAsync(IReadOnlyList<string> pairs, CancellationToken cancellationToken = default)
    {
        var uri = new Uri(_baseAddress, "0/public/Ticker?pair=" + string.Join(',', pairs.Select(Uri.EscapeDataString)));
        var response = await OracleHttp.GetAsync(_http, SourceId, uri, cancellationToken).ConfigureAwait(false);
        var receivedAt = _time.GetUtcNow();
        if (!response.IsSuccess)
        {
            throw response.StatusFailure();
        }

        using var json = response.ParseJson();
        var root = json.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("error", out var errorArray) || errorArray.ValueKind != JsonValueKind.Array)
        {
            throw response.ShapeFailure("it has no 'error' array");
        }

        if (errorArray.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            throw response.ShapeFailure("'error' must be an array of strings");
        }

        var errors = errorArray.EnumerateArray().Select(e => e.GetString()!).Where(e => e.StartsWith('E')).ToArray();
        if (errors.Length > 0 && errors.All(e => e.StartsWith(UnknownPair, StringComparison.Ordinal)))
        {
            return new Answer(pairs, null, receivedAt);
        }

        if (errors.Length > 0)
        {
            var rateLimited = errors.Any(e => e.Contains("Too many requests", StringComparison.OrdinalIgnoreCase) || e.Contains("Rate limit", StringComparison.OrdinalIgnoreCase));
            throw response.Failure($"Kraken answered {(rateLimited ? "that it is rate-limited" : "with errors")}: {string.Join("; ", errors)}");
        }

        if (!root.TryGetProperty("result", out var result) || result.ValueKind != JsonValueKind.Object)
        {
            throw response.ShapeFailure("it has no 'result' object");
        }

        return new Answer(pairs, result.Clone(), receivedAt);
    }

    private sealed record Answer(IReadOnlyList<string> Pairs, JsonElement? Result, DateTimeOffset ReceivedAt);
}
