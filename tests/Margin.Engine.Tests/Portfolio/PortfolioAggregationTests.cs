using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Margin.Engine.Domain;
using Margin.Engine.Portfolio;
using Margin.Engine.Statistics;

namespace Margin.Engine.Tests.Portfolio;

public sealed class PortfolioAggregationTests
{
    private static readonly Asset[] s_ab = [Asset.Of("BTC"), Asset.Of("ETH")];

    public static TheoryData<double, double[], double, double, double, PortfolioMarginBinding> ByHandCases => new()
    {
        // rho, L, stress, f, expected MM before borrow, binding
        { 0.5, [100.0, 200.0], 0.0, 0.0, 264.5751311064591, PortfolioMarginBinding.Correlated },
        { 1.0, [100.0, 200.0], 0.0, 0.0, 300.0, PortfolioMarginBinding.Correlated },
        { 0.0, [100.0, 200.0], 1.0, 0.0, 300.0, PortfolioMarginBinding.Correlated },
        { -1.0, [100.0, 100.0], 0.0, 0.8, 160.0, PortfolioMarginBinding.SumFloor },
        { -1.0, [300.0, 10.0], 0.0, 0.5, 300.0, PortfolioMarginBinding.LargestUnderlying },
    };

    [Theory]
    [MemberData(nameof(ByHandCases))]
    public void MaintenanceMargin_TwoUnderlyings_ByHand(double rho, double[] losses, double stress, double f, double expected, PortfolioMarginBinding binding)
    {
        var c = CorrelationMatrix.Create(s_ab, [1, rho, rho, 1]);

        var margin = PortfolioAggregation.MaintenanceMargin(losses, c, stress, f, 12.5);

        Assert.Equal(expected, margin.RiskMatrix, 1e-9);
        Assert.Equal(expected + 12.5, margin.MaintenanceMargin, 1e-9);
        Assert.Equal(12.5, margin.BorrowMaintenance);
        Assert.Equal(binding, margin.Binding);
    }

    [Fact]
    public void MaintenanceMargin_RhoHalf_ReportsAllCandidates()
    {
        var c = CorrelationMatrix.Create(s_ab, [1, 0.5, 0.5, 1]);

        var margin = PortfolioAggregation.MaintenanceMargin([100.0, 200.0], c, 0.0, 0.5, 0.0);

        Assert.Equal(Math.Sqrt((100.0 * 100.0) + (200.0 * 200.0) + (2 * 0.5 * 100.0 * 200.0)), margin.Correlated, 1e-12);
        Assert.Equal(200.0, margin.LargestUnderlying);
        Assert.Equal(150.0, margin.SumFloor);
    }

    [Fact]
    public void MaintenanceMargin_NoUnderlyings_BorrowOnly()
    {
        var margin = PortfolioAggregation.MaintenanceMargin([], CorrelationMatrix.Identity([]), 0.5, 0.5, 7.0);

        Assert.Equal(7.0, margin.MaintenanceMargin);
        Assert.Equal(PortfolioMarginBinding.Correlated, margin.Binding);
    }

    [Theory]
    [InlineData(-1.0, 0.0, 0.0, 0.0)]
    [InlineData(double.NaN, 0.0, 0.0, 0.0)]
    [InlineData(1.0, 1.5, 0.0, 0.0)]
    [InlineData(1.0, 0.0, 1.5, 0.0)]
    [InlineData(1.0, 0.0, -0.1, 0.0)]
    [InlineData(1.0, 0.0, 0.0, -1.0)]
    public void MaintenanceMargin_InvalidArgument_Throws(double loss, double stress, double f, double borrow)
    {
        var c = CorrelationMatrix.Identity(s_ab);

        Assert.ThrowsAny<ArgumentException>(() => PortfolioAggregation.MaintenanceMargin([loss, 1.0], c, stress, f, borrow));
    }

    [Fact]
    public void MaintenanceMargin_LossCountDiffersFromOrder_Throws()
    {
        Assert.Throws<ArgumentException>(() => PortfolioAggregation.MaintenanceMargin([1.0], CorrelationMatrix.Identity(s_ab), 0, 0, 0));
    }

    [Fact]
    public void InitialMargin_KAboveOne_Scales()
    {
        Assert.Equal(150.0, PortfolioAggregation.InitialMargin(100.0, 1.5));
    }

    [Theory]
    [InlineData(100.0, 1.0)]
    [InlineData(100.0, 0.5)]
    [InlineData(100.0, double.NaN)]
    [InlineData(-1.0, 1.5)]
    public void InitialMargin_InvalidArgument_Throws(double mm, double k)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PortfolioAggregation.InitialMargin(mm, k));
    }

    [Property(MaxTest = 300)]
    public Property MaintenanceMargin_ValidCorrelation_BetweenLargestAndSumPlusBorrow()
    {
        var unit = Gen.Choose(0, 100).Select(i => i / 100.0);
        var inputs = Gen.Choose(1, 6).SelectMany(n =>
            Gen.Choose(-100, 100).Select(i => i / 100.0).ArrayOf(n * n)
                .Zip(Gen.Choose(0, 10_000_000).Select(i => i / 100.0).ArrayOf(n))
                .Select(t => (Order: n, Raw: t.Item1, Losses: t.Item2)))
            .Zip(unit.Zip(unit).Zip(Gen.Choose(0, 100_000).Select(i => i / 100.0)));
        return Prop.ForAll(inputs.ToArbitrary(), input =>
        {
            var ((n, raw, losses), ((stress, f), borrow)) = input;
            var c = RepairedCorrelation(n, raw);

            var mm = PortfolioAggregation.MaintenanceMargin(losses, c, stress, f, borrow).MaintenanceMargin;

            var sum = losses.Sum();
            var tolerance = 1e-9 * (sum + borrow + 1.0);
            return mm >= losses.Max() + borrow - tolerance && mm <= sum + borrow + tolerance;
        });
    }

    private static CorrelationMatrix RepairedCorrelation(int n, double[] raw)
    {
        var values = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            values[(i * n) + i] = 1;
            for (var j = i + 1; j < n; j++)
            {
                values[(i * n) + j] = raw[(i * n) + j];
                values[(j * n) + i] = raw[(i * n) + j];
            }
        }

        return CorrelationMatrix.Create(Enumerable.Range(0, n).Select(i => Asset.Of($"X{i}")), values).RepairToPositiveSemidefinite();
    }
}
