using Margin.Engine.Domain;
using Margin.Infrastructure.Oracles;
using Margin.Sweep.Ports;
using Microsoft.AspNetCore.Http;

namespace Margin.Infrastructure.Tests.Oracles;

public sealed class CoinbaseExchangeSourceTests
{
    private static readonly Asset Btc = Asset.Of("BTC");
    private static readonly Asset Eth = Asset.Of("ETH");
    private static readonly Asset Sol = Asset.Of("SOL");

    // Tickers in the documented schema of GET /products/{product_id}/ticker (trade_id, price, size, bid, ask, volume, time):
    // https://docs.cdp.coinbase.com/api-reference/exchange-api/rest-api/products/get-product-ticker
    private const string BtcTicker = """
        {"ask":"97012.35","bid":"97012.34","volume":"8123.50123456","trade_id":771852390,"price":"97012.35","size":"0.00041234","time":"2026-11-24T11:59:58.123456Z","rfq_volume":"12.5","conversions_volume":"0"}
        """;

    private const string EthTicker = """
        {"ask":"3405.17","bid":"3404.9","volume":"101234.1","trade_id":612345678,"price":"3405.05","size":"1.2","time":"2026-11-24T11:59:59Z"}
        """;

    // The Exchange API's answer for a product it does not list (status 404).
    private const string NotFound = """{"message":"NotFound"}""";

    private static Func<HttpContext, Task> Route(string? btc = BtcTicker, int btcStatus = 200) => context => context.Request.Path.Value switch
    {
        "/products/BTC-USD/ticker" => FixtureServer.Json(btc!, btcStatus)(context),
        "/products/ETH-USD/ticker" => FixtureServer.Json(EthTicker)(context),
        _ => FixtureServer.Json(NotFound, 404)(context),
    };

    private static CoinbaseExchangeSource Source(FixtureServer server, HttpClient http) => new(http, new CoinbaseExchangeOptions
    {
        BaseAddress = server.BaseAddress,
        Products = new Dictionary<string, string> { ["BTC"] = "BTC-USD", ["ETH"] = "ETH-USD", ["SOL"] = "SOL-USD" },
    });

    [Fact]
    public async Task Fetch_DocumentedTickers_QuoteLastTradeWithHalfSpreadAndTime()
    {
        await using var server = await FixtureServer.StartAsync(Route());
        using var http = new HttpClient();

        var fetch = await Source(server, http).FetchAsync([Btc, Eth], CancellationToken.None);

        Assert.Empty(fetch.Problems);
        Assert.Collection(
            fetch.Quotes,
            btc =>
            {
                Assert.Equal(("coinbase", Btc), (btc.SourceId, btc.Asset));
                Assert.Equal(97_012.35m, btc.Price);
                Assert.Equal(0.005m, btc.Confidence);
                Assert.Equal(new DateTimeOffset(2026, 11, 24, 11, 59, 58, TimeSpan.Zero).AddTicks(1_234_560), btc.PublishTime);
            },
            eth =>
            {
                Assert.Equal(3_405.05m, eth.Price);
                Assert.Equal(0.135m, eth.Confidence);
                Assert.Equal(new DateTimeOffset(2026, 11, 24, 11, 59, 59, TimeSpan.Zero), eth.PublishTime);
            });
    }

    [Fact]
    public async Task Fetch_Requests_OnePerProduct()
    {
        await using var server = await FixtureServer.StartAsync(Route());
        using var http = new HttpClient();

        await Source(server, http).FetchAsync([Btc, Eth, Btc], CancellationToken.None);

        Assert.Equal(["/products/BTC-USD/ticker", "/products/ETH-USD/ticker"], server.Requests.Select(r => r.Path).Order(StringComparer.Ordinal));
        Assert.All(server.Requests, r => Assert.Equal(string.Empty, r.QueryString));
        Assert.All(server.Requests, r => Assert.False(string.IsNullOrEmpty(r.UserAgent)));
    }

    [Fact]
    public async Task Fetch_UnlistedProduct_IsAProblemOfItsAssetOnly()
    {
        await using var server = await FixtureServer.StartAsync(Route());
        using var http = new HttpClient();

        var fetch = await Source(server, http).FetchAsync([Btc, Sol], CancellationToken.None);

        Assert.Equal(Btc, Assert.Single(fetch.Quotes).Asset);
        Assert.Equal("Coinbase does not list the product SOL-USD (HTTP 404: NotFound)", fetch.Problems["SOL"]);
    }

