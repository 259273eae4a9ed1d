using System.Globalization;
using FsCheck.Xunit;
using Margin.Engine.Accounts;
using Margin.Engine.Domain;
using Margin.Engine.Evaluation;
using Margin.Engine.Liquidation;
using Margin.Engine.Results;
using static Margin.Engine.Tests.Liquidation.PlannerBook;

namespace Margin.Engine.Tests.Liquidation;

/// <summary>Reductions of inverse contracts and options, and the invariants on mixed books (<see cref="PlannerBook.MixedModel"/>).</summary>
public sealed partial class LiquidationPlannerTests
{
    private static readonly MarginModel s_mixed = MixedModel();
    private static readonly MarginModel s_mixedPortfolio = MixedModel(portfolio: true);

    [Fact]
    public void Plan_LosingInverseLongWithCoinHeld_ReducesAndRealisesCoins()
    {
        // BTC 1 held; BTC-INV +200,000 USD face value at entry 55,000 (mark 50,000): PnL coins 200,000 * (1/55,000 -
        // 1/50,000) = -0.3636 BTC, so 0.6364 BTC (31,818 USD) count at 0.9: 28,636; USD -19,000 borrowed: AE_M 9,636;
        // MM 20,000 * 1 % + 180,000 * 5 % + 19,000 * 5 % = 10,150: ratio 1.05.
        var account = AccountOf([new Balance(Btc, 1m), new Balance(Usd, -19_000m)], new Position("BTC-INV", 200_000m, 55_000m));

        var plan = LiquidationPlanner.Plan(s_mixed, account, PlannerOptions.Create(0.001m, 0.2m, 1_000_000m));

        Assert.Equal(MarginStatus.Liquidatable, plan.Before.Status);
        Assert.True(plan.ReachesTarget, plan.Reason);
        var leg = Assert.Single(plan.Legs, l => l.Target == "BTC-INV");
        Assert.Equal(TradeSide.Sell, leg.Side);
        Assert.Equal(LegKind.ReducePosition, leg.Kind);
        Assert.True(leg.LimitPrice < 50_000m);
        var left = plan.ProjectedAccount.Positions.Single(p => p.InstrumentId == "BTC-INV").Quantity;
        Assert.Equal(200_000m - leg.Quantity, left);

        // The realised loss, in coins at the limit, left the BTC balance: ledger 1 - sold - q * (1/55,000 - 1/limit).
        var sold = plan.Legs.Where(l => l.Target == "BTC").Sum(l => l.Quantity);
        var btc = plan.ProjectedAccount.Balances.Single(b => b.Asset == Btc).Quantity;
        Assert.True(btc < 1m - sold);
        Assert.True(btc >= 0m);
    }

    [Fact]
    public void Plan_ShortCallWithCash_BuysBackFromCash()
    {
        // Short 3 calls (mark 1,500): value -4,500; MM 3 * (max(0.075 * 50,000 - 5,000, 0.05 * 50,000) + 1,500) = 12,000.
        // USD 20,000: AE_M 15,500, slack 0.8 * 15,500 - 12,000 = 400 >= 0, so the calls grow to 5: MM 20,000, AE 12,500.
        var account = AccountOf([new Balance(Usd, 20_000m)], new Position("BTC-C-55000", -5m, 0m));

        var plan = LiquidationPlanner.Plan(s_mixed, account, PlannerOptions.Create(0.001m, 0.2m, 1_000_000m));

        Assert.True(plan.ReachesTarget, plan.Reason);
        var leg = Assert.Single(plan.Legs);
        Assert.Equal(TradeSide.Buy, leg.Side);
        Assert.True(leg.LimitPrice > 1_500m);
        var left = plan.ProjectedAccount.Positions.Single().Quantity;
        Assert.True(left is < 0m and > -5m);
        Assert.True(plan.ProjectedAccount.Balances.Single(b => b.Asset == Usd).Quantity >= 0m);
    }

    [Fact]
    public void Plan_LongPutAndBorrow_SellsThePutBelowMark()
    {
        // Long 10 puts (mark 800, counted at 0.8: 6,400) are the only collateral against USD -6,200: AE_M 200, MM 310.
        var account = AccountOf([new Balance(Usd, -6_200m)], new Position("BTC-P-45000", 10m, 0m));

        var plan = LiquidationPlanner.Plan(s_mixed, account, PlannerOptions.Create(0.001m, 0.2m, 1_000_000m));

        Assert.Equal(MarginStatus.Liquidatable, plan.Before.Status);
        Assert.True(plan.ReachesTarget, plan.Reason);
        var leg = Assert.Single(plan.Legs);
        Assert.Equal(TradeSide.Sell, leg.Side);
        Assert.True(leg.LimitPrice < 800m);
        Assert.True(plan.ProjectedAccount.Positions.Single().Quantity is > 0m and < 10m);
    }

