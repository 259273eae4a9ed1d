using FsCheck;
using FsCheck.Xunit;
using Margin.Engine.Accounts;
using Margin.Engine.Evaluation;
using Margin.Engine.Instruments;
using Margin.Engine.Parameters;
using Margin.Engine.Prices;
using Margin.Engine.Pricing;
using Margin.Engine.Results;
using Margin.Engine.Tests.Portfolio;
using static Margin.Engine.Tests.Support.TestBook;

namespace Margin.Engine.Tests.Prices;

public sealed class InstrumentMarksTests
{
    private static readonly DateTimeOffset s_expiry = AsOf.AddDays(182.5);

    /// <summary>BTC has a grid with a 5 % rate and a surface (ATM 50 %, skew -0.1); ETH has neither.</summary>
    private static RiskParameters Parameters(double btcRate = 0.05, VolatilitySurface? btcSurface = null, IEnumerable<InstrumentRiskParameters>? extra = null)
    {
        var grid = new UnderlyingRiskParameters
        {
            Asset = Btc,
            Grid = PortfolioTestSettings.Default(),
            Rate = btcRate,
            Surface = btcSurface,
        };
        InstrumentRiskParameters[] instruments =
        [
            new() { Instrument = new Perpetual("BTC-PERP", Btc, ContractType.Linear), Brackets = BtcPerpBrackets() },
            new() { Instrument = new Perpetual("BTC-INV", Btc, ContractType.Inverse, 100m), Brackets = BtcPerpBrackets() },
            new() { Instrument = new Future("BTC-FUT", Btc, ContractType.Linear, s_expiry), Brackets = BtcPerpBrackets() },
            new() { Instrument = new Future("ETH-FUT", Eth, ContractType.Linear, s_expiry), Brackets = BtcPerpBrackets() },
            new() { Instrument = new Future("BTC-FUT-OLD", Btc, ContractType.Linear, AsOf), Brackets = BtcPerpBrackets() },
            Option("BTC-C-55000", OptionRight.Call, 55_000m, s_expiry),
            Option("BTC-P-55000", OptionRight.Put, 55_000m, s_expiry),
            Option("BTC-C-OLD", OptionRight.Call, 40_000m, AsOf.AddHours(-1)),
            Option("BTC-P-OLD", OptionRight.Put, 40_000m, AsOf.AddHours(-1)),
            EthOption("ETH-C-2500", OptionRight.Call, 2_500m),
            EthOption("ETH-P-2500", OptionRight.Put, 2_500m),
            .. extra ?? [],
        ];
        return RiskParameters.Create("marks-1", Usd, StandardAssets(), instruments, portfolio: PortfolioParameters.Create([grid]));
    }

    private static InstrumentRiskParameters EthOption(string id, OptionRight right, decimal strike) => new()
    {
        Instrument = new EuropeanOption(id, Eth, right, strike, s_expiry),
        ShortOptionInitial = ShortInitial,
        ShortOptionMaintenance = ShortMaintenance,
    };

    private static Dictionary<string, AssetPrice> Prices(double? ethSigmaLong = 0.7, double? ethSigmaShort = 0.9, string? btcUnusable = null, bool withBtc = true)
    {
        var prices = new Dictionary<string, AssetPrice>(StringComparer.Ordinal)
        {
            ["USD"] = AssetPrice.Create(Usd, 1m, AsOf),
            ["ETH"] = AssetPrice.Create(Eth, 2_000m, AsOf, sigmaShort: ethSigmaShort, sigmaLong: ethSigmaLong),
        };
        if (withBtc)
        {
            prices["BTC"] = AssetPrice.Create(Btc, 50_000m, AsOf, unusableReason: btcUnusable, sigmaShort: 0.8, sigmaLong: 0.6);
        }

        return prices;
    }

    private static Dictionary<string, InstrumentPrice> Derive(RiskParameters? parameters = null, Dictionary<string, AssetPrice>? prices = null, IReadOnlyDictionary<string, InstrumentPrice>? previous = null) =>
        InstrumentMarks.Derive(parameters ?? Parameters(), prices ?? Prices(), AsOf, previous).ToDictionary(m => m.InstrumentId, StringComparer.Ordinal);

    private static double Years => PortfolioBook.YearsTo(s_expiry, AsOf);

