using Margin.Engine.Instruments;

namespace Margin.Engine.Pricing;

/// <summary>Black-76: the value and Greeks of a European option on a forward, discounted at a continuous rate.</summary>
/// <remarks>
/// <para>
/// With forward <c>F</c>, strike <c>K</c>, time to expiry <c>T</c> in years, volatility <c>sigma</c> (an annualised
/// fraction, 0.6 = 60 %) and continuously compounded rate <c>r</c> (discount factor <c>D = e^(-rT)</c>):
/// <c>d1 = (ln(F/K) + sigma^2 T / 2) / (sigma sqrt T)</c>, <c>d2 = d1 - sigma sqrt T</c>,
/// call <c>D (F N(d1) - K N(d2))</c>, put <c>D (K N(-d2) - F N(-d1))</c>. The put is computed from the tails
/// <c>N(-d)</c>, not as <c>1 - N(d)</c>, so deep out-of-the-money prices keep their accuracy. Rounding is kept inside
/// the no-arbitrage bounds by clamping the price to <c>[D max(F - K, 0), D F]</c> for a call and
/// <c>[D max(K - F, 0), D K]</c> for a put.
/// </para>
/// <para>
/// Greeks are analytic and taken with respect to the forward at a fixed forward: delta <c>D N(d1)</c> (call) or
/// <c>-D N(-d1)</c> (put), gamma <c>D phi(d1) / (F sigma sqrt T)</c>, vega <c>D F phi(d1) sqrt T</c>, theta
/// <c>r V - D F phi(d1) sigma / (2 sqrt T)</c>. For options on a spot with <c>F = S e^(rT)</c>, see
/// <see cref="Forward"/> and <see cref="SpotDelta"/>.
/// </para>
/// <para>
/// When <c>sigma sqrt T</c> is below <see cref="MinimumStandardDeviation"/> (1e-15) the option is worth its discounted
/// intrinsic value: the time value ignored is at most <c>0.4 F sigma sqrt T</c>, less than the rounding of <c>F</c>
/// itself. Delta is then <c>D</c> or 0 (a put: <c>-D</c> or 0) by moneyness and half of that exactly at the money,
/// gamma and vega are 0 and theta is <c>r V</c> (the pull of discounting only): the exact Greeks are a step and a spike
/// at the strike, which no finite number represents. Above the threshold every input in range gives finite results.
/// </para>
/// </remarks>
public static class Black76
{
    /// <summary>The <c>sigma sqrt T</c> below which an option is valued at its discounted intrinsic value.</summary>
    public const double MinimumStandardDeviation = 1e-15;

    /// <summary>The price and analytic Greeks of a European option on a forward.</summary>
    /// <param name="right">Call or put.</param>
    /// <param name="forward">The forward price <c>F</c>, finite and positive.</param>
    /// <param name="strike">The strike <c>K</c> in the forward's units, finite and positive.</param>
    /// <param name="timeToExpiry">The time to expiry <c>T</c> in years, finite and positive.</param>
    /// <param name="volatility">The annualised volatility <c>sigma</c> (0.6 = 60 %), finite and positive.</param>
    /// <param name="rate">The continuously compounded discount rate <c>r</c> per year (0.05 = 5 %), finite; may be negative.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range, or <c>sigma sqrt T</c> or <c>e^(-rT)</c> overflows.</exception>
    public static OptionValuation Value(OptionRight right, double forward, double strike, double timeToExpiry, double volatility, double rate)
    {
        var (discount, sqrtT, stdDev) = Validate(right, forward, strike, timeToExpiry, volatility, rate);
        var isCall = right == OptionRight.Call;
        if (stdDev < MinimumStandardDeviation)
        {
            var intrinsic = discount * Intrinsic(isCall, forward, strike);
            var step = forward > strike ? 1.0 : forward < strike ? 0.0 : 0.5;
            var delta = isCall ? discount * step : -discount * (1.0 - step);
            return new OptionValuation(intrinsic, delta, 0.0, 0.0, rate * intrinsic);
        }

        var d1 = (Math.Log(forward / strike) / stdDev) + (0.5 * stdDev);
        var d2 = d1 - stdDev;
        var price = Clamp(isCall, PriceAt(isCall, forward, strike, discount, d1, d2), forward, strike, discount);
        var density = NormalDistribution.Pdf(d1);
        var forwardDelta = isCall
            ? discount * NormalDistribution.Cdf(d1)
            : -discount * NormalDistribution.Cdf(-d1);
        var gamma = discount * density / (forward * stdDev);
        var vega = discount * forward * density * sqrtT;
        var theta = (rate * price) - (discount * forward * density * volatility / (2.0 * sqrtT));
        return new OptionValuation(price, forwardDelta, gamma, vega, theta);
    }

