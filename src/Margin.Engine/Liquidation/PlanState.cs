using System.Collections.Immutable;
using Margin.Engine.Accounts;
using Margin.Engine.Domain;
using Margin.Engine.Evaluation;
using Margin.Engine.Numerics;
using Margin.Engine.Results;

namespace Margin.Engine.Liquidation;

/// <summary>One planning run: the candidate legs, their lot counts so far, and how to project the account from them.</summary>
/// <remarks>Mutable, but private to one <see cref="LiquidationPlanner.Plan"/> call.</remarks>
internal sealed class PlanState
{
    private readonly MarginModel _model;
    private readonly Account _account;
    private readonly PlannerOptions _options;
    private readonly Asset _settlement;
    private readonly decimal _settlementPrice;
    private readonly decimal _target;
    private readonly ImmutableArray<LegSpec> _legs;
    private readonly long[] _lots;
    private readonly bool[] _funding;
    private readonly List<int> _order = [];

    public PlanState(MarginModel model, Account account, PlannerOptions options, Asset settlement, decimal settlementPrice, decimal target, ImmutableArray<LegSpec> legs)
    {
        _model = model;
        _account = account;
        _options = options;
        _settlement = settlement;
        _settlementPrice = settlementPrice;
        _target = target;
        _legs = legs;
        _lots = new long[legs.Length];
        _funding = new bool[legs.Length];
    }

    public LiquidationPlan Greedy(MarginSummary before)
    {
        var current = before;
        var slack = LiquidationPlanner.Slack(before, _target);
        var moves = 0;

        // Exchanges are the expensive fallback (legs * (legs + 1) evaluations each, often with small gains): at most
        // 4 per leg per plan, so a stuck plan on a large book stays within a bounded number of evaluations.
        var exchangesLeft = 4 * _legs.Length;
        while (slack < 0m)
        {
            if (moves == _options.MaxMoves)
            {
                return Result(before, current, Project(_lots, out _), PlanOutcome.CannotReachTarget, $"the move budget of {_options.MaxMoves} moves ran out");
            }

            var best = BestMove(slack);
            if (best is null && exchangesLeft > 0)
            {
                best = BestExchange(slack);
                exchangesLeft -= best is null ? 0 : 1;
            }

            best ??= SmallSearch();
            if (best is not { } move)
            {
                return Result(before, current, Project(_lots, out _), PlanOutcome.CannotReachTarget, "no remaining move within the limits (holdings, kill switches, maximum impact, order sizes) improves r* * AE_M - MM");
            }

            Apply(move);
            current = move.Summary;
            slack = LiquidationPlanner.Slack(current, _target);
            moves++;
        }

        return Result(before, current, Project(_lots, out _), PlanOutcome.ReachesTarget, null);
    }

    public LiquidationPlan FullClose(MarginSummary before)
    {
        for (var i = 0; i < _legs.Length; i++)
        {
            if (_legs[i].Kind != LegKind.RepayBorrow && _legs[i].FirstLots <= _legs[i].MaxLots)
            {
                Apply(i, _legs[i].MaxLots, funding: false);
            }
        }

        for (var i = 0; i < _legs.Length; i++)
        {
            if (_legs[i].Kind == LegKind.RepayBorrow)
            {
                // The most repay lots the settlement cash covers: cash falls monotonically with the repaid lots.
                long lo = 0;
                long hi = _legs[i].MaxLots;
                while (lo < hi)
                {
                    var mid = lo + ((hi - lo + 1) / 2);
                    _lots[i] = mid;
                    Project(_lots, out var cash);
                    if (cash >= 0m && mid >= _legs[i].FirstLots)
                    {
                        lo = mid;
                    }
                    else
                    {
                        hi = mid - 1;
                    }
                }

                _lots[i] = 0;
                if (lo > 0)
                {
                    Apply(i, lo, funding: false);
                }
            }
        }

        var projected = Project(_lots, out _);
        var after = _model.EvaluateSummary(projected);
        return Result(before, after, projected, PlanOutcome.FullClose, "the account is bankrupt: full close, the insurance fund covers the shortfall");
    }

