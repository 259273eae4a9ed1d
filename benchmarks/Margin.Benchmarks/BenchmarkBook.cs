using System.Collections.Immutable;
using Margin.Engine.Accounts;
using Margin.Engine.Domain;
using Margin.Engine.Instruments;
using Margin.Engine.Parameters;
using Margin.Engine.Prices;

namespace Margin.Benchmarks;

/// <summary>The "standard account" of the performance target: 8 collateral assets with tiers and 10 perpetuals.</summary>
public static class BenchmarkBook
{
    private static readonly (string Symbol, decimal Price, decimal Weight)[] s_collateral =
    [
        ("USDT", 1.0001m, 1m), ("USDC", 0.9998m, 1m), ("BTC", 65000m, 0.95m), ("ETH", 3400m, 0.95m),
        ("SOL", 150m, 0.85m), ("XRP", 0.6m, 0.8m), ("DOGE", 0.15m, 0.75m), ("ADA", 0.45m, 0.75m),
    ];

    private static readonly string[] s_perpUnderlyings = ["BTC", "ETH", "SOL", "XRP", "DOGE", "ADA", "BTC", "ETH", "SOL", "XRP"];

    public static Asset Usd { get; } = Asset.Of("USD");

    public static RiskParameters Parameters()
    {
        var assets = s_collateral.Select(c => new AssetRiskParameters
        {
            Asset = Asset.Of(c.Symbol),
            AssetClass = c.Weight == 1m ? "stablecoin" : "crypto",
            DepthUsd = 50_000_000m,
            Borrow = new BorrowRequirement(0.05m, 0.03m),
            Initial = Schedule(c.Weight - 0.05m, 1.10m),
            Maintenance = Schedule(c.Weight, 1.05m),
        }).ToList();
        var instruments = new List<InstrumentRiskParameters>();
        for (var i = 0; i < s_perpUnderlyings.Length; i++)
        {
            instruments.Add(new InstrumentRiskParameters
            {
                Instrument = new Perpetual($"{s_perpUnderlyings[i]}-PERP-{i}", Asset.Of(s_perpUnderlyings[i]), ContractType.Linear),
                Brackets = RiskParameters.Brackets(
                    new MarginBracket(50_000m, 0.01m, 0.004m),
                    new MarginBracket(250_000m, 0.02m, 0.005m),
                    new MarginBracket(1_000_000m, 0.05m, 0.01m),
                    new MarginBracket(10_000_000m, 0.1m, 0.025m),
                    new MarginBracket(null, 0.25m, 0.125m)),
            });
        }

        return RiskParameters.Create("bench-1", Usd, assets, instruments);
    }

    public static PriceSnapshot Snapshot()
    {
        var asOf = new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
        var prices = s_collateral.Select(c => AssetPrice.Create(Asset.Of(c.Symbol), c.Price, asOf, c.Price * 1.001m, sigmaShort: 0.6, sigmaLong: 0.5));
        var marks = s_perpUnderlyings.Select((u, i) => InstrumentPrice.Create($"{u}-PERP-{i}", s_collateral.First(c => c.Symbol == u).Price * 1.0002m));
        return PriceSnapshot.Create("snap-bench", asOf, Usd, prices, marks);
    }

    /// <summary>Distinct accounts of the standard shape, deterministic from <paramref name="seed"/>.</summary>
    /// <remarks>
    /// Chosen so that every branch of the standard path runs: collateral values up to 2,000,000 USD per asset (the tier
    /// caps are at 100,000, 1,000,000 and 10,000,000), about 30 % of accounts borrowing USDT (borrow requirement and
    /// liability weight), position notionals up to 600,000 USD (brackets 0 to 2 of 5), profits and losses.
    /// </remarks>
    public static Account[] Accounts(int count, int seed = 42)
    {
        var random = new Random(seed);
        var accounts = new Account[count];
        for (var a = 0; a < count; a++)
        {
            var borrower = random.NextDouble() < 0.3;
            var balances = s_collateral.Select(c =>
            {
                var usd = (decimal)random.NextDouble() * 2_000_000m;
                if (borrower && c.Symbol == "USDT")
                {
                    usd = -usd / 4m;
                }

                return new Balance(Asset.Of(c.Symbol), decimal.Round(usd / c.Price, 6));
            }).ToImmutableArray();
            var positions = s_perpUnderlyings.Select((u, i) =>
            {
                var price = s_collateral.First(c => c.Symbol == u).Price;
                var qty = decimal.Round(((decimal)random.NextDouble() - 0.5m) * 1_200_000m / price, 4);
                return new Position($"{u}-PERP-{i}", qty == 0m ? 1m : qty, decimal.Round(price * (0.9m + ((decimal)random.NextDouble() * 0.2m)), 2));
            }).ToImmutableArray();
            accounts[a] = Account.Create($"acct-{a:D6}", 1, MarginMode.Standard, balances, positions);
        }

        return accounts;
    }

    private static WeightSchedule Schedule(decimal weight, decimal liability) => new()
    {
        AssetWeight = weight,
        LiabilityWeight = liability,
        Tiers =
        [
            new WeightTier(100_000m, weight),
            new WeightTier(1_000_000m, weight * 0.9m),
            new WeightTier(10_000_000m, weight * 0.7m),
            new WeightTier(null, weight * 0.5m),
        ],
    };
}
