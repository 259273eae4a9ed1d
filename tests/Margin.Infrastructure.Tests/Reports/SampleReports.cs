using System.Collections.Immutable;
using System.Globalization;
using Margin.Engine.Results;
using Margin.Infrastructure.Reports;

namespace Margin.Infrastructure.Tests.Reports;

/// <summary>
/// Realistic report data built by hand: a sweep of a 12,480-account book and a stress run of the same book under
/// <c>BTC=-25%,ETH=-30%,alts=-45%</c> with a 5-round cascade and a BTC curve. Deterministic (seeded ratios).
/// </summary>
internal static class SampleReports
{
    public static readonly DateTimeOffset GeneratedAt = new(2025, 3, 1, 12, 4, 31, TimeSpan.Zero);
    public static readonly DateTimeOffset SnapshotTime = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly string[] s_assets = ["BTC", "ETH", "SOL", "XRP", "DOGE", "AVAX", "LINK"];

    public static ReportData Sweep()
    {
        var ratios = Ratios(seed: 7, count: 12_476, stress: 1.0);
        return new ReportData
        {
            Kind = ReportKind.Sweep,
            Title = "Sweep 20250301T120000Z-7f3a",
            Id = "20250301T120000Z-7f3a",
            GeneratedAt = GeneratedAt,
            Facts =
            [
                new ReportFact("Snapshot", "snap-20250301T120000Z (2025-03-01 12:00:00 UTC)"),
                new ReportFact("Parameters version", "v2025-02-14"),
                new ReportFact("Accounts", "12,480 (4 failed)"),
                new ReportFact("Work items", "16 of 16 completed"),
                new ReportFact("Elapsed", "3.2 s"),
            ],
            StatusCounts = StatusCounts(ratios, failed: 4, after: null),
            RatioHistogram = ReportRatioBucket.Histogram(ratios),
            WorstAccounts = Worst(ratios, 20),
            AssetFlows = Flows(1.0m),
            Prices = Prices(),
            Guard = Guard(),
            Notes = ["The margin-ratio distribution is of the latest stored results per account (this sweep's, unless a later sweep ran)."],
        };
    }

    public static ReportData Stress()
    {
        var first = Ratios(seed: 7, count: 12_476, stress: 2.2);
        var after = Ratios(seed: 7, count: 12_476, stress: 2.9);
        var flows = Flows(2.4m);
        var cascade = Cascade(first, after, flows.Sum(f => f.SoldUsd));
        return new ReportData
        {
            Kind = ReportKind.Stress,
            Title = "Stress run 01JNB3Q8 · BTC=-25%,ETH=-30%,alts=-45%",
            Id = "01JNB3Q8ZK4W2YV6M0D9T7C5XE",
            GeneratedAt = GeneratedAt,
            Facts =
            [
                new ReportFact("Scenario", "BTC=-25%,ETH=-30%,alts=-45%"),
                new ReportFact("Volatility shocks", "*=+100%"),
                new ReportFact("Snapshot", "snap-20250301T120000Z (2025-03-01 12:00:00 UTC)"),
                new ReportFact("Parameters version", "v2025-02-14 (active)"),
                new ReportFact("Candidate parameters", "none"),
                new ReportFact("Accounts", "12,480 (4 failed)"),
                new ReportFact("Rounds run", "5 of 10"),
                new ReportFact("Stop reason", "no new liquidation in round 5"),
                new ReportFact("Elapsed", "9.8 s"),
            ],
            StatusCounts = StatusCounts(first, failed: 4, after: after),
            RatioHistogram = ReportRatioBucket.Histogram(after),
            WorstAccounts = Worst(after, 20),
            AssetFlows = flows,
            Prices = Prices(),
            Guard = null,
            Cascade = cascade,
            Curve = Curve(first, cascade.Rounds[0]),
            Notes =
            [
                "Prices are the snapshot's, shocked by the scenario; the cascade moves them further by the depth model.",
                "Nothing was written to live state: no results, history or orders.",
            ],
        };
    }

    /// <summary>Margin ratios of a book: most accounts far from 1, a tail above it, a few bankrupt (infinite); stress widens the tail.</summary>
    public static ImmutableArray<double> Ratios(int seed, int count, double stress)
    {
        var random = new Random(seed);
        var ratios = ImmutableArray.CreateBuilder<double>(count);
        for (var i = 0; i < count; i++)
        {
            // A log-normal around 0.18, scaled by the stress; a few accounts (more under stress) have no positive adjusted
            // equity. The same seed draws the same accounts, so a harder stress only moves each account's ratio up.
            var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            var bankrupt = random.NextDouble() < 0.0004 * stress * stress;
            ratios.Add(bankrupt ? double.PositiveInfinity : 0.18 * stress * Math.Exp(0.75 * normal));
        }

        return ratios.MoveToImmutable();
    }