    public LiquidationPlan Result(MarginSummary before, MarginSummary after, Account projected, PlanOutcome outcome, string? reason)
    {
        var usd = before.Equity.Currency;
        var legs = ImmutableArray.CreateBuilder<LiquidationLeg>(_order.Count);
        var total = 0m;
        foreach (var i in _order)
        {
            var spec = _legs[i];
            var n = _lots[i];
            // Costs round up at the money precision. A limit is rounded towards the better price (a sell's up, a buy's
            // down): any fill at or better than the rounded limit is at least as good as the exact limit the plan was
            // valued at, so the plan still reaches its target.
            var decimals = _model.Parameters.MoneyDecimals;
            var cost = DecimalMath.RoundUp(spec.Cost(n, _options.FeeRate), decimals);
            var limit = spec.Side == TradeSide.Sell ? DecimalMath.RoundUp(spec.Limit(n), decimals) : DecimalMath.RoundDown(spec.Limit(n), decimals);
            total += cost;
            legs.Add(new LiquidationLeg(spec.Kind, spec.Target, spec.Side, n * spec.LotSize, checked((int)Math.Min(n, int.MaxValue)), spec.LotSize, spec.Price, limit, new Money(spec.Value(n), usd), new Money(cost, usd), LegReason(i, outcome)));
        }

        return new LiquidationPlan
        {
            AccountId = _account.Id,
            AccountVersion = _account.Version,
            SnapshotId = _model.Snapshot.Id,
            ParametersVersion = _model.Parameters.Version,
            TargetRatio = _target,
            SettlementAsset = _settlement,
            Legs = legs.ToImmutable(),
            TotalCost = new Money(total, usd),
            Before = before,
            After = after,
            ProjectedAccount = projected,
            Outcome = outcome,
            Reason = reason,
            Shortfall = new Money(outcome == PlanOutcome.Suppressed ? 0m : Math.Max(0m, -after.Equity.Amount), usd),
        };
    }

    private string LegReason(int i, PlanOutcome outcome)
    {
        var spec = _legs[i];
        var why = outcome == PlanOutcome.FullClose ? "full close of a bankrupt account" : "best marginal benefit per marginal cost toward r*";
        return spec.Kind switch
        {
            LegKind.SellCollateral => _funding[i] ? $"sells {spec.Target} into {_settlement} to fund a repay; {why}" : $"sells {spec.Target} into {_settlement}; {why}",
            LegKind.RepayBorrow => $"repays borrowed {spec.Target} from {_settlement}; {why}",
            _ => $"reduces {spec.Target} toward zero, realising PnL into {_settlement}; {why}",
        };
    }

    private void Apply(int leg, long lots, bool funding)
    {
        if (_lots[leg] == 0)
        {
            _order.Add(leg);
        }

        _lots[leg] += lots;
        _funding[leg] |= funding;
    }

    /// <summary>Moves the plan to the lot counts of <paramref name="move"/>; sales grown alongside a repay are marked as funding.</summary>
    private void Apply(Move move)
    {
        var repays = false;
        for (var i = 0; i < _legs.Length; i++)
        {
            repays |= _legs[i].Kind == LegKind.RepayBorrow && move.Lots[i] > _lots[i];
        }

        for (var i = 0; i < _legs.Length; i++)
        {
            var n = move.Lots[i];
            if (n == _lots[i])
            {
                continue;
            }

            if (n > _lots[i])
            {
                Apply(i, n - _lots[i], funding: repays && _legs[i].Kind == LegKind.SellCollateral);
            }
            else
            {
                _lots[i] = n;
                if (n == 0)
                {
                    _order.Remove(i);
                }
            }
        }
    }

    private Move? BestMove(decimal slack)
    {
        Move? best = null;
        var bestRatio = 0d;
        var trial = (long[])_lots.Clone();
        for (var i = 0; i < _legs.Length; i++)
        {
            var add = _legs[i].NextMove(_lots[i]);
            if (add <= 0)
            {
                continue;
            }

            trial[i] = _lots[i] + add;
            if (_legs[i].Kind != LegKind.RepayBorrow)
            {
                Consider(trial, slack, ref best, ref bestRatio);
            }
            else
            {
                Project(trial, out var cash);
                if (cash >= 0m)
                {
                    Consider(trial, slack, ref best, ref bestRatio);
                }
                else
                {
                    var single = false;
                    for (var c = 0; c < _legs.Length; c++)
                    {
                        if (_legs[c].Kind == LegKind.SellCollateral && FundingLots(trial, c) is { } k)
                        {
                            single = true;
                            trial[c] = _lots[c] + k;
                            Consider(trial, slack, ref best, ref bestRatio);
                            trial[c] = _lots[c];
                        }
                    }

                    // No single collateral funds the repay lots: fund them from several, cheapest marginal cost first.
                    if (!single && FundFromSeveral(trial) is { } funded)
                    {
                        Consider(funded, slack, ref best, ref bestRatio);
                    }
                }
            }

            trial[i] = _lots[i];
        }

        return best;
    }

