using FsCheck;
using FsCheck.Xunit;
using Margin.Engine.Results;
using Margin.Engine.Tests.Support;

namespace Margin.Engine.Tests.Evaluation;

/// <summary>FsCheck properties of the standard-mode engine on generated books (see <see cref="GeneratedBook"/>).</summary>
public partial class MarginModelTests
{
    private const int Runs = 300;

    [Property(Arbitrary = new[] { typeof(BookArbitraries) }, MaxTest = Runs)]
    public void Evaluate_MoreCollateral_NeverLowersAdjustedEquity(CollateralAddition addition)
    {
        // Raising a held quantity, adding a new positive balance, or paying down a borrow: AE_M and AE_I never fall.
        var book = addition.Book;
        var asset = book.AssetAt(addition.AssetIndex).Asset;
        var more = book.WithBalance(asset, book.BalanceOf(asset) + addition.Added);

        var before = book.Model().EvaluateSummary(book.Account());
        var after = more.Model().EvaluateSummary(more.Account());

        Assert.True(after.AdjustedEquityMaintenance >= before.AdjustedEquityMaintenance, $"AE_M fell from {before.AdjustedEquityMaintenance} to {after.AdjustedEquityMaintenance} adding {addition.Added} {asset}\n{book}");
        Assert.True(after.AdjustedEquityInitial >= before.AdjustedEquityInitial, $"AE_I fell from {before.AdjustedEquityInitial} to {after.AdjustedEquityInitial} adding {addition.Added} {asset}\n{book}");
    }

    [Property(Arbitrary = new[] { typeof(BookArbitraries) }, MaxTest = Runs)]
    public void Evaluate_BorrowedAssetPriceRises_BorrowRequirementNeverFalls(BorrowPriceRise rise)
    {
        var book = rise.Book;
        var higher = book.WithPricesScaled(a => a.Asset == rise.Asset, rise.Factor, reference: false);

        var before = book.Model().Evaluate(book.Account());
        var after = higher.Model().Evaluate(higher.Account());
        var lineBefore = before.Assets.Single(a => a.Asset == rise.Asset);
        var lineAfter = after.Assets.Single(a => a.Asset == rise.Asset);

        // An inverse position's coin PnL can turn the net quantity positive; then there is no borrow to test.
        if (lineBefore.Quantity < 0m)
        {
            Assert.True(lineAfter.BorrowMaintenanceRequirement >= lineBefore.BorrowMaintenanceRequirement, $"borrow MM fell: {lineBefore.BorrowMaintenanceRequirement} -> {lineAfter.BorrowMaintenanceRequirement}\n{book}");
            Assert.True(lineAfter.BorrowInitialRequirement >= lineBefore.BorrowInitialRequirement, $"borrow IM fell: {lineBefore.BorrowInitialRequirement} -> {lineAfter.BorrowInitialRequirement}\n{book}");
            Assert.True(lineBefore.BorrowMaintenanceRequirement > 0m);

            // Marks do not move with P, so no other requirement changes: the totals cannot fall either.
            Assert.True(after.Summary.MaintenanceRequirement >= before.Summary.MaintenanceRequirement);
            Assert.True(after.Summary.InitialRequirement >= before.Summary.InitialRequirement);
        }
    }

    [Property(Arbitrary = new[] { typeof(BookArbitraries) }, MaxTest = Runs)]
    public void Evaluate_Rounding_NeverFavoursTheAccount(GeneratedBook book, NonNegativeInt choice)
    {
        // The reference is the same book at 18 places, where no rounding below 1e-18 USD can matter.
        var places = new[] { 0, 2, 4, 6, 8 }[choice.Get % 5];
        var unit = 1m / (decimal)Math.Pow(10, places);

        var rounded = book.Model(places).EvaluateSummary(book.Account());
        var exact = book.Model(18).EvaluateSummary(book.Account());

        Assert.InRange(rounded.MaintenanceRequirement.Amount - exact.MaintenanceRequirement.Amount, 0m, unit);
        Assert.InRange(rounded.InitialRequirement.Amount - exact.InitialRequirement.Amount, 0m, unit);
        Assert.InRange(exact.AdjustedEquityMaintenance.Amount - rounded.AdjustedEquityMaintenance.Amount, 0m, unit);
        Assert.InRange(exact.AdjustedEquityInitial.Amount - rounded.AdjustedEquityInitial.Amount, 0m, unit);
        Assert.InRange(exact.Equity.Amount - rounded.Equity.Amount, 0m, unit);
        // The double ratios are reports: decimal-to-double conversion is not monotone across scales (an 18-place figure
        // is rounded twice), so they may differ by an ulp. The status is decided on the decimals and must be exact.
        AssertAtLeast(rounded.MarginRatio, exact.MarginRatio, "MarginRatio");
        AssertAtLeast(rounded.InitialRatio, exact.InitialRatio, "InitialRatio");
        Assert.True(rounded.Status >= exact.Status, $"{places} places: {rounded.Status} is less severe than {exact.Status}\n{book}");
    }

