using Margin.Engine.Methodologies;
using static Margin.Engine.Tests.Support.TestBook;

namespace Margin.Engine.Tests.Methodologies;

/// <summary>The Deribit figure restates a portfolio-mode result; the worked examples run through the preset (Margin.Cli.Tests).</summary>
public class DeribitPortfolioMarginTests
{
    [Fact]
    public void StandardModeResult_IsRefusedWithTheReason()
    {
        var model = Model();
        var account = AccountOf(Holding(Usd, 100m));

        var ex = Assert.Throws<ArgumentException>(() => MethodologyEvaluator.Evaluate(model.Snapshot, model.Parameters, account, MethodologyKind.DeribitPortfolioMargin, model.Evaluate(account)));

        Assert.Contains("evaluate the account in portfolio mode", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutAResult_IsRefused()
    {
        var model = Model();

        Assert.Throws<ArgumentException>(() => MethodologyEvaluator.Evaluate(model.Snapshot, model.Parameters, AccountOf(Holding(Usd, 1m)), MethodologyKind.DeribitPortfolioMargin));
    }

    [Fact]
    public void UnderlyingRisk_MaintenanceIsEightTenthsOfTheRiskMatrixMargin()
    {
        var risk = new DeribitUnderlyingRisk { Underlying = Btc, Index = 50_000m, WorstCase = 0.1, RollShock = 0.02, DeltaShock = 0.005 };

        Assert.Equal(0.125, risk.RiskMatrixMargin, 15);
        Assert.Equal(0.1, risk.MaintenanceMargin, 15);
    }
}