    [Fact]
    public void Derive_Perpetuals_MarkEqualsTheIndexExactly()
    {
        var marks = Derive();

        Assert.Equal(50_000m, marks["BTC-PERP"].Mark);
        Assert.Equal(50_000m, marks["BTC-INV"].Mark);
        Assert.True(marks["BTC-PERP"].Usable);
        Assert.Null(marks["BTC-PERP"].ImpliedVolatility);
    }

    [Fact]
    public void Derive_FutureOnAGridWithARate_MarkIsTheForwardAtEightSignificantDigits()
    {
        var marks = Derive();

        // 50,000 e^(0.05 * 182.5 / 365) = 50,000 e^0.025 = 51,265.756026...
        var forward = 50_000.0 * Math.Exp(0.05 * Years);
        Assert.Equal(51_265.756m, marks["BTC-FUT"].Mark);
        Assert.InRange((double)marks["BTC-FUT"].Mark, forward * (1 - 1e-8), forward * (1 + 1e-8));
        Assert.True(marks["BTC-FUT"].Usable);
    }

    [Fact]
    public void Derive_FutureWithoutARate_MarkIsTheIndexExactly()
    {
        Assert.Equal(2_000m, Derive()["ETH-FUT"].Mark);
        Assert.Equal(50_000m, Derive(Parameters(btcRate: 0.0))["BTC-FUT"].Mark);
    }

    [Property(MaxTest = 200)]
    public void Derive_CallAndPutOfOneStrike_SatisfyPutCallParity(PositiveInt spotSeed, PositiveInt strikeSeed, PositiveInt volSeed, PositiveInt daysSeed, int rateSeed)
    {
        var spot = 100m + (spotSeed.Get % 200_000);
        var strike = Math.Round(spot * (0.5m + ((strikeSeed.Get % 1_000) / 1_000m)), 2);
        var sigma = 0.1 + ((volSeed.Get % 190) / 100.0);
        var expiry = AsOf.AddDays(2 + (daysSeed.Get % 700));
        var rate = (rateSeed % 15) / 100.0;
        var grid = new UnderlyingRiskParameters { Asset = Btc, Grid = PortfolioTestSettings.Default(), Rate = rate };
        var parameters = RiskParameters.Create("parity", Usd, StandardAssets(), [Option("C", OptionRight.Call, strike, expiry), Option("P", OptionRight.Put, strike, expiry)], portfolio: PortfolioParameters.Create([grid]));
        var prices = new Dictionary<string, AssetPrice>(StringComparer.Ordinal) { ["BTC"] = AssetPrice.Create(Btc, spot, AsOf, sigmaLong: sigma) };

        var marks = Derive(parameters, prices);

        // C - P = e^(-rT) (F - K) = S - K e^(-rT); each mark keeps 8 significant digits (or is at least 1e-28).
        var years = PortfolioBook.YearsTo(expiry, AsOf);
        var parity = (double)spot - ((double)strike * Math.Exp(-rate * years));
        var call = (double)marks["C"].Mark;
        var put = (double)marks["P"].Mark;
        var tolerance = (1e-7 * (call + put)) + (1e-9 * (double)spot);
        Assert.True(Math.Abs(call - put - parity) <= tolerance, $"C {call} - P {put} = {call - put}, parity {parity}");
        Assert.Equal(sigma, marks["C"].ImpliedVolatility);
        Assert.All(marks.Values, m => Assert.True(m.Usable));
    }

    [Fact]
    public void Derive_OptionOnAGridWithASurface_ValuedOnTheSurfaceAtTheForward()
    {
        var surface = new VolatilitySurface { AtTheMoney = [new VolatilityPoint(30, 0.5), new VolatilityPoint(365, 0.5)], Skew = -0.1 };

        var marks = Derive(Parameters(btcSurface: surface));

        var forward = 50_000.0 * Math.Exp(0.05 * Years);
        var sigma = 0.5 - (0.1 * Math.Log(55_000.0 / forward));
        var call = Black76.Price(OptionRight.Call, forward, 55_000.0, Years, sigma, 0.05);
        Assert.Equal(sigma, marks["BTC-C-55000"].ImpliedVolatility!.Value, 12);
        Assert.InRange((double)marks["BTC-C-55000"].Mark, call * (1 - 1e-7), call * (1 + 1e-7));
    }

