using System.Collections.Immutable;
using Margin.Engine.Accounts;
using Margin.Engine.Evaluation;
using Margin.Engine.Liquidation;
using Margin.Engine.Results;

namespace Margin.Engine.Stress;

// One evaluation of every account of a book at one model's prices, optionally planning the liquidation of each account
// that should be liquidated. Chunks of a fixed size are evaluated in parallel and their totals added in chunk order, so
// the outcome does not depend on the thread count (decimal sums are rounded the same way every time).
internal static class BookPass
{
    private const int ChunkSize = 512;
    private const int MaxProblems = 100;
    private const int MaxUnplanned = 20;
    private static readonly EvaluationContext Context = new(SkipProjection: true);

    internal sealed class State(CompactBook book)
    {
        public CompactBook Book { get; } = book;

        // An account's holdings after a liquidation in an earlier round (its plan's projected account), or null.
        public Account?[] Overrides { get; } = new Account?[book.Count];

        // Accounts closed at the insurance fund's expense: no longer evaluated.
        public bool[] Closed { get; } = new bool[book.Count];

        // Accounts that got an order in an earlier round.
        public bool[] Liquidated { get; } = new bool[book.Count];

        public Account AccountAt(int index) => Overrides[index] ?? Book.Account(index);
    }

    internal sealed class Outcome
    {
        public required BookEvaluation Evaluation { get; init; }

        public int Orders { get; init; }

        public int WithoutOrder { get; init; }

        public int FirstOrders { get; init; }

        public ImmutableArray<AccountProblem> Unplanned { get; init; } = [];

        public ImmutableArray<StressOrder> LargestOrders { get; init; } = [];

        public decimal InsuranceFundLoss { get; init; }

        public decimal LiquidationCost { get; init; }

        public required SortedDictionary<string, Flow> Flows { get; init; }
    }

    internal sealed class Flow
    {
        public decimal Sold { get; set; }

        public decimal Bought { get; set; }

        public int Legs { get; set; }
    }

