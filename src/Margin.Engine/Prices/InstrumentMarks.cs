using System.Globalization;
using Margin.Engine.Evaluation;
using Margin.Engine.Instruments;
using Margin.Engine.Numerics;
using Margin.Engine.Parameters;
using Margin.Engine.Pricing;

namespace Margin.Engine.Prices;

/// <summary>Derives every configured instrument's mark from the prices of the underlyings: perpetuals at the index, futures at the forward, options by Black-76.</summary>
/// <remarks>
/// <para>
/// For an instrument on underlying <c>u</c> with oracle price <c>S</c> (the <see cref="AssetPrice.Price"/>, even when
/// unusable: it is the last good one), at time <c>asOf</c>:
/// </para>
/// <list type="bullet">
/// <item><b>Perpetual</b> (linear or inverse): <c>mark = S</c>, exactly.</item>
/// <item><b>Future</b> (linear or inverse): <c>mark = F = S e^(rT)</c>, with <c>r</c> the portfolio underlying's
/// <see cref="UnderlyingRiskParameters.Rate"/> when the parameters configure a grid for <c>u</c>, else 0 (then
/// <c>mark = S</c> exactly), and <c>T</c> the years to expiry (days / 365, at least one day, as everywhere in the engine).</item>
/// <item><b>Option</b>: <c>mark = Black76(F, K, T, sigma, r)</c> per base unit (the engine multiplies by the contract's
/// multiplier), on the same forward, discounted at the same rate. <c>sigma</c> is the underlying's volatility surface
/// (<c>atm(T) + skew ln(K / F)</c>, floored at the grid's minimum volatility) when the parameters configure one, else the
/// asset's <see cref="AssetPrice.SigmaLong"/>, else its <see cref="AssetPrice.SigmaShort"/> (a zero volatility counts as
/// none). The volatility used is returned as the mark's <see cref="InstrumentPrice.ImpliedVolatility"/>, so portfolio
/// mode and the projection revalue the option on the volatility it was marked with.</item>
/// </list>
/// <para>
/// Marks computed in <see cref="double"/> (a forward with <c>r != 0</c>, every option) are rounded to
/// <see cref="SignificantDigits"/> significant digits (never below whole units for marks of 10^8 and more) and returned as
/// exact decimals; a value that rounds to nothing is marked at <see cref="MinimumMark"/>, since a mark must be positive.
/// </para>
/// <para>
/// <b>Unusable marks</b> carry every reason, joined by <c>"; "</c>, so that results depending on them are
/// <c>PriceSuspect</c> and never liquidate:
/// </para>
/// <list type="bullet">
/// <item>the underlying's price is unusable: the mark is derived from that last good price and marked unusable with the
/// underlying's reason;</item>
/// <item>the instrument has expired (expiry at or before <c>asOf</c>): a future is marked at <c>S</c> and an option at its
/// intrinsic value <c>max(S - K, 0)</c> or <c>max(K - S, 0)</c> (at least <see cref="MinimumMark"/>), the value it settles
/// at; the engine refuses accounts that still hold it, so the mark is only reported;</item>
/// <item>an option has no volatility: the previous mark when the caller passes one, else its intrinsic value on the
/// forward, discounted (at least <see cref="MinimumMark"/>), a lower bound of its value;</item>
/// <item>the underlying has no price at all: the previous mark when the caller passes one, else the instrument is
/// <b>left out</b>: there is nothing to derive a value from, and a made-up mark would value accounts wrongly. The engine
/// then fails the accounts that trade it with "no mark", as it fails accounts on an unpriced asset.</item>
/// </list>
/// <para>Deterministic: the same inputs give the same marks, in ascending ordinal order of instrument id.</para>
/// </remarks>
public static class InstrumentMarks
{
    /// <summary>The significant digits a mark computed in <see cref="double"/> keeps.</summary>
    public const int SignificantDigits = 8;

    /// <summary>The mark given to a value that rounds to nothing (a far out-of-the-money option, an expired one out of the money): the smallest positive decimal, 1e-28.</summary>
    public const decimal MinimumMark = 0.0000000000000000000000000001m;

    /// <summary>Derives the marks of every instrument the parameters configure from the underlyings' prices.</summary>
    /// <param name="parameters">The instruments, and the portfolio grids' rates and volatility surfaces.</param>
    /// <param name="assets">Asset prices by symbol, in the parameters' settlement currency.</param>
    /// <param name="asOf">The time the marks describe (the snapshot's); expiries are measured from it.</param>
    /// <returns>One mark per instrument whose underlying has a price, by ascending instrument id; see the remarks for unusable marks.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IReadOnlyList<InstrumentPrice> Derive(RiskParameters parameters, IReadOnlyDictionary<string, AssetPrice> assets, DateTimeOffset asOf) =>
        Derive(parameters, assets, asOf, previous: null);

