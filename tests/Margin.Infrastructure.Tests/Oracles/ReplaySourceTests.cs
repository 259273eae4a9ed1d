using Margin.Engine.Domain;
using Margin.Infrastructure.Oracles;
using Microsoft.Extensions.Time.Testing;

namespace Margin.Infrastructure.Tests.Oracles;

public sealed class ReplaySourceTests
{
    private static readonly Asset Btc = Asset.Of("BTC");
    private static readonly Asset Eth = Asset.Of("ETH");
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private const string File = """
        {"time":"2026-11-24T12:00:00Z","asset":"BTC","price":"65000.5","confidence":"12.5"}
        {"time":"2026-11-24T12:01:00Z","asset":"ETH","price":3400.25}

        {"time":"2026-11-24T12:02:00Z","asset":"BTC","price":"65100.123456789012345678"}
        {"time":"2026-11-24T13:00:30+01:00","asset":"BTC","price":"65050","confidence":0}
        {"time":"2026-11-24T12:05:00Z","asset":"ETH","price":"-1"}
        """;

    private static ReplaySource Read(string text, FakeTimeProvider time) => ReplaySource.Read("replay", "prices.jsonl", new StringReader(text), time);

    [Fact]
    public async Task Fetch_AtALineTime_ReturnsThatLineExactly()
    {
        var time = new FakeTimeProvider(T0);
        var source = Read(File, time);

        var fetch = await source.FetchAsync([Btc], CancellationToken.None);

        var quote = Assert.Single(fetch.Quotes);
        Assert.Equal(("replay", Btc, 65_000.5m, 12.5m, T0), (quote.SourceId, quote.Asset, quote.Price, quote.Confidence, quote.PublishTime));
    }

    [Fact]
    public async Task Fetch_BetweenLines_ReturnsTheLatestAtOrBeforeNowEvenOutOfFileOrder()
    {
        // BTC lines in time order: 12:00:00 (line 1), 12:00:30 (line 5, written 13:00:30+01:00), 12:02:00 (line 4).
        var time = new FakeTimeProvider(T0.AddSeconds(29));
        var source = Read(File, time);

        var beforeTheSecond = await source.FetchAsync([Btc], CancellationToken.None);
        time.SetUtcNow(T0.AddSeconds(119));
        var beforeTheThird = await source.FetchAsync([Btc], CancellationToken.None);
        time.SetUtcNow(T0.AddMinutes(2));
        var atTheThird = await source.FetchAsync([Btc], CancellationToken.None);
        time.SetUtcNow(T0.AddDays(3));
        var longAfter = await source.FetchAsync([Btc], CancellationToken.None);

        Assert.Equal((65_000.5m, T0), (beforeTheSecond.Quotes[0].Price, beforeTheSecond.Quotes[0].PublishTime));
        Assert.Equal((65_050m, T0.AddSeconds(30)), (beforeTheThird.Quotes[0].Price, beforeTheThird.Quotes[0].PublishTime));
        Assert.Equal((65_100.123456789012345678m, 0m, T0.AddMinutes(2)), (atTheThird.Quotes[0].Price, atTheThird.Quotes[0].Confidence, atTheThird.Quotes[0].PublishTime));
        Assert.Equal(65_100.123456789012345678m, longAfter.Quotes[0].Price);
    }

    [Fact]
    public async Task Fetch_LineWrittenWithAnOffset_IsReplayedAtItsInstant()
    {
        var time = new FakeTimeProvider(T0.AddSeconds(30));
        var source = Read(File, time);

        var fetch = await source.FetchAsync([Btc], CancellationToken.None);

        Assert.Equal((65_050m, T0.AddSeconds(30)), (fetch.Quotes[0].Price, fetch.Quotes[0].PublishTime));
    }

    [Fact]
    public async Task Fetch_BeforeAnAssetsFirstLine_IsAProblem()
    {
        var time = new FakeTimeProvider(T0);
        var source = Read(File, time);

        var fetch = await source.FetchAsync([Btc, Eth], CancellationToken.None);

        Assert.Equal(Btc, Assert.Single(fetch.Quotes).Asset);
        Assert.Equal("replay file 'prices.jsonl' has no line for ETH at or before 2026-11-24T12:00:00.0000000+00:00 (its first is at 2026-11-24T12:01:00.0000000+00:00)", fetch.Problems["ETH"]);
    }