    private static ImmutableArray<ReportStatusCount> StatusCounts(ImmutableArray<double> ratios, int failed, ImmutableArray<double>? after)
    {
        var first = Classify(ratios);
        var last = after is { } a ? Classify(a) : null;
        return
        [
            .. ReportStatusCount.Order.Select((status, i) => new ReportStatusCount
            {
                Status = status,
                Accounts = status == ReportStatusCount.Failed ? failed : first[i],
                AfterCascade = last is null ? null : status == ReportStatusCount.Failed ? failed : last[i],
            }),
        ];
    }

    private static int[] Classify(ImmutableArray<double> ratios)
    {
        var counts = new int[7];
        var index = 0;
        foreach (var ratio in ratios)
        {
            index++;
            var status = ratio switch
            {
                double.PositiveInfinity => MarginStatus.Bankrupt,
                >= 1 => MarginStatus.Liquidatable,
                >= 0.85 => MarginStatus.MarginCall,
                >= 0.7 => index % 3 == 0 ? MarginStatus.ReduceOnly : MarginStatus.Warning,
                _ => MarginStatus.Healthy,
            };
            counts[(int)status]++;
        }

        return counts;
    }

    private static ImmutableArray<ReportAccount> Worst(ImmutableArray<double> ratios, int count) =>
    [
        .. ratios.Select((ratio, i) => (Ratio: ratio, Index: i))
            .OrderByDescending(r => r.Ratio)
            .ThenBy(r => r.Index)
            .Take(count)
            .Select(r => Account(r.Index, r.Ratio)),
    ];

    private static ReportAccount Account(int index, double ratio)
    {
        var requirement = 18_000m + (index % 97 * 1_250.5m);
        if (double.IsPositiveInfinity(ratio))
        {
            var equity = -(1_500m + (index % 13 * 733.25m));
            return new ReportAccount
            {
                AccountId = string.Create(CultureInfo.InvariantCulture, $"acct-{index:D6}"),
                Status = MarginStatus.Bankrupt,
                MarginRatio = ratio,
                Equity = equity,
                AdjustedEquityMaintenance = equity - 2_100m,
                MaintenanceRequirement = requirement,
                Reason = string.Create(CultureInfo.InvariantCulture, $"Equity {equity:#,##0.00} USD is below zero: a full close, the shortfall goes to the insurance fund."),
            };
        }

        var adjusted = decimal.Round(requirement / (decimal)ratio, 2);
        return new ReportAccount
        {
            AccountId = string.Create(CultureInfo.InvariantCulture, $"acct-{index:D6}"),
            Status = ratio >= 1 ? MarginStatus.Liquidatable : MarginStatus.MarginCall,
            MarginRatio = ratio,
            Equity = adjusted + 3_400m,
            AdjustedEquityMaintenance = adjusted,
            MaintenanceRequirement = requirement,
            Reason = string.Create(CultureInfo.InvariantCulture, $"MarginRatio {ratio:0.000} >= 1 (liquidation): maintenance requirement {requirement:#,##0.00} USD over adjusted equity {adjusted:#,##0.00} USD."),
        };
    }

    private static ImmutableArray<ReportAssetFlow> Flows(decimal scale) =>
    [
        Flow("BTC", 1_820_000m * scale, 40_000_000m, 41),
        Flow("ETH", 1_140_000m * scale, 25_000_000m, 37),
        Flow("SOL", 905_500m * scale, 6_000_000m, 22),
        Flow("XRP", 310_250m * scale, 4_500_000m, 9),
        Flow("DOGE", 1_290_000m * scale, 1_100_000m, 18),
        Flow("AVAX", 88_400m * scale, 1_800_000m, 4),
        Flow("LINK", 57_900m * scale, 0m, 3),
    ];

    private static ReportAssetFlow Flow(string asset, decimal sold, decimal depth, int orders) =>
        new() { Asset = asset, SoldUsd = decimal.Round(sold, 2), BoughtUsd = decimal.Round(sold * 0.04m, 2), DepthUsd = depth, Orders = orders };

    private static ImmutableArray<ReportPrice> Prices() =>
    [
        Price("BTC", 84_231.55m, 2.1, true),
        Price("ETH", 2_214.08m, 2.4, true),
        Price("SOL", 142.617m, 3.9, true),
        Price("XRP", 2.1874m, 5.2, true),
        Price("DOGE", 0.20311m, 7.8, true),
        Price("AVAX", 21.44m, 95.0, false, "stale: 95 s old, the limit is 60 s; the last usable price is kept"),
        Price("LINK", 15.921m, 12.5, true),
    ];

    private static ReportPrice Price(string asset, decimal price, double age, bool usable, string? reason = null) => new()
    {
        Asset = asset,
        Price = price,
        PublishTime = SnapshotTime.AddSeconds(-age),
        AgeSeconds = age,
        Usable = usable,
        Reason = reason ?? "3 of 4 sources agree within 0.5 %",
    };