    [Property(Arbitrary = new[] { typeof(BookArbitraries) }, MaxTest = Runs)]
    public void Evaluate_OneCollateralPriceFalls_RatioAndStatusNeverImprove(PriceFall fall)
    {
        // Collateral only: lowering the price of what the account owes shrinks the debt and rightly improves the ratio.
        var book = fall.Book;
        var held = book.Balances.Where(b => b.Quantity > 0m).Select(b => b.Asset).ToArray();
        if (held.Length == 0)
        {
            return;
        }

        var asset = held[fall.AssetIndex % held.Length];
        var lower = book.WithPricesScaled(a => a.Asset == asset, fall.Factor);

        var before = book.Model().EvaluateSummary(book.Account());
        var after = lower.Model().EvaluateSummary(lower.Account());

        AssertNoImprovement(before, after, $"{asset} x {fall.Factor}\n{book}");
    }

    [Property(Arbitrary = new[] { typeof(BookArbitraries) }, MaxTest = Runs)]
    public void Evaluate_AllCollateralPricesFall_RatioAndStatusNeverImprove(PriceFall fall)
    {
        // Collateral = the assets the account holds; the prices of what it owes stay where they are.
        var book = fall.Book;
        var lower = book.WithPricesScaled(a => book.BalanceOf(a.Asset) > 0m, fall.Factor);

        var before = book.Model().EvaluateSummary(book.Account());
        var after = lower.Model().EvaluateSummary(lower.Account());

        AssertNoImprovement(before, after, $"collateral x {fall.Factor}\n{book}");
    }

    [Property(Arbitrary = new[] { typeof(BookArbitraries) }, MaxTest = Runs)]
    public void Evaluate_AllPricesFallWithLinearWeights_RatioAndStatusNeverImprove(PriceFall fall)
    {
        // Every price, owed assets' included, scaled by the same factor. With weights linear in the price (flat, IMF by
        // size) AE and MM scale together, so the ratio may not fall. Tiers (USD bands) and depth scaling (impact V^2 / 2
        // depth) are left out on purpose: a smaller USD position counts relatively more, so there the ratio does fall
        // when everything, debts included, gets cheaper (see Evaluate_AllPricesHalveWithDepthScaledCollateral_...).
        // 18 places, so that the only rounding is far below any status boundary the generator can produce.
        var book = fall.Book.LinearInPrice();
        var lower = book.WithPricesScaled(_ => true, fall.Factor);

        var before = book.Model(18).EvaluateSummary(book.Account());
        var after = lower.Model(18).EvaluateSummary(lower.Account());

        Assert.True(after.MarginRatio >= before.MarginRatio * (1 - 1e-12), $"MarginRatio fell from {before.MarginRatio} to {after.MarginRatio} x {fall.Factor}\n{book}");
        Assert.True(after.InitialRatio >= before.InitialRatio * (1 - 1e-12), $"InitialRatio fell from {before.InitialRatio} to {after.InitialRatio} x {fall.Factor}\n{book}");
        Assert.True(after.Status >= before.Status, $"status improved from {before.Status} to {after.Status} x {fall.Factor}\n{book}");
    }

