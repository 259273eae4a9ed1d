using Margin.Engine.Domain;
using Margin.Infrastructure.Oracles;
using Margin.Sweep.Ports;
using Microsoft.Extensions.Time.Testing;

namespace Margin.Infrastructure.Tests.Oracles;

public sealed class SimulatedSourceTests
{
    private static readonly Asset Btc = Asset.Of("BTC");
    private static readonly Asset Eth = Asset.Of("ETH");
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private static SimulatedSourceOptions Options(long seed = 7, double correlation = 0.5, TimeSpan? step = null, double jumpsPerYear = 4.0) => new()
    {
        Seed = seed,
        Correlation = correlation,
        Step = step ?? TimeSpan.FromSeconds(1),
        Assets = new Dictionary<string, SimulatedAsset>
        {
            ["BTC"] = new() { StartPrice = 65_000m, Volatility = 0.6, JumpsPerYear = jumpsPerYear, JumpMean = -0.05, JumpStdDev = 0.03 },
            ["ETH"] = new() { StartPrice = 3_400.5m, Volatility = 0.8, JumpsPerYear = jumpsPerYear, JumpMean = -0.05, JumpStdDev = 0.03 },
        },
    };

    private static async Task<OracleFetch> At(SimulatedSource source, FakeTimeProvider time, DateTimeOffset now)
    {
        time.SetUtcNow(now);
        return await source.FetchAsync([Btc, Eth], CancellationToken.None);
    }

    [Fact]
    public async Task Fetch_AtTheStart_QuotesTheStartPricesWithTheirConfidence()
    {
        var time = new FakeTimeProvider(T0);
        var source = new SimulatedSource(Options(), time);

        var fetch = await source.FetchAsync([Btc, Eth], CancellationToken.None);

        Assert.Empty(fetch.Problems);
        Assert.Equal([("simulated", Btc, 65_000m, 32.5m, T0), ("simulated", Eth, 3_400.5m, 1.70025m, T0)], fetch.Quotes.Select(q => (q.SourceId, q.Asset, q.Price, q.Confidence, q.PublishTime)));
    }

    [Fact]
    public async Task Fetch_SameSeedAndTimes_SamePricesAndOtherSeed_OtherPrices()
    {
        var (timeA, timeB, timeC) = (new FakeTimeProvider(T0), new FakeTimeProvider(T0), new FakeTimeProvider(T0));
        var (a, b, c) = (new SimulatedSource(Options(seed: 7), timeA), new SimulatedSource(Options(seed: 7), timeB), new SimulatedSource(Options(seed: 8), timeC));

        var pathA = new List<decimal>();
        var pathB = new List<decimal>();
        var pathC = new List<decimal>();
        for (var minute = 1; minute <= 30; minute++)
        {
            pathA.AddRange((await At(a, timeA, T0.AddMinutes(minute))).Quotes.Select(q => q.Price));
            pathB.AddRange((await At(b, timeB, T0.AddMinutes(minute))).Quotes.Select(q => q.Price));
            pathC.AddRange((await At(c, timeC, T0.AddMinutes(minute))).Quotes.Select(q => q.Price));
        }

        Assert.Equal(pathA, pathB);
        Assert.NotEqual(pathA, pathC);
        Assert.True(pathA.Distinct().Count() > 50, "the prices move");
    }

    [Fact]
    public async Task Fetch_SameNow_SamePricesAndPublishTimeOnTheGrid()
    {
        var time = new FakeTimeProvider(T0);
        var source = new SimulatedSource(Options(step: TimeSpan.FromSeconds(10)), time);

        var first = await At(source, time, T0.AddSeconds(125));
        var again = await source.FetchAsync([Btc, Eth], CancellationToken.None);
        var withinTheStep = await At(source, time, T0.AddSeconds(129.9));

        Assert.Equal(first.Quotes, again.Quotes);
        Assert.Equal(first.Quotes, withinTheStep.Quotes);
        Assert.All(first.Quotes, q => Assert.Equal(T0.AddSeconds(120), q.PublishTime));
    }