    /// <summary>The price alone of a European option on a forward; the same number as <see cref="Value"/>'s price, without the Greeks.</summary>
    /// <param name="right">Call or put.</param>
    /// <param name="forward">The forward price <c>F</c>, finite and positive.</param>
    /// <param name="strike">The strike <c>K</c> in the forward's units, finite and positive.</param>
    /// <param name="timeToExpiry">The time to expiry <c>T</c> in years, finite and positive.</param>
    /// <param name="volatility">The annualised volatility <c>sigma</c>, finite and positive.</param>
    /// <param name="rate">The continuously compounded discount rate <c>r</c> per year, finite.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range, or <c>sigma sqrt T</c> or <c>e^(-rT)</c> overflows.</exception>
    public static double Price(OptionRight right, double forward, double strike, double timeToExpiry, double volatility, double rate)
    {
        var (discount, _, stdDev) = Validate(right, forward, strike, timeToExpiry, volatility, rate);
        var isCall = right == OptionRight.Call;
        if (stdDev < MinimumStandardDeviation)
        {
            return discount * Intrinsic(isCall, forward, strike);
        }

        var d1 = (Math.Log(forward / strike) / stdDev) + (0.5 * stdDev);
        return Clamp(isCall, PriceAt(isCall, forward, strike, discount, d1, d1 - stdDev), forward, strike, discount);
    }

    /// <summary>The forward of a spot price under a deterministic rate and no carry: <c>F = S e^(rT)</c>.</summary>
    /// <remarks>For crypto options the forward should come from the matching future when there is one (MARGIN-MODEL.md 4); this is the fallback.</remarks>
    /// <param name="spot">The spot price <c>S</c>, finite and positive.</param>
    /// <param name="timeToExpiry">The time <c>T</c> in years, finite and not negative.</param>
    /// <param name="rate">The continuously compounded rate <c>r</c> per year, finite.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range, or the forward overflows.</exception>
    public static double Forward(double spot, double timeToExpiry, double rate)
    {
        CheckPositive(spot, nameof(spot));
        if (!double.IsFinite(timeToExpiry) || timeToExpiry < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(timeToExpiry), timeToExpiry, "the time to expiry must be finite and not negative");
        }

        CheckFinite(rate, nameof(rate));
        var forward = spot * Math.Exp(rate * timeToExpiry);
        if (!double.IsFinite(forward) || forward <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "the forward S e^(rT) is not a finite positive number");
        }

        return forward;
    }

    /// <summary>The delta with respect to spot, <c>dV/dS = e^(rT) dV/dF</c>, of an option whose forward is <c>F = S e^(rT)</c>.</summary>
    /// <remarks>
    /// Valid only when the forward is derived from spot by <see cref="Forward"/> with the same <c>r</c> and <c>T</c>
    /// (a call's spot delta is then <c>N(d1)</c>). When the forward is a futures price the hedge is the future and
    /// <see cref="OptionValuation.Delta"/> is the delta to use.
    /// </remarks>
    /// <param name="forwardDelta">The delta with respect to the forward, <see cref="OptionValuation.Delta"/>.</param>
    /// <param name="timeToExpiry">The time <c>T</c> in years, finite and not negative.</param>
    /// <param name="rate">The continuously compounded rate <c>r</c> per year, finite.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is not finite, or the time is negative.</exception>
    public static double SpotDelta(double forwardDelta, double timeToExpiry, double rate)
    {
        CheckFinite(forwardDelta, nameof(forwardDelta));
        if (!double.IsFinite(timeToExpiry) || timeToExpiry < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(timeToExpiry), timeToExpiry, "the time to expiry must be finite and not negative");
        }

        CheckFinite(rate, nameof(rate));
        return forwardDelta * Math.Exp(rate * timeToExpiry);
    }

    private static double PriceAt(bool isCall, double forward, double strike, double discount, double d1, double d2) => isCall
        ? discount * ((forward * NormalDistribution.Cdf(d1)) - (strike * NormalDistribution.Cdf(d2)))
        : discount * ((strike * NormalDistribution.Cdf(-d2)) - (forward * NormalDistribution.Cdf(-d1)));

    private static double Intrinsic(bool isCall, double forward, double strike) =>
        Math.Max(isCall ? forward - strike : strike - forward, 0.0);

    private static double Clamp(bool isCall, double price, double forward, double strike, double discount) =>
        Math.Clamp(price, discount * Intrinsic(isCall, forward, strike), discount * (isCall ? forward : strike));

    private static (double Discount, double SqrtT, double StdDev) Validate(
        OptionRight right, double forward, double strike, double timeToExpiry, double volatility, double rate)
    {
        if (!Enum.IsDefined(right))
        {
            throw new ArgumentOutOfRangeException(nameof(right), right, "unknown option right");
        }

        CheckPositive(forward, nameof(forward));
        CheckPositive(strike, nameof(strike));
        CheckPositive(timeToExpiry, nameof(timeToExpiry));
        CheckPositive(volatility, nameof(volatility));
        CheckFinite(rate, nameof(rate));

        var sqrtT = Math.Sqrt(timeToExpiry);
        var stdDev = volatility * sqrtT;
        if (!double.IsFinite(stdDev))
        {
            throw new ArgumentOutOfRangeException(nameof(volatility), volatility, "sigma sqrt(T) overflows");
        }

        var discount = Math.Exp(-rate * timeToExpiry);
        if (!double.IsFinite(discount))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "the discount factor e^(-rT) overflows");
        }

        return (discount, sqrtT, stdDev);
    }

    private static void CheckPositive(double value, string name)
    {
        if (!double.IsFinite(value) || value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, "must be finite and positive");
        }
    }

    private static void CheckFinite(double value, string name)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(name, value, "must be finite");
        }
    }
}