    [Fact]
    public void Derive_SurfaceBelowTheGridFloor_UsesTheFloor()
    {
        var surface = new VolatilitySurface { AtTheMoney = [new VolatilityPoint(30, 0.01)], Skew = 0 };

        var marks = Derive(Parameters(btcSurface: surface));

        Assert.Equal(PortfolioTestSettings.Default().MinimumVolatility, marks["BTC-C-55000"].ImpliedVolatility);
    }

    [Fact]
    public void Derive_OptionWithoutSurface_UsesSigmaLongThenSigmaShort()
    {
        Assert.Equal(0.6, Derive()["BTC-C-55000"].ImpliedVolatility);
        Assert.Equal(0.7, Derive()["ETH-C-2500"].ImpliedVolatility);
        Assert.Equal(0.9, Derive(prices: Prices(ethSigmaLong: null))["ETH-C-2500"].ImpliedVolatility);
        Assert.Equal(0.9, Derive(prices: Prices(ethSigmaLong: 0.0))["ETH-C-2500"].ImpliedVolatility);
    }

    [Fact]
    public void Derive_OptionWithoutAnyVolatility_UnusableAtItsDiscountedIntrinsicValue()
    {
        var marks = Derive(prices: Prices(ethSigmaLong: null, ethSigmaShort: null));

        var call = marks["ETH-C-2500"];
        var put = marks["ETH-P-2500"];
        Assert.False(call.Usable);
        Assert.StartsWith("no volatility for ETH-C-2500", call.UnusableReason, StringComparison.Ordinal);
        Assert.Equal(InstrumentMarks.MinimumMark, call.Mark);
        Assert.Equal(500m, put.Mark);
        Assert.Null(put.ImpliedVolatility);
        Assert.True(marks["ETH-FUT"].Usable);
    }

