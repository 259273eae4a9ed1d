using Margin.Engine.Domain;
using Margin.Infrastructure.Oracles;
using Margin.Sweep.Ports;
using Microsoft.Extensions.Time.Testing;

namespace Margin.Infrastructure.Tests.Oracles;

public sealed class BinanceSourceTests
{
    private static readonly Asset Btc = Asset.Of("BTC");
    private static readonly Asset Eth = Asset.Of("ETH");
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    // The documented response of GET /api/v3/ticker/bookTicker with the symbols parameter (an array of
    // symbol, bidPrice, bidQty, askPrice, askQty), "Symbol order book ticker" in the official spot API reference:
    // https://github.com/binance/binance-spot-api-docs/blob/master/rest-api.md#symbol-order-book-ticker
    // (published at https://developers.binance.com/docs/binance-spot-api-docs/rest-api)
    private const string Documented = """
        [
          { "symbol": "BTCUSDT", "bidPrice": "97012.34000000", "bidQty": "1.20000000", "askPrice": "97012.35000000", "askQty": "0.45000000" },
          { "symbol": "ETHUSDT", "bidPrice": "3404.90000000", "bidQty": "9.00000000", "askPrice": "3405.20000000", "askQty": "1000.00000000" }
        ]
        """;

    // Binance's error body, the reference's own sample, answered with HTTP 400 for an unknown symbol ("Error Codes"):
    // https://github.com/binance/binance-spot-api-docs/blob/master/rest-api.md#error-codes
    private const string InvalidSymbol = """{"code":-1121,"msg":"Invalid symbol."}""";

    private static BinanceSource Source(FixtureServer server, HttpClient http, decimal usdPerQuoteUnit = 1m) => new(
        http,
        new BinanceOptions
        {
            BaseAddress = server.BaseAddress,
            Symbols = new Dictionary<string, string> { ["BTC"] = "BTCUSDT", ["ETH"] = "ETHUSDT", ["NOPE"] = "NOPEUSDT" },
            UsdPerQuoteUnit = usdPerQuoteUnit,
        },
        new FakeTimeProvider(Now));