    /// <summary>
    /// The fallback when no greedy move improves the slack: local exchanges. Each takes one lot from a leg (the whole leg
    /// if that would leave it below its first lots) and/or adds the next move of another, re-funding from the cheapest
    /// collaterals when a repay would leave the settlement cash negative. The exchange that raises the slack most is
    /// returned, or null. Bound: at most <c>legs * (legs + 1)</c> candidates per call, and since every accepted move
    /// strictly raises the slack no plan repeats; the whole run stays within <see cref="PlannerOptions.MaxMoves"/> moves.
    /// </summary>
    private Move? BestExchange(decimal slack)
    {
        Move? best = null;
        var bestGain = 0m;
        for (var x = -1; x < _legs.Length; x++)
        {
            if (x >= 0 && _lots[x] == 0)
            {
                continue;
            }

            for (var y = -1; y < _legs.Length; y++)
            {
                if (y == x || (x < 0 && y < 0))
                {
                    continue;
                }

                var trial = (long[])_lots.Clone();
                if (x >= 0)
                {
                    trial[x] = _lots[x] - 1 < _legs[x].FirstLots ? 0 : _lots[x] - 1;
                }

                if (y >= 0)
                {
                    var add = _legs[y].NextMove(_lots[y]);
                    if (add <= 0)
                    {
                        continue;
                    }

                    trial[y] = _lots[y] + add;
                }

                if (!HasRepay(trial) || Cash(trial) >= 0m || FundFromSeveral(trial) is { } funded && (trial = funded) is not null)
                {
                    if (HasRepay(trial) && Cash(trial) < 0m)
                    {
                        continue;
                    }

                    var summary = _model.EvaluateSummary(Project(trial, out _));
                    var gain = LiquidationPlanner.Slack(summary, _target) - slack;
                    if (gain > bestGain)
                    {
                        best = new Move(trial, summary);
                        bestGain = gain;
                    }
                }
            }
        }

        return best;
    }

    /// <summary>The most lot combinations <see cref="SmallSearch"/> enumerates: 4 legs of 12 lots make 13^4 = 28,561.</summary>
    internal const long SmallSearchBound = 32_768;

    /// <summary>
    /// The last resort when neither a greedy move nor an exchange raises the slack: when the legs allow at most
    /// <see cref="SmallSearchBound"/> lot combinations (each leg 0 or from its first lots to its maximum), the cheapest
    /// combination that reaches the target (a repay leaving the settlement cash non-negative), or null. Larger books
    /// are not searched.
    /// </summary>
    private Move? SmallSearch()
    {
        var count = 1L;
        foreach (var leg in _legs)
        {
            var choices = leg.FirstLots <= leg.MaxLots ? leg.MaxLots - leg.FirstLots + 2 : 1;
            if (choices > SmallSearchBound || (count *= choices) > SmallSearchBound)
            {
                return null;
            }
        }

        var combos = new List<(decimal Cost, long[] Lots)>((int)count);
        var lots = new long[_legs.Length];
        void Enumerate(int i, decimal cost)
        {
            if (i == _legs.Length)
            {
                combos.Add((cost, (long[])lots.Clone()));
                return;
            }

            var leg = _legs[i];
            lots[i] = 0;
            Enumerate(i + 1, cost);
            for (var n = leg.FirstLots; n <= leg.MaxLots; n++)
            {
                lots[i] = n;
                Enumerate(i + 1, cost + leg.Cost(n, _options.FeeRate));
            }

            lots[i] = 0;
        }

        Enumerate(0, 0m);
        foreach (var (_, combo) in combos.OrderBy(c => c.Cost))
        {
            var projected = Project(combo, out var cash);
            if (HasRepay(combo) && cash < 0m)
            {
                continue;
            }

            var summary = _model.EvaluateSummary(projected);
            if (LiquidationPlanner.Slack(summary, _target) >= 0m)
            {
                return new Move(combo, summary);
            }
        }

        return null;
    }

    private bool HasRepay(long[] lots)
    {
        for (var i = 0; i < _legs.Length; i++)
        {
            if (_legs[i].Kind == LegKind.RepayBorrow && lots[i] > 0)
            {
                return true;
            }
        }

        return false;
    }

    private decimal Cash(long[] lots)
    {
        Project(lots, out var cash);
        return cash;
    }