    /// <summary>
    /// On mixed books (tiered, IMF and vol-scaled collateral, borrows, linear, inverse and option positions) the plan never
    /// trades more than held, never flips or grows a balance or position, respects the order limits, and, filled at its
    /// limit prices (projected here independently of the planner), reaches the target whenever it says it does. The
    /// projecting fallback evaluation gives a valid plan with the same verdict.
    /// </summary>
    [Property(MaxTest = 300)]
    public void Plan_MixedBook_FillsAtLimitsReachOrSaysCannotAndNeverOpens(int seed) => CheckMixedBook(seed, s_mixed, MarginMode.Standard);

    /// <summary>The same invariants on portfolio accounts (grids on BTC and ETH, options on a surface), planned by full evaluation.</summary>
    [Property(MaxTest = 60)]
    public void Plan_MixedPortfolioBook_FillsAtLimitsReachOrSaysCannotAndNeverOpens(int seed) => CheckMixedBook(seed, s_mixedPortfolio, MarginMode.Portfolio);

    /// <summary>The portfolio property is not vacuous: its books evaluate, and most are planned to the target.</summary>
    [Fact]
    public void MixedPortfolioBooks_AreEvaluatedAndPlanned()
    {
        var planned = 0;
        var reached = 0;
        for (var seed = 0; seed < 40; seed++)
        {
            var (balances, positions) = MixedBook(new Random(seed), s_mixedPortfolio, MarginMode.Portfolio);
            var account = Account.Create("plan-acct", 3, MarginMode.Portfolio, balances, positions);
            var plan = LiquidationPlanner.Plan(s_mixedPortfolio, account, PlannerOptions.Create(Fee, 0.2m, 1_000_000m));
            planned += plan.Legs.IsEmpty ? 0 : 1;
            reached += plan.Outcome == PlanOutcome.ReachesTarget ? 1 : 0;
        }

        Assert.True(planned >= 20, $"only {planned} of 40 portfolio books got legs");
        Assert.True(reached >= 15, $"only {reached} of 40 portfolio books reached the target");
    }

    private static void CheckMixedBook(int seed, MarginModel model, MarginMode mode)
    {
        var random = new Random(seed);
        var (balances, positions) = MixedBook(random, model, mode);
        var account = Account.Create("plan-acct", 3, mode, balances, positions);
        MarginSummary before;
        try
        {
            before = model.EvaluateSummary(account);
        }
        catch (InvalidAccountException)
        {
            return;
        }

        var options = PlannerOptions.Create(Fee, new[] { 0.05m, 0.2m, 0.5m }[random.Next(3)], new[] { 5_000m, 1_000_000m }[random.Next(2)], new[] { 0m, 0m, 1_500m }[random.Next(3)]);
        var verdicts = new List<PlanOutcome>();
        foreach (var incremental in new[] { true, false })
        {
            var plan = LiquidationPlanner.Plan(model, account, options, default, incremental);
            verdicts.Add(plan.Outcome);
            var describe = string.Create(CultureInfo.InvariantCulture, $"seed {seed} incremental {incremental}: [{string.Join(", ", balances.Select(b => $"{b.Asset} {b.Quantity}"))}] [{string.Join(", ", positions.Select(p => $"{p.InstrumentId} {p.Quantity}@{p.EntryPrice}"))}] -> {plan.Outcome} [{string.Join(", ", plan.Legs.Select(l => $"{l.Target} {l.Side} {l.Quantity}@{l.LimitPrice}"))}]");
            foreach (var leg in plan.Legs)
            {
                var held = leg.Kind == LegKind.ReducePosition
                    ? Math.Abs(account.Positions.Single(p => p.InstrumentId == leg.Target).Quantity)
                    : Math.Abs(account.Balances.Single(b => b.Asset.Symbol == leg.Target).Quantity);
                Assert.True(leg.Quantity <= held, $"{leg.Target} {leg.Quantity} > held {held}: {describe}");
                Assert.True(leg.Value.Amount <= options.MaxOrderUsd && leg.Value.Amount >= options.MinOrderUsd, describe);
            }

            foreach (var after in plan.ProjectedAccount.Positions)
            {
                var was = account.Positions.Single(p => p.InstrumentId == after.InstrumentId).Quantity;
                Assert.True(Math.Sign(after.Quantity) == Math.Sign(was) && Math.Abs(after.Quantity) <= Math.Abs(was), $"{after.InstrumentId} {was} -> {after.Quantity}: {describe}");
            }

            foreach (var after in plan.ProjectedAccount.Balances.Where(b => b.Asset != Usd))
            {
                var was = account.Balances.Where(b => b.Asset == after.Asset).Sum(b => b.Quantity);
                Assert.True(was >= 0m ? after.Quantity >= 0m : after.Quantity <= 0m || plan.Legs.Any(l => l.Target == "BTC-INV"), $"{after.Asset} {was} -> {after.Quantity}: {describe}");
                Assert.True(Math.Abs(after.Quantity) <= Math.Abs(was) || plan.Legs.Any(l => l.Target == "BTC-INV"), $"{after.Asset} grew: {describe}");
            }

            if (before.Status == MarginStatus.Bankrupt || before.Flags.SuppressesLiquidation())
            {
                continue;
            }

            var filled = model.EvaluateSummary(FillAtLimits(account, plan));
            if (plan.ReachesTarget)
            {
                Assert.True(LiquidationPlanner.Slack(filled, plan.TargetRatio) >= 0m, $"filled at the limits the plan misses the target: {describe}");
            }
            else
            {
                Assert.Equal(PlanOutcome.CannotReachTarget, plan.Outcome);
                Assert.NotNull(plan.Reason);
            }
        }

        Assert.Equal(verdicts[0], verdicts[1]);
    }