    [Fact]
    public void Derive_OptionWithoutAnyVolatility_KeepsThePreviousMarkUnusable()
    {
        var previous = new Dictionary<string, InstrumentPrice>(StringComparer.Ordinal) { ["ETH-C-2500"] = InstrumentPrice.Create("ETH-C-2500", 180m, 0.75) };

        var mark = Derive(prices: Prices(ethSigmaLong: null, ethSigmaShort: null), previous: previous)["ETH-C-2500"];

        Assert.Equal(180m, mark.Mark);
        Assert.Equal(0.75, mark.ImpliedVolatility);
        Assert.StartsWith("no volatility for ETH-C-2500", mark.UnusableReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Derive_ExpiredInstruments_UnusableAtTheirSettlementValue()
    {
        var marks = Derive();

        Assert.Equal(50_000m, marks["BTC-FUT-OLD"].Mark);
        Assert.Equal(10_000m, marks["BTC-C-OLD"].Mark);
        Assert.Equal(InstrumentMarks.MinimumMark, marks["BTC-P-OLD"].Mark);
        Assert.All(new[] { "BTC-FUT-OLD", "BTC-C-OLD", "BTC-P-OLD" }, id =>
        {
            Assert.False(marks[id].Usable);
            Assert.Contains($"{id} expired at", marks[id].UnusableReason, StringComparison.Ordinal);
        });
        Assert.True(marks["BTC-FUT"].Usable);
    }

    [Fact]
    public void Derive_ExpiredMark_TheEngineStillRefusesAccountsHoldingIt()
    {
        var parameters = Parameters();
        var prices = Prices();
        var snapshot = PriceSnapshot.Create("s", AsOf, Usd, prices.Values, InstrumentMarks.Derive(parameters, prices, AsOf));
        var model = MarginModel.Create(snapshot, parameters);

        var ex = Assert.Throws<InvalidAccountException>(() => model.Evaluate(AccountOf([Holding(Usd, 10_000m)], new Position("BTC-FUT-OLD", 1m, 50_000m))));

        Assert.Equal("positions[0].instrument", ex.Field);
    }

    [Fact]
    public void Derive_UnusableUnderlyingPrice_MarksFromTheLastGoodPriceUnusableWithItsReason()
    {
        var marks = Derive(prices: Prices(btcUnusable: "stale: newest quote 90 s old"));

        Assert.Equal(50_000m, marks["BTC-PERP"].Mark);
        Assert.Equal(Derive()["BTC-C-55000"].Mark, marks["BTC-C-55000"].Mark);
        Assert.All(marks.Values.Where(m => m.InstrumentId.StartsWith("BTC", StringComparison.Ordinal)), m =>
        {
            Assert.False(m.Usable);
            Assert.Contains("the price of underlying BTC is unusable: stale: newest quote 90 s old", m.UnusableReason, StringComparison.Ordinal);
        });
        Assert.All(marks.Values.Where(m => m.InstrumentId.StartsWith("ETH", StringComparison.Ordinal)), m => Assert.True(m.Usable));
        Assert.StartsWith("BTC-FUT-OLD expired at", marks["BTC-FUT-OLD"].UnusableReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Derive_UnusableUnderlyingPrice_AccountsAreEvaluatedAndFlaggedPriceSuspect()
    {
        var parameters = Parameters();
        var prices = Prices(btcUnusable: "stale");
        var snapshot = PriceSnapshot.Create("s", AsOf, Usd, prices.Values, InstrumentMarks.Derive(parameters, prices, AsOf));

        var result = MarginModel.Create(snapshot, parameters).Evaluate(AccountOf([Holding(Usd, 10_000m)], new Position("BTC-PERP", 1m, 49_000m)));

        Assert.True(result.Summary.Flags.HasFlag(MarginFlags.PriceSuspect));
    }

    [Fact]
    public void Derive_UnderlyingWithoutAPrice_LeftOutOrThePreviousMarkKept()
    {
        var previous = new Dictionary<string, InstrumentPrice>(StringComparer.Ordinal) { ["BTC-PERP"] = InstrumentPrice.Create("BTC-PERP", 49_000m) };

        var without = Derive(prices: Prices(withBtc: false));
        var kept = Derive(prices: Prices(withBtc: false), previous: previous);

        Assert.DoesNotContain(without.Keys, id => id.StartsWith("BTC", StringComparison.Ordinal));
        Assert.Equal(["ETH-C-2500", "ETH-FUT", "ETH-P-2500"], without.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(49_000m, kept["BTC-PERP"].Mark);
        Assert.Equal("underlying BTC has no price", kept["BTC-PERP"].UnusableReason);
        Assert.False(kept.ContainsKey("BTC-FUT"));
    }

    [Fact]
    public void Derive_AnyInputs_OneMarkPerInstrumentInIdOrder()
    {
        var parameters = Parameters();

        var marks = InstrumentMarks.Derive(parameters, Prices(), AsOf);

        Assert.Equal(parameters.Instruments.Keys.Order(StringComparer.Ordinal), marks.Select(m => m.InstrumentId));
        Assert.Equal(marks, InstrumentMarks.Derive(parameters, Prices(), AsOf));
    }

    [Fact]
    public void Derive_FarOutOfTheMoneyOption_GetsAPositiveMark()
    {
        var parameters = Parameters(extra: [Option("BTC-C-FAR", OptionRight.Call, 5_000_000m, AsOf.AddDays(2))]);

        var far = InstrumentMarks.Derive(parameters, Prices(), AsOf).Single(m => m.InstrumentId == "BTC-C-FAR");

        Assert.Equal(InstrumentMarks.MinimumMark, far.Mark);
        Assert.True(far.Usable);
    }

    public static TheoryData<double, string> Roundings => new()
    {
        { 51_265.67230217, "51265.672" },
        { 0.000012345678912, "0.000012345679" },
        { 1.0, "1" },
        { 999_999_999.7, "1000000000" },
        { 123_456_789_012.4, "123456789012" },
        { 9.999999996, "10" },
        { 7_975.623_000_4, "7975.623" },
        { 1e-30, "0.0000000000000000000000000001" },
    };

    [Theory]
    [MemberData(nameof(Roundings))]
    public void RoundSignificant_Value_EightSignificantDigitsWithoutTrailingZeros(double value, string expected) =>
        Assert.Equal(expected, InstrumentMarks.RoundSignificant(value).ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void RoundSignificant_NotAPositiveFiniteValue_Throws(double value) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => InstrumentMarks.RoundSignificant(value));

    [Fact]
    public void Derive_NullArguments_Throw()
    {
        Assert.Throws<ArgumentNullException>(() => InstrumentMarks.Derive(null!, Prices(), AsOf));
        Assert.Throws<ArgumentNullException>(() => InstrumentMarks.Derive(Parameters(), null!, AsOf));
    }

}
