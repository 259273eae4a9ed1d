using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using Margin.Engine.Accounts;
using Margin.Engine.Domain;
using Margin.Engine.Parameters;

namespace Margin.Engine.Tests.Support;

/// <summary>A book and a positive quantity to add to one asset's balance.</summary>
public sealed record CollateralAddition(GeneratedBook Book, int AssetIndex, decimal Added);

/// <summary>A book whose account borrows <see cref="Asset"/>, and a factor &gt; 1 for its price.</summary>
public sealed record BorrowPriceRise(GeneratedBook Book, Asset Asset, decimal Factor);

/// <summary>A balances-only book, one asset index and a factor in (0, 1) for falling prices.</summary>
public sealed record PriceFall(GeneratedBook Book, int AssetIndex, decimal Factor);

/// <summary>FsCheck generators for <see cref="GeneratedBook"/> and the properties' inputs.</summary>
public static class BookArbitraries
{
    public static Arbitrary<GeneratedBook> Books() => Arb.From(BookGen());

    public static Arbitrary<CollateralAddition> Additions() => Arb.From(
        from book in BookGen()
        from index in Gen.Choose(0, 3)
        from added in Amount(1, 5_000_000, 4)
        select new CollateralAddition(book, index, added));

    public static Arbitrary<BorrowPriceRise> BorrowRises() => Arb.From(
        from book in BookGen()
        from index in Gen.Choose(0, 2)
        from borrowedUsd in Amount(100, 2_000_000, 2)
        from factor in Amount(10_001, 30_000, 4)
        let asset = book.AssetAt(index)
        select new BorrowPriceRise(book.WithBalance(asset.Asset, -Math.Round(borrowedUsd / asset.Price, 8)), asset.Asset, factor));

    public static Arbitrary<PriceFall> PriceFalls() => Arb.From(
        from book in BookGen()
        from index in Gen.Choose(0, 3)
        from factor in Amount(100, 9_999, 4)
        select new PriceFall(book.WithoutPositions(), index, factor));

    /// <summary>A decimal in [lo, hi] * 10^-places, with <paramref name="places"/> decimal places.</summary>
    public static Gen<decimal> Amount(int lo, int hi, int places) => Gen.Choose(lo, hi).Select(i => i / Pow10(places));

    private static Gen<GeneratedBook> BookGen() =>
        from usdc in Usdc()
        from btc in Btc()
        from eth in Eth()
        from sol in Sol()
        let assets = ImmutableArray.Create(usdc, btc, eth, sol)
        from balances in Balances(assets)
        from marks in Marks(btc.Price, eth.Price)
        from positions in Positions(marks)
        select new GeneratedBook(assets, balances, positions, marks);

    private static Gen<GeneratedAsset> Usdc() =>
        from wM in Gen.Elements(1m, 0.99m, 0.98m)
        from wCut in Gen.Elements(0m, 0.01m, 0.02m)
        from lM in Gen.Elements(1m, 1.01m, 1.05m)
        from lAdd in Gen.Elements(0m, 0.01m)
        from mmr in Amount(1, 10, 2)
        from imrAdd in Amount(0, 5, 2)
        from price in Amount(9_500, 10_500, 4)
        from refShift in Amount(-50, 50, 4)
        select new GeneratedAsset(
            new AssetRiskParameters
            {
                Asset = Asset.Of("USDC"),
                Maintenance = new WeightSchedule { AssetWeight = wM, LiabilityWeight = lM },
                Initial = new WeightSchedule { AssetWeight = wM - wCut, LiabilityWeight = lM + lAdd },
                DepthUsd = 500_000_000m,
                Borrow = new BorrowRequirement(mmr + imrAdd, mmr),
            },
            price,
            price + (refShift / 100m),
            0.05);

    private static Gen<GeneratedAsset> Btc() =>
        from wM in Amount(80, 95, 2)
        from wCut in Amount(0, 5, 2)
        from cap1 in Gen.Elements(50_000m, 250_000m, 1_000_000m)
        from cap2Factor in Gen.Choose(2, 10)
        from r1 in Amount(90, 100, 2)
        from r2Cut in Amount(0, 40, 2)
        from r3Cut in Amount(0, 40, 2)
        from bounded in Gen.Elements(false, true)
        from initialFactor in Amount(80, 100, 2)
        from price in Amount(1_000_000, 12_000_000, 2)
        from refShift in Amount(-300, 300, 1)
        from mmr in Amount(5, 15, 2)
        select new GeneratedAsset(
            new AssetRiskParameters
            {
                Asset = Asset.Of("BTC"),
                Maintenance = new WeightSchedule { AssetWeight = wM, LiabilityWeight = 1.05m, Tiers = Tiers(cap1, cap2Factor, r1, r2Cut, r3Cut, bounded, 1m) },
                Initial = new WeightSchedule { AssetWeight = wM - wCut, LiabilityWeight = 1.1m, Tiers = Tiers(cap1, cap2Factor, r1, r2Cut, r3Cut, bounded, initialFactor) },
                DepthUsd = 200_000_000m,
                Borrow = new BorrowRequirement(mmr * 2m, mmr),
            },
            price,
            price + (refShift * 10m),
            0.6);