    /// <summary>Derives the marks of every instrument the parameters configure, keeping a previous mark (marked unusable) where none can be derived.</summary>
    /// <param name="parameters">The instruments, and the portfolio grids' rates and volatility surfaces.</param>
    /// <param name="assets">Asset prices by symbol, in the parameters' settlement currency.</param>
    /// <param name="asOf">The time the marks describe (the snapshot's); expiries are measured from it.</param>
    /// <param name="previous">The previous snapshot's marks by instrument id, or null: the last good mark of an instrument whose underlying has no price or whose option has no volatility.</param>
    /// <returns>One mark per instrument that has a price or a previous mark, by ascending instrument id.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="parameters"/> or <paramref name="assets"/> is null.</exception>
    public static IReadOnlyList<InstrumentPrice> Derive(RiskParameters parameters, IReadOnlyDictionary<string, AssetPrice> assets, DateTimeOffset asOf, IReadOnlyDictionary<string, InstrumentPrice>? previous) =>
        Derive(parameters, assets, asOf, previous, volatilityFactors: null);

    /// <summary>Derives the marks as <see cref="Derive(RiskParameters, IReadOnlyDictionary{string, AssetPrice}, DateTimeOffset, IReadOnlyDictionary{string, InstrumentPrice})"/> does, with each option's volatility scaled by its underlying's factor (a stress scenario's volatility shock).</summary>
    /// <param name="parameters">The instruments, and the portfolio grids' rates and volatility surfaces.</param>
    /// <param name="assets">Asset prices by symbol, in the parameters' settlement currency.</param>
    /// <param name="asOf">The time the marks describe.</param>
    /// <param name="previous">The previous snapshot's marks by instrument id, or null.</param>
    /// <param name="volatilityFactors">Per underlying symbol, the factor (positive) applied to the volatility an option on it is marked with (surface or sigma); null or a missing underlying: 1.</param>
    /// <returns>One mark per instrument that has a price or a previous mark, by ascending instrument id.</returns>
    public static IReadOnlyList<InstrumentPrice> Derive(RiskParameters parameters, IReadOnlyDictionary<string, AssetPrice> assets, DateTimeOffset asOf, IReadOnlyDictionary<string, InstrumentPrice>? previous, IReadOnlyDictionary<string, double>? volatilityFactors)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(assets);
        var marks = new List<InstrumentPrice>(parameters.Instruments.Count);
        foreach (var (_, p) in parameters.Instruments.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var factor = volatilityFactors is not null && volatilityFactors.TryGetValue(p.Instrument.Underlying.Symbol, out var f) ? f : 1.0;
            if (Mark(parameters, p.Instrument, assets, asOf, previous, factor) is { } mark)
            {
                marks.Add(mark);
            }
        }