    [Property(Arbitrary = new[] { typeof(BookArbitraries) }, MaxTest = Runs)]
    public void Evaluate_AnyBook_InitialIsNeverMoreGenerousThanMaintenance(GeneratedBook book)
    {
        var s = book.Model().EvaluateSummary(book.Account());

        Assert.True(s.AdjustedEquityInitial <= s.AdjustedEquityMaintenance, $"AE_I {s.AdjustedEquityInitial} > AE_M {s.AdjustedEquityMaintenance}\n{book}");
        Assert.True(s.InitialRequirement >= s.MaintenanceRequirement, $"IM {s.InitialRequirement} < MM {s.MaintenanceRequirement}\n{book}");
        Assert.True(s.AdjustedEquityMaintenance <= s.Equity, $"AE_M {s.AdjustedEquityMaintenance} > equity {s.Equity}\n{book}");
        Assert.True(s.InitialRatio >= s.MarginRatio, $"InitialRatio {s.InitialRatio} < MarginRatio {s.MarginRatio}\n{book}");
    }

    [Property(Arbitrary = new[] { typeof(BookArbitraries) }, MaxTest = Runs)]
    public void Evaluate_Breakdown_AddsUpToTheSummary(GeneratedBook book)
    {
        // Lines are rounded one by one (adjusted values down, requirements up); totals round the exact sums. So a total
        // is at least the sum of its rounded-down lines (at most the sum of its rounded-up lines), within one unit per line.
        var result = book.Model(4).Evaluate(book.Account());
        var s = result.Summary;
        var lines = result.Assets.Length + result.Positions.Length;
        var slack = (lines + 1) * 0.0001m;

        var aeM = result.Assets.Sum(a => a.AdjustedMaintenance) + result.Positions.Sum(p => p.AdjustedMaintenance);
        var aeI = result.Assets.Sum(a => a.AdjustedInitial) + result.Positions.Sum(p => p.AdjustedInitial);
        var mm = result.Assets.Sum(a => a.BorrowMaintenanceRequirement) + result.Positions.Sum(p => p.MaintenanceRequirement);
        var im = result.Assets.Sum(a => a.BorrowInitialRequirement) + result.Positions.Sum(p => p.InitialRequirement);
        var equity = result.Assets.Sum(a => a.ValueMaintenance) + result.Positions.Sum(p => p.EquityContribution);

        Assert.InRange(s.AdjustedEquityMaintenance.Amount - aeM, 0m, slack);
        Assert.InRange(s.AdjustedEquityInitial.Amount - aeI, 0m, slack);
        Assert.InRange(mm - s.MaintenanceRequirement.Amount, 0m, slack);
        Assert.InRange(im - s.InitialRequirement.Amount, 0m, slack);
        Assert.InRange(s.Equity.Amount - equity, -slack, slack);
        Assert.All(result.Assets, a => Assert.Equal(a.LedgerQuantity + a.PnlQuantity, a.Quantity));
    }

    [Property(Arbitrary = new[] { typeof(BookArbitraries) }, MaxTest = 100)]
    public void EvaluateSummary_AnyBook_EqualsEvaluatesSummary(GeneratedBook book)
    {
        var model = book.Model();

        Assert.Equal(model.Evaluate(book.Account()).Summary, model.EvaluateSummary(book.Account()));
    }

    private static void AssertNoImprovement(MarginSummary before, MarginSummary after, string context)
    {
        Assert.True(after.AdjustedEquityMaintenance <= before.AdjustedEquityMaintenance, $"AE_M rose: {context}");
        Assert.True(after.AdjustedEquityInitial <= before.AdjustedEquityInitial, $"AE_I rose: {context}");
        AssertAtLeast(after.MarginRatio, before.MarginRatio, $"MarginRatio ({context})");
        AssertAtLeast(after.InitialRatio, before.InitialRatio, $"InitialRatio ({context})");
        Assert.True(after.Status >= before.Status, $"status improved from {before.Status} to {after.Status}: {context}");
    }

    /// <summary><paramref name="actual"/> &gt;= <paramref name="bound"/> up to two ulps of conversion noise in the double ratio.</summary>
    private static void AssertAtLeast(double actual, double bound, string what) =>
        Assert.True(actual >= bound || actual >= bound * (1 - 4e-16), $"{what}: {actual:R} < {bound:R}");
}
