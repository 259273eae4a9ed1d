using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Margin.Engine.Instruments;
using Margin.Engine.Pricing;

namespace Margin.Engine.Tests.Pricing;

public sealed class Black76Tests
{
    private const double Hour = 1.0 / 8760;
    private const double Day = 1.0 / 365;

    /// <summary>Forward, strike, years to expiry, volatility, rate: moneyness from deep OTM to deep ITM, one hour to ten years.</summary>
    private static readonly (double F, double K, double T, double Sigma, double R)[] s_markets =
    [
        (100, 100, 1, 0.6, 0.05),
        (100, 80, 0.5, 0.4, 0.05),
        (100, 125, 0.25, 0.8, 0.05),
        (100, 50, 2, 1.2, 0.03),
        (100, 200, 2, 1.2, 0.03),
        (100, 100, 10, 3.0, 0.1),
        (100, 100, 7 * Day, 0.5, 0.05),
        (100, 95, Day, 0.5, 0.05),
        (100, 105, Day, 0.5, 0.05),
        (100, 100, Hour, 0.8, 0.05),
        (100, 99.5, Hour, 0.8, 0.0),
        (100, 100.5, Hour, 0.8, -0.01),
        (65_000, 70_000, 30 * Day, 0.6, 0.05),
        (1, 3, 0.1, 0.3, 0.02),
    ];

    public static TheoryData<OptionRight, double, double, double, double, double> Markets
    {
        get
        {
            var data = new TheoryData<OptionRight, double, double, double, double, double>();
            foreach (var right in new[] { OptionRight.Call, OptionRight.Put })
            {
                foreach (var m in s_markets)
                {
                    data.Add(right, m.F, m.K, m.T, m.Sigma, m.R);
                }
            }

            return data;
        }
    }

    public static TheoryData<double, double, double, double, double> InvalidInputs => new()
    {
        { 0, 100, 1, 0.5, 0.05 },
        { -1, 100, 1, 0.5, 0.05 },
        { double.NaN, 100, 1, 0.5, 0.05 },
        { 100, 0, 1, 0.5, 0.05 },
        { 100, double.PositiveInfinity, 1, 0.5, 0.05 },
        { 100, 100, 0, 0.5, 0.05 },
        { 100, 100, -1, 0.5, 0.05 },
        { 100, 100, 1, 0, 0.05 },
        { 100, 100, 1, -0.5, 0.05 },
        { 100, 100, 1, double.NaN, 0.05 },
        { 100, 100, 1, 0.5, double.NaN },
        { 100, 100, 4, double.MaxValue, 0.05 },
        { 100, 100, 1e300, 1e200, 0.0 },
        { 100, 100, 10, 0.5, -1e300 },
    };

    [Fact]
    public void Value_HullFuturesPutExample_MatchesReference()
    {
        // Hull, Options, Futures and Other Derivatives: an ATM put on a future, F = K = 20, T = 4 months, r = 9 %,
        // sigma = 25 %, "about 1.12". Reference 1.1166414565589434794 from mpmath at 40 digits.
        var put = Black76.Value(OptionRight.Put, 20, 20, 4.0 / 12, 0.25, 0.09);

        Assert.Equal(1.1166414565589434794, put.Price, 1e-13);
    }

    [Theory]
    [InlineData(OptionRight.Call, 2537.5100055822874125)]
    [InlineData(OptionRight.Put, 7517.0042244033092485)]
    public void Value_BitcoinThirtyDayOption_MatchesReference(OptionRight right, double expected)
    {
        // F = 65,000, K = 70,000, 30 days, 60 % vol, 5 %; reference from mpmath at 40 digits.
        var value = Black76.Value(right, 65_000, 70_000, 30.0 / 365, 0.6, 0.05);

        Assert.Equal(expected, value.Price, 1e-12 * expected);
    }

    [Theory]
    [MemberData(nameof(Markets))]
    public void Value_CallMinusPut_IsDiscountedForwardMinusStrike(OptionRight right, double f, double k, double t, double sigma, double r)
    {
        _ = right;
        var call = Black76.Value(OptionRight.Call, f, k, t, sigma, r);
        var put = Black76.Value(OptionRight.Put, f, k, t, sigma, r);
        var discount = Math.Exp(-r * t);

        Assert.Equal(discount * (f - k), call.Price - put.Price, 1e-13 * Math.Max(f, k));
        Assert.Equal(discount, call.Delta - put.Delta, 1e-15);
        Assert.Equal(call.Gamma, put.Gamma, 1e-15 * Math.Max(call.Gamma, 1e-300));
        Assert.Equal(call.Vega, put.Vega, 1e-15 * Math.Max(call.Vega, 1e-300));
    }