    [Fact]
    public async Task Fetch_PricesAtATime_DoNotDependOnTheFetchesBefore()
    {
        var (often, once) = (new FakeTimeProvider(T0), new FakeTimeProvider(T0));
        var (a, b) = (new SimulatedSource(Options(), often), new SimulatedSource(Options(), once));
        for (var second = 1; second < 600; second += 7)
        {
            await At(a, often, T0.AddSeconds(second));
        }

        var afterMany = await At(a, often, T0.AddMinutes(10));
        var afterOne = await At(b, once, T0.AddMinutes(10));

        Assert.Equal(afterOne.Quotes, afterMany.Quotes);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.7)]
    public async Task Fetch_ManySteps_LogReturnsHaveTheConfiguredCorrelation(double correlation)
    {
        var time = new FakeTimeProvider(T0);
        var source = new SimulatedSource(Options(correlation: correlation, step: TimeSpan.FromHours(1), jumpsPerYear: 0.0), time);
        var btc = new List<double>();
        var eth = new List<double>();
        var previous = await source.FetchAsync([Btc, Eth], CancellationToken.None);
        for (var hour = 1; hour <= 10_000; hour++)
        {
            var next = await At(source, time, T0.AddHours(hour));
            btc.Add(Math.Log((double)(next.Quotes[0].Price / previous.Quotes[0].Price)));
            eth.Add(Math.Log((double)(next.Quotes[1].Price / previous.Quotes[1].Price)));
            previous = next;
        }

        // The standard error of a sample correlation of 10,000 pairs is at most 0.01: 0.04 fails when the model ignores it.
        Assert.InRange(Correlation(btc, eth), correlation - 0.04, correlation + 0.04);
        // And each walk has its volatility: 0.6 a year is 0.6 / sqrt(8766) an hour.
        Assert.InRange(StdDev(btc) * Math.Sqrt(365.25 * 24), 0.57, 0.63);
    }

    [Fact]
    public async Task Fetch_AYearOfHours_JumpsAtAboutTheConfiguredRate()
    {
        var time = new FakeTimeProvider(T0);
        var options = new SimulatedSourceOptions
        {
            Step = TimeSpan.FromHours(1),
            Assets = new Dictionary<string, SimulatedAsset> { ["BTC"] = new() { StartPrice = 100m, Volatility = 1e-6, JumpsPerYear = 200, JumpStdDev = 0.05 } },
        };
        var source = new SimulatedSource(options, time);
        var previous = (await source.FetchAsync([Btc], CancellationToken.None)).Quotes[0].Price;
        var jumps = 0;
        for (var hour = 1; hour <= 8766; hour++)
        {
            time.SetUtcNow(T0.AddHours(hour));
            var price = (await source.FetchAsync([Btc], CancellationToken.None)).Quotes[0].Price;
            if (Math.Abs(Math.Log((double)(price / previous))) > 1e-4)
            {
                jumps++;
            }

            previous = price;
        }

        // 200 expected (Poisson, standard deviation about 14); hours with two jumps count once, about 2 of them.
        Assert.InRange(jumps, 140, 260);
    }

    [Fact]
    public async Task Fetch_ViolentWalk_NeverQuotesANonPositivePrice()
    {
        var time = new FakeTimeProvider(T0);
        var options = new SimulatedSourceOptions
        {
            Seed = 3,
            Step = TimeSpan.FromDays(1),
            Assets = new Dictionary<string, SimulatedAsset> { ["BTC"] = new() { StartPrice = 0.001m, Volatility = 3.0, JumpsPerYear = 500, JumpMean = -0.5, JumpStdDev = 0.5 } },
        };
        var source = new SimulatedSource(options, time);
        var problems = 0;
        for (var day = 1; day <= 400; day++)
        {
            time.SetUtcNow(T0.AddDays(day));
            var fetch = await source.FetchAsync([Btc], CancellationToken.None);
            Assert.All(fetch.Quotes, q => Assert.True(q.Price > 0m && q.Confidence >= 0m, q.ToString()));
            Assert.Equal(1, fetch.Quotes.Count + fetch.Problems.Count);
            problems += fetch.Problems.Count;
        }

        Assert.True(problems > 0, "the walk falls below what a decimal holds and says so");
    }

    [Fact]
    public async Task Fetch_UnsimulatedAsset_IsAProblem()
    {
        var source = new SimulatedSource(Options(), new FakeTimeProvider(T0));

        var fetch = await source.FetchAsync([Asset.Of("DOGE")], CancellationToken.None);

        Assert.Equal("DOGE is not simulated (no SimulatedSourceOptions.Assets entry)", fetch.Problems["DOGE"]);
    }

    [Theory]
    [InlineData(65_432.123456789, 8, "65432.123")]
    [InlineData(0.000123456789, 4, "0.0001235")]
    [InlineData(123_456_789.0, 3, "123000000")]
    [InlineData(9.99999999, 3, "10.0")]
    public void TryRound_Value_HasTheSignificantDigits(double value, int digits, string expected)
    {
        Assert.True(SimulatedSource.TryRound(value, digits, out var rounded));
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), rounded);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(1e-30)]
    [InlineData(1e28)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void TryRound_OutOfRange_IsRefused(double value) =>
        Assert.False(SimulatedSource.TryRound(value, 8, out _));

    [Theory]
    [InlineData(-0.1, "Correlation must be in [0, 1]")]
    [InlineData(1.5, "Correlation must be in [0, 1]")]
    public void Constructor_BadCorrelation_ThrowsNamingIt(double correlation, string said)
    {
        var ex = Assert.Throws<ArgumentException>(() => new SimulatedSource(Options(correlation: correlation), TimeProvider.System));

        Assert.Contains("SimulatedSourceOptions." + said, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_NonPositiveStartPrice_ThrowsNamingTheAsset()
    {
        var options = Options() with { Assets = new Dictionary<string, SimulatedAsset> { ["BTC"] = new() { StartPrice = 0m } } };

        var ex = Assert.Throws<ArgumentException>(() => new SimulatedSource(options, TimeProvider.System));

        Assert.Contains("SimulatedSourceOptions.Assets[BTC]: StartPrice must be positive", ex.Message, StringComparison.Ordinal);
    }

    private static double Correlation(List<double> x, List<double> y)
    {
        var (mx, my) = (x.Average(), y.Average());
        var cov = x.Zip(y, (a, b) => (a - mx) * (b - my)).Sum();
        return cov / Math.Sqrt(x.Sum(a => (a - mx) * (a - mx)) * y.Sum(b => (b - my) * (b - my)));
    }

    private static double StdDev(List<double> x)
    {
        var mean = x.Average();
        return Math.Sqrt(x.Sum(a => (a - mean) * (a - mean)) / (x.Count - 1));
    }
}
