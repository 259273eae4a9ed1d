using System.Text.Json;
using Margin.Engine.Domain;
using Margin.Infrastructure.Oracles;
using Margin.Sweep.Ports;

namespace Margin.Infrastructure.Tests.Oracles;

public sealed class PythHermesSourceTests
{
    private const string BtcFeed = "e62df6c8b4a85fe1a67db44dc12de5db330f7ac66b72dc658afedf0f4a415b43";
    private const string EthFeed = "ff61491a931112ddf1bd8147cd1b641375f79f5825126d665480874634fd0ace";

    private static readonly Asset Btc = Asset.Of("BTC");
    private static readonly Asset Eth = Asset.Of("ETH");

    // The documented response of GET /v2/updates/price/latest (the BTC entry is the reference's example, the ETH entry the
    // Hermes page's example): https://docs.pyth.network/api-reference/pyth-core/hermes/latest_price_updates and
    // https://docs.pyth.network/pythnet-price-feeds/hermes
    private const string Documented = """
        {
          "binary": { "encoding": "hex", "data": ["504e41550100000003b801000000040d00"] },
          "parsed": [
            {
              "id": "e62df6c8b4a85fe1a67db44dc12de5db330f7ac66b72dc658afedf0f4a415b43",
              "price": { "price": "2920679499999", "conf": "509500001", "expo": -8, "publish_time": 1717632000 },
              "ema_price": { "price": "2920679499999", "conf": "509500001", "expo": -8, "publish_time": 1717632000 },
              "metadata": { "slot": 85480034, "proof_available_time": 1717632000, "prev_publish_time": 1717632000 }
            },
            {
              "id": "ff61491a931112ddf1bd8147cd1b641375f79f5825126d665480874634fd0ace",
              "price": { "price": "184136023127", "conf": "177166324", "expo": -8, "publish_time": 1692110601 },
              "ema_price": { "price": "184100641000", "conf": "178704085", "expo": -8, "publish_time": 1692110601 },
              "metadata": { "slot": 85480035, "proof_available_time": 1692110602, "prev_publish_time": 1692110600 }
            }
          ]
        }
        """;

    private static PythHermesSource Source(FixtureServer server, HttpClient http) => new(http, new PythHermesOptions
    {
        BaseAddress = server.BaseAddress,
        Feeds = new Dictionary<string, string> { ["BTC"] = "0x" + BtcFeed.ToUpperInvariant(), ["ETH"] = EthFeed },
    });