    [Fact]
    public async Task Fetch_NotFoundThatIsNotTheApis_Throws()
    {
        await using var server = await FixtureServer.StartAsync(context =>
        {
            context.Response.StatusCode = 404;
            return context.Response.WriteAsync("<html>no such page</html>");
        });
        using var http = new HttpClient();

        var ex = await Assert.ThrowsAsync<OracleSourceException>(() => Source(server, http).FetchAsync([Btc], CancellationToken.None));

        Assert.Contains("'coinbase'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("HTTP 404", ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadTickers => new()
    {
        { BtcTicker.Replace("\"price\":\"97012.35\"", "\"price\":\"-1\"", StringComparison.Ordinal), "the price -1 is not positive" },
        { BtcTicker.Replace("\"price\":\"97012.35\"", "\"price\":\"NaN\"", StringComparison.Ordinal), "not a finite number" },
        { BtcTicker.Replace("\"bid\":\"97012.34\"", "\"bid\":\"97012.36\"", StringComparison.Ordinal), "crossed" },
        { BtcTicker.Replace("\"bid\":\"97012.34\"", "\"bid\":\"0\"", StringComparison.Ordinal), "one-sided" },
        { BtcTicker.Replace("2026-11-24T11:59:58.123456Z", "2026-11-24T11:59:58", StringComparison.Ordinal), "with an offset" },
    };

    [Theory]
    [MemberData(nameof(BadTickers))]
    public async Task Fetch_MalformedOrNonPositiveTicker_IsAProblemOfItsAssetOnly(string ticker, string reason)
    {
        await using var server = await FixtureServer.StartAsync(Route(ticker));
        using var http = new HttpClient();

        var fetch = await Source(server, http).FetchAsync([Btc, Eth], CancellationToken.None);

        Assert.Equal(Eth, Assert.Single(fetch.Quotes).Asset);
        Assert.Contains("product BTC-USD", fetch.Problems["BTC"], StringComparison.Ordinal);
        Assert.Contains(reason, fetch.Problems["BTC"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_RateLimited_ThrowsSayingSoWithRetryAfter()
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json("""{"message":"Public rate limit exceeded"}""", 429, ("Retry-After", "2")));
        using var http = new HttpClient();

        var ex = await Assert.ThrowsAsync<OracleSourceException>(() => Source(server, http).FetchAsync([Btc, Eth], CancellationToken.None));

        Assert.Contains("'coinbase'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("rate-limited, retry after 2 s", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Public rate limit exceeded", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    public async Task Fetch_ServerErrorOnOneProduct_FailsTheWholeFetch(int status)
    {
        await using var server = await FixtureServer.StartAsync(Route("""{"message":"Internal server error"}""", status));
        using var http = new HttpClient();

        var ex = await Assert.ThrowsAsync<OracleSourceException>(() => Source(server, http).FetchAsync([Btc, Eth], CancellationToken.None));

        Assert.Contains($"'coinbase': GET {server.BaseAddress}products/BTC-USD/ticker: HTTP {status}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_MalformedJson_Throws()
    {
        await using var server = await FixtureServer.StartAsync(Route("{\"price\":\"97012.35\","));
        using var http = new HttpClient();

        var ex = await Assert.ThrowsAsync<OracleSourceException>(() => Source(server, http).FetchAsync([Btc], CancellationToken.None));

        Assert.Contains("'coinbase'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("malformed JSON", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{\"trades\":[],\"best_bid\":\"1\",\"best_ask\":\"2\"}")]
    public async Task Fetch_JsonOfTheWrongShape_Throws(string body)
    {
        await using var server = await FixtureServer.StartAsync(Route(body));
        using var http = new HttpClient();

        var ex = await Assert.ThrowsAsync<OracleSourceException>(() => Source(server, http).FetchAsync([Btc], CancellationToken.None));

        Assert.Contains("'coinbase'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not the documented shape", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_SlowerThanTheHttpClientTimeout_ThrowsNamingTheSource()
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Slow(TimeSpan.FromSeconds(10)));
        using var http = new HttpClient { Timeout = TimeSpan.FromMilliseconds(300) };

        var ex = await Assert.ThrowsAsync<OracleSourceException>(() => Source(server, http).FetchAsync([Btc, Eth], CancellationToken.None));

        Assert.Contains("'coinbase'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("timed out after 0.3 s", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_SlowerThanTheCallersToken_ThrowsNamingTheSource()
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Slow(TimeSpan.FromSeconds(10)));
        using var http = new HttpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var ex = await Assert.ThrowsAsync<OracleSourceException>(() => Source(server, http).FetchAsync([Btc], timeout.Token));

        Assert.Contains("'coinbase'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("cancelled by the caller", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_AssetWithoutAProduct_IsAProblem()
    {
        await using var server = await FixtureServer.StartAsync(Route());
        using var http = new HttpClient();

        var fetch = await Source(server, http).FetchAsync([Asset.Of("DOGE")], CancellationToken.None);

        Assert.Contains("no Coinbase product is configured for DOGE", fetch.Problems["DOGE"], StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public void Constructor_ProductWithASlash_ThrowsNamingIt()
    {
        using var http = new HttpClient();

        var ex = Assert.Throws<ArgumentException>(() => new CoinbaseExchangeSource(http, new CoinbaseExchangeOptions { Products = new Dictionary<string, string> { ["BTC"] = "BTC/USD" } }));

        Assert.Contains("CoinbaseExchangeOptions.Products[BTC]", ex.Message, StringComparison.Ordinal);
    }
}
