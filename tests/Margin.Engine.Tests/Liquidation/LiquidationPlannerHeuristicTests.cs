using System.Diagnostics;
using System.Globalization;
using Margin.Engine.Accounts;
using Margin.Engine.Domain;
using Margin.Engine.Evaluation;
using Margin.Engine.Liquidation;
using Margin.Engine.Results;
using Xunit.Abstractions;
using static Margin.Engine.Tests.Liquidation.PlannerBook;

namespace Margin.Engine.Tests.Liquidation;

/// <summary>
/// MARGIN-MODEL.md section 6, the heuristic cases: repays funded by sales in the same plan, tiered, IMF and
/// volatility-scaled weights. On books of up to 4 legs x 12 lots the greedy plan is compared with an exhaustive search
/// over every lot combination, projected and valued independently of the planner but exactly as it values legs.
/// </summary>
public sealed class LiquidationPlannerHeuristicTests(ITestOutputHelper output)
{
    private const decimal Fee = 0.001m;

    /// <summary>
    /// Enough books for this seed to include books on which the planner before multi-collateral funding, exchanges and
    /// the small search said CannotReachTarget (books 139, 155, 436, 880, ...; checked by running it on that planner); about 7 s.
    /// </summary>
    private const int Books = 3_000;

    private const int Seed = 20250601;

    private static readonly Asset[] s_collateral = [Tier, Imf, Vol];
    private static readonly Asset[] s_borrowable = [Brw, Brv];

    /// <summary>
    /// The stated tolerance of the heuristic cases (docs/margin-model.md): a plan costs at most
    /// <c>(1 + Tolerance) * optimum + its dearest lot</c>. Observed on these 3,000 books: 0.198, and 1.86x the optimum in
    /// all, since fees are paid in the projection (0.09 before: a fee makes every sale that funds a repay a little
    /// dearer, which the greedy order feels on one book with a minimum order). The first planner needed 1.80 and reached
    /// 3.37x; the local improvement pass brought it down.
    /// </summary>
    public const decimal Tolerance = 0.25m;

    /// <summary>
    /// The stated tolerance in portfolio mode (docs/margin-model.md): a plan costs at most <c>(1 + 0.35) * optimum + its
    /// dearest lot</c>. Observed on these 1,000 books: 0.31 (1.93x the optimum in all). A grid's worst scenario moves as
    /// lots are sold, so a lot's benefit depends on the others more than under weights, and the greedy order matters more.
    /// </summary>
    public const decimal PortfolioTolerance = 0.35m;

    [Fact]
    public void Plan_HeuristicBooks_WithinToleranceAndNeverCannotReachWhereExhaustiveReaches() => CompareWithExhaustive(Books, MarginMode.Standard, Tolerance);

    /// <summary>
    /// Portfolio mode (MARGIN-MODEL.md section 6 lists it among the heuristic cases): grid assets without haircut, a grid
    /// liability, weighted ones beside them; the planner evaluates every candidate in full (no incremental view). Fewer
    /// books, as each evaluation revalues the grids.
    /// </summary>
    [Fact]
    public void Plan_PortfolioBooks_WithinToleranceAndNeverCannotReachWhereExhaustiveReaches() => CompareWithExhaustive(1_000, MarginMode.Portfolio, PortfolioTolerance);

