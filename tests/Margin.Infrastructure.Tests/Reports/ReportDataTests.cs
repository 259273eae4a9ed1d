using System.Collections.Immutable;
using Margin.Engine.Results;
using Margin.Infrastructure.Reports;

namespace Margin.Infrastructure.Tests.Reports;

/// <summary>The report records refuse what the page could not show truthfully, naming the property.</summary>
public sealed class ReportDataTests
{
    public static TheoryData<string, Action> BadValues => new()
    {
        { "Title", () => _ = Minimal() with { Title = " " } },
        { "Accounts", () => _ = new ReportStatusCount { Status = "Healthy", Accounts = -1 } },
        { "Status", () => _ = new ReportStatusCount { Status = "Fine", Accounts = 1 } },
        { "MarginRatio", () => _ = Account() with { MarginRatio = double.NaN } },
        { "MarginRatio", () => _ = Account() with { MarginRatio = -0.5 } },
        { "AccountId", () => _ = Account() with { AccountId = "" } },
        { "SoldUsd", () => _ = new ReportAssetFlow { Asset = "BTC", SoldUsd = -1, BoughtUsd = 0, DepthUsd = 1, Orders = 1 } },
        { "Start", () => _ = new ReportRoundPrice { Asset = "BTC", Start = 0, AfterImpact = 1 } },
        { "AgeSeconds", () => _ = new ReportSourceQuote { Asset = "BTC", Source = "kraken", Used = true, AgeSeconds = double.PositiveInfinity } },
        { "Move", () => _ = new ReportCurvePoint { Move = -1, Liquidatable = 0, Bankrupt = 0, Shortfall = 0 } },
        { "Round", () => _ = new ReportCascadeRound { Round = 0, NewLiquidations = 0, Liquidatable = 0, SoldUsd = 0, BoughtUsd = 0, InsuranceFundLoss = 0, Shortfall = 0, Prices = [] } },
        { "Rounds", () => _ = new ReportCascade { Rounds = [Round(2)] } },
        { "Points", () => _ = new ReportCurve { Asset = "BTC", Points = [Point(-0.1), Point(-0.1)] } },
        { "WorstAccounts", () => _ = Minimal() with { WorstAccounts = [.. Enumerable.Repeat(Account(), ReportData.MaxWorstAccounts + 1)] } },
        { "AssetFlows", () => _ = Minimal() with { AssetFlows = [Flow("BTC"), Flow("btc")] } },
        { "StatusCounts", () => _ = Minimal() with { StatusCounts = [new() { Status = "Healthy", Accounts = 1, AfterCascade = 1 }, new() { Status = "Warning", Accounts = 1 }] } },
        { "StatusCounts", () => _ = Minimal() with { StatusCounts = [new() { Status = "Healthy", Accounts = 1 }, new() { Status = "Healthy", Accounts = 2 }] } },
        { "Notes", () => _ = Minimal() with { Notes = default } },
        { "Facts", () => _ = Minimal() with { Facts = [null!] } },
        { "Kind", () => _ = Minimal() with { Kind = (ReportKind)9 } },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void Init_BadValue_ThrowsNamingTheProperty(string property, Action create)
    {
        var error = Assert.ThrowsAny<ArgumentException>(create);

        Assert.Contains(property, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Init_GoodValues_AreKept()
    {
        var account = Account() with { MarginRatio = double.PositiveInfinity, Equity = -5m };

        Assert.True(double.IsPositiveInfinity(account.MarginRatio));
        Assert.Equal(-5m, account.Equity);
        Assert.Null(Minimal().Guard);
        Assert.Empty(Minimal().WorstAccounts);
    }

    [Fact]
    public void Histogram_Ratios_LandInTheirBuckets()
    {
        double[] ratios = [0, 0.05, 0.1, 0.99, 1.0, 1.49, 1.5, 2.0, 250, double.PositiveInfinity, double.PositiveInfinity];

        var buckets = ReportRatioBucket.Histogram(ratios);

        Assert.Equal(["0-0.1", "0.1-0.2", "0.2-0.3", "0.3-0.4", "0.4-0.5", "0.5-0.6", "0.6-0.7", "0.7-0.8", "0.8-0.9", "0.9-1", "1-1.5", "1.5-2", "≥ 2", "∞"], buckets.Select(b => b.Label));
        Assert.Equal([2, 1, 0, 0, 0, 0, 0, 0, 0, 1, 2, 1, 2, 2], buckets.Select(b => b.Accounts));
        Assert.Equal(ratios.Length, buckets.Sum(b => b.Accounts));
        Assert.True(double.IsPositiveInfinity(buckets[^2].To));
    }

    [Fact]
    public void Histogram_NegativeRatio_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ReportRatioBucket.Histogram([0.5, -0.1]));
    }

    [Fact]
    public void SoldShareOfDepth_NoDepth_IsNull()
    {
        Assert.Null(Flow("BTC").SoldShareOfDepth);
        Assert.Equal(0.25, (Flow("BTC") with { DepthUsd = 400 }).SoldShareOfDepth);
    }

    private static ReportData Minimal() => new() { Kind = ReportKind.Sweep, Title = "t", Id = "i", GeneratedAt = SampleReports.GeneratedAt };

    private static ReportAccount Account() => new()
    {
        AccountId = "a-1",
        Status = MarginStatus.Liquidatable,
        MarginRatio = 1.2,
        Equity = 10,
        AdjustedEquityMaintenance = 8,
        MaintenanceRequirement = 9.6m,
        Reason = "MarginRatio 1.2 >= 1",
    };

    private static ReportAssetFlow Flow(string asset) => new() { Asset = asset, SoldUsd = 100, BoughtUsd = 0, DepthUsd = 0, Orders = 1 };

    private static ReportCascadeRound Round(int round) => new()
    {
        Round = round,
        NewLiquidations = 1,
        Liquidatable = 1,
        SoldUsd = 1,
        BoughtUsd = 0,
        InsuranceFundLoss = 0,
        Shortfall = 0,
        Prices = ImmutableArray<ReportRoundPrice>.Empty,
    };

    private static ReportCurvePoint Point(double move) => new() { Move = move, Liquidatable = 1, Bankrupt = 0, Shortfall = 0 };
}
