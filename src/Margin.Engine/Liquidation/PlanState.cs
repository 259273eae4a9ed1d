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
        while (slack < 0m)
        {
            if (moves == _options.MaxMoves)
            {
                return Result(before, current, Project(_lots, out _), PlanOutcome.CannotReachTarget, $"the move budget of {_options.MaxMoves} moves ran out");
            }

            var best = BestMove(slack);
            if (best is not { } move)
            {
                return Result(before, current, Project(_lots, out _), PlanOutcome.CannotReachTarget, "no remaining move within the limits (holdings, kill switches, maximum impact, order sizes) improves r* * AE_M - MM");
            }

            Apply(move.Leg, move.Lots, funding: false);
            if (move.FundingLeg >= 0)
            {
                Apply(move.FundingLeg, move.FundingLots, funding: true);
            }

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
                Consider(new Move(i, add, -1, 0, default), trial, slack, ref best, ref bestRatio);
            }
            else
            {
                Project(trial, out var cash);
                if (cash >= 0m)
                {
                    Consider(new Move(i, add, -1, 0, default), trial, slack, ref best, ref bestRatio);
                }
                else
                {
                    for (var c = 0; c < _legs.Length; c++)
                    {
                        if (_legs[c].Kind == LegKind.SellCollateral && FundingLots(trial, c) is { } k)
                        {
                            trial[c] = _lots[c] + k;
                            Consider(new Move(i, add, c, k, default), trial, slack, ref best, ref bestRatio);
                            trial[c] = _lots[c];
                        }
                    }
                }
            }

            trial[i] = _lots[i];
        }

        return best;
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

    private void Consider(Move move, long[] trial, decimal slack, ref Move? best, ref double bestRatio)
    {
        var summary = _model.EvaluateSummary(Project(trial, out _));
        var benefit = LiquidationPlanner.Slack(summary, _target) - slack;
        if (benefit <= 0m)
        {
            return;
        }

        var cost = MarginalCost(move.Leg, move.Lots) + (move.FundingLeg >= 0 ? MarginalCost(move.FundingLeg, move.FundingLots) : 0m);
        var ratio = cost > 0m ? (double)benefit / (double)cost : double.PositiveInfinity;
        if (best is null || ratio > bestRatio)
        {
            best = move with { Summary = summary };
            bestRatio = ratio;
        }
    }

    private decimal MarginalCost(int leg, long lots) =>
        _legs[leg].Cost(_lots[leg] + lots, _options.FeeRate) - _legs[leg].Cost(_lots[leg], _options.FeeRate);

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

    private readonly record struct Move(int Leg, long Lots, int FundingLeg, long FundingLots, MarginSummary Summary);
}