    [Theory]
    [MemberData(nameof(Markets))]
    public void Value_Greeks_MatchCentralFiniteDifferences(OptionRight right, double f, double k, double t, double sigma, double r)
    {
        var v = Black76.Value(right, f, k, t, sigma, r);
        var hf = 1e-4 * f * Math.Min(1.0, sigma * Math.Sqrt(t));
        var hs = 1e-4 * sigma;
        var ht = 1e-4 * t;

        var delta = (Black76.Price(right, f + hf, k, t, sigma, r) - Black76.Price(right, f - hf, k, t, sigma, r)) / (2 * hf);
        var gamma = (Black76.Value(right, f + hf, k, t, sigma, r).Delta - Black76.Value(right, f - hf, k, t, sigma, r).Delta) / (2 * hf);
        var vega = (Black76.Price(right, f, k, t, sigma + hs, r) - Black76.Price(right, f, k, t, sigma - hs, r)) / (2 * hs);
        var theta = -(Black76.Price(right, f, k, t + ht, sigma, r) - Black76.Price(right, f, k, t - ht, sigma, r)) / (2 * ht);

        AssertClose("delta", v.Delta, delta, 1e-9);
        AssertClose("gamma", v.Gamma, gamma, 1e-9 / f);
        AssertClose("vega", v.Vega, vega, 1e-9 * f);
        AssertClose("theta", v.Theta, theta, 1e-9 * f);
    }

    [Theory]
    [MemberData(nameof(Markets))]
    public void Price_AnyMarket_EqualsValuePrice(OptionRight right, double f, double k, double t, double sigma, double r)
    {
        Assert.Equal(Black76.Value(right, f, k, t, sigma, r).Price, Black76.Price(right, f, k, t, sigma, r));
    }

    [Property(MaxTest = 1000)]
    public Property Price_Call_WithinNoArbitrageBounds()
    {
        var markets = Gen.Choose(0, 6000).SelectMany(f => Gen.Choose(0, 6000).SelectMany(k => Gen.Choose(-6000, 700).SelectMany(t =>
            Gen.Choose(-2000, 500).SelectMany(s => Gen.Choose(-500, 2000).Select(r =>
                (F: Math.Pow(10, f / 1000.0), K: Math.Pow(10, k / 1000.0), T: Math.Pow(10, t / 1000.0), Sigma: Math.Pow(10, s / 1000.0), R: r / 10_000.0))))));
        return Prop.ForAll(markets.ToArbitrary(), m =>
        {
            var v = Black76.Value(OptionRight.Call, m.F, m.K, m.T, m.Sigma, m.R);
            var discount = Math.Exp(-m.R * m.T);
            return v.Price >= discount * Math.Max(m.F - m.K, 0) && v.Price <= discount * m.F
                && v.Delta >= 0 && v.Delta <= discount && v.Gamma >= 0 && v.Vega >= 0
                && double.IsFinite(v.Theta) && double.IsFinite(v.Gamma);
        });
    }

    [Theory]
    [InlineData(OptionRight.Call, 110.0, 10.0, 1.0)]
    [InlineData(OptionRight.Call, 90.0, 0.0, 0.0)]
    [InlineData(OptionRight.Call, 100.0, 0.0, 0.5)]
    [InlineData(OptionRight.Put, 110.0, 0.0, 0.0)]
    [InlineData(OptionRight.Put, 90.0, 10.0, -1.0)]
    [InlineData(OptionRight.Put, 100.0, 0.0, -0.5)]
    public void Value_VanishingStandardDeviation_IsDiscountedIntrinsic(OptionRight right, double f, double intrinsic, double step)
    {
        // sigma sqrt(T) = 0.5e-20, far below the 1e-15 threshold; T is small enough that e^(-rT) rounds to 1.
        var v = Black76.Value(right, f, 100, 1e-40, 0.5, 0.05);

        Assert.Equal(intrinsic, v.Price);
        Assert.Equal(step, v.Delta);
        Assert.Equal(0.0, v.Gamma);
        Assert.Equal(0.0, v.Vega);
        Assert.Equal(0.05 * intrinsic, v.Theta, 1e-15);
    }

