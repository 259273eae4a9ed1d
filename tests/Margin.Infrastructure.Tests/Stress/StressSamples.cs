using System.Collections.Immutable;
using Margin.Engine.Results;
using Margin.Engine.Stress;
using Margin.Sweep.Stress;

namespace Margin.Infrastructure.Tests.Stress;

/// <summary>Stress records and results with every field set, including decimals of 28 digits and an infinite ratio.</summary>
internal static class StressSamples
{
    public const decimal Max = 79228162514264337593543950335m;

    public const decimal Tiny = -0.0000000000000000000000000001m;

    public const decimal Fine = 1234567890123456.789012345678m;

    public static readonly DateTimeOffset At = new(2026, 11, 24, 23, 59, 0, 123, TimeSpan.Zero);

    public static StressRunRecord Record(string runId, DateTimeOffset? at = null, StressRunStatus status = StressRunStatus.Queued) => new(
        runId,
        status,
        new StressRequest
        {
            Scenario = "BTC=-25%,ETH=-30.125%,alts=-45%",
            VolatilityShocks = "*=+100%",
            ParamsVersion = "params-7",
            SnapshotId = "snap-42",
            CurveAsset = "BTC",
            CurveFrom = 0m,
            CurveTo = -52.5m,
            CurveStep = 7.5m,
            Curve = true,
            MaxRounds = 37,
        },
        "snap-42",
        "params-7",
        Candidate: true,
        "BTC=-25%,ETH=-30.125%,alts=-45%",
        at ?? At,
        StartedAt: null,
        CompletedAt: null,
        Attempts: 0,
        Error: null);

    public static BookEvaluation Evaluation(int seed, bool detailed) => new()
    {
        ByStatus = ImmutableSortedDictionary.CreateRange(new Dictionary<MarginStatus, int>
        {
            [MarginStatus.Healthy] = 1_000 + seed,
            [MarginStatus.MarginCall] = 7,
            [MarginStatus.Liquidatable] = 3 + seed,
            [MarginStatus.Bankrupt] = 2,
        }),
        Failed = 1,
        Closed = seed,
        PriceSuspect = 4,
        Shortfall = Fine + seed,
        NegativeEquity = Tiny,
        Ratios = detailed ? [.. Enumerable.Range(0, RatioHistogram.BucketCount).Select(i => (i * 3) + seed)] : [],
        Worst = detailed
            ?
            [
                new StressedAccount("acct-000007", MarginStatus.Bankrupt, double.PositiveInfinity, -12.5m, Tiny, 0.1234567890123456789012345678m, "no adjusted equity against a requirement: MarginRatio +inf"),
                new StressedAccount("acct-000009", MarginStatus.Liquidatable, 1.0000000000000002, Max, 99.99m, 100m, "MarginRatio 1.0000000000000002 >= 1"),
            ]
            : [],
        Problems = [new AccountProblem("acct-bad", "unknown asset 'DOGE' in balances[0]")],
    };

    public static CascadeRound Round(int round) => new()
    {
        Round = round,
        Evaluation = Evaluation(round, detailed: round == 1),
        NewLiquidations = 10 - Math.Min(round, 10),
        WithoutOrder = 1,
        InsuranceFundLoss = Fine / round,
        LiquidationCost = 12.25m * round,
        Assets =
        [
            new AssetFlow("BTC", 1_000_000.5m * round, 0m, 12, 250_000_000m, 65_000.123456789m, 64_990.000000000000000000001m, Floored: false),
            new AssetFlow("ETH", 0m, 333.333333333333333333333333m, 2, 100_000_000m, 3_000m, 3_000m, Floored: true),
        ],
    };

    public static StressRunResult Result(string runId, int rounds = 3, int curvePoints = 11, CascadeStop stop = CascadeStop.RoundLimit)
    {
        var list = Enumerable.Range(1, rounds).Select(Round).ToImmutableArray();
        return new StressRunResult
        {
            RunId = runId,
            Scenario = new StressScenario
            {
                Name = "2020-03-12-black-thursday",
                Title = "Black Thursday: COVID-19 crash",
                Prices = ShockSet.Create([new Shock("BTC", -0.39m), new Shock("ETH", -0.43m), new Shock("alts", -0.45m), new Shock("stables", 0.01m)]),
                Volatilities = ShockSet.Create([new Shock("*", 1.5m)]),
                Date = "2020-03-12",
                Window = "2020-03-12T00:00Z to 2020-03-13T02:00Z",
                Description = "Prices \"fell\" by a third in a day.",
                Sources = [new ScenarioSource("Exchange data", "https://example.org/btc?day=2020-03-12&x=1")],
            },
            PriceMoves = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, decimal> { ["BTC"] = -0.39m, ["ETH"] = -0.43m, ["SOL"] = -0.45m, ["USDT"] = 0.01m }),
            VolatilityMoves = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, decimal> { ["BTC"] = 1.5m, ["ETH"] = 1.5m }),
            SnapshotId = "snap-42",
            SnapshotAsOf = new DateTimeOffset(2026, 11, 24, 23, 58, 59, 999, TimeSpan.Zero).AddTicks(1234),
            ParamsVersion = "params-7",
            Candidate = true,
            Accounts = 2_000,
            UnreadableAccounts = 3,
            Unreadable = [new AccountProblem("acct-x1", "Balances[0].quantity is '1,5', not an invariant decimal"), new AccountProblem("acct-x2", "SchemaVersion is 9")],
            BookBytes = 123_456_789_012L,
            Cascade = new CascadeResult
            {
                Rounds = list,
                Stop = stop,
                Initial = list.IsEmpty ? Evaluation(0, detailed: true) : list[0].Evaluation,
                Final = Evaluation(99, detailed: true),
                StartPrices = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, decimal> { ["BTC"] = 65_000.123456789m, ["ETH"] = 3_000m }),
                FinalPrices = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, decimal> { ["BTC"] = 60_000.0000000000000000000001m, ["ETH"] = Fine }),
            },
            CurveAsset = curvePoints == 0 ? null : "BTC",
            Curve = [.. Enumerable.Range(0, curvePoints).Select(i => new CurvePoint(-0.05m * i, 65_000m * (1m - (0.05m * i)), i * 10, i, Fine * i, Tiny * i, 1, 0))],
            CompletedAt = At.AddSeconds(95).AddTicks(7),
            ReadTime = TimeSpan.FromTicks(12_345_678),
            CascadeTime = TimeSpan.FromTicks(98_765_432_1),
            CurveTime = TimeSpan.Zero,
        };
    }
}