    private void CompareWithExhaustive(int books, MarginMode mode, decimal tolerance)
    {
        var clock = Stopwatch.StartNew();
        var random = new Random(Seed);
        var compared = 0;
        var reached = 0;
        var worst = 1m;
        var worstBook = string.Empty;
        var needed = 0m;
        var neededBook = string.Empty;
        var attempts = 0;
        var failures = new List<string>();
        while (compared < books)
        {
            Assert.True(++attempts < 20_000, $"only {compared} usable books in {attempts} attempts");
            if (Generate(random, mode) is not { } book)
            {
                continue;
            }

            compared++;
            var plan = LiquidationPlanner.Plan(book.Model, book.Account, book.Options);
            var optimum = Exhaustive(book, plan.TargetRatio);
            var describe = Describe(book);

            if (optimum is not { } best)
            {
                // The exhaustive search covers every plan the planner can make, so the planner cannot do better.
                Assert.False(plan.ReachesTarget, $"the planner reaches a target the exhaustive search does not: {describe}");
                continue;
            }

            reached++;
            if (plan.Outcome == PlanOutcome.CannotReachTarget)
            {
                failures.Add($"#{compared}: greedy says cannot reach where exhaustive search reaches it at {best}: {describe}");
                continue;
            }

            Assert.Equal(PlanOutcome.ReachesTarget, plan.Outcome);
            Assert.True(LiquidationPlanner.Slack(plan.After, plan.TargetRatio) >= 0m);

            // Legs' costs are rounded up at 8 decimals in the plan.
            Assert.True(plan.TotalCost.Amount >= best - 0.0000001m, $"greedy {plan.TotalCost.Amount} below the optimum {best}: the search misses plans: {describe}");
            var dearestLot = plan.Legs.Max(l => LegCost(l.Lots, l.ReferencePrice * l.LotSize, book.Model.Parameters.Assets[l.Target].DepthUsd) - LegCost(l.Lots - 1, l.ReferencePrice * l.LotSize, book.Model.Parameters.Assets[l.Target].DepthUsd));
            var excess = best > 0m ? (plan.TotalCost.Amount - dearestLot - best) / best : 0m;
            if (plan.TotalCost.Amount > ((1m + tolerance) * best) + dearestLot + 0.0000001m)
            {
                failures.Add($"#{compared}: cost {plan.TotalCost.Amount} > (1 + {tolerance}) * optimum {best} + dearest lot {dearestLot}: {describe}");
            }

            if (excess > needed)
            {
                needed = excess;
                neededBook = describe;
            }

            // More depth never makes the optimum costlier, and the planner keeps its bound there too (every 10th book).
            if (compared % 10 == 0)
            {
                var deeper = book.Deeper(2m);
                var deepPlan = LiquidationPlanner.Plan(deeper.Model, deeper.Account, deeper.Options);
                var deepBest = Exhaustive(deeper, plan.TargetRatio);
                Assert.True(deepBest is { } d && d <= best, $"doubling the depths made the optimum {deepBest} costlier than {best}: {describe}");
                var deepDearest = deepPlan.Legs.IsEmpty ? 0m : deepPlan.Legs.Max(l => LegCost(l.Lots, l.ReferencePrice * l.LotSize, deeper.Model.Parameters.Assets[l.Target].DepthUsd) - LegCost(l.Lots - 1, l.ReferencePrice * l.LotSize, deeper.Model.Parameters.Assets[l.Target].DepthUsd));
                if (!deepPlan.ReachesTarget || deepPlan.TotalCost.Amount > ((1m + tolerance) * deepBest!.Value) + deepDearest + 0.0000001m)
                {
                    failures.Add($"#{compared} at twice the depth: {deepPlan.Outcome}, cost {deepPlan.TotalCost.Amount} vs optimum {deepBest}: {describe}");
                }
            }

            var ratio = best > 0m ? plan.TotalCost.Amount / best : 1m;
            if (ratio > worst)
            {
                worst = ratio;
                worstBook = describe;
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{compared} books ({attempts} generated), {reached} reachable; worst greedy / optimum {worst:0.0000} on {worstBook}; tolerance needed beyond the dearest lot {needed:0.0000} on {neededBook}; {clock.Elapsed.TotalSeconds:0.0} s"));
        foreach (var f in failures)
        {
            output.WriteLine(f);
        }

        Assert.Empty(failures);
        Assert.True(reached >= books / 2, $"only {reached} of {compared} books reach the target: the comparison is too thin");
    }

    /// <summary>
    /// Counterexample A: the repay's first move (3 BRV lots, the 2,500 USD minimum order) costs more cash than any single
    /// collateral can still raise after VOL 5 and IMF 3, so the old planner stopped at slack -156.63. The optimum sells
    /// TIR 3, IMF 3, VOL 6 and repays BRV 3 (cost 802.50, slack +178).
    /// </summary>
    [Fact]
    public void Plan_RepayNoSingleCollateralCanFund_FundsFromSeveralAndReaches()
    {
        var model = HeuristicModel(40_000m, 40_000m, 40_000m, 40_000m, 40_000m);
        var options = PlannerOptions.Create(Fee, 0.5m, 1_000_000m, 2_500m);
        var account = AccountOf([new Balance(Tier, 30m), new Balance(Imf, 60m), new Balance(Vol, 30m), new Balance(Brv, -6m), new Balance(Usd, -7_202.50m)]);

        var plan = LiquidationPlanner.Plan(model, account, options);

        Assert.Equal(PlanOutcome.ReachesTarget, plan.Outcome);
        Assert.True(LiquidationPlanner.Slack(plan.After, plan.TargetRatio) >= 0m);
        Assert.True(plan.ProjectedAccount.Balances.Single(b => b.Asset == Usd).Quantity >= 0m);
    }

    /// <summary>
    /// Counterexample B: the old planner spent the cash on BRW and ended VOL 6, IMF 6, BRV 3, BRW 4 at slack -37.73 with
    /// no improving move; exchanging a BRW repay lot for a BRV one reaches it (optimum VOL 6, IMF 6, BRV 4, BRW 3, cost
    /// 591.50, slack +13.27).
    /// </summary>
    [Fact]
    public void Plan_CashSpentOnTheWrongRepay_ExchangesRepaysAndReaches()
    {
        var model = HeuristicModel(80_000m, 80_000m, 80_000m, 200_000m, 80_000m);
        var options = PlannerOptions.Create(Fee, 0.2m, 6_000m);
        var account = AccountOf([new Balance(Vol, 45m), new Balance(Imf, 220m), new Balance(Brv, -16m), new Balance(Brw, -5m), new Balance(Usd, -3_195.50m)]);

        var plan = LiquidationPlanner.Plan(model, account, options);

        Assert.Equal(PlanOutcome.ReachesTarget, plan.Outcome);
        Assert.True(LiquidationPlanner.Slack(plan.After, plan.TargetRatio) >= 0m);
        Assert.True(plan.ProjectedAccount.Balances.Single(b => b.Asset == Usd).Quantity >= 0m);
        output.WriteLine(string.Join(", ", plan.Legs.Select(l => $"{l.Target} {l.Lots}")) + $"; cost {plan.TotalCost.Amount}");
    }

    /// <summary>A random book below target and solvent, or null: 2 to 4 legs of 1 to 12 lots, at least one borrow, little settlement cash.</summary>
    private static Book? Generate(Random random, MarginMode mode)
    {
        decimal Pick(params decimal[] values) => values[random.Next(values.Length)];
        decimal[] depths = [Pick(40_000m, 80_000m, 200_000m), Pick(40_000m, 80_000m, 200_000m), Pick(40_000m, 80_000m, 200_000m), Pick(40_000m, 80_000m, 200_000m), Pick(40_000m, 80_000m, 200_000m)];
        var portfolio = mode == MarginMode.Portfolio;
        var model = HeuristicModel(depths[0], depths[1], depths[2], depths[3], depths[4], portfolio);
        var options = PlannerOptions.Create(Fee, Pick(0.1m, 0.2m, 0.5m), Pick(6_000m, 1_000_000m, 1_000_000m), Pick(0m, 0m, 2_500m));

        var borrows = random.Next(1, 3);
        var collateral = random.Next(1, Math.Min(3, 4 - borrows) + 1);
        var balances = new List<Balance>();
        foreach (var a in s_collateral.OrderBy(_ => random.Next()).Take(collateral))
        {
            balances.Add(new Balance(a, random.Next(1, 13) * model.Parameters.Assets[a.Symbol].LotSize));
        }

        foreach (var a in s_borrowable.OrderBy(_ => random.Next()).Take(borrows))
        {
            balances.Add(new Balance(a, -random.Next(1, 13) * model.Parameters.Assets[a.Symbol].LotSize));
        }

        // Settlement cash chosen so that the slack lands a random 0 to 6,000 USD below zero (approximately: a negative
        // balance adds its own requirement), so that repays must mostly be funded by sales.
        var without = model.EvaluateSummary(AccountIn(mode, balances));
        var deficit = random.Next(0, 6_000);
        var usd = decimal.Round(((without.MaintenanceRequirement.Amount - deficit) / 0.8m) - without.AdjustedEquityMaintenance.Amount, 2);
        balances.Add(new Balance(Usd, usd));
        var account = AccountIn(mode, balances);
        var before = model.EvaluateSummary(account);
        if (before.Status == MarginStatus.Bankrupt || before.Flags.SuppressesLiquidation() || LiquidationPlanner.Slack(before, 0.8m) >= 0m)
        {
            return null;
        }

        var legs = balances.Where(b => b.Asset != Usd).Select(b => Leg(model, options, b)).ToArray();
        return new Book(model, account, options, legs, depths);
    }

    private static SearchLeg Leg(MarginModel model, PlannerOptions options, Balance balance)
    {
        var p = model.Parameters.Assets[balance.Asset.Symbol];
        var price = model.Snapshot.Assets[balance.Asset.Symbol].Price;
        var lotValue = p.LotSize * price;
        var held = (int)decimal.Floor(Math.Abs(balance.Quantity) / p.LotSize);
        var bySize = (int)decimal.Floor(Math.Min(options.MaxImpact * p.DepthUsd, options.MaxOrderUsd) / lotValue);
        var first = (int)Math.Max(1m, decimal.Ceiling(options.MinOrderUsd / lotValue));
        return new SearchLeg(balance.Asset, balance.Quantity < 0m, p.LotSize, price, p.DepthUsd, Math.Min(held, bySize), first);
    }

    private static decimal LegCost(long lots, decimal lotValue, decimal depth)
    {
        var x = lots * lotValue;
        return (x * Fee) + (x * x / (2m * depth));
    }

    /// <summary>
    /// The cheapest lot combination (each leg 0 or from its first lots to its maximum) whose projection, every leg at its
    /// limit price and proceeds to USD, meets <c>Slack &gt;= 0</c>, a repay leaving the USD balance non-negative; or null.
    /// </summary>
    private static decimal? Exhaustive(Book book, decimal target)
    {
        var legs = book.Legs;
        var choices = legs.Select(l => new[] { 0 }.Concat(Enumerable.Range(l.First, Math.Max(0, l.Max - l.First + 1))).ToArray()).ToArray();
        var combos = new List<(decimal Cost, int[] Lots)>();
        var lots = new int[legs.Length];
        void Enumerate(int i)
        {
            if (i == legs.Length)
            {
                var cost = 0m;
                for (var k = 0; k < legs.Length; k++)
                {
                    cost += LegCost(lots[k], legs[k].LotSize * legs[k].Price, legs[k].Depth);
                }

                combos.Add((cost, (int[])lots.Clone()));
                return;
            }

            foreach (var n in choices[i])
            {
                lots[i] = n;
                Enumerate(i + 1);
            }
        }

        Enumerate(0);
        foreach (var (cost, combo) in combos.OrderBy(c => c.Cost))
        {
            if (Project(book, combo) is { } projected && LiquidationPlanner.Slack(book.Model.EvaluateSummary(projected), target) >= 0m)
            {
                return cost;
            }
        }

        return null;
    }

    /// <summary>The account with <paramref name="lots"/> filled at their limits, or null when a repay leaves USD negative.</summary>
    private static Account? Project(Book book, int[] lots)
    {
        var balances = book.Account.Balances.ToList();
        var usd = 0m;
        var repays = false;
        for (var k = 0; k < book.Legs.Length; k++)
        {
            var leg = book.Legs[k];
            if (lots[k] == 0)
            {
                continue;
            }

            var q = lots[k] * leg.LotSize;
            var move = q * leg.Price / leg.Depth;
            var i = balances.FindIndex(b => b.Asset == leg.Asset);
            if (leg.Repay)
            {
                repays = true;
                balances[i] = balances[i] with { Quantity = balances[i].Quantity + q };
                usd -= q * leg.Price * (1m + move);
            }
            else
            {
                balances[i] = balances[i] with { Quantity = balances[i].Quantity - q };
                usd += q * leg.Price * (1m - move);
            }

            // The fee on the leg's value, paid from the settlement balance.
            usd -= q * leg.Price * Fee;
        }

        var u = balances.FindIndex(b => b.Asset == Usd);
        balances[u] = balances[u] with { Quantity = balances[u].Quantity + usd };
        return repays && balances[u].Quantity < 0m ? null : AccountIn(book.Account.Mode, balances);
    }

    private static string Describe(Book book) => string.Create(
        CultureInfo.InvariantCulture,
        $"[{string.Join(", ", book.Account.Balances.Select(b => $"{b.Asset} {b.Quantity}"))}] depths [{string.Join(", ", book.Legs.Select(l => $"{l.Asset} {l.Depth}"))}] maxImpact {book.Options.MaxImpact} maxOrder {book.Options.MaxOrderUsd} minOrder {book.Options.MinOrderUsd}");

    private sealed record Book(MarginModel Model, Account Account, PlannerOptions Options, SearchLeg[] Legs, decimal[] Depths)
    {
        /// <summary>The same book with every asset's depth multiplied by <paramref name="factor"/>.</summary>
        public Book Deeper(decimal factor)
        {
            var depths = Depths.Select(d => d * factor).ToArray();
            var model = HeuristicModel(depths[0], depths[1], depths[2], depths[3], depths[4], Account.Mode == MarginMode.Portfolio);
            var legs = Account.Balances.Where(b => b.Asset != Usd).Select(b => Leg(model, Options, b)).ToArray();
            return new Book(model, Account, Options, legs, depths);
        }
    }

    private sealed record SearchLeg(Asset Asset, bool Repay, decimal LotSize, decimal Price, decimal Depth, int Max, int First);
}
