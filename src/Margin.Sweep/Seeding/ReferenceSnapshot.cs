using System.Globalization;
using Margin.Engine.Parameters;
using Margin.Engine.Prices;
using Margin.Engine.Statistics;

namespace Margin.Sweep.Seeding;

/// <summary>Builds the price snapshot of a reference market: asset prices as given, instrument marks derived from them, correlations from the market loadings.</summary>
/// <remarks>
/// Every asset is priced at its reference price (<c>referencePrice</c> the same, confidence 0, published at <c>asOf</c>,
/// usable) with <c>sigmaShort = sigmaLong</c> = its volatility. Instrument marks come from
/// <see cref="InstrumentMarks.Derive(RiskParameters, IReadOnlyDictionary{string, AssetPrice}, DateTimeOffset)"/>
/// (perpetuals at the index, futures at the forward, options by Black-76). The correlations are a one-factor model:
/// <c>rho_ij = b_i b_j</c> for the loadings <c>b</c>, a valid correlation matrix by construction. The snapshot is quoted in
/// the parameters' settlement currency.
/// </remarks>
public static class ReferenceSnapshot
{
    /// <summary>Creates the snapshot of a reference market.</summary>
    /// <param name="id">The snapshot id.</param>
    /// <param name="asOf">The time the prices describe.</param>
    /// <param name="parameters">The instruments to mark, and the settlement currency the prices are quoted in.</param>
    /// <param name="market">One entry per asset.</param>
    /// <exception cref="ArgumentException">The id is empty, an asset appears twice, or a price, volatility or loading is out of range; the message names the asset and the field.</exception>
    public static PriceSnapshot Create(string id, DateTimeOffset asOf, RiskParameters parameters, IEnumerable<ReferenceAsset> market)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(market);
        var entries = market.ToList();
        var prices = new Dictionary<string, AssetPrice>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            ArgumentNullException.ThrowIfNull(entry, nameof(market));
            Check(entry);
            var price = AssetPrice.Create(entry.Asset, entry.Price, asOf, sigmaShort: entry.Volatility, sigmaLong: entry.Volatility);
            if (!prices.TryAdd(entry.Asset.Symbol, price))
            {
                throw new ArgumentException($"asset {entry.Asset} appears twice in the reference market", nameof(market));
            }
        }

        var n = entries.Count;
        var correlations = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                correlations[(i * n) + j] = i == j ? 1.0 : entries[i].MarketLoading * entries[j].MarketLoading;
            }
        }

        var matrix = n == 0 ? null : CorrelationMatrix.Create(entries.Select(e => e.Asset), correlations);
        var marks = InstrumentMarks.Derive(parameters, prices, asOf);
        return PriceSnapshot.Create(id, asOf, parameters.Settlement, prices.Values, marks, correlations: matrix);
    }

    private static void Check(ReferenceAsset entry)
    {
        if (entry.Asset.IsDefault)
        {
            throw new ArgumentException("a reference asset has no asset", nameof(entry));
        }

        if (entry.Price <= 0m)
        {
            throw new ArgumentException($"reference asset {entry.Asset}: price must be positive (got {entry.Price})", nameof(entry));
        }

        if (!(double.IsFinite(entry.Volatility) && entry.Volatility >= 0.0))
        {
            throw new ArgumentException($"reference asset {entry.Asset}: volatility must be finite and not negative (got {entry.Volatility.ToString(CultureInfo.InvariantCulture)})", nameof(entry));
        }

        if (!(entry.MarketLoading >= -1.0 && entry.MarketLoading <= 1.0))
        {
            throw new ArgumentException($"reference asset {entry.Asset}: marketLoading must be in [-1, 1] (got {entry.MarketLoading.ToString(CultureInfo.InvariantCulture)})", nameof(entry));
        }
    }
}