    /// <summary>
    /// A random mixed book: BTC, ETH (held or owed), SOL, some of ETH-PERP, BTC-INV and the two options, and USD set so
    /// that the slack lands a random 0 to 15,000 USD below the target (about, as a USD borrow adds its own requirement).
    /// </summary>
    internal static (List<Balance> Balances, List<Position> Positions) MixedBook(Random random) => MixedBook(random, s_mixed, MarginMode.Standard);

    internal static (List<Balance> Balances, List<Position> Positions) MixedBook(Random random, MarginModel model, MarginMode mode)
    {
        var balances = new List<Balance>
        {
            new(Btc, random.Next(0, 150) / 100m),
            new(Eth, random.Next(-150, 200) / 10m),
            new(Sol, random.Next(0, 600)),
        };
        var positions = new List<Position>();
        if (random.Next(3) > 0)
        {
            positions.Add(new Position("ETH-PERP", (random.Next(2) == 0 ? -1 : 1) * random.Next(1, 300) / 10m, random.Next(1_700, 2_300)));
        }

        if (random.Next(3) > 0)
        {
            positions.Add(new Position("BTC-INV", (random.Next(2) == 0 ? -1 : 1) * random.Next(1, 1_500) * 100m, random.Next(45_000, 56_000)));
        }

        foreach (var id in new[] { "BTC-C-55000", "BTC-P-45000" })
        {
            if (random.Next(2) == 0)
            {
                positions.Add(new Position(id, (random.Next(2) == 0 ? -1 : 1) * random.Next(1, 50) / 10m, 0m));
            }
        }

        var without = model.EvaluateSummary(Account.Create("plan-acct", 3, mode, balances, positions));
        var deficit = random.Next(0, 15_000);
        balances.Add(new Balance(Usd, decimal.Round(((without.MaintenanceRequirement.Amount - deficit) / 0.8m) - without.AdjustedEquityMaintenance.Amount, 2)));
        return (balances, positions);
    }

    /// <summary>The account with every leg filled at its (rounded) limit price, projected leg by leg from the plan alone.</summary>
    private static Account FillAtLimits(Account account, LiquidationPlan plan)
    {
        var balances = account.Balances.ToDictionary(b => b.Asset, b => b.Quantity);
        var positions = account.Positions.ToDictionary(p => p.InstrumentId, p => p);
        var usd = 0m;
        foreach (var leg in plan.Legs)
        {
            var q = leg.Quantity;
            var l = leg.LimitPrice;
            switch (leg.Kind)
            {
                case LegKind.SellCollateral:
                    balances[Asset.Of(leg.Target)] -= q;
                    usd += q * l;
                    break;
                case LegKind.RepayBorrow:
                    balances[Asset.Of(leg.Target)] += q;
                    usd -= q * l;
                    break;
                default:
                    var p = positions[leg.Target];
                    var s = Math.Sign(p.Quantity);
                    positions[leg.Target] = p with { Quantity = p.Quantity - (s * q) };
                    if (leg.Target == "BTC-INV")
                    {
                        balances[Btc] = balances.GetValueOrDefault(Btc) + (s * q * ((1m / p.EntryPrice) - (1m / l)));
                    }
                    else if (leg.Target == "ETH-PERP")
                    {
                        usd += s * q * (l - p.EntryPrice);
                    }
                    else
                    {
                        usd += s * q * l;
                    }

                    break;
            }
        }

        // Every leg's fee on its value, from the settlement balance.
        usd -= plan.Legs.Sum(l => l.Value.Amount) * Fee;
        balances[Usd] = balances.GetValueOrDefault(Usd) + usd;
        return Account.Create(account.Id, account.Version, account.Mode, balances.Select(kv => new Balance(kv.Key, kv.Value)), positions.Values.Where(p => p.Quantity != 0m));
    }
}