    private static ReportGuardDecisions Guard()
    {
        var sources = new[] { "pyth-hermes", "binance", "coinbase-exchange", "kraken" };
        var quotes = ImmutableArray.CreateBuilder<ReportSourceQuote>();
        foreach (var price in Prices())
        {
            for (var s = 0; s < sources.Length; s++)
            {
                var source = sources[s];
                if (source == "kraken")
                {
                    continue;
                }

                var outlier = price.Asset == "DOGE" && source == "coinbase-exchange";
                var stale = price.Asset == "AVAX";
                quotes.Add(new ReportSourceQuote
                {
                    Asset = price.Asset,
                    Source = source,
                    Price = outlier ? decimal.Round(price.Price * 1.021m, 6) : decimal.Round(price.Price * (1 + ((s - 1) * 0.0004m)), 6),
                    PublishTime = price.PublishTime.AddSeconds(-s),
                    AgeSeconds = price.AgeSeconds + s,
                    Used = !outlier && !stale,
                    Rejection = outlier ? "outlier: 2.1 % from the median, the limit is 1 %" : stale ? "stale: older than 60 s" : null,
                });
            }
        }

        return new ReportGuardDecisions
        {
            Quotes = quotes.ToImmutable(),
            Failures = [new ReportSourceFailure { Source = "kraken", Problem = "HTTP 503 Service Unavailable from https://api.kraken.com/0/public/Ticker after 3 attempts" }],
        };
    }

    /// <summary>A cascade consistent with the book: round 1 liquidates what the first round finds, later rounds what the cascade adds.</summary>
    private static ReportCascade Cascade(ImmutableArray<double> first, ImmutableArray<double> after, decimal totalSold)
    {
        var start = new Dictionary<string, decimal>
        {
            ["BTC"] = 63_173.66m,
            ["ETH"] = 1_549.86m,
            ["SOL"] = 78.44m,
            ["DOGE"] = 0.11171m,
            ["AVAX"] = 11.792m,
        };
        // The impact of round 1's sales per asset (fractions of the price); later rounds scale with what they sell.
        double[] impact = [-0.021, -0.028, -0.061, -0.094, -0.055];
        var firstLiquidatable = first.Count(r => r >= 1);
        var added = after.Count(r => r >= 1) - firstLiquidatable;
        var second = (int)Math.Round(added * 0.62);
        var third = (int)Math.Round(added * 0.27);
        int[] fresh = [firstLiquidatable, second, third, added - second - third, 0];
        var built = ImmutableArray.CreateBuilder<ReportCascadeRound>();
        var liquidatable = 0;
        var shortfall = 0m;
        var prices = new Dictionary<string, decimal>(start);
        for (var r = 0; r < fresh.Length; r++)
        {
            liquidatable += fresh[r];
            var sold = decimal.Round(totalSold * fresh[r] / (firstLiquidatable + added), 2);
            var loss = decimal.Round(sold * 0.031m, 2);
            shortfall += loss;
            var roundPrices = ImmutableArray.CreateBuilder<ReportRoundPrice>();
            var a = 0;
            foreach (var asset in start.Keys)
            {
                var before = prices[asset];
                var afterImpact = decimal.Round(before * (1 + ((decimal)impact[a++] * fresh[r] / fresh[0])), 6);
                roundPrices.Add(new ReportRoundPrice { Asset = asset, Start = before, AfterImpact = afterImpact });
                prices[asset] = afterImpact;
            }

            built.Add(new ReportCascadeRound
            {
                Round = r + 1,
                NewLiquidations = fresh[r],
                Liquidatable = liquidatable,
                SoldUsd = sold,
                BoughtUsd = decimal.Round(sold * 0.04m, 2),
                InsuranceFundLoss = loss,
                Shortfall = shortfall,
                Prices = roundPrices.ToImmutable(),
            });
        }

        return new ReportCascade { Rounds = built.ToImmutable(), StopReason = "no new liquidation in round 5" };
    }

    /// <summary>BTC from 0 % to -50 % in 5 % steps, through the first round's figures at the scenario's -25 %.</summary>
    private static ReportCurve Curve(ImmutableArray<double> first, ReportCascadeRound round1)
    {
        var liquidatable = round1.Liquidatable;
        var bankrupt = first.Count(double.IsPositiveInfinity);
        var points = ImmutableArray.CreateBuilder<ReportCurvePoint>();
        for (var step = 0; step <= 10; step++)
        {
            // The other assets' shocks alone liquidate a quarter of it; BTC's move adds the rest, steeper past -25 %.
            var x = step / 5.0;
            points.Add(new ReportCurvePoint
            {
                Move = -0.05 * step,
                Liquidatable = (int)Math.Round((liquidatable / 4.0) + (liquidatable * 0.75 * Math.Pow(x, 2.2))),
                Bankrupt = (int)Math.Round((bankrupt / 5.0) + (bankrupt * 0.8 * Math.Pow(x, 2.8))),
                Shortfall = decimal.Round((round1.Shortfall / 6) + (round1.Shortfall * 5 / 6 * (decimal)Math.Pow(x, 3)), 2),
            });
        }

        return new ReportCurve { Asset = "BTC", Points = points.ToImmutable() };
    }
}
