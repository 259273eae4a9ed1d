using System.Globalization;
using System.Net;
using System.Text.Json;
using Margin.Engine.Domain;
using Margin.Sweep.Ports;

namespace Margin.Infrastructure.Oracles;

/// <summary>Binance spot top of book: <c>GET /api/v3/ticker/bookTicker?symbols=["BTCUSDT","ETHUSDT"]</c>, one request for every asset.</summary>
/// <remarks>
/// The book ticker rather than <c>/api/v3/ticker/price</c>, because it gives the spread: price = the mid
/// <c>(bidPrice + askPrice) / 2</c>, confidence = half the spread, both times <see cref="BinanceOptions.UsdPerQuoteUnit"/>
/// (USDT at par by default). The book ticker has no timestamp: the publish time is the time provider's now when the answer
/// arrived. An unknown symbol fails the whole request (HTTP 400, <c>{"code":-1121,"msg":"Invalid symbol."}</c>): with
/// several symbols each is then asked alone, so only the unknown one's assets get the problem. 429 and 418 (an IP ban) are
/// rate limits, reported with <c>Retry-After</c>.
/// </remarks>
public sealed class BinanceSource : IOracleSource
{
    private const string Options = nameof(BinanceOptions);
    private const int InvalidSymbol = -1121;

    private readonly HttpClient _http;
    private readonly Uri _baseAddress;
    private readonly TimeProvider _time;
    private readonly decimal _usdPerQuoteUnit;
    private readonly Dictionary<Asset, string> _symbols;

    /// <summary>Creates the source over a typed <paramref name="httpClient"/>; <paramref name="timeProvider"/> stamps the quotes.</summary>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public BinanceSource(HttpClient httpClient, BinanceOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _http = httpClient;
        _time = timeProvider;
        SourceId = OracleOptionsCheck.SourceId(options.SourceId, Options);
        _baseAddress = OracleOptionsCheck.BaseAddress(options.BaseAddress, Options);
        _symbols = OracleOptionsCheck.Assets(options.Symbols, Options, nameof(options.Symbols), s => OracleOptionsCheck.VenueSymbol(s, string.Empty));
        if (options.UsdPerQuoteUnit <= 0m)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{Options}.UsdPerQuoteUnit must be positive (got {options.UsdPerQuoteUnit})"), nameof(options));
        }

        _usdPerQuoteUnit = options.UsdPerQuoteUnit;
    }

    /// <inheritdoc/>
    public string SourceId { get; }

    /// <inheritdoc/>
    public async Task<OracleFetch> FetchAsync(IReadOnlyList<Asset> assets, CancellationToken cancellationToken = default)
    {
        var fetch = new OracleFetchBuilder(SourceId, assets, "Binance's answer has no entry for its symbol");
        var owners = fetch.GroupByVenueKey(a => _symbols.TryGetValue(a, out var symbol) ? symbol : null, a => $"no Binance symbol is configured for {a} ({Options}.Symbols)");

        if (owners.Count == 0)
        {
            return fetch.Build();
        }

        var all = await QueryAsync([.. owners.Keys], cancellationToken).ConfigureAwait(false);
        var answers = all.Entries is not null || owners.Count == 1
            ? [all]
            : await Task.WhenAll(owners.Keys.Select(s => QueryAsync([s], cancellationToken))).ConfigureAwait(false);
        foreach (var answer in answers)
        {
            foreach (var symbol in answer.Symbols)
            {
                foreach (var asset in owners[symbol])
                {
                    if (answer.Entries is null)
                    {
                        fetch.Problem(asset, $"Binance does not know the symbol {symbol} (code {InvalidSymbol}: {answer.Message})");
                    }
                    else if (answer.Entries.TryGetValue(symbol, out var entry))
                    {
                        Read(fetch, asset, symbol, entry, answer.ReceivedAt);
                    }
                }
            }
        }

        return fetch.Build();
    }

    private void Read(OracleFetchBuilder fetch, Asset asset, string symbol, JsonElement entry, DateTimeOffset receivedAt)
    {
        if (!OracleValues.TryProperty(entry, "bidPrice", out var bidElement, out var problem)
            || !OracleValues.TryProperty(entry, "askPrice", out var askElement, out problem)
            || !OracleValues.TryDecimal(bidElement, "bidPrice", out var bid, out problem)
            || !OracleValues.TryDecimal(askElement, "askPrice", out var ask, out problem)
            || !OracleValues.TryHalfSpread(bid, ask, out var halfSpread, out problem))
        {
            fetch.Problem(asset, $"symbol {symbol}: malformed entry: {problem}");
            return;
        }

        fetch.Quote(asset, (bid + ask) / 2m * _usdPerQuoteUnit, halfSpread * _usdPerQuoteUnit, receivedAt, $"symbol {symbol}");
    }

    /// <summary>Asks for <paramref name="symbols"/>; the answer's <c>Entries</c> are null when Binance does not know one of them (code -1121).</summary>
    private async Task<Answer> QueryAsync(IReadOnlyList<string> symbols, CancellationToken cancellationToken = default)
    {
        // The documented form of the list: ["BTCUSDT","BNBUSDT"], sent as %5B%22BTCUSDT%22,%22BNBUSDT%22%5D.
        var list = "%5B" + string.Join(',', symbols.Select(s => "%22" + Uri.EscapeDataString(s) + "%22")) + "%5D";
        var uri = new Uri(_baseAddress, "api/v3/ticker/bookTicker?symbols=" + list);
        var response = await OracleHttp.GetAsync(_http, SourceId, uri, cancellationToken).ConfigureAwait(false);
        var receivedAt = _time.GetUtcNow();
        if (!response.IsSuccess)
        {
            var (code, message) = Error(response);
            if (response.Status == HttpStatusCode.BadRequest && code == InvalidSymbol)
            {
                return new Answer(symbols, null, message, receivedAt);
            }

            throw response.StatusFailure(code is null ? null : string.Create(CultureInfo.InvariantCulture, $"code {code}: {message}"));
        }

        using var json = response.ParseJson();
        if (json.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw response.ShapeFailure("a list of symbols is answered with an array");
        }

        var entries = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var entry in json.RootElement.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty("symbol", out var symbol) || symbol.ValueKind != JsonValueKind.String)
            {
                throw response.ShapeFailure("an entry has no 'symbol' string");
            }

            entries[symbol.GetString()!] = entry.Clone();
        }

        return new Answer(symbols, entries, null, receivedAt);
    }

    /// <summary>Binance's error body <c>{"code":-1121,"msg":"Invalid symbol."}</c>, when the body is one.</summary>
    private static (int? Code, string? Message) Error(OracleResponse response)
    {
        try
        {
            using var json = JsonDocument.Parse(response.Body);
            var root = json.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.Number && code.TryGetInt32(out var value)
                ? (value, root.TryGetProperty("msg", out var msg) && msg.ValueKind == JsonValueKind.String ? msg.GetString() : null)
                : (null, null);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private sealed record Answer(IReadOnlyList<string> Symbols, Dictionary<string, JsonElement>? Entries, string? Message, DateTimeOffset ReceivedAt);
}