    private static ImmutableArray<WeightTier> Tiers(decimal cap1, int cap2Factor, decimal r1, decimal r2Cut, decimal r3Cut, bool bounded, decimal factor)
    {
        var r2 = Math.Max(0m, r1 - r2Cut);
        var r3 = Math.Max(0m, r2 - r3Cut);
        var cap2 = cap1 * cap2Factor;
        return [new(cap1, r1 * factor), new(cap2, r2 * factor), new(bounded ? cap2 * 4m : null, r3 * factor)];
    }

    private static Gen<GeneratedAsset> Eth() =>
        from wM in Amount(70, 90, 2)
        from wCut in Amount(0, 5, 2)
        from imfM in Amount(0, 5_000, 6)
        from imfAdd in Amount(0, 3_000, 6)
        from lM in Amount(105, 120, 2)
        from price in Amount(50_000, 500_000, 2)
        from refShift in Amount(-500, 500, 2)
        select new GeneratedAsset(
            new AssetRiskParameters
            {
                Asset = Asset.Of("ETH"),
                Maintenance = new WeightSchedule { AssetWeight = wM, LiabilityWeight = lM, SizePremium = new SizePremium(imfM) },
                Initial = new WeightSchedule { AssetWeight = wM - wCut, LiabilityWeight = lM + 0.05m, SizePremium = new SizePremium(imfM + imfAdd) },
                DepthUsd = 50_000_000m,
                Borrow = new BorrowRequirement(0.2m, 0.1m),
            },
            price,
            price + refShift,
            0.8);

    private static Gen<GeneratedAsset> Sol() =>
        from wM in Amount(60, 85, 2)
        from wCut in Amount(0, 10, 2)
        from zM in Amount(10, 30, 1)
        from zAdd in Amount(0, 10, 1)
        from horizon in Gen.Elements(0.0027m, 0.01m, 0.02m)
        from depth in Gen.Elements(100_000m, 2_000_000m, 50_000_000m)
        from sigma in Gen.Choose(20, 200)
        from price in Amount(500, 30_000, 2)
        from refShift in Amount(-100, 100, 2)
        select new GeneratedAsset(
            new AssetRiskParameters
            {
                Asset = Asset.Of("SOL"),
                Maintenance = new WeightSchedule { AssetWeight = wM, LiabilityWeight = 1.2m, VolatilityScaling = new VolatilityScaling(zM, horizon) },
                Initial = new WeightSchedule { AssetWeight = wM - wCut, LiabilityWeight = 1.25m, VolatilityScaling = new VolatilityScaling(zM + zAdd, horizon) },
                DepthUsd = depth,
            },
            price,
            Math.Max(0.01m, price + refShift),
            sigma / 100d);

    private static Gen<ImmutableArray<Balance>> Balances(ImmutableArray<GeneratedAsset> assets) =>
        from usdc in Optional(Amount(-50_000_000, 100_000_000, 2))
        from btc in Optional(Amount(-500_000, 5_000_000, 5))
        from eth in Optional(Amount(-5_000_000, 50_000_000, 5))
        from sol in Optional(Amount(0, 50_000_000, 3))
        select ImmutableArray.CreateRange(
            new[] { usdc, btc, eth, sol }
                .Select((q, i) => (q, i))
                .Where(x => x.q is not null)
                .Select(x => new Balance(assets[x.i].Asset, x.q!.Value)));

    private static Gen<ImmutableDictionary<string, decimal>> Marks(decimal btc, decimal eth) =>
        from b in Amount(-100, 100, 4)
        from e in Amount(-100, 100, 4)
        from i in Amount(-100, 100, 4)
        select ImmutableDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, decimal>
        {
            ["BTC-PERP"] = Math.Round(btc * (1m + b), 2),
            ["ETH-PERP"] = Math.Round(eth * (1m + e), 2),
            ["BTC-INV"] = Math.Round(btc * (1m + i), 2),
        });

    private static Gen<ImmutableArray<Position>> Positions(ImmutableDictionary<string, decimal> marks) =>
        from btc in Optional(Amount(-10_000, 10_000, 3))
        from btcEntry in Amount(-3_000, 3_000, 4)
        from eth in Optional(Amount(-100_000, 100_000, 3))
        from ethEntry in Amount(-3_000, 3_000, 4)
        from inv in Optional(Gen.Choose(-500_000, 500_000).Select(q => (decimal)q))
        from invEntry in Amount(-3_000, 3_000, 4)
        select ImmutableArray.CreateRange(new[]
        {
            btc is { } q1 ? new Position("BTC-PERP", q1, Math.Round(marks["BTC-PERP"] * (1m + btcEntry), 2)) : (Position?)null,
            eth is { } q2 ? new Position("ETH-PERP", q2, Math.Round(marks["ETH-PERP"] * (1m + ethEntry), 2)) : null,
            inv is { } q3 ? new Position("BTC-INV", q3, Math.Round(marks["BTC-INV"] * (1m + invEntry), 1)) : null,
        }.OfType<Position>());

    private static Gen<decimal?> Optional(Gen<decimal> gen) =>
        Gen.Frequency((1, Gen.Constant<decimal?>(null)), (3, gen.Select(d => (decimal?)d)));

    private static decimal Pow10(int places)
    {
        var result = 1m;
        for (var i = 0; i < places; i++)
        {
            result *= 10m;
        }

        return result;
    }
}