        return marks;
    }

    /// <summary>Rounds a positive, finite value to <see cref="SignificantDigits"/> significant digits (whole units at least), exactly; <see cref="MinimumMark"/> when it rounds to nothing.</summary>
    internal static decimal RoundSignificant(double value)
    {
        if (!double.IsFinite(value) || value <= 0.0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "a mark must be finite and positive");
        }

        var exact = DecimalMath.FromDouble(value);
        if (exact == 0m)
        {
            return MinimumMark;
        }

        // The exponent of the first significant digit, found by comparison so that a power of ten is never misjudged.
        var exponent = 0;
        for (var power = 10m; exponent < 28 && exact >= power; power *= 10m)
        {
            exponent++;
        }

        for (var power = 1m; exponent > -28 && exact < power; power /= 10m)
        {
            exponent--;
        }

        var decimals = Math.Clamp(SignificantDigits - 1 - exponent, 0, 28);
        var rounded = decimal.Round(exact, decimals, MidpointRounding.AwayFromZero);

        // Dividing by 1 at a high scale drops trailing zeros (7975.623, not 7975.6230); the value is unchanged.
        return rounded > 0m ? rounded / 1.000000000000000000000000000000000m : MinimumMark;
    }

    private static InstrumentPrice? Mark(RiskParameters parameters, Instrument instrument, IReadOnlyDictionary<string, AssetPrice> assets, DateTimeOffset asOf, IReadOnlyDictionary<string, InstrumentPrice>? previous, double volatilityFactor)
    {
        var id = instrument.Id;
        var underlying = instrument.Underlying.Symbol;
        if (!assets.TryGetValue(underlying, out var price))
        {
            return Previous(id, previous, $"underlying {underlying} has no price");
        }

        var reasons = new List<string>(2);
        if (price.UnusableReason is { } unusable)
        {
            reasons.Add($"the price of underlying {underlying} is unusable: {unusable}");
        }

        var spot = price.Price;
        var expired = instrument.Expiry is { } expiry && expiry <= asOf;
        if (expired)
        {
            reasons.Insert(0, string.Create(CultureInfo.InvariantCulture, $"{id} expired at {instrument.Expiry!.Value:O}, at or before {asOf:O}"));
        }

        switch (instrument)
        {
            case Perpetual:
                return Create(id, spot, null, reasons);

            case Future future:
                return Create(id, expired ? spot : Forward(spot, Years(future.ExpiresAt, asOf), Grid(parameters, underlying)?.Rate ?? 0.0), null, reasons);

            case EuropeanOption option when expired:
                return Create(id, Positive(Intrinsic(option, spot)), null, reasons);

            case EuropeanOption option:
                return OptionMark(parameters, option, price, asOf, previous, reasons, volatilityFactor);

            default:
                throw new ArgumentException($"instrument {id} is of an unsupported type {instrument.GetType().Name}", nameof(instrument));
        }
    }

    private static InstrumentPrice OptionMark(RiskParameters parameters, EuropeanOption option, AssetPrice price, DateTimeOffset asOf, IReadOnlyDictionary<string, InstrumentPrice>? previous, List<string> reasons, double volatilityFactor)
    {
        var grid = Grid(parameters, option.Underlying.Symbol);
        var rate = grid?.Rate ?? 0.0;
        var years = Years(option.ExpiresAt, asOf);
        var spot = (double)price.Price;
        var forward = Black76.Forward(spot, years, rate);
        var strike = (double)option.Strike;
        double? volatility = grid?.Surface is { } surface
            ? Math.Max(surface.VolatilityAt(years * 365.0, Math.Log(strike / forward)), grid.Grid.MinimumVolatility)
            : price.SigmaLong is > 0.0 ? price.SigmaLong
            : price.SigmaShort is > 0.0 ? price.SigmaShort
            : null;
        if (volatility is not { } sigma)
        {
            reasons.Add($"no volatility for {option.Id}: configure a volatility surface for {option.Underlying} or estimate its sigmaLong or sigmaShort");
            if (previous is not null && previous.TryGetValue(option.Id, out var last))
            {
                return InstrumentPrice.Create(option.Id, last.Mark, last.ImpliedVolatility, string.Join("; ", reasons));
            }

            var intrinsic = Math.Exp(-rate * years) * (option.Right == OptionRight.Call ? Math.Max(forward - strike, 0.0) : Math.Max(strike - forward, 0.0));
            return Create(option.Id, intrinsic > 0.0 ? RoundSignificant(intrinsic) : MinimumMark, null, reasons);
        }

        sigma *= volatilityFactor;
        var value = Black76.Price(option.Right, forward, strike, years, sigma, rate);
        return Create(option.Id, value > 0.0 ? RoundSignificant(value) : MinimumMark, sigma, reasons);
    }

    private static InstrumentPrice? Previous(string id, IReadOnlyDictionary<string, InstrumentPrice>? previous, string reason) =>
        previous is not null && previous.TryGetValue(id, out var last)
            ? InstrumentPrice.Create(id, last.Mark, last.ImpliedVolatility, reason)
            : null;

    private static InstrumentPrice Create(string id, decimal mark, double? volatility, List<string> reasons) =>
        InstrumentPrice.Create(id, mark, volatility, reasons.Count == 0 ? null : string.Join("; ", reasons));

    private static decimal Forward(decimal spot, double years, double rate) =>
        rate == 0.0 ? spot : RoundSignificant(Black76.Forward((double)spot, years, rate));

    private static decimal Intrinsic(EuropeanOption option, decimal spot) =>
        option.Right == OptionRight.Call ? Math.Max(0m, spot - option.Strike) : Math.Max(0m, option.Strike - spot);

    private static decimal Positive(decimal value) => value > 0m ? value : MinimumMark;

    internal static double Years(DateTimeOffset expiry, DateTimeOffset asOf) => PortfolioBook.YearsTo(expiry, asOf);

    internal static UnderlyingRiskParameters? Grid(RiskParameters parameters, string underlying) =>
        parameters.Portfolio is { } portfolio && portfolio.Underlyings.TryGetValue(underlying, out var u) ? u : null;
}
