using Margin.Engine.Domain;
using Margin.Engine.Oracles;
using Margin.Infrastructure.Documents;
using Margin.Sweep.Ports;

namespace Margin.Infrastructure.Oracles;

/// <summary>Collects one source's answer: at most one quote per asset, or the reason there is none; no asset is left out.</summary>
/// <remarks>
/// A quote with a non-positive price or a negative confidence is turned into a problem here, so every source applies the
/// same rule. An asset that ends up with neither a quote nor a problem gets the problem <paramref name="missingReason"/>
/// (a source's "absent from the answer").
/// </remarks>
internal sealed class OracleFetchBuilder(string sourceId, IReadOnlyList<Asset> assets, string missingReason)
{
    private readonly Dictionary<Asset, OracleQuote> _quotes = [];
    private readonly Dictionary<string, string> _problems = new(StringComparer.Ordinal);

    /// <summary>The requested assets, validated and without repeats, in their first order.</summary>
    public IReadOnlyList<Asset> Assets { get; } = Distinct(assets);

    /// <summary>Takes a quote, or makes it a problem when its price is not positive or its confidence negative.</summary>
    /// <param name="asset">The quoted asset.</param>
    /// <param name="price">USD per unit.</param>
    /// <param name="confidence">USD half-width.</param>
    /// <param name="publishTime">When the source published it.</param>
    /// <param name="context">What the venue called it (<c>feed ...</c>, <c>pair ...</c>), the first words of a problem.</param>
    public void Quote(Asset asset, decimal price, decimal confidence, DateTimeOffset publishTime, string context)
    {
        if (price <= 0m)
        {
            Problem(asset, $"{context}: the price {DecimalText.Format(price)} is not positive");
        }
        else if (confidence < 0m)
        {
            Problem(asset, $"{context}: the confidence {DecimalText.Format(confidence)} is negative");
        }
        else if (!_problems.ContainsKey(asset.Symbol))
        {
            _quotes[asset] = OracleQuote.Create(sourceId, asset, price, confidence, publishTime);
        }
    }

    /// <summary>The wanted assets grouped by the venue key that quotes them (several assets may share one); an asset without a key gets the problem <paramref name="unconfigured"/> names.</summary>
    /// <param name="keyOf">The asset's venue symbol, product, pair or feed id, or null when none is configured.</param>
    /// <param name="unconfigured">The problem of an asset without one.</param>
    public Dictionary<string, List<Asset>> GroupByVenueKey(Func<Asset, string?> keyOf, Func<Asset, string> unconfigured)
    {
        var owners = new Dictionary<string, List<Asset>>(StringComparer.Ordinal);
        foreach (var asset in Assets)
        {
            if (keyOf(asset) is { } key)
            {
                owners.TryAdd(key, []);
                owners[key].Add(asset);
            }
            else
            {
                Problem(asset, unconfigured(asset));
            }
        }

        return owners;
    }

    /// <summary>Records why <paramref name="asset"/> has no quote; a problem replaces a quote already taken.</summary>
    public void Problem(Asset asset, string reason)
    {
        _quotes.Remove(asset);
        _problems[asset.Symbol] = reason;
    }

    public OracleFetch Build()
    {
        foreach (var asset in Assets)
        {
            if (!_quotes.ContainsKey(asset) && !_problems.ContainsKey(asset.Symbol))
            {
                _problems[asset.Symbol] = missingReason;
            }
        }

        var quotes = Assets.Where(_quotes.ContainsKey).Select(a => _quotes[a]).ToArray();
        return new OracleFetch(quotes, _problems);
    }

    private static Asset[] Distinct(IReadOnlyList<Asset> assets)
    {
        ArgumentNullException.ThrowIfNull(assets);
        if (assets.Any(a => a.IsDefault))
        {
            throw new ArgumentException("an asset in the list is missing (default)", nameof(assets));
        }

        return [.. assets.Distinct()];
    }
}