    [Fact]
    public async Task Fetch_DocumentedAnswer_QuotesTheMidWithHalfSpreadAtReceipt()
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json(Documented));
        using var http = new HttpClient();

        var fetch = await Source(server, http).FetchAsync([Btc, Eth], CancellationToken.None);

        Assert.Empty(fetch.Problems);
        Assert.Collection(
            fetch.Quotes,
            btc =>
            {
                Assert.Equal(("binance", Btc), (btc.SourceId, btc.Asset));
                Assert.Equal(97_012.345m, btc.Price);
                Assert.Equal(0.005m, btc.Confidence);
                Assert.Equal(Now, btc.PublishTime);
            },
            eth => Assert.Equal((3_405.05m, 0.15m), (eth.Price, eth.Confidence)));
    }

    [Fact]
    public async Task Fetch_QuoteCurrencyOffPar_ConvertsExactly()
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json(Documented));
        using var http = new HttpClient();

        var fetch = await Source(server, http, usdPerQuoteUnit: 0.9990m).FetchAsync([Eth], CancellationToken.None);

        Assert.Equal((3_401.64495m, 0.149850m), (fetch.Quotes[0].Price, fetch.Quotes[0].Confidence));
    }

    [Fact]
    public async Task Fetch_Request_AsksForEverySymbolAsAJsonList()
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json(Documented));
        using var http = new HttpClient();

        await Source(server, http).FetchAsync([Btc, Eth], CancellationToken.None);

        var seen = Assert.Single(server.Requests);
        Assert.Equal("/api/v3/ticker/bookTicker", seen.Path);
        Assert.Equal(["[\"BTCUSDT\",\"ETHUSDT\"]"], seen.Query["symbols"]);
        Assert.Equal("?symbols=%5B%22BTCUSDT%22,%22ETHUSDT%22%5D", seen.QueryString);
    }

    [Fact]
    public async Task Fetch_UnknownSymbolAmongOthers_IsAskedAloneAndIsAProblemOfItsAssetOnly()
    {
        // Binance refuses the whole list when one symbol is unknown; each symbol is then asked alone.
        await using var server = await FixtureServer.StartAsync(context => context.Request.Query["symbols"].ToString() switch
        {
            "[\"BTCUSDT\"]" => FixtureServer.Json("[" + Documented.Split('\n')[1].TrimEnd(',', ' ', '\r') + "]")(context),
            _ => FixtureServer.Json(InvalidSymbol, 400)(context),
        });
        using var http = new HttpClient();

        var fetch = await Source(server, http).FetchAsync([Btc, Asset.Of("NOPE")], CancellationToken.None);

        Assert.Equal(97_012.345m, Assert.Single(fetch.Quotes).Price);
        Assert.Equal("Binance does not know the symbol NOPEUSDT (code -1121: Invalid symbol.)", fetch.Problems["NOPE"]);
        Assert.Equal(3, server.Requests.Count);
    }

    [Fact]
    public async Task Fetch_SymbolAbsentFromTheAnswer_IsAProblem()
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json("[]"));
        using var http = new HttpClient();

        var fetch = await Source(server, http).FetchAsync([Btc], CancellationToken.None);

        Assert.Equal("Binance's answer has no entry for its symbol", fetch.Problems["BTC"]);
    }

    [Theory]
    [InlineData(429, "rate-limited, retry after 30 s")]
    [InlineData(418, "rate-limited: the IP is banned, retry after 30 s")]
    public async Task Fetch_RateLimited_ThrowsSayingSoWithRetryAfter(int status, string said)
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json("""{"code":-1003,"msg":"Too many requests."}""", status, ("Retry-After", "30")));
        using var http = new HttpClient();

        var ex = await Assert.ThrowsAsync<OracleSourceException>(() => Source(server, http).FetchAsync([Btc], CancellationToken.None));

        Assert.Contains("'binance'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(said, ex.Message, StringComparison.Ordinal);
        Assert.Contains("code -1003: Too many requests.", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    public async Task Fetch_ServerError_Throws(int status)
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json("""{"code":-1001,"msg":"Internal error; unable to process your request. Please try again."}""", status));
        using var http = new HttpClient();

        var ex = await Assert.ThrowsAsync<OracleSourceException>(() => Source(server, http).FetchAsync([Btc], CancellationToken.None));

        Assert.Contains($"'binance': GET {server.BaseAddress}api/v3/ticker/bookTicker", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"HTTP {status}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_OtherRequestError_Throws()
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json("""{"code":-1100,"msg":"Illegal characters found in parameter 'symbols'."}""", 400));
        using var http = new HttpClient();

        var ex = await Assert.ThrowsAsync<OracleSourceException>(() => Source(server, http).FetchAsync([Btc, Eth], CancellationToken.None));

        Assert.Contains("HTTP 400", ex.Message, StringComparison.Ordinal);
        Assert.Contains("code -1100", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"code\":\"-1121\",\"msg\":\"Invalid symbol.\"}")]
    [InlineData("<html>Bad request</html>")]
    public async Task Fetch_BadRequestWithoutBinancesErrorBody_Throws(string body)
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json(body, 400));
        using var http = new HttpClient();

        var ex = await Assert.ThrowsAsync<OracleSourceException>(() => Source(server, http).FetchAsync([Btc], CancellationToken.None));

        Assert.Contains("'binance'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("HTTP 400", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_MalformedJson_Throws()
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json("[{\"symbol\":\"BTCUSDT\","));
        using var http = new HttpClient();

        var ex = await Assert.ThrowsAsync<OracleSourceException>(() => Source(server, http).FetchAsync([Btc], CancellationToken.None));

        Assert.Contains("'binance'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("malformed JSON", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"symbol\":\"BTCUSDT\",\"bidPrice\":\"1\",\"askPrice\":\"2\"}")]
    [InlineData("[{\"bidPrice\":\"1\",\"askPrice\":\"2\"}]")]
    [InlineData("[42]")]
    public async Task Fetch_JsonOfTheWrongShape_Throws(string body)
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json(body));
        using var http = new HttpClient();

        var ex = await Assert.ThrowsAsync<OracleSourceException>(() => Source(server, http).FetchAsync([Btc], CancellationToken.None));

        Assert.Contains("'binance'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not the documented shape", ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> BadEntries => new()
    {
        { "\"bidPrice\": \"97012.34000000\"", "\"bidPrice\": \"0.00000000\"", "one-sided or empty" },
        { "\"askPrice\": \"97012.35000000\"", "\"askPrice\": \"-97012.35\"", "one-sided or empty" },
        { "\"askPrice\": \"97012.35000000\"", "\"askPrice\": \"NaN\"", "not a finite number" },
        { "\"askPrice\": \"97012.35000000\"", "\"ask\": \"97012.35000000\"", "'askPrice' is missing" },
        { "\"bidPrice\": \"97012.34000000\"", "\"bidPrice\": \"97012.36000000\"", "crossed" },
    };

    [Theory]
    [MemberData(nameof(BadEntries))]
    public async Task Fetch_MalformedEntry_IsAProblemOfItsAssetOnly(string good, string bad, string reason)
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json(Documented.Replace(good, bad, StringComparison.Ordinal)));
        using var http = new HttpClient();

        var fetch = await Source(server, http).FetchAsync([Btc, Eth], CancellationToken.None);

        Assert.Equal(Eth, Assert.Single(fetch.Quotes).Asset);
        Assert.Contains("symbol BTCUSDT", fetch.Problems["BTC"], StringComparison.Ordinal);
        Assert.Contains(reason, fetch.Problems["BTC"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_SlowerThanTheHttpClientTimeout_ThrowsNamingTheSource()
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Slow(TimeSpan.FromSeconds(10)));
        using var http = new HttpClient { Timeout = TimeSpan.FromMilliseconds(300) };

        var ex = await Assert.ThrowsAsync<OracleSourceException>(() => Source(server, http).FetchAsync([Btc], CancellationToken.None));

        Assert.Contains("'binance'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("timed out after 0.3 s", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_SlowerThanTheCallersToken_ThrowsNamingTheSource()
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Slow(TimeSpan.FromSeconds(10)));
        using var http = new HttpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var ex = await Assert.ThrowsAsync<OracleSourceException>(() => Source(server, http).FetchAsync([Btc], timeout.Token));

        Assert.Contains("'binance'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("cancelled by the caller", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("btc-usdt", "Symbols[BTC]")]
    [InlineData("", "Symbols[BTC]: must not be empty")]
    public void Constructor_BadSymbol_ThrowsNamingIt(string symbol, string said)
    {
        using var http = new HttpClient();

        var ex = Assert.Throws<ArgumentException>(() => new BinanceSource(http, new BinanceOptions { Symbols = new Dictionary<string, string> { ["BTC"] = symbol } }, TimeProvider.System));

        Assert.Contains(said, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_NonPositiveQuoteRate_Throws()
    {
        using var http = new HttpClient();

        var ex = Assert.Throws<ArgumentException>(() => new BinanceSource(http, new BinanceOptions { Symbols = new Dictionary<string, string> { ["BTC"] = "BTCUSDT" }, UsdPerQuoteUnit = 0m }, TimeProvider.System));

        Assert.Contains("BinanceOptions.UsdPerQuoteUnit must be positive", ex.Message, StringComparison.Ordinal);
    }
}