    [Fact]
    public async Task Fetch_DocumentedAnswer_QuotesExactDecimalsAndPublishTimes()
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json(Documented));
        using var http = new HttpClient();

        var fetch = await Source(server, http).FetchAsync([Btc, Eth], CancellationToken.None);

        Assert.Empty(fetch.Problems);
        Assert.Collection(
            fetch.Quotes,
            btc =>
            {
                Assert.Equal(("pyth", Btc), (btc.SourceId, btc.Asset));
                Assert.Equal(29_206.79499999m, btc.Price);
                Assert.Equal(5.09500001m, btc.Confidence);
                Assert.Equal(new DateTimeOffset(2024, 6, 6, 0, 0, 0, TimeSpan.Zero), btc.PublishTime);
            },
            eth =>
            {
                Assert.Equal(1_841.36023127m, eth.Price);
                Assert.Equal(1.77166324m, eth.Confidence);
                Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1692110601), eth.PublishTime);
            });
    }

    [Fact]
    public async Task Fetch_Request_AsksForEveryFeedOnceWithoutPrefixAndParsed()
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json(Documented));
        using var http = new HttpClient();

        await Source(server, http).FetchAsync([Btc, Eth, Btc], CancellationToken.None);

        var seen = Assert.Single(server.Requests);
        Assert.Equal("/v2/updates/price/latest", seen.Path);
        Assert.Equal([BtcFeed, EthFeed], seen.Query["ids[]"]);
        Assert.Equal(["true"], seen.Query["parsed"]);
        Assert.Equal(["true"], seen.Query["ignore_invalid_price_ids"]);
        Assert.False(string.IsNullOrEmpty(seen.UserAgent));
    }

    [Fact]
    public async Task Fetch_ProviderAddressWithPath_KeepsThePath()
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json(Documented));
        using var http = new HttpClient();
        var source = new PythHermesSource(http, new PythHermesOptions
        {
            BaseAddress = new Uri(server.BaseAddress, "token/hermes"),
            Feeds = new Dictionary<string, string> { ["BTC"] = BtcFeed },
        });

        await source.FetchAsync([Btc], CancellationToken.None);

        Assert.Equal("/token/hermes/v2/updates/price/latest", Assert.Single(server.Requests).Path);
    }

    [Fact]
    public async Task Fetch_FeedAbsentFromTheAnswer_IsAProblemOfItsAsset()
    {
        var onlyEth = Documented.Replace(BtcFeed + "\"", "0000000000000000000000000000000000000000000000000000000000000001\"", StringComparison.Ordinal);
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json(onlyEth));
        using var http = new HttpClient();

        var fetch = await Source(server, http).FetchAsync([Btc, Eth], CancellationToken.None);

        Assert.Equal(Eth, Assert.Single(fetch.Quotes).Asset);
        Assert.Contains("no entry for its feed", fetch.Problems["BTC"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_AssetWithoutAFeed_IsAProblemAndNothingIsAsked()
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json(Documented));
        using var http = new HttpClient();

        var fetch = await Source(server, http).FetchAsync([Asset.Of("DOGE")], CancellationToken.None);

        Assert.Empty(fetch.Quotes);
        Assert.Contains("no Pyth feed id is configured for DOGE", fetch.Problems["DOGE"], StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    public static TheoryData<string, string> BadEntries => new()
    {
        { "\"price\": \"2920679499999\"", "\"price\": \"-2920679499999\"" },
        { "\"price\": \"2920679499999\"", "\"price\": \"0\"" },
        { "\"price\": \"2920679499999\"", "\"price\": \"NaN\"" },
        { "\"price\": \"2920679499999\"", "\"price\": 2920679499999.5" },
        { "\"conf\": \"509500001\"", "\"conf\": null" },
        { "\"expo\": -8", "\"expo\": \"-8\"" },
        { "\"publish_time\": 1717632000", "\"publish_time\": \"yesterday\"" },
    };

    [Theory]
    [MemberData(nameof(BadEntries))]
    public async Task Fetch_MalformedOrNonPositiveEntry_IsAProblemOfItsAssetOnly(string good, string bad)
    {
        // Only the first (BTC) entry is changed: its price object comes first in the document.
        var index = Documented.IndexOf(good, StringComparison.Ordinal);
        var body = string.Concat(Documented.AsSpan(0, index), bad, Documented.AsSpan(index + good.Length));
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json(body));
        using var http = new HttpClient();

        var fetch = await Source(server, http).FetchAsync([Btc, Eth], CancellationToken.None);

        Assert.Equal(Eth, Assert.Single(fetch.Quotes).Asset);
        Assert.Contains(BtcFeed, fetch.Problems["BTC"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_RateLimited_ThrowsSayingSoWithRetryAfter()
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json("{\"message\":\"Too Many Requests\"}", 429, ("Retry-After", "60")));
        using var http = new HttpClient();

        var ex = await Assert.ThrowsAsync<OracleSourceException>(() => Source(server, http).FetchAsync([Btc], CancellationToken.None));

        Assert.Contains("'pyth'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("HTTP 429", ex.Message, StringComparison.Ordinal);
        Assert.Contains("rate-limited, retry after 60 s", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    public async Task Fetch_ServerError_Throws(int status)
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json("upstream unavailable", status));
        using var http = new HttpClient();

        var ex = await Assert.ThrowsAsync<OracleSourceException>(() => Source(server, http).FetchAsync([Btc], CancellationToken.None));

        Assert.Contains($"'pyth': GET {server.BaseAddress}v2/updates/price/latest", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"HTTP {status}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("the service failed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_MalformedJson_Throws()
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json("{\"parsed\": [ {\"id\": "));
        using var http = new HttpClient();

        var ex = await Assert.ThrowsAsync<OracleSourceException>(() => Source(server, http).FetchAsync([Btc], CancellationToken.None));

        Assert.Contains("'pyth'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("malformed JSON", ex.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<JsonException>(ex.InnerException);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{\"binary\": {}}")]
    [InlineData("{\"parsed\": {\"id\": \"e62d\"}}")]
    [InlineData("{\"parsed\": [{\"price\": {}}]}")]
    public async Task Fetch_JsonOfTheWrongShape_Throws(string body)
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Json(body));
        using var http = new HttpClient();

        var ex = await Assert.ThrowsAsync<OracleSourceException>(() => Source(server, http).FetchAsync([Btc], CancellationToken.None));

        Assert.Contains("'pyth'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not the documented shape", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_SlowerThanTheHttpClientTimeout_ThrowsNamingTheSource()
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Slow(TimeSpan.FromSeconds(10)));
        using var http = new HttpClient { Timeout = TimeSpan.FromMilliseconds(300) };

        var ex = await Assert.ThrowsAsync<OracleSourceException>(() => Source(server, http).FetchAsync([Btc], CancellationToken.None));

        Assert.Contains("'pyth'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("timed out after 0.3 s", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_SlowerThanTheCallersToken_ThrowsNamingTheSource()
    {
        await using var server = await FixtureServer.StartAsync(FixtureServer.Slow(TimeSpan.FromSeconds(10)));
        using var http = new HttpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var ex = await Assert.ThrowsAsync<OracleSourceException>(() => Source(server, http).FetchAsync([Btc], timeout.Token));

        Assert.Contains("'pyth'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("timed out: cancelled by the caller", ex.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<OperationCanceledException>(ex.InnerException);
    }

    [Fact]
    public async Task Fetch_NothingListening_ThrowsNamingTheSource()
    {
        Uri address;
        await using (var server = await FixtureServer.StartAsync(FixtureServer.Json(Documented)))
        {
            address = server.BaseAddress;
        }

        using var http = new HttpClient();
        var source = new PythHermesSource(http, new PythHermesOptions { BaseAddress = address, Feeds = new Dictionary<string, string> { ["BTC"] = BtcFeed } });

        var ex = await Assert.ThrowsAsync<OracleSourceException>(() => source.FetchAsync([Btc], CancellationToken.None));

        Assert.Contains("'pyth'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("the request failed", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("184136023127", -8, "1841.36023127")]
    [InlineData("-5", 0, "-5")]
    [InlineData("7", 3, "7000")]
    [InlineData("1", -28, "0.0000000000000000000000000001")]
    [InlineData("9999999999999999999999999999", -28, "0.9999999999999999999999999999")]
    public void TryScaled_IntegerAndExponent_IsExact(string digits, int expo, string expected)
    {
        using var json = JsonDocument.Parse($"\"{digits}\"");

        Assert.True(PythHermesSource.TryScaled(json.RootElement, expo, "price", out var value, out var problem), problem);
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), value);
    }

    [Theory]
    [InlineData("\"1\"", -29, "below -28")]
    [InlineData("\"79228162514264337593543950335\"", 0, "at most 28 digits")]
    [InlineData("\"7922816251426433759354395033\"", 2, "exceeds the largest decimal")]
    [InlineData("\"12.5\"", -2, "integer")]
    [InlineData("125", -2, "string")]
    public void TryScaled_OutOfRangeOrNotAnIntegerString_IsRefusedWithTheReason(string json, int expo, string reason)
    {
        using var document = JsonDocument.Parse(json);

        Assert.False(PythHermesSource.TryScaled(document.RootElement, expo, "price", out _, out var problem));
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("BTC", "0x1234", "not a feed id")]
    [InlineData("B T C", BtcFeed, "asset symbol")]
    public void Constructor_BadFeed_ThrowsNamingIt(string asset, string feed, string reason)
    {
        using var http = new HttpClient();

        var ex = Assert.Throws<ArgumentException>(() => new PythHermesSource(http, new PythHermesOptions { Feeds = new Dictionary<string, string> { [asset] = feed } }));

        Assert.Contains("PythHermesOptions.Feeds", ex.Message, StringComparison.Ordinal);
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_RelativeBaseAddress_Throws()
    {
        using var http = new HttpClient();

        var ex = Assert.Throws<ArgumentException>(() => new PythHermesSource(http, new PythHermesOptions
        {
            BaseAddress = new Uri("hermes", UriKind.Relative),
            Feeds = new Dictionary<string, string> { ["BTC"] = BtcFeed },
        }));

        Assert.Contains("PythHermesOptions.BaseAddress", ex.Message, StringComparison.Ordinal);
    }
}