    [Fact]
    public async Task Fetch_NonPositivePriceLine_IsAProblemNamingTheLine()
    {
        var time = new FakeTimeProvider(T0.AddMinutes(10));
        var source = Read(File, time);

        var fetch = await source.FetchAsync([Eth, Asset.Of("SOL")], CancellationToken.None);

        Assert.Empty(fetch.Quotes);
        Assert.Equal("replay file 'prices.jsonl' line 6: the price -1 is not positive", fetch.Problems["ETH"]);
        Assert.Equal("replay file 'prices.jsonl' has no line for SOL", fetch.Problems["SOL"]);
    }

    public static TheoryData<string, int, string> BadFiles => new()
    {
        { "{\"time\":\"2026-11-24T12:00:00Z\",\"asset\":\"BTC\",\"price\":1}\n{\"time\":", 2, "not JSON" },
        { "[1,2]", 1, "a line must be a JSON object" },
        { "{\"time\":\"2026-11-24T12:00:00\",\"asset\":\"BTC\",\"price\":1}", 1, "with an offset" },
        { "{\"asset\":\"BTC\",\"price\":1}", 1, "'time' is missing" },
        { "{\"time\":\"2026-11-24T12:00:00Z\",\"asset\":\"B T C\",\"price\":1}", 1, "asset symbol 'B T C'" },
        { "{\"time\":\"2026-11-24T12:00:00Z\",\"asset\":\"BTC\",\"price\":\"NaN\"}", 1, "price 'NaN' is not a finite number" },
        { "{\"time\":\"2026-11-24T12:00:00Z\",\"asset\":\"BTC\",\"price\":0.1e-30}", 1, "price 0.1e-30 cannot be represented exactly" },
        { "{\"time\":\"2026-11-24T12:00:00Z\",\"asset\":\"BTC\"}", 1, "'price' is missing" },
        { "{\"time\":\"2026-11-24T12:00:00Z\",\"asset\":\"BTC\",\"price\":1,\"confidance\":1}", 1, "the field 'confidance' is not one of" },
        { "\n\n{\"time\":\"2026-11-24T12:00:00Z\",\"asset\":\"BTC\",\"price\":1}\n{\"time\":\"2026-11-24T13:00:00+01:00\",\"asset\":\"BTC\",\"price\":2}", 4, "BTC at 2026-11-24T12:00:00.0000000+00:00 is already on line 3" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Read_BadLine_ThrowsNamingTheFileAndTheLine(string text, int line, string reason)
    {
        var ex = Assert.Throws<InvalidDataException>(() => Read(text, new FakeTimeProvider(T0)));

        Assert.StartsWith($"replay file 'prices.jsonl' line {line}: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NoLines_Throws()
    {
        var ex = Assert.Throws<InvalidDataException>(() => Read("\n  \n", new FakeTimeProvider(T0)));

        Assert.Equal("replay file 'prices.jsonl' has no price lines", ex.Message);
    }

    [Fact]
    public async Task Load_File_IsReadOnceAndNamedByItsPath()
    {
        var path = Path.Combine(Path.GetTempPath(), $"replay-{Guid.NewGuid():N}.jsonl");
        await System.IO.File.WriteAllTextAsync(path, File);
        try
        {
            var time = new FakeTimeProvider(T0.AddMinutes(10));
            var source = ReplaySource.Load(new ReplaySourceOptions { SourceId = "demo-replay", Path = path }, time);
            System.IO.File.Delete(path);

            var fetch = await source.FetchAsync([Btc, Eth], CancellationToken.None);

            Assert.Equal(("demo-replay", 65_100.123456789012345678m), (fetch.Quotes[0].SourceId, fetch.Quotes[0].Price));
            Assert.Equal($"replay file '{path}' line 6: the price -1 is not positive", fetch.Problems["ETH"]);
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }

    [Fact]
    public void Load_MissingFile_ThrowsNamingIt()
    {
        var path = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.jsonl");

        var ex = Assert.Throws<FileNotFoundException>(() => ReplaySource.Load(new ReplaySourceOptions { Path = path }, TimeProvider.System));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }
}
