using System.Net;
using System.Text.Json;
using Margin.Engine.Domain;
using Margin.Sweep.Ports;

namespace Margin.Infrastructure.Oracles;

/// <summary>Coinbase Exchange tickers: <c>GET /products/{product_id}/ticker</c>, one request per product, all at once.</summary>
/// <remarks>
/// Price = <c>price</c> (the last trade), confidence = half the spread <c>(ask - bid) / 2</c>, publish time = <c>time</c>.
/// A 404 (<c>{"message":"NotFound"}</c>) is a problem of that product's assets; any other failure of any request (transport,
/// timeout, 429, 5xx, malformed JSON, a body without the ticker's fields) fails the whole fetch. docs/oracles.md has the
/// details.
/// </remarks>
public sealed class CoinbaseExchangeSource : IOracleSource
{
    private const string Options = nameof(CoinbaseExchangeOptions);

    private readonly HttpClient _http;
    private readonly Uri _baseAddress;
    private readonly Dictionary<Asset, string> _products;

    /// <summary>Creates the source over a typed <paramref name="httpClient"/> (its <c>Timeout</c> is each request's timeout).</summary>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public CoinbaseExchangeSource(HttpClient httpClient, CoinbaseExchangeOptions options)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        _http = httpClient;
        SourceId = OracleOptionsCheck.SourceId(options.SourceId, Options);
        _baseAddress = OracleOptionsCheck.BaseAddress(options.BaseAddress, Options);
        _products = OracleOptionsCheck.Assets(options.Products, Options, nameof(options.Products), p => OracleOptionsCheck.VenueSymbol(p, "-"));
    }

    /// <inheritdoc/>
    public string SourceId { get; }

    /// <inheritdoc/>
    public async Task<OracleFetch> FetchAsync(IReadOnlyList<Asset> assets, CancellationToken cancellationToken = default)
    {
        var fetch = new OracleFetchBuilder(SourceId, assets, "Coinbase gave no ticker for its product");
        var owners = fetch.GroupByVenueKey(a => _products.TryGetValue(a, out var product) ? product : null, a => $"no Coinbase product is configured for {a} ({Options}.Products)");

        var tickers = await Task.WhenAll(owners.Keys.Select(p => TickerAsync(p, cancellationToken))).ConfigureAwait(false);
        foreach (var ticker in tickers)
        {
            foreach (var asset in owners[ticker.Product])
            {
                if (ticker.Problem is { } problem)
                {
                    fetch.Problem(asset, problem);
                }
                else
                {
                    fetch.Quote(asset, ticker.Price, ticker.Confidence, ticker.Time, $"product {ticker.Product}");
                }
            }
        }

        return fetch.Build();
    }

    private async Task<Ticker> TickerAsync(string product, CancellationToken cancellationToken = default)
    {
        var uri = new Uri(_baseAddress, $"products/{Uri.EscapeDataString(product)}/ticker");
        var response = await OracleHttp.GetAsync(_http, SourceId, uri, cancellationToken).ConfigureAwait(false);
        if (response.Status == HttpStatusCode.NotFound && NotFoundMessage(response) is { } message)
        {
            return Ticker.Missing(product, $"Coinbase does not list the product {product} (HTTP 404: {message})");
        }

        if (!response.IsSuccess)
        {
            throw response.StatusFailure();
        }

        using var json = response.ParseJson();
        var root = json.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw response.ShapeFailure("a ticker must be an object");
        }

        foreach (var field in (string[])["price", "bid", "ask", "time"])
        {
            if (!root.TryGetProperty(field, out _))
            {
                throw response.ShapeFailure($"the ticker has no '{field}'");
            }
        }

        if (!OracleValues.TryDecimal(root.GetProperty("price"), "price", out var price, out var problem)
            || !OracleValues.TryDecimal(root.GetProperty("bid"), "bid", out var bid, out problem)
            || !OracleValues.TryDecimal(root.GetProperty("ask"), "ask", out var ask, out problem)
            || !OracleValues.TryHalfSpread(bid, ask, out var halfSpread, out problem)
            || !OracleValues.TryTime(root.GetProperty("time"), "time", out var time, out problem))
        {
            return Ticker.Missing(product, $"product {product}: malformed ticker: {problem}");
        }

        return new Ticker(product, price, halfSpread, time, null);
    }

    /// <summary>The <c>message</c> of a JSON 404 (Coinbase's <c>{"message":"NotFound"}</c>); null for any other 404 (a wrong address).</summary>
    private static string? NotFoundMessage(OracleResponse response)
    {
        try
        {
            using var json = JsonDocument.Parse(response.Body);
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("message", out var message)
                && message.ValueKind == JsonValueKind.String
                ? message.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record Ticker(string Product, decimal Price, decimal Confidence, DateTimeOffset Time, string? Problem)
    {
        public static Ticker Missing(string product, string problem) => new(product, 0m, 0m, default, problem);
    }
}
