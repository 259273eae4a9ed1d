using Margin.Engine.Instruments;
using Margin.Engine.Parameters;
using Margin.Engine.Prices;
using Margin.Engine.Pricing;

namespace Margin.Engine.Stress;

/// <summary>Moves a price snapshot: asset prices by factors, volatilities by factors, and every instrument's mark with its underlying.</summary>
/// <remarks>
/// <para>An asset's price, reference price and confidence are multiplied by its price factor (the reference moves with
/// the market: a stress asks what the book is worth at the moved prices, not how fast a TWAP catches up); its
/// <c>sigma_short</c> and <c>sigma_long</c> by its volatility factor. The settlement asset never moves. A price the
/// snapshot marks unusable stays unusable with its reason (a broken oracle stays broken under stress, and the accounts
/// that depend on it stay <c>PriceSuspect</c>, which the run counts).</para>
/// <para>Marks move as the engine would derive them (<see cref="InstrumentMarks"/>) but anchored on the snapshot's own
/// mark, so that a zero shock leaves every mark exactly as it was: a perpetual or future keeps its mark times the ratio
/// of the derived marks after and before (the price factor, times the carry's unchanged ratio), and an option its mark
/// plus the change of its Black-76 value (at least <see cref="InstrumentMarks.MinimumMark"/>). An option's implied
/// volatility is multiplied by its underlying's volatility factor; an option whose mark quotes an implied volatility is
/// revalued on it (the volatility it was marked with). An instrument the parameters cannot derive keeps its
/// mark.</para>
/// <para>The moved snapshot is a hypothetical: it has its own id, the base's time, and no whole-snapshot unusable reason
/// (a stress run on a snapshot older than its maximum age asks what the prices would do, not whether they are fresh).</para>
/// </remarks>
public static class StressedMarket
{
    /// <summary>Moves a snapshot.</summary>
    /// <param name="snapshot">The base prices.</param>
    /// <param name="parameters">The instruments (to derive marks) and the settlement asset.</param>
    /// <param name="id">The moved snapshot's id.</param>
    /// <param name="priceFactors">Per asset symbol, the factor (positive) its price is multiplied by; a missing asset does not move.</param>
    /// <param name="volatilityFactors">Per asset symbol, the factor (positive) its volatilities are multiplied by; null or a missing asset: unchanged.</param>
    /// <returns>The moved snapshot.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A factor is not positive.</exception>
    public static PriceSnapshot Apply(PriceSnapshot snapshot, RiskParameters parameters, string id, IReadOnlyDictionary<string, decimal> priceFactors, IReadOnlyDictionary<string, double>? volatilityFactors = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(priceFactors);
        foreach (var (symbol, factor) in priceFactors)
        {
            if (factor <= 0m)
            {
                throw new ArgumentOutOfRangeException(nameof(priceFactors), factor, $"{symbol}: a price factor must be positive");
            }
        }

        foreach (var (symbol, factor) in volatilityFactors ?? new Dictionary<string, double>())
        {
            if (!double.IsFinite(factor) || factor <= 0.0)
            {
                throw new ArgumentOutOfRangeException(nameof(volatilityFactors), factor, $"{symbol}: a volatility factor must be finite and positive");
            }
        }

        var assets = new Dictionary<string, AssetPrice>(snapshot.Assets.Count, StringComparer.Ordinal);
        foreach (var (symbol, price) in snapshot.Assets)
        {
            var f = string.Equals(symbol, parameters.Settlement.Symbol, StringComparison.Ordinal) ? 1m : priceFactors.GetValueOrDefault(symbol, 1m);
            var v = volatilityFactors is not null && volatilityFactors.TryGetValue(symbol, out var vf) ? vf : 1.0;
            assets[symbol] = f == 1m && v == 1.0
                ? price
                : AssetPrice.Create(price.Asset, Positive(price.Price * f), price.PublishTime, Positive(price.ReferencePrice * f), price.Confidence * f, price.UnusableReason, price.SigmaShort * v, price.SigmaLong * v);
        }

        var before = Index(InstrumentMarks.Derive(parameters, snapshot.Assets, snapshot.AsOf, snapshot.Instruments));
        var after = Index(InstrumentMarks.Derive(parameters, assets, snapshot.AsOf, snapshot.Instruments, volatilityFactors));
        var marks = new List<InstrumentPrice>(snapshot.Instruments.Count);
        foreach (var (instrumentId, mark) in snapshot.Instruments.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!parameters.Instruments.TryGetValue(instrumentId, out var p) || !before.TryGetValue(instrumentId, out var b) || !after.TryGetValue(instrumentId, out var a))
            {
                marks.Add(mark);
                continue;
            }

            var v = volatilityFactors is not null && volatilityFactors.TryGetValue(p.Instrument.Underlying.Symbol, out var vf) ? vf : 1.0;
            var moved = p.Instrument is EuropeanOption option
                ? Math.Max(InstrumentMarks.MinimumMark, mark.Mark + OptionChange(option, mark, a, b, snapshot, assets, parameters, v))
                : Positive(mark.Mark * (a.Mark / b.Mark));
            marks.Add(moved == mark.Mark && v == 1.0 ? mark : InstrumentPrice.Create(instrumentId, moved, mark.ImpliedVolatility * v, mark.UnusableReason));
        }

        return PriceSnapshot.Create(id, snapshot.AsOf, snapshot.Quote, assets.Values, marks, snapshot.Defects.Values, unusableReason: null, snapshot.Correlations);
    }

    // The change of an option's value: on its quoted implied volatility when the mark carries one (the volatility it was
    // marked with), else as the engine derives marks (volatility surface or sigma; none: no change).
    private static decimal OptionChange(EuropeanOption option, InstrumentPrice mark, InstrumentPrice after, InstrumentPrice before, PriceSnapshot snapshot, Dictionary<string, AssetPrice> moved, RiskParameters parameters, double volatilityFactor)
    {
        if (mark.ImpliedVolatility is not { } iv
            || !snapshot.Assets.TryGetValue(option.Underlying.Symbol, out var spot0)
            || !moved.TryGetValue(option.Underlying.Symbol, out var spot1)
            || option.ExpiresAt <= snapshot.AsOf)
        {
            return after.Mark - before.Mark;
        }

        var rate = InstrumentMarks.Grid(parameters, option.Underlying.Symbol)?.Rate ?? 0.0;
        var years = InstrumentMarks.Years(option.ExpiresAt, snapshot.AsOf);
        var strike = (double)option.Strike;
        var was = Black76.Price(option.Right, Black76.Forward((double)spot0.Price, years, rate), strike, years, iv, rate);
        var now = Black76.Price(option.Right, Black76.Forward((double)spot1.Price, years, rate), strike, years, iv * volatilityFactor, rate);
        return (decimal)Math.Round(now - was, 8);
    }

    private static Dictionary<string, InstrumentPrice> Index(IReadOnlyList<InstrumentPrice> marks) =>
        marks.ToDictionary(m => m.InstrumentId, StringComparer.Ordinal);

    // A product of positive decimals can round to zero only far below any real price; a price must stay positive.
    private static decimal Positive(decimal value) => value > 0m ? value : InstrumentMarks.MinimumMark;
}