    /// <summary>
    /// Lots of <paramref name="trial"/> plus the collateral lots that make the settlement cash non-negative, adding in turn
    /// the next move (a leg's first lots, else one lot) of the collateral whose marginal cost per USD of value is lowest,
    /// within each leg's limits; or null when every collateral is exhausted first. <paramref name="trial"/> is not changed.
    /// </summary>
    private long[]? FundFromSeveral(long[] trial)
    {
        var lots = (long[])trial.Clone();
        while (Cash(lots) < 0m)
        {
            var pick = -1;
            var pickLots = 0L;
            var pickRate = 0m;
            for (var c = 0; c < _legs.Length; c++)
            {
                var spec = _legs[c];
                if (spec.Kind != LegKind.SellCollateral)
                {
                    continue;
                }

                var add = spec.NextMove(lots[c], step: 1);
                if (add <= 0)
                {
                    continue;
                }

                var rate = (spec.Cost(lots[c] + add, _options.FeeRate) - spec.Cost(lots[c], _options.FeeRate)) / (spec.Value(lots[c] + add) - spec.Value(lots[c]));
                if (pick < 0 || rate < pickRate)
                {
                    pick = c;
                    pickLots = add;
                    pickRate = rate;
                }
            }

            if (pick < 0)
            {
                return null;
            }

            lots[pick] += pickLots;
        }

        return lots;
    }

    /// <summary>The fewest lots of collateral leg <paramref name="c"/> that make the settlement cash non-negative, or null.</summary>
    /// <remarks>Proceeds <c>x * (1 - x / depth)</c> rise with <c>x</c> up to half the depth, which the maximum impact never exceeds, so a binary search is exact.</remarks>
    private long? FundingLots(long[] trial, int c)
    {
        var spec = _legs[c];
        var have = _lots[c];
        var room = spec.MaxLots - have;
        var min = have == 0 ? spec.FirstLots : 1;
        if (room < min)
        {
            return null;
        }

        trial[c] = spec.MaxLots;
        Project(trial, out var cash);
        if (cash < 0m)
        {
            trial[c] = have;
            return null;
        }

        long lo = min;
        long hi = room;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) / 2);
            trial[c] = have + mid;
            Project(trial, out cash);
            if (cash >= 0m)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        trial[c] = have;
        return lo;
    }

    private void Consider(long[] trial, decimal slack, ref Move? best, ref double bestRatio)
    {
        var summary = _model.EvaluateSummary(Project(trial, out _));
        var benefit = LiquidationPlanner.Slack(summary, _target) - slack;
        if (benefit <= 0m)
        {
            return;
        }

        var cost = 0m;
        for (var i = 0; i < _legs.Length; i++)
        {
            if (trial[i] != _lots[i])
            {
                cost += _legs[i].Cost(trial[i], _options.FeeRate) - _legs[i].Cost(_lots[i], _options.FeeRate);
            }
        }

        var ratio = cost > 0m ? (double)benefit / (double)cost : double.PositiveInfinity;
        if (best is null || ratio > bestRatio)
        {
            best = new Move((long[])trial.Clone(), summary);
            bestRatio = ratio;
        }
    }

    /// <summary>The account with every leg of <paramref name="lots"/> filled at its limit price; <paramref name="cash"/> is the settlement balance after.</summary>
    public Account Project(long[] lots, out decimal cash)
    {
        var balances = new List<Balance>(_account.Balances.Length + 1);
        balances.AddRange(_account.Balances);
        var positions = _account.Positions.ToArray();
        var usd = 0m;
        for (var i = 0; i < _legs.Length; i++)
        {
            var n = lots[i];
            if (n == 0)
            {
                continue;
            }

            var spec = _legs[i];
            var q = n * spec.LotSize;
            var limit = spec.Limit(n);
            switch (spec.Kind)
            {
                case LegKind.SellCollateral:
                    AddTo(balances, spec.Asset, -q);
                    usd += q * limit;
                    break;
                case LegKind.RepayBorrow:
                    AddTo(balances, spec.Asset, q);
                    usd -= q * limit;
                    break;
                default:
                    var p = positions[spec.PositionIndex];
                    positions[spec.PositionIndex] = spec.Side == TradeSide.Sell
                        ? p with { Quantity = p.Quantity - q }
                        : p with { Quantity = p.Quantity + q };
                    usd += spec.Side == TradeSide.Sell ? q * (limit - p.EntryPrice) : q * (p.EntryPrice - limit);
                    break;
            }
        }

        AddTo(balances, _settlement, usd / _settlementPrice);
        cash = balances.First(b => b.Asset == _settlement).Quantity;
        return Account.Create(_account.Id, _account.Version, _account.Mode, balances, positions.Where(p => p.Quantity != 0m));
    }

    private static void AddTo(List<Balance> balances, Asset asset, decimal delta)
    {
        for (var i = 0; i < balances.Count; i++)
        {
            if (balances[i].Asset == asset)
            {
                balances[i] = balances[i] with { Quantity = balances[i].Quantity + delta };
                return;
            }
        }

        balances.Add(new Balance(asset, delta));
    }

    private readonly record struct Move(long[] Lots, MarginSummary Summary);
}