    [Theory]
    [InlineData(1e-300, 1e300)]
    [InlineData(1e300, 1e-300)]
    [InlineData(100.0, 100.0)]
    [InlineData(100.0, 100.000000000001)]
    public void Value_ExtremeMoneynessOrJustAboveThreshold_IsFinite(double f, double k)
    {
        foreach (var right in new[] { OptionRight.Call, OptionRight.Put })
        {
            foreach (var t in new[] { 1e-28, 1e-20, Hour, 1.0 })
            {
                var v = Black76.Value(right, f, k, t, 0.5, 0.05);

                Assert.True(double.IsFinite(v.Price) && double.IsFinite(v.Delta) && double.IsFinite(v.Gamma)
                    && double.IsFinite(v.Vega) && double.IsFinite(v.Theta), $"{right} F={f} K={k} T={t}: {v}");
                Assert.True(v.Gamma >= 0 && v.Vega >= 0, $"{right} F={f} K={k} T={t}: {v}");
            }
        }
    }

    [Fact]
    public void Value_DeepInTheMoneyCall_IsDiscountedForwardMinusStrikeWithFullDelta()
    {
        var v = Black76.Value(OptionRight.Call, 100, 1, 0.5, 0.2, 0.05);
        var discount = Math.Exp(-0.025);

        Assert.Equal(discount * 99, v.Price, 1e-12);
        Assert.Equal(discount, v.Delta, 1e-15);
        Assert.Equal(0.0, v.Gamma, 1e-15);
    }

    [Theory]
    [MemberData(nameof(InvalidInputs))]
    public void Value_InvalidInput_Throws(double f, double k, double t, double sigma, double r)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Black76.Value(OptionRight.Call, f, k, t, sigma, r));
        Assert.Throws<ArgumentOutOfRangeException>(() => Black76.Price(OptionRight.Put, f, k, t, sigma, r));
    }

    [Fact]
    public void Value_UndefinedRight_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Black76.Value((OptionRight)7, 100, 100, 1, 0.5, 0.05));
    }

    [Fact]
    public void Forward_Spot_GrowsAtTheRate()
    {
        Assert.Equal(100 * Math.Exp(0.05 * 0.5), Black76.Forward(100, 0.5, 0.05));
        Assert.Equal(100.0, Black76.Forward(100, 0, 0.05));
    }

    [Theory]
    [InlineData(0.0, 1.0, 0.05)]
    [InlineData(100.0, -1.0, 0.05)]
    [InlineData(100.0, 1.0, double.NaN)]
    [InlineData(100.0, 1.0, 1e300)]
    public void Forward_InvalidInput_Throws(double spot, double t, double r)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Black76.Forward(spot, t, r));
    }

    [Theory]
    [InlineData(OptionRight.Call, 100.0, 0.5, 0.6, 0.05)]
    [InlineData(OptionRight.Put, 100.0, 0.5, 0.6, 0.05)]
    [InlineData(OptionRight.Call, 90.0, 2.0, 0.3, 0.1)]
    [InlineData(OptionRight.Put, 130.0, 7.0 / 365, 0.9, 0.04)]
    public void SpotDelta_ForwardFromSpot_MatchesFiniteDifferenceInSpot(OptionRight right, double k, double t, double sigma, double r)
    {
        const double spot = 100;
        const double h = 1e-4;
        double PriceAtSpot(double s) => Black76.Price(right, Black76.Forward(s, t, r), k, t, sigma, r);
        var fd = (PriceAtSpot(spot + h) - PriceAtSpot(spot - h)) / (2 * h);

        var spotDelta = Black76.SpotDelta(Black76.Value(right, Black76.Forward(spot, t, r), k, t, sigma, r).Delta, t, r);

        AssertClose("spot delta", spotDelta, fd, 1e-9);
    }

    private static void AssertClose(string greek, double analytic, double numeric, double absoluteFloor)
    {
        var tolerance = (1e-5 * Math.Abs(analytic)) + absoluteFloor;
        Assert.True(Math.Abs(analytic - numeric) <= tolerance, $"{greek}: analytic {analytic:R}, finite difference {numeric:R}");
    }
}
