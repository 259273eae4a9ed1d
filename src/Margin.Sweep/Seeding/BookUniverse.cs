using Margin.Engine.Domain;
using Margin.Engine.Instruments;
using Margin.Engine.Parameters;
using Margin.Engine.Prices;

namespace Margin.Sweep.Seeding;

/// <summary>What a generated book may contain under one (parameters, snapshot) pair: the usable assets by class and the tradable instruments.</summary>
/// <remarks>
/// Only assets with a usable, non-defective price (and the <c>sigmaLong</c> their volatility-scaled weights need) and
/// instruments whose mark and underlying price are usable and that have not expired are used, so every generated account
/// evaluates. Classes come from <see cref="AssetRiskParameters.AssetClass"/>: <c>settlement</c> and <c>stablecoin</c> (and
/// the settlement asset) are stable, <c>bluechip</c> is major, anything else is an altcoin.
/// </remarks>
internal sealed class BookUniverse
{
    public required SeedAsset[] Stables { get; init; }

    public required SeedAsset[] Majors { get; init; }

    public required SeedAsset[] Alts { get; init; }

    public required SeedAsset[] Borrowables { get; init; }

    /// <summary>Where short-option premiums and the proceeds of borrowed coins go: the settlement asset when usable, else the most popular stable.</summary>
    public required SeedAsset Cash { get; init; }

    public required SeedInstrument[] Perpetuals { get; init; }

    public required SeedInstrument[] Futures { get; init; }

    public required SeedInstrument[] Options { get; init; }

    /// <summary>Whether portfolio-mode accounts can be generated: the parameters have a portfolio section and some instrument is portfolio-ready.</summary>
    public required bool PortfolioOffered { get; init; }

    /// <summary>The weight of a long option's mark in AE_M.</summary>
    public required double LongOptionWeight { get; init; }

    public static BookUniverse Create(RiskParameters parameters, PriceSnapshot snapshot)
    {
        var assets = new List<(SeedAsset Asset, string Class)>();
        foreach (var (symbol, p) in parameters.Assets.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!snapshot.Assets.TryGetValue(symbol, out var price) || !price.Usable || snapshot.Defects.ContainsKey(symbol))
            {
                continue;
            }

            var needsSigma = p.Initial.VolatilityScaling is not null || p.Maintenance.VolatilityScaling is not null;
            if (needsSigma && price.SigmaLong is null)
            {
                continue;
            }

            var sigma = price.SigmaLong ?? 0.0;
            var grid = Grid(parameters, symbol);
            var seed = new SeedAsset
            {
                Asset = p.Asset,
                Parameters = p,
                Price = price.Price,
                Sigma = sigma,
                Popularity = Math.Pow((double)p.DepthUsd, 0.25),
                GridRange = grid?.Grid.Range ?? 0.0,
                AssetWeight = (double)CollateralWeights.WeightAtZero(p.Maintenance, liability: false, sigma),
                LiabilityWeight = (double)CollateralWeights.WeightAtZero(p.Maintenance, liability: true, sigma),
            };
            assets.Add((seed, ClassOf(p, parameters.Settlement)));
        }

        if (assets.Count == 0)
        {
            throw new ArgumentException($"snapshot {snapshot.Id} prices none of the assets of parameters {parameters.Version} usably: there is nothing to hold", nameof(snapshot));
        }

        var stables = assets.Where(a => a.Class == "stable").Select(a => a.Asset).ToList();

        // The settlement asset is as popular as the most popular stablecoin, not as its (huge) depth says.
        var otherStables = stables.Where(s => s.Asset != parameters.Settlement).ToList();
        if (otherStables.Count > 0)
        {
            var top = otherStables.Max(s => s.Popularity);
            stables = [.. stables.Select(s => s.Asset == parameters.Settlement ? s with { Popularity = Math.Min(s.Popularity, top) } : s)];
        }

        var all = assets.Select(a => a.Asset).ToDictionary(a => a.Asset.Symbol, StringComparer.Ordinal);
        var cash = all.TryGetValue(parameters.Settlement.Symbol, out var settlement)
            ? settlement
            : (stables.Count > 0 ? stables : assets.Select(a => a.Asset).ToList()).MaxBy(a => a.Popularity)!;

        var perpetuals = new List<SeedInstrument>();
        var futures = new List<SeedInstrument>();
        var options = new List<SeedInstrument>();
        foreach (var (id, p) in parameters.Instruments.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var underlying = p.Instrument.Underlying.Symbol;
            if (!all.TryGetValue(underlying, out var u)
                || !snapshot.Instruments.TryGetValue(id, out var mark) || !mark.Usable || snapshot.Defects.ContainsKey(id)
                || (p.Instrument.Expiry is { } expiry && expiry <= snapshot.AsOf))
            {
                continue;
            }

            var price = snapshot.Assets[underlying];
            var grid = Grid(parameters, underlying);
            var inverse = p.Instrument is Perpetual { Contract: ContractType.Inverse } or Future { Contract: ContractType.Inverse };
            var seed = new SeedInstrument
            {
                Parameters = p,
                Mark = mark.Mark,
                UnderlyingPrice = u.Price,
                Sigma = price.SigmaLong ?? price.SigmaShort ?? 0.6,
                Popularity = u.Popularity * u.Popularity * (inverse ? 0.25 : 1.0),
                GridRange = grid?.Grid.Range ?? 0.0,
                PortfolioReady = grid is not null && (p.Instrument is not EuropeanOption || mark.ImpliedVolatility is not null || grid.Surface is not null),
            };
            (p.Instrument switch
            {
                Perpetual => perpetuals,
                Future => futures,
                _ => options,
            }).Add(seed);
        }

        return new BookUniverse
        {
            Stables = [.. stables],
            Majors = [.. assets.Where(a => a.Class == "major").Select(a => a.Asset)],
            Alts = [.. assets.Where(a => a.Class == "alt").Select(a => a.Asset)],
            Borrowables = [.. assets.Select(a => a.Asset).Where(a => a.Parameters.Borrow is not null)],
            Cash = cash,
            Perpetuals = [.. perpetuals],
            Futures = [.. futures],
            Options = [.. options],
            PortfolioOffered = parameters.Portfolio is not null && perpetuals.Concat(futures).Concat(options).Any(i => i.PortfolioReady),
            LongOptionWeight = (double)parameters.PnlWeights.LongOptionMaintenance,
        };
    }

    private static string ClassOf(AssetRiskParameters p, Asset settlement)
    {
        if (p.Asset == settlement
            || string.Equals(p.AssetClass, "settlement", StringComparison.OrdinalIgnoreCase)
            || string.Equals(p.AssetClass, "stablecoin", StringComparison.OrdinalIgnoreCase))
        {
            return "stable";
        }

        return string.Equals(p.AssetClass, "bluechip", StringComparison.OrdinalIgnoreCase) ? "major" : "alt";
    }

    private static UnderlyingRiskParameters? Grid(RiskParameters parameters, string symbol) =>
        parameters.Portfolio is { } portfolio && portfolio.Underlyings.TryGetValue(symbol, out var u) ? u : null;
}
