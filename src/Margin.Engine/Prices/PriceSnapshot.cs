using System.Collections.Frozen;
using Margin.Engine.Domain;
using Margin.Engine.Statistics;

namespace Margin.Engine.Prices;

/// <summary>An immutable, named set of asset prices and instrument marks that every shard of a sweep shares.</summary>
/// <remarks>
/// All prices are in <see cref="Quote"/> (the settlement currency, USD). A snapshot that is itself unusable (older than
/// its maximum age) makes every result that uses it <c>PriceSuspect</c>. <see cref="Defects"/> holds prices that were
/// supplied but rejected, keyed by asset symbol or instrument id.
/// </remarks>
public sealed class PriceSnapshot
{
    private PriceSnapshot(string id, DateTimeOffset asOf, Asset quote, FrozenDictionary<string, AssetPrice> assets, FrozenDictionary<string, InstrumentPrice> instruments, FrozenDictionary<string, PriceDefect> defects, string? unusableReason, CorrelationMatrix? correlations)
    {
        Correlations = correlations;
        Id = id;
        AsOf = asOf;
        Quote = quote;
        Assets = assets;
        Instruments = instruments;
        Defects = defects;
        UnusableReason = unusableReason;
    }

    /// <summary>The snapshot id; every result records it.</summary>
    public string Id { get; }

    /// <summary>The time the snapshot describes; option and future expiries are measured from it.</summary>
    public DateTimeOffset AsOf { get; }

    /// <summary>The currency of every price.</summary>
    public Asset Quote { get; }

    /// <summary>Asset prices by symbol.</summary>
    public FrozenDictionary<string, AssetPrice> Assets { get; }

    /// <summary>Instrument marks by instrument id.</summary>
    public FrozenDictionary<string, InstrumentPrice> Instruments { get; }

    /// <summary>Rejected prices by asset symbol or instrument id.</summary>
    public FrozenDictionary<string, PriceDefect> Defects { get; }

    /// <summary>Why the whole snapshot is unusable (e.g. too old), or null.</summary>
    public string? UnusableReason { get; }

    /// <summary>Whether liquidations may rely on this snapshot at all.</summary>
    public bool Usable => UnusableReason is null;

    /// <summary>The correlations of the assets' returns frozen for this snapshot (MARGIN-MODEL.md section 4), or null when none were estimated.</summary>
    /// <remarks>
    /// Every shard of a sweep uses the same matrix. The engine treats a pair missing from it as perfectly correlated
    /// (<c>rho = 1</c>, the conservative choice where history is missing) and repairs the matrix it uses to positive
    /// semi-definite.
    /// </remarks>
    public CorrelationMatrix? Correlations { get; }

    /// <summary>Creates a snapshot.</summary>
    /// <exception cref="ArgumentException">The id is empty, a price is not in <paramref name="quote"/>'s terms, or an asset or instrument appears twice.</exception>
    public static PriceSnapshot Create(string id, DateTimeOffset asOf, Asset quote, IEnumerable<AssetPrice> assets, IEnumerable<InstrumentPrice> instruments, IEnumerable<PriceDefect>? defects = null, string? unusableReason = null, CorrelationMatrix? correlations = null)
    {
        ArgumentNullException.ThrowIfNull(assets);
        ArgumentNullException.ThrowIfNull(instruments);
        if (string.IsNullOrWhiteSpace(id))
        {
            throw new ArgumentException("the snapshot id must not be empty", nameof(id));
        }

        if (quote.IsDefault)
        {
            throw new ArgumentException("the snapshot's quote currency is missing", nameof(quote));
        }

        var a = new Dictionary<string, AssetPrice>(StringComparer.Ordinal);
        foreach (var price in assets)
        {
            if (!a.TryAdd(price.Asset.Symbol, price))
            {
                throw new ArgumentException($"asset {price.Asset} is priced twice in snapshot {id}", nameof(assets));
            }
        }

        var i = new Dictionary<string, InstrumentPrice>(StringComparer.Ordinal);
        foreach (var mark in instruments)
        {
            if (!i.TryAdd(mark.InstrumentId, mark))
            {
                throw new ArgumentException($"instrument {mark.InstrumentId} is marked twice in snapshot {id}", nameof(instruments));
            }
        }

        var d = new Dictionary<string, PriceDefect>(StringComparer.Ordinal);
        foreach (var defect in defects ?? [])
        {
            d.TryAdd(defect.Key, defect);
        }

        return new PriceSnapshot(id, asOf, quote, a.ToFrozenDictionary(StringComparer.Ordinal), i.ToFrozenDictionary(StringComparer.Ordinal), d.ToFrozenDictionary(StringComparer.Ordinal), unusableReason, correlations);
    }
}
