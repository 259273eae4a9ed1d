using Margin.Engine.Domain;
using Margin.Infrastructure.Oracles;
using Margin.Sweep.Ports;
using Microsoft.Extensions.Time.Testing;

namespace Margin.Infrastructure.Tests.Oracles;

public sealed class KrakenSourceTests
{
    private static readonly Asset Btc = Asset.Of("BTC");
    private static readonly Asset Eth = Asset.Of("ETH");
    private static readonly Asset Sol = Asset.Of("SOL");
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    // The documented response of GET /0/public/Ticker (the XXBTZUSD entry is the reference's example; ETH is answered
    // under XETHZUSD and SOL under its own name, as Kraken does): https://docs.kraken.com/api/docs/rest-api/get-ticker-information
    private const string Documented = """
        {
          "error": [],
          "result": {
            "XXBTZUSD": {
              "a": ["30300.10000", "1", "1.000"],
              "b": ["30300.00000", "1", "1.000"],
              "c": ["30303.20000", "0.00067643"],
              "v": ["4083.67001100", "4412.73601799"],
              "p": ["30706.77771", "30689.13205"],
              "t": [34619, 38907],
              "l": ["29868.30000", "29868.30000"],
              "h": ["31631.00000", "31631.00000"],
              "o": "30502.80000"
            },
            "XETHZUSD": {
              "a": ["1875.21000", "12", "12.000"],
              "b": ["1875.20000", "3", "3.000"],
              "c": ["1875.21000", "0.05000000"],
              "v": ["10021.1", "20042.2"],
              "p": ["1870.1", "1869.9"],
              "t": [1200, 2400],
              "l": ["1850.00000", "1850.00000"],
              "h": ["1890.00000", "1890.00000"],
              "o": "1860.00000"
            },
            "SOLUSD": {
              "a": ["21.45000", "100", "100.000"],
              "b": ["21.44000", "20", "20.000"],
              "c": ["21.44500", "3.1"],
              "v": ["1.0", "2.0"],
              "p": ["21.4", "21.4"],
              "t": [10, 20],
              "l": ["21.00000", "21.00000"],
              "h": ["22.00000", "22.00000"],
              "o": "21.10000"
            }
          }
        }
        """;

    private static KrakenSource Source(FixtureServer server, HttpClient http, TimeProvider? time = null) => new(
        http,
        new KrakenOptions
        {
            BaseAddress = server.BaseAddress,
            Pairs = new Dictionary<string, KrakenPair>
            {
                ["BTC"] = new() { Pair = "XBTUSD", ResultKey = "XXBTZUSD" },
                ["ETH"] = new() { Pair = "ETHUSD", ResultKey = "XETHZUSD" },
                ["SOL"] = new() { Pair = "SOLUSD" },
                ["DOGE"] = new() { Pair = "XDGUSD" },
            },
        },
        time ?? new FakeTimeProvider(Now));