    public static Outcome Run(State state, MarginModel model, PlannerOptions? planner, int worst, bool ratios, StressOptions options, CancellationToken cancellationToken)
    {
        var count = state.Book.Count;
        var chunks = (count + ChunkSize - 1) / ChunkSize;
        var parts = new Chunk[chunks];
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism, CancellationToken = cancellationToken }, c =>
        {
            var part = new Chunk(ratios);
            var end = Math.Min(count, (c + 1) * ChunkSize);
            for (var i = c * ChunkSize; i < end; i++)
            {
                Evaluate(state, model, planner, worst, options, i, part);
            }

            parts[c] = part;
        });
        cancellationToken.ThrowIfCancellationRequested();
        return Merge(state, model, parts, worst, ratios, options.LargestOrders);
    }

    private static void Evaluate(State state, MarginModel model, PlannerOptions? planner, int worst, StressOptions options, int index, Chunk part)
    {
        if (state.Closed[index])
        {
            part.Closed++;
            return;
        }

        var account = state.AccountAt(index);
        MarginSummary summary;
        try
        {
            summary = model.EvaluateSummary(account, Context);
        }
        catch (Exception ex) when (ex is InvalidAccountException or ArithmeticException)
        {
            part.Failed++;
            if (part.Problems.Count < MaxProblems)
            {
                part.Problems.Add(new AccountProblem(account.Id, Problem(ex)));
            }

            return;
        }

        part.ByStatus[(int)summary.Status]++;
        part.PriceSuspect += (summary.Flags & MarginFlags.PriceSuspect) != 0 ? 1 : 0;
        part.Shortfall += Math.Max(0m, summary.MaintenanceRequirement.Amount - summary.AdjustedEquityMaintenance.Amount);
        part.NegativeEquity += Math.Max(0m, -summary.Equity.Amount);
        if (part.Ratios is { } buckets)
        {
            buckets[RatioHistogram.BucketOf(summary.MarginRatio)]++;
        }

        if (worst > 0)
        {
            part.Offer(summary.MarginRatio, account, worst);
        }

        if (planner is null || !summary.ShouldLiquidate)
        {
            return;
        }

        LiquidationPlan plan;
        try
        {
            // Planned from the summary just computed: the planner needs no more of the account's evaluation, and a full
            // one (breakdown lines, reason) per liquidated account would only be thrown away.
            plan = LiquidationPlanner.Plan(model, account, planner, Context, incremental: true, summary);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or ArithmeticException or InvalidAccountException)
        {
            Unplanned(part, index, summary, account.Id, $"no liquidation plan: {ex.Message}");
            return;
        }

        if (plan.Legs.IsEmpty)
        {
            Unplanned(part, index, summary, account.Id, $"the plan has no order ({plan.Outcome}{(plan.Reason is null ? string.Empty : ": " + plan.Reason)})");
            return;
        }

        part.Orders++;
        if (!state.Liquidated[index])
        {
            part.FirstOrders.Add(index);
        }
        if (options.LargestOrders > 0)
        {
            part.OfferOrder(plan, summary.Status, options.LargestOrders);
        }

        part.InsuranceFundLoss += plan.Shortfall.Amount;
        part.LiquidationCost += plan.TotalCost.Amount;
        foreach (var leg in plan.Legs)
        {
            if (DepthImpact.AssetOf(model.Parameters, leg.Kind, leg.Target) is not { } asset)
            {
                continue;
            }

            if (!part.Flows.TryGetValue(asset, out var flow))
            {
                flow = new Flow();
                part.Flows[asset] = flow;
            }

            flow.Legs++;
            if (leg.Side == TradeSide.Sell)
            {
                flow.Sold += leg.Value.Amount;
            }
            else
            {
                flow.Bought += leg.Value.Amount;
            }
        }

        // The plan is assumed filled within the round: the account carries its projected holdings into the next round;
        // one the insurance fund covers is closed (its loss is booked here, once).
        if (plan.InsuranceFund)
        {
            part.ClosedNow.Add(index);
        }
        else
        {
            part.Projected.Add((index, plan.ProjectedAccount));
        }
    }

    // An account to liquidate that gets no order. A bankrupt one is handed to the insurance fund at its negative equity
    // (nothing is sold for it, so no price moves) and closed: the fund's loss is the same whether or not the planner can
    // close it (e.g. an inverse contract whose realised loss would leave its coin owed), and counting it once, here,
    // keeps it from being counted again every round.
    private static void Unplanned(Chunk part, int index, MarginSummary summary, string accountId, string reason)
    {
        if (summary.Status == MarginStatus.Bankrupt)
        {
            part.InsuranceFundLoss += Math.Max(0m, -summary.Equity.Amount);
            part.ClosedNow.Add(index);
            part.Unplan(accountId, $"{reason}; handed to the insurance fund at its negative equity {-summary.Equity.Amount} USD");
            return;
        }

        part.Unplan(accountId, reason);
    }

    private static Outcome Merge(State state, MarginModel model, Chunk[] parts, int worst, bool ratios, int largestOrders)
    {
        var byStatus = new int[Enum.GetValues<MarginStatus>().Length];
        var buckets = ratios ? new int[RatioHistogram.BucketCount] : null;
        var flows = new SortedDictionary<string, Flow>(StringComparer.Ordinal);
        var problems = ImmutableArray.CreateBuilder<AccountProblem>();
        var unplanned = ImmutableArray.CreateBuilder<AccountProblem>();
        int failed = 0, closed = 0, suspect = 0, orders = 0, withoutOrder = 0, firstOrders = 0;
        decimal shortfall = 0m, negative = 0m, fund = 0m, cost = 0m;
        var candidates = new List<Candidate>();
        var largest = new List<StressOrder>();
        foreach (var part in parts)
        {
            for (var s = 0; s < byStatus.Length; s++)
            {
                byStatus[s] += part.ByStatus[s];
            }

            if (buckets is not null)
            {
                for (var b = 0; b < buckets.Length; b++)
                {
                    buckets[b] += part.Ratios![b];
                }
            }

            failed += part.Failed;
            closed += part.Closed;
            suspect += part.PriceSuspect;
            orders += part.Orders;
            withoutOrder += part.WithoutOrder;
            shortfall += part.Shortfall;
            negative += part.NegativeEquity;
            fund += part.InsuranceFundLoss;
            cost += part.LiquidationCost;
            foreach (var problem in part.Problems)
            {
                if (problems.Count < MaxProblems)
                {
                    problems.Add(problem);
                }
            }

            foreach (var problem in part.Unplanned)
            {
                if (unplanned.Count < MaxUnplanned)
                {
                    unplanned.Add(problem);
                }
            }

            foreach (var (asset, flow) in part.Flows)
            {
                if (!flows.TryGetValue(asset, out var total))
                {
                    total = new Flow();
                    flows[asset] = total;
                }

                total.Sold += flow.Sold;
                total.Bought += flow.Bought;
                total.Legs += flow.Legs;
            }

            candidates.AddRange(part.Worst);
            largest.AddRange(part.Largest);
            foreach (var (index, projected) in part.Projected)
            {
                state.Overrides[index] = projected;
            }

            foreach (var index in part.ClosedNow)
            {
                state.Closed[index] = true;
            }

            firstOrders += part.FirstOrders.Count;
            foreach (var index in part.FirstOrders)
            {
                state.Liquidated[index] = true;
            }
        }

        var statuses = ImmutableSortedDictionary.CreateBuilder<MarginStatus, int>();
        for (var s = 0; s < byStatus.Length; s++)
        {
            if (byStatus[s] > 0)
            {
                statuses[(MarginStatus)s] = byStatus[s];
            }
        }

        return new Outcome
        {
            Evaluation = new BookEvaluation
            {
                ByStatus = statuses.ToImmutable(),
                Failed = failed,
                Closed = closed,
                PriceSuspect = suspect,
                Shortfall = shortfall,
                NegativeEquity = negative,
                Ratios = buckets is null ? [] : [.. buckets],
                Worst = [.. candidates.Order().Take(worst).Select(c => Explain(model, c.AccountId, c.Account))],
                Problems = problems.ToImmutable(),
            },
            Orders = orders,
            WithoutOrder = withoutOrder,
            FirstOrders = firstOrders,
            Unplanned = unplanned.ToImmutable(),
            LargestOrders = [.. largest.Order(LargestFirst.Instance).Take(largestOrders)],
            InsuranceFundLoss = fund,
            LiquidationCost = cost,
            Flows = flows,
        };

        // The worst accounts are evaluated again in full for the reason behind their status (a handful per evaluation).
        StressedAccount Explain(MarginModel m, string id, Account account)
        {
            var result = m.Evaluate(account, Context);
            var s = result.Summary;
            return new StressedAccount(id, s.Status, s.MarginRatio, s.Equity.Amount, s.AdjustedEquityMaintenance.Amount, s.MaintenanceRequirement.Amount, result.Reason.Message);
        }
    }

    private static string Problem(Exception ex) =>
        ex is InvalidAccountException { Field.Length: > 0 } invalid ? $"{invalid.Field}: {invalid.Problem}"
        : ex is InvalidAccountException other ? other.Problem
        : $"the evaluation failed ({ex.GetType().Name}): {ex.Message}";

    // Highest ratio first, then account id (ordinal): a total order, so the worst accounts are the same for any chunking.
    private readonly record struct Candidate(double Ratio, string AccountId, Account Account) : IComparable<Candidate>
    {
        public int CompareTo(Candidate other)
        {
            var byRatio = other.Ratio.CompareTo(Ratio);
            return byRatio != 0 ? byRatio : string.CompareOrdinal(AccountId, other.AccountId);
        }
    }

    // Largest value first, then account id (ordinal): the same orders for any chunking.
    private sealed class LargestFirst : IComparer<StressOrder>
    {
        public static readonly LargestFirst Instance = new();

        public int Compare(StressOrder? x, StressOrder? y)
        {
            ArgumentNullException.ThrowIfNull(x);
            ArgumentNullException.ThrowIfNull(y);
            var byValue = y.Value.CompareTo(x.Value);
            return byValue != 0 ? byValue : string.CompareOrdinal(x.AccountId, y.AccountId);
        }
    }

    private sealed class Chunk(bool ratios)
    {
        public int[] ByStatus { get; } = new int[Enum.GetValues<MarginStatus>().Length];

        public int[]? Ratios { get; } = ratios ? new int[RatioHistogram.BucketCount] : null;

        public int Failed { get; set; }

        public int Closed { get; set; }

        public int PriceSuspect { get; set; }

        public int Orders { get; set; }

        public int WithoutOrder { get; set; }

        public decimal Shortfall { get; set; }

        public decimal NegativeEquity { get; set; }

        public decimal InsuranceFundLoss { get; set; }

        public decimal LiquidationCost { get; set; }

        public List<AccountProblem> Problems { get; } = [];

        public List<AccountProblem> Unplanned { get; } = [];

        public List<StressOrder> Largest { get; } = [];

        // Keeps the chunk's largest orders by value (ties by account id), at most `keep`.
        public void OfferOrder(LiquidationPlan plan, MarginStatus status, int keep)
        {
            var value = plan.Legs.Sum(l => l.Value.Amount);
            if (Largest.Count == keep && (value < Largest[^1].Value || (value == Largest[^1].Value && string.CompareOrdinal(plan.AccountId, Largest[^1].AccountId) > 0)))
            {
                return;
            }

            var order = new StressOrder(
                plan.AccountId,
                status,
                plan.Outcome.ToString(),
                value,
                plan.TotalCost.Amount,
                plan.Shortfall.Amount,
                [.. plan.Legs.Select(l => new StressOrderLeg(l.Kind.ToString(), l.Target, l.Side.ToString(), l.Quantity, l.LimitPrice, l.Value.Amount))]);
            var at = Largest.BinarySearch(order, LargestFirst.Instance);
            Largest.Insert(at < 0 ? ~at : at, order);
            if (Largest.Count > keep)
            {
                Largest.RemoveAt(Largest.Count - 1);
            }
        }

        public SortedDictionary<string, Flow> Flows { get; } = new(StringComparer.Ordinal);

        public List<Candidate> Worst { get; } = [];

        public List<(int Index, Account Account)> Projected { get; } = [];

        public List<int> ClosedNow { get; } = [];

        public List<int> FirstOrders { get; } = [];

        public void Unplan(string accountId, string reason)
        {
            WithoutOrder++;
            if (Unplanned.Count < MaxUnplanned)
            {
                Unplanned.Add(new AccountProblem(accountId, reason));
            }
        }

        // Keeps the chunk's worst accounts, sorted, at most `keep`.
        public void Offer(double ratio, Account account, int keep)
        {
            var candidate = new Candidate(double.IsNaN(ratio) ? double.PositiveInfinity : ratio, account.Id, account);
            if (Worst.Count == keep && candidate.CompareTo(Worst[^1]) >= 0)
            {
                return;
            }

            var at = Worst.BinarySearch(candidate);
            Worst.Insert(at < 0 ? ~at : at, candidate);
            if (Worst.Count > keep)
            {
                Worst.RemoveAt(Worst.Count - 1);
            }
        }
    }
}