    [Fact]
    public async Task Fetch_DocumentedAnswer_QuotesLastTradeWithHalfSpreadAtReceipt()
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json(Documented));
        using var http = new HttpClient();

        var fetch = await Source(server, http).FetchAsync([Btc, Eth, Sol], CancellationToken.None);

        Assert.Empty(fetch.Problems);
        Assert.Collection(
            fetch.Quotes,
            btc =>
            {
                Assert.Equal(("kraken", Btc), (btc.SourceId, btc.Asset));
                Assert.Equal(30_303.2m, btc.Price);
                Assert.Equal(0.05m, btc.Confidence);
                Assert.Equal(Now, btc.PublishTime);
            },
            eth => Assert.Equal((1_875.21m, 0.005m), (eth.Price, eth.Confidence)),
            sol => Assert.Equal((21.445m, 0.005m), (sol.Price, sol.Confidence)));
    }

    [Fact]
    public async Task Fetch_Request_AsksForEveryPairInOneQuery()
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json(Documented));
        using var http = new HttpClient();

        await Source(server, http).FetchAsync([Btc, Eth, Sol], CancellationToken.None);

        var seen = Assert.Single(server.Requests);
        Assert.Equal("/0/public/Ticker", seen.Path);
        Assert.Equal(["XBTUSD,ETHUSD,SOLUSD"], seen.Query["pair"]);
    }

    [Fact]
    public async Task Fetch_PublishTime_IsTheTimeProvidersNowAtReceipt()
    {
        var time = new FakeTimeProvider(Now);
        await using var server = await FixtureServer.StartAsync(async context =>
        {
            time.Advance(TimeSpan.FromSeconds(3)); // The answer arrives 3 s after the fetch started.
            await FixtureServer.Json(Documented)(context);
        });
        using var http = new HttpClient();

        var fetch = await Source(server, http, time).FetchAsync([Btc], CancellationToken.None);

        Assert.Equal(Now.AddSeconds(3), Assert.Single(fetch.Quotes).PublishTime);
    }

    [Fact]
    public async Task Fetch_AnswerUnderThePairNameOrASingleOtherKey_IsFound()
    {
        // Without ResultKey, a pair answered under its own name is found, and a lone pair answered under another name too.
        var underPair = Documented.Replace("\"XETHZUSD\"", "\"ETHUSD\"", StringComparison.Ordinal);
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json(underPair));
        using var http = new HttpClient();
        var source = new KrakenSource(
            http,
            new KrakenOptions { BaseAddress = server.BaseAddress, Pairs = new Dictionary<string, KrakenPair> { ["ETH"] = new() { Pair = "ETHUSD", ResultKey = "XETHZUSD" }, ["BTC"] = new() { Pair = "XBTUSD" } } },
            new FakeTimeProvider(Now));

        var both = await source.FetchAsync([Eth, Btc], CancellationToken.None);

        Assert.Equal(1_875.21m, Assert.Single(both.Quotes).Price);
        Assert.Contains("no entry XBTUSD for the pair XBTUSD (it has: XXBTZUSD, ETHUSD, SOLUSD); set KrakenOptions.Pairs[BTC].ResultKey", both.Problems["BTC"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_OnePairAnsweredUnderAnotherName_IsTakenAsThatPair()
    {
        const string lone = """{"error":[],"result":{"XXBTZUSD":{"a":["30300.1","1","1"],"b":["30300.0","1","1"],"c":["30303.2","0.1"]}}}""";
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json(lone));
        using var http = new HttpClient();
        var source = new KrakenSource(
            http,
            new KrakenOptions { BaseAddress = server.BaseAddress, Pairs = new Dictionary<string, KrakenPair> { ["BTC"] = new() { Pair = "XBTUSD" } } },
            new FakeTimeProvider(Now));

        var fetch = await source.FetchAsync([Btc], CancellationToken.None);

        Assert.Equal(30_303.2m, Assert.Single(fetch.Quotes).Price);
    }

    [Fact]
    public async Task Fetch_UnknownPairAmongOthers_IsAskedAloneAndIsAProblemOfItsAssetOnly()
    {
        // Kraken refuses the whole query when one pair is unknown; each pair is then asked alone.
        await using var server = await FixtureServer.StartAsync(context => context.Request.Query["pair"].ToString() switch
        {
            "XBTUSD" => FixtureServer.Json(Documented)(context),
            _ => FixtureServer.Json("""{"error":["EQuery:Unknown asset pair"]}""")(context),
        });
        using var http = new HttpClient();

        var fetch = await Source(server, http).FetchAsync([Btc, Asset.Of("DOGE")], CancellationToken.None);

        Assert.Equal(Btc, Assert.Single(fetch.Quotes).Asset);
        Assert.Equal("Kraken does not know the pair XDGUSD (EQuery:Unknown asset pair)", fetch.Problems["DOGE"]);
        Assert.Equal(["XBTUSD", "XBTUSD,XDGUSD", "XDGUSD"], server.Requests.Select(r => r.Query["pair"].Single()).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("EGeneral:Too many requests", "rate-limited")]
    [InlineData("EService:Unavailable", "with errors")]
    public async Task Fetch_ErrorInTheEnvelope_Throws(string error, string said)
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json($$"""{"error":["{{error}}"]}"""));
        using var http = new HttpClient();

        var ex = await Assert.ThrowsAsync<OracleSourceException>(() => Source(server, http).FetchAsync([Btc, Eth], CancellationToken.None));

        Assert.Contains("'kraken'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(said, ex.Message, StringComparison.Ordinal);
        Assert.Contains(error, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_WarningInTheEnvelope_IsIgnored()
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json(Documented.Replace("\"error\": []", "\"error\": [\"WGeneral:Deprecated\"]", StringComparison.Ordinal)));
        using var http = new HttpClient();

        var fetch = await Source(server, http).FetchAsync([Btc], CancellationToken.None);

        Assert.Single(fetch.Quotes);
    }

    [Fact]
    public async Task Fetch_RateLimitedStatus_ThrowsSayingSoWithRetryAfter()
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json("""{"error":["EAPI:Rate limit exceeded"]}""", 429, ("Retry-After", "5")));
        using var http = new HttpClient();

        var ex = await Assert.ThrowsAsync<OracleSourceException>(() => Source(server, http).FetchAsync([Btc], CancellationToken.None));

        Assert.Contains("'kraken'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("HTTP 429", ex.Message, StringComparison.Ordinal);
        Assert.Contains("rate-limited, retry after 5 s", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    public async Task Fetch_ServerError_Throws(int status)
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json("<html>Bad gateway</html>", status));
        using var http = new HttpClient();

        var ex = await Assert.ThrowsAsync<OracleSourceException>(() => Source(server, http).FetchAsync([Btc], CancellationToken.None));

        Assert.Contains($"'kraken': GET {server.BaseAddress}0/public/Ticker?pair=XBTUSD: HTTP {status}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_MalformedJson_Throws()
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json("{\"error\":[],\"result\":{"));
        using var http = new HttpClient();

        var ex = await Assert.ThrowsAsync<OracleSourceException>(() => Source(server, http).FetchAsync([Btc], CancellationToken.None));

        Assert.Contains("'kraken'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("malformed JSON", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{\"result\":{}}")]
    [InlineData("{\"error\":[]}")]
    [InlineData("{\"error\":[1],\"result\":{}}")]
    [InlineData("{\"error\":[],\"result\":[]}")]
    public async Task Fetch_JsonOfTheWrongShape_Throws(string body)
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json(body));
        using var http = new HttpClient();

        var ex = await Assert.ThrowsAsync<OracleSourceException>(() => Source(server, http).FetchAsync([Btc], CancellationToken.None));

        Assert.Contains("'kraken'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not the documented shape", ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> BadEntries => new()
    {
        { "\"c\": [\"30303.20000\", \"0.00067643\"]", "\"c\": [\"0.00000\", \"0.00067643\"]", "the price 0 is not positive" },
        { "\"c\": [\"30303.20000\", \"0.00067643\"]", "\"c\": []", "'c' must be an array of at least 1 values" },
        { "\"c\": [\"30303.20000\", \"0.00067643\"]", "\"c\": [\"NaN\", \"0\"]", "not a finite number" },
        { "\"a\": [\"30300.10000\", \"1\", \"1.000\"],", string.Empty, "'a' is missing" },
        { "\"b\": [\"30300.00000\", \"1\", \"1.000\"]", "\"b\": [\"30400.00000\", \"1\", \"1.000\"]", "crossed" },
    };

    [Theory]
    [MemberData(nameof(BadEntries))]
    public async Task Fetch_MalformedOrNonPositiveEntry_IsAProblemOfItsAssetOnly(string good, string bad, string reason)
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json(Documented.Replace(good, bad, StringComparison.Ordinal)));
        using var http = new HttpClient();

        var fetch = await Source(server, http).FetchAsync([Btc, Eth], CancellationToken.None);

        Assert.Equal(Eth, Assert.Single(fetch.Quotes).Asset);
        Assert.Contains("pair XXBTZUSD", fetch.Problems["BTC"], StringComparison.Ordinal);
        Assert.Contains(reason, fetch.Problems["BTC"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_SlowerThanTheHttpClientTimeout_ThrowsNamingTheSource()
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Slow(TimeSpan.FromSeconds(10)));
        using var http = new HttpClient { Timeout = TimeSpan.FromMilliseconds(300) };

        var ex = await Assert.ThrowsAsync<OracleSourceException>(() => Source(server, http).FetchAsync([Btc], CancellationToken.None));

        Assert.Contains("'kraken'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("timed out after 0.3 s", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_SlowerThanTheCallersToken_ThrowsNamingTheSource()
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Slow(TimeSpan.FromSeconds(10)));
        using var http = new HttpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var ex = await Assert.ThrowsAsync<OracleSourceException>(() => Source(server, http).FetchAsync([Btc], timeout.Token));

        Assert.Contains("'kraken'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("cancelled by the caller", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_EmptyPair_ThrowsNamingIt()
    {
        using var http = new HttpClient();

        var ex = Assert.Throws<ArgumentException>(() => new KrakenSource(http, new KrakenOptions { Pairs = new Dictionary<string, KrakenPair> { ["BTC"] = new() } }, TimeProvider.System));

        Assert.Contains("KrakenOptions.Pairs[BTC]: Pair must not be empty", ex.Message, StringComparison.Ordinal);
    }
}
