using System.Collections.Immutable;
using Margin.Engine.Accounts;
using Margin.Engine.Domain;
using Margin.Engine.Evaluation;
using Margin.Engine.Numerics;
using Margin.Engine.Results;

namespace Margin.Engine.Liquidation;

/// <summary>One planning run: the candidate legs, their lot counts so far, and the account's slack as the legs change.</summary>
/// <remarks>
/// The slack comes from <see cref="MarginModel.PlanningState"/> (exact decimal, each leg change re-values only its own
/// lines and the settlement balance) when the account's mode has one; otherwise every evaluation projects the account
/// and calls <see cref="MarginModel.EvaluateSummary"/>. Mutable, but private to one planning call.
/// </remarks>
internal sealed class PlanState
{
    /// <summary>The most lot combinations <see cref="SmallSearch"/> enumerates: 4 legs of 12 lots make 13^4 = 28,561.</summary>
    internal const long SmallSearchBound = 32_768;

    /// <summary>Trial and confirming evaluations need the status and the slack only, not the pre-emptive projection.</summary>
    private static readonly EvaluationContext StatusOnly = new(SkipProjection: true);

    private readonly MarginModel _model;
    private readonly bool _settlementBorrowable;
    private readonly double _feeD;
    private readonly Account _account;
    private readonly PlannerOptions _options;
    private readonly Asset _settlement;
    private readonly decimal _settlementPrice;
    private readonly decimal _target;
    private readonly LegSpec[] _legs;
    private readonly MarginModel.PlanningState? _state;
    private readonly int _n;
    private readonly double _fee;

    // The plan so far: lots per leg and what they change (at their limits).
    private readonly long[] _lots;
    private readonly decimal[] _usd;
    private readonly decimal[] _ledger;
    private readonly decimal[] _position;
    private readonly bool[] _funding;
    private readonly List<int> _order;
    private decimal _usdTotal;
    private int _consumers;
    private readonly decimal _cash0;
    private readonly double _settlementPriceD;
    private readonly double _perSettlementUnit;
    private readonly bool _cashBorrowable;

    // Ledger groups: legs that change the same asset's ledger (a sale and an inverse contract's realised coins).
    private readonly int[] _group;
    private readonly decimal[] _group0;
    private readonly decimal[] _groupLedger;
    private readonly bool[] _groupRealises;

    // Incremental slots: each leg's own asset (or inverse coin) slot, and the settlement slot.
    private readonly int[] _slot;
    private readonly int _settleSlot;
    private readonly bool _settleNegativeLinear;
    private readonly double _settleNegativeCoefficient;
    private readonly double _settleCoefficient;
    private readonly double _settleUpTo;

    // Fallback evaluation: the summary of the projected account, recomputed when the lots changed.
    private MarginSummary? _projected;

    // Without an incremental state every slack is an evaluation of the projected account, a pure function of the lots.
    // The latest evaluations are kept with their lots (a ring of 2 * legs + 2), so that the greedy's return to the
    // current lots after valuing each candidate, and the move to the candidate it takes, cost no evaluation again: a
    // move costs one evaluation per candidate instead of two per candidate and one more.
    private readonly long[][]? _evaluatedLots;
    private readonly MarginSummary[]? _evaluated;
    private int _evaluatedCount;
    private int _evaluatedNext;
    private bool _confirm;
    private bool _settleStale;
    private bool _anyPending;
    private double _cashD;
    private readonly long[] _applied;
    private double _bestBenefit;
    private double _slackEstimate = double.NaN;
    private int _movedLegs;

    // Each leg's next move, cached until a move touches the leg's lines.
    private readonly bool[] _dirty;

    private readonly Candidate[] _cand;
    private readonly Removal[] _rem;
    private readonly FastLeg[] _fastLeg;

    // Scratch lot vectors, sized once.
    private readonly long[] _trial;
    private readonly long[] _best;
    private readonly long[] _saved;
    private readonly long[] _keep;
    private readonly long[] _exchange;
    private readonly double[] _maxUsd;
    private readonly long[] _lastFrom;
    private readonly double[] _lastOwn;
    private readonly double[] _lastUsd;
    private readonly int[] _pending;
    private readonly decimal[] _keepGroups;
    private readonly bool[] _fast;

    public PlanState(MarginModel model, Account account, PlannerOptions options, Asset settlement, decimal settlementPrice, decimal target, ImmutableArray<LegSpec> legs, MarginModel.PlanningState? state)
    {
        _model = model;
        _settlementBorrowable = model.Parameters.Assets.TryGetValue(settlement.Symbol, out var settlementParameters) && settlementParameters.Borrow is not null;
        _feeD = (double)options.FeeRate;
        _account = account;
        _options = options;
        _settlement = settlement;
        _settlementPrice = settlementPrice;
        _target = target;
        _legs = [.. legs];
        _state = state;
        _n = _legs.Length;
        _fee = (double)options.FeeRate;
        _settlementPriceD = (double)settlementPrice;
        _perSettlementUnit = 1d / _settlementPriceD;
        _lots = new long[_n];
        _applied = new long[_n];
        _usd = new decimal[_n];
        _ledger = new decimal[_n];
        _position = new decimal[_n];
        _funding = new bool[_n];
        _order = new List<int>(_n);
        _dirty = new bool[_n];
        Array.Fill(_dirty, true);
        _cand = new Candidate[_n];
        _rem = new Removal[_n];
        _fastLeg = new FastLeg[_n];
        _trial = new long[_n];
        _best = new long[_n];
        _saved = new long[_n];
        _keep = new long[_n];
        _exchange = new long[_n];
        _maxUsd = new double[_n];
        _lastFrom = new long[_n];
        _lastOwn = new double[_n];
        _lastUsd = new double[_n];
        _pending = new int[_n];
        Array.Fill(_maxUsd, double.NaN);
        if (state is null)
        {
            _evaluated = new MarginSummary[(2 * _n) + 2];
            _evaluatedLots = new long[_evaluated.Length][];
            for (var e = 0; e < _evaluatedLots.Length; e++)
            {
                _evaluatedLots[e] = new long[_n];
            }
        }
        _fast = new bool[_n];

        _cash0 = BalanceOf(account, settlement);
        _cashD = (double)_cash0;
        _cashBorrowable = model.Parameters.Assets[settlement.Symbol].Borrow is not null;

        _group = new int[_n];
        var groupAssets = new List<Asset>();
        for (var i = 0; i < _n; i++)
        {
            var asset = _legs[i].LedgerAsset;
            _group[i] = -1;
            if (asset.IsDefault)
            {
                continue;
            }

            var g = groupAssets.IndexOf(asset);
            if (g < 0)
            {
                g = groupAssets.Count;
                groupAssets.Add(asset);
            }

            _group[i] = g;
        }

        _group0 = new decimal[groupAssets.Count];
        for (var g = 0; g < groupAssets.Count; g++)
        {
            _group0[g] = BalanceOf(account, groupAssets[g]);
        }

        _groupLedger = (decimal[])_group0.Clone();
        _groupRealises = new bool[_group0.Length];
        for (var i = 0; i < _n; i++)
        {
            if (_group[i] >= 0 && _legs[i].Action == LegAction.ReduceInverse)
            {
                _groupRealises[_group[i]] = true;
            }
        }

        _keepGroups = new decimal[_group0.Length];

        _slot = new int[_n];
        _settleSlot = -1;
        if (state is not null)
        {
            for (var i = 0; i < _n; i++)
            {
                _slot[i] = _legs[i].LedgerAsset.IsDefault ? -1 : state.SlotOf(_legs[i].LedgerAsset.Symbol);
            }

            _settleSlot = state.SlotOf(settlement.Symbol);
            state.Linearity(_settleSlot, out var positive, out var upTo, out var negative, out _settleNegativeLinear);
            _settleCoefficient = (double)positive;
            _settleUpTo = upTo == decimal.MaxValue ? double.MaxValue : (double)upTo;
            _settleNegativeCoefficient = (double)negative;
            for (var i = 0; i < _n; i++)
            {
                var spec = _legs[i];
                if (spec.Action != LegAction.Sell || _groupRealises[_group[i]] || _slot[i] < 0)
                {
                    continue;
                }

                state.Linearity(_slot[i], out var w, out var limit, out _, out _);
                _fast[i] = limit > 0m;
                _fastLeg[i].Coefficient = (double)w;
                _fastLeg[i].UpTo = limit == decimal.MaxValue ? double.MaxValue : (double)limit;
                _fastLeg[i].Held = (double)(_group0[_group[i]] + state.Coins(_slot[i]));
                _fastLeg[i].Price = (double)spec.Price;
                _fastLeg[i].Lot = (double)spec.LotSize;
                _fastLeg[i].Impact = (double)spec.ImpactPerLot;
            }
        }
    }

    private bool Incremental => _state is not null;

    private decimal Cash
    {
        get
        {
            ApplyPending();
            return _cash0 + ToCash(_usdTotal);
        }
    }

    /// <summary>
    /// Applies the sales taken lazily (see <see cref="Take"/>): their exact effects, the cash and the incremental state.
    /// Everything that reads an exact figure calls this first.
    /// </summary>
    private void ApplyPending()
    {
        if (!_anyPending)
        {
            return;
        }

        _anyPending = false;
        for (var i = 0; i < _n; i++)
        {
            if (_applied[i] != _lots[i])
            {
                Commit(i, _lots[i]);
            }
        }
    }

    /// <summary>USD as settlement units; most settlement assets are priced at exactly 1, and a division is dear.</summary>
    private decimal ToCash(decimal usd) => _settlementPrice == 1m ? usd : usd / _settlementPrice;

    public LiquidationPlan Greedy(MarginSummary before)
    {
        var moves = 0;

        // Exchanges are the expensive fallback (legs * (legs + 1) evaluations each, often with small gains): at most
        // 4 per leg per plan, so a stuck plan on a large book stays within a bounded number of evaluations.
        var exchangesLeft = 4 * _n;
        while (true)
        {
            while (!Reached())
            {
                if (moves == _options.MaxMoves)
                {
                    return Finish(before, PlanOutcome.CannotReachTarget, $"the move budget of {_options.MaxMoves} moves ran out");
                }

                var found = BestMove();
                if (!found && exchangesLeft > 0)
                {
                    found = BestExchange();
                    exchangesLeft -= found ? 1 : 0;
                }

                found = found || SmallSearch();
                if (!found)
                {
                    return Finish(before, PlanOutcome.CannotReachTarget, "no remaining move within the limits (holdings, kill switches, maximum impact, order sizes) improves r* * AE_M - MM");
                }

                // The single-leg move's benefit keeps a running estimate of the slack; any other move needs the exact one.
                var single = _bestBenefit;
                Take(_best, lazy: !double.IsNaN(single));
                _slackEstimate = double.IsNaN(single) || !IsSingleMove() ? double.NaN : _slackEstimate + single;
                moves++;
            }

            // The engine evaluates the projected account: the plan's "after" and the final word on the target.
            Array.Copy(_lots, _saved, _n);
            var improved = Improve();
            var projected = Project(_lots);
            var after = _model.EvaluateSummary(projected, StatusOnly);
            if (LiquidationPlanner.Slack(after, _target) >= 0m)
            {
                return Result(before, after, projected, PlanOutcome.ReachesTarget, null);
            }

            if (improved)
            {
                Take(_saved);
                projected = Project(_lots);
                after = _model.EvaluateSummary(projected, StatusOnly);
                if (LiquidationPlanner.Slack(after, _target) >= 0m)
                {
                    return Result(before, after, projected, PlanOutcome.ReachesTarget, null);
                }
            }

            _slackEstimate = double.NaN;

            // The incremental sums met the target where the engine's did not (a last-digit difference at the rounding
            // boundary): from here on every "met" is confirmed by the engine, and the greedy goes on.
            _confirm = true;
        }
    }

    public LiquidationPlan FullClose(MarginSummary before)
    {
        // Positions first, then sales, then what consumes cash; each as far as it can go without turning a held asset
        // into a borrow (an inverse contract's realised loss leaves its coin) or, for the last group, the cash negative.
        foreach (var phase in new[] { 0, 1 })
        {
            for (var i = 0; i < _n; i++)
            {
                var spec = _legs[i];
                if (spec.ConsumesCash || (phase == 0) != (spec.Kind == LegKind.ReducePosition) || spec.FirstLots > spec.MaxLots)
                {
                    continue;
                }

                var lots = spec.MaxLots;
                Commit(i, lots);
                if (!GroupsAllowed())
                {
                    long lo = 0;
                    long hi = spec.MaxLots;
                    while (lo < hi)
                    {
                        var mid = lo + ((hi - lo + 1) / 2);
                        Commit(i, mid);
                        if (GroupsAllowed() && mid >= spec.FirstLots)
                        {
                            lo = mid;
                        }
                        else
                        {
                            hi = mid - 1;
                        }
                    }

                    lots = lo;
                }

                Commit(i, 0);
                if (lots > 0)
                {
                    Array.Copy(_lots, _trial, _n);
                    _trial[i] = lots;
                    Take(_trial);
                }
            }
        }

        for (var i = 0; i < _n; i++)
        {
            if (_legs[i].ConsumesCash)
            {
                // Everything, when the settlement asset can be owed (the insurance fund covers what is left owing); else
                // the most lots the settlement cash covers (cash falls monotonically with the lots bought).
                long lo = 0;
                long hi = _legs[i].MaxLots;
                while (lo < hi)
                {
                    var mid = lo + ((hi - lo + 1) / 2);
                    Commit(i, mid);
                    if (CashAllowed() && mid >= _legs[i].FirstLots)
                    {
                        lo = mid;
                    }
                    else
                    {
                        hi = mid - 1;
                    }
                }

                Commit(i, 0);
                if (lo > 0)
                {
                    Array.Copy(_lots, _trial, _n);
                    _trial[i] = lo;
                    Take(_trial);
                }
            }
        }

        var projected = Project(_lots);
        var uncovered = 0m;
        if (!_settlementBorrowable && Cash < 0m)
        {
            // Closing the positions realised more loss than the cash covers, and the settlement asset cannot be owed:
            // the account ends at zero settlement cash and the insurance fund pays the rest, which the shortfall adds.
            uncovered = -Cash * _settlementPrice;
            projected = WithSettlement(projected, 0m);
        }

        var after = _model.EvaluateSummary(projected, StatusOnly);
        return Result(before, after, projected, PlanOutcome.FullClose, "the account is bankrupt: full close, the insurance fund covers the shortfall", uncovered);
    }

    private Account WithSettlement(Account account, decimal quantity)
    {
        var balances = account.Balances.Select(b => b.Asset == _settlement ? b with { Quantity = quantity } : b).ToImmutableArray();
        return account.WithHoldings(balances, account.Positions);
    }

    /// <summary>The decimals that keep 8 significant digits of <paramref name="price"/> (at most 28).</summary>
    internal static int LimitDecimals(decimal price)
    {
        if (price >= 1m)
        {
            // Integer digits, by comparison with growing powers of ten (multiplications, no divisions).
            var digits = 1;
            for (var power = 10m; digits < 8 && price >= power; power *= 10m)
            {
                digits++;
            }

            return 8 - digits;
        }

        // Below 1: the zeros after the point before the first significant digit, plus 8.
        var zeros = 0;
        for (var power = 0.1m; zeros < 20 && price > 0m && price < power; power *= 0.1m)
        {
            zeros++;
        }

        return Math.Min(28, zeros + 8);
    }

    /// <summary>Whether the settlement balance may be where it is: anywhere when the settlement asset can be owed, else not below 0.</summary>
    private bool CashAllowed() => _settlementBorrowable || Cash >= 0m;

    public LiquidationPlan Result(MarginSummary before, MarginSummary after, Account projected, PlanOutcome outcome, string? reason, decimal uncoveredUsd = 0m)
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

            // A limit keeps at least 8 significant digits of its price: at the money precision alone a price of 0.00001
            // would round to 0.01 (sell) or 0 (buy), and no order could fill.
            var limitDecimals = decimals >= 7 && spec.Price >= 1m ? decimals : Math.Max(decimals, LimitDecimals(spec.Price));
            var limit = spec.Side == TradeSide.Sell ? DecimalMath.RoundUp(spec.Limit(n), limitDecimals) : DecimalMath.RoundDown(spec.Limit(n), limitDecimals);
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
            Shortfall = new Money(outcome == PlanOutcome.Suppressed ? 0m : Math.Max(0m, -after.Equity.Amount) + DecimalMath.RoundUp(uncoveredUsd, _model.Parameters.MoneyDecimals), usd),
        };
    }

    /// <summary>The account with every leg of <paramref name="lots"/> filled at its limit price.</summary>
    public Account Project(long[] lots)
    {
        var balances = new List<Balance>(_account.Balances.Length + 1);
        balances.AddRange(_account.Balances);
        var positions = _account.Positions.ToArray();
        var usd = 0m;
        for (var i = 0; i < _n; i++)
        {
            if (lots[i] == 0)
            {
                continue;
            }

            var spec = _legs[i];
            spec.Effects(lots[i], out var u, out var ledger, out var position);
            usd += u;
            if (!spec.LedgerAsset.IsDefault)
            {
                AddTo(balances, spec.LedgerAsset, ledger);
            }

            if (spec.PositionIndex >= 0)
            {
                var p = positions[spec.PositionIndex];
                positions[spec.PositionIndex] = p with { Quantity = p.Quantity + position };
            }
        }

        if (usd != 0m)
        {
            AddTo(balances, _settlement, ToCash(usd));
        }

        // Derived from a validated account: one balance per asset (AddTo adds in place), the same positions or fewer.
        var kept = ImmutableArray.CreateBuilder<Position>(positions.Length);
        foreach (var p in positions)
        {
            if (p.Quantity != 0m)
            {
                kept.Add(p);
            }
        }

        return _account.WithHoldings([.. balances], kept.DrainToImmutable());
    }

    private LiquidationPlan Finish(MarginSummary before, PlanOutcome outcome, string reason)
    {
        var projected = Project(_lots);
        return Result(before, _model.EvaluateSummary(projected, StatusOnly), projected, outcome, reason);
    }

    /// <summary>Whether the current lots meet the target (incremental; confirmed by the engine once they disagreed).</summary>
    private bool Reached()
    {
        if (_state is null)
        {
            return LiquidationPlanner.Slack(Projected(), _target) >= 0m;
        }

        // Far below the target by the running estimate (exact own deltas, the settlement share estimated where linear),
        // no exact check is needed; an estimate off by more than its margin only costs a lot the improvement pass drops.
        if (_slackEstimate < -1d - (1e-9 * Math.Abs(_slackEstimate)))
        {
            return false;
        }

        Sync();
        _slackEstimate = (double)_state.Slack;
        // Rounding moves the slack by at most r* + 1 units of the money precision: no need to round when far below.
        if (_state.Slack < -1m || !_state.MeetsTarget)
        {
            return false;
        }

        return !_confirm || LiquidationPlanner.Slack(_model.EvaluateSummary(Project(_lots), StatusOnly), _target) >= 0m;
    }

    private MarginSummary Projected() => _projected ??= Evaluated(_lots);

    /// <summary>The engine's summary of the account projected at <paramref name="lots"/>: recalled when these lots were evaluated lately (no incremental state), else evaluated.</summary>
    private MarginSummary Evaluated(long[] lots)
    {
        if (_evaluated is null)
        {
            return _model.EvaluateSummary(Project(lots), StatusOnly);
        }

        for (var e = 0; e < _evaluatedCount; e++)
        {
            if (lots.AsSpan().SequenceEqual(_evaluatedLots![e]))
            {
                return _evaluated[e];
            }
        }

        var summary = _model.EvaluateSummary(Project(lots), StatusOnly);
        Array.Copy(lots, _evaluatedLots![_evaluatedNext], _n);
        _evaluated[_evaluatedNext] = summary;
        _evaluatedNext = (_evaluatedNext + 1) % _evaluated.Length;
        _evaluatedCount = Math.Min(_evaluated.Length, _evaluatedCount + 1);
        return summary;
    }

    private decimal CurrentSlack => Sync()?.Slack ?? LiquidationPlanner.Slack(Projected(), _target);

    private bool CurrentMeets => Sync()?.MeetsTarget ?? LiquidationPlanner.Slack(Projected(), _target) >= 0m;

    /// <summary>
    /// Folds the settlement balance into the incremental totals if moves changed it since: it changes with almost every
    /// move, and re-valuing it each time would be a third of a move's work, so it is deferred until an exact slack is needed.
    /// </summary>
    private MarginModel.PlanningState? Sync()
    {
        ApplyPending();
        if (_settleStale)
        {
            _state!.SetLedger(_settleSlot, Cash);
            _settleStale = false;
        }

        return _state;
    }

    /// <summary>Sets leg <paramref name="i"/> to <paramref name="lots"/> lots in the slack state (no plan bookkeeping).</summary>
    private void Commit(int i, long lots)
    {
        if (_anyPending)
        {
            ApplyPending();
        }

        if (_applied[i] == lots)
        {
            _lots[i] = lots;
            return;
        }

        var spec = _legs[i];
        decimal usd, ledger, position;
        if (lots == _cand[i].Lots && !_dirty[i] && _cand[i].Exact && _state is not null)
        {
            (usd, ledger, position) = (_cand[i].UsdAt, _cand[i].LedgerAt, _cand[i].PositionAt);
        }
        else
        {
            spec.Effects(lots, out usd, out ledger, out position);
        }

        var dUsd = usd - _usd[i];
        var dLedger = ledger - _ledger[i];
        if (spec.ConsumesCash)
        {
            _consumers += (lots > 0 ? 1 : 0) - (_applied[i] > 0 ? 1 : 0);
        }

        if (_group[i] >= 0)
        {
            _groupLedger[_group[i]] += dLedger;
        }

        _usdTotal += dUsd;
        _cashD = (double)(_cash0 + ToCash(_usdTotal));
        _lots[i] = lots;
        _applied[i] = lots;
        _usd[i] = usd;
        _ledger[i] = ledger;
        _position[i] = position;
        _projected = null;
        if (_state is null)
        {
            return;
        }

        if (dLedger != 0m)
        {
            _state.SetLedger(_slot[i], _groupLedger[_group[i]]);
        }

        if (spec.PositionIndex >= 0)
        {
            _state.SetPosition(spec.PositionIndex, _account.Positions[spec.PositionIndex].Quantity + position);
        }

        if (dUsd != 0m)
        {
            _settleStale = true;
        }
    }

    /// <summary>Whether the last <see cref="Take"/> changed one leg only.</summary>
    private bool IsSingleMove() => _movedLegs == 1;

    /// <summary>Moves the plan to <paramref name="lots"/>: order, funding marks and the slack state follow.</summary>
    private void Take(long[] lots, bool lazy = false)
    {
        _movedLegs = 0;
        var repays = false;
        for (var i = 0; i < _n; i++)
        {
            repays |= _legs[i].ConsumesCash && lots[i] > _lots[i];
        }

        for (var i = 0; i < _n; i++)
        {
            var n = lots[i];
            if (n == _lots[i])
            {
                continue;
            }

            if (_lots[i] == 0)
            {
                _order.Add(i);
            }
            else if (n == 0)
            {
                _order.Remove(i);
            }

            if (n > _lots[i])
            {
                _funding[i] |= repays && _legs[i].Action == LegAction.Sell;
            }

            // The cached move's own delta, negated, is exactly what undoing it would change: the improvement pass's first estimate.
            var cached = n == _cand[i].Lots && !_dirty[i] && _state is not null;
            _lastFrom[i] = cached ? _lots[i] : -1;
            _lastOwn[i] = cached ? _cand[i].OwnD : 0d;
            _lastUsd[i] = cached ? _cand[i].UsdD : 0d;
            if (lazy && _fast[i] && n > _lots[i])
            {
                // A greedy sale of a flat-weighted asset: applied to the exact state when an exact figure is next needed.
                _cashD += (UsdEstimate(i, n) - UsdEstimate(i, _lots[i])) / _settlementPriceD;
                _lots[i] = n;
                _anyPending = true;
                _projected = null;
            }
            else
            {
                Commit(i, n);
            }

            MarkDirty(i);
            _movedLegs++;
        }
    }

    /// <summary>Invalidates the cached next moves that depend on leg <paramref name="i"/>'s lines: its own and those sharing its ledger asset.</summary>
    private void MarkDirty(int i)
    {
        if (_state is null)
        {
            Array.Fill(_dirty, true);
            return;
        }

        _dirty[i] = true;
        if (_group[i] >= 0)
        {
            for (var j = 0; j < _n; j++)
            {
                _dirty[j] |= _group[j] == _group[i];
            }
        }
    }

    /// <summary>
    /// The slack change from leg <paramref name="i"/> going to <paramref name="lots"/> lots, through its own lines only
    /// (incremental; the settlement balance's change is <see cref="SettleDelta"/> of <paramref name="dUsd"/>), or its
    /// whole change (fallback). Nothing is changed.
    /// </summary>
    private decimal OwnDelta(int i, long lots, out decimal dUsd)
    {
        ApplyPending();
        if (_state is null)
        {
            _legs[i].Effects(lots, out var usd, out _, out _);
            dUsd = usd - _usd[i];
            var keep = _lots[i];
            var before = CurrentSlack;
            Commit(i, lots);
            var after = CurrentSlack;
            Commit(i, keep);
            return after - before;
        }

        _legs[i].Effects(lots, out var u, out var ledger, out var position);
        dUsd = u - _usd[i];
        return OwnDelta(i, ledger, position);
    }

    /// <summary>The incremental own delta of leg <paramref name="i"/> with effects <paramref name="ledger"/> and <paramref name="position"/>.</summary>
    private decimal OwnDelta(int i, decimal ledger, decimal position)
    {
        var spec = _legs[i];
        var dLedger = ledger - _ledger[i];
        return spec.Action switch
        {
            LegAction.Sell or LegAction.Repay => _state!.LedgerDelta(_slot[i], _groupLedger[_group[i]] + dLedger),
            LegAction.ReduceInverse => _state!.PositionDelta(spec.PositionIndex, _account.Positions[spec.PositionIndex].Quantity + position, _groupLedger[_group[i]] + dLedger),
            _ => _state!.PositionDelta(spec.PositionIndex, _account.Positions[spec.PositionIndex].Quantity + position, 0m),
        };
    }

    /// <summary>The slack change from the settlement balance changing by <paramref name="dUsd"/> USD (0 in the fallback, where the own delta includes it).</summary>
    private decimal SettleDelta(decimal dUsd) =>
        _state is null || dUsd == 0m ? 0m : Sync()!.LedgerDelta(_settleSlot, _cash0 + ToCash(_usdTotal + dUsd));

    /// <summary>The settlement term's change estimated in <see cref="double"/> where it is linear, else exactly.</summary>
    private double SettleEstimate(double cash, double dUsdD, decimal dUsd) =>
        _state is null || dUsdD == 0d ? 0d : TryLinearSettle(cash, dUsdD, out var share) ? share : (double)SettleDelta(dUsd);

    /// <summary>The settlement term's change for a cash change of <paramref name="dUsdD"/> USD, where the settlement weight is flat on both sides of it.</summary>
    private bool TryLinearSettle(double cash, double dUsdD, out double share)
    {
        var after = cash + (dUsdD * _perSettlementUnit);
        if (cash >= 0d && after >= 0d && cash <= _settleUpTo && after <= _settleUpTo)
        {
            share = _settleCoefficient * dUsdD;
            return true;
        }

        share = _settleNegativeCoefficient * dUsdD;
        return _settleNegativeLinear && cash < 0d && after < 0d;
    }

    /// <summary>Candidate <paramref name="i"/>'s settlement share, exact when the settlement weight is not flat there.</summary>
    private double SettleShare(double cash, int i)
    {
        if (_state is null || _cand[i].UsdD == 0d)
        {
            return 0d;
        }

        if (TryLinearSettle(cash, _cand[i].UsdD, out var share))
        {
            return share;
        }

        EnsureExact(i);
        return (double)SettleDelta(_cand[i].Usd);
    }

    /// <summary>Values candidate <paramref name="i"/> exactly if it was only estimated; true, for use in conditions.</summary>
    private bool Exact(int i)
    {
        EnsureExact(i);
        return true;
    }

    /// <summary>Values candidate <paramref name="i"/> exactly if it was only estimated.</summary>
    private void EnsureExact(int i)
    {
        if (!_cand[i].Exact && _cand[i].Lots >= 0)
        {
            ExactCandidate(i, _cand[i].Lots);
        }
    }

    /// <summary>What a sale of <paramref name="lots"/> lots of fast leg <paramref name="i"/> credits, in <see cref="double"/>.</summary>
    /// <remarks>Proceeds at the limit less the fee, as <see cref="LegSpec.Effects"/> credits them exactly.</remarks>
    private double UsdEstimate(int i, long lots) => lots * _fastLeg[i].Lot * _fastLeg[i].Price * (1d - _feeD - (lots * _fastLeg[i].Impact));

    private void RefreshCandidate(int i)
    {
        _dirty[i] = false;
        var add = _legs[i].NextMove(_lots[i]);
        if (add <= 0)
        {
            _cand[i].Lots = -1;
            return;
        }

        var lots = _lots[i] + add;
        _cand[i].Lots = lots;
        _cand[i].Cost = _legs[i].CostEstimate(lots, _fee) - _legs[i].CostEstimate(_lots[i], _fee);
        _cand[i].PerCost = 1d / _cand[i].Cost;
        if (_fast[i])
        {
            // A sale of an asset whose weight is flat over the move: its own slack change is linear, ranked in double;
            // the exact valuation waits until the move is taken (or an exact figure is asked for).
            var before = _fastLeg[i].Held - (_lots[i] * _fastLeg[i].Lot);
            var after = _fastLeg[i].Held - (lots * _fastLeg[i].Lot);
            if (after >= 0d && before <= _fastLeg[i].UpTo)
            {
                _cand[i].OwnD = _fastLeg[i].Coefficient * _fastLeg[i].Price * (after - before);
                _cand[i].UsdD = UsdEstimate(i, lots) - UsdEstimate(i, _lots[i]);
                _cand[i].Ledger = 0m;
                _cand[i].Exact = false;
                return;
            }
        }

        ExactCandidate(i, lots);
    }

    private void ExactCandidate(int i, long lots)
    {
        ApplyPending();
        _cand[i].Exact = true;
        if (_state is null)
        {
            _cand[i].Own = OwnDelta(i, lots, out _cand[i].Usd);
            _legs[i].Effects(lots, out _, out var ledger, out _);
            _cand[i].Ledger = ledger - _ledger[i];
        }
        else
        {
            // The effects are kept for the commit, should this move be taken.
            _legs[i].Effects(lots, out _cand[i].UsdAt, out _cand[i].LedgerAt, out _cand[i].PositionAt);
            _cand[i].Usd = _cand[i].UsdAt - _usd[i];
            _cand[i].Ledger = _cand[i].LedgerAt - _ledger[i];
            _cand[i].Own = OwnDelta(i, _cand[i].LedgerAt, _cand[i].PositionAt);
        }

        _cand[i].OwnD = (double)_cand[i].Own;
        _cand[i].UsdD = (double)_cand[i].Usd;
    }

    /// <summary>Whether leg <paramref name="i"/>'s ledger asset stays allowed after changing by <paramref name="dLedger"/>: a held asset never becomes a borrow.</summary>
    private bool LedgerAllowed(int i, decimal dLedger)
    {
        // A sale never exceeds what is held: only realised inverse losses can take a held coin below zero.
        var g = _group[i];
        return g < 0 || !_groupRealises[g] || dLedger >= 0m || decimal.IsNegative(_group0[g]) || _groupLedger[g] + dLedger >= 0m;
    }

    /// <summary>What leg <paramref name="c"/> would credit at its maximum lots, computed when first asked.</summary>
    private double MaxUsd(int c)
    {
        if (double.IsNaN(_maxUsd[c]))
        {
            _legs[c].Effects(_legs[c].MaxLots, out var usd, out _, out _);
            _maxUsd[c] = (double)usd;
        }

        return _maxUsd[c];
    }

    /// <summary>Whether no held asset has turned into a borrow.</summary>
    private bool GroupsAllowed()
    {
        for (var g = 0; g < _group0.Length; g++)
        {
            if (!decimal.IsNegative(_group0[g]) && decimal.IsNegative(_groupLedger[g]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether the current lots form an allowed plan: no held asset turned into a borrow, the settlement balance not negative where it must not be.</summary>
    private bool Allowed()
    {
        ApplyPending();
        for (var g = 0; g < _group0.Length; g++)
        {
            if (!decimal.IsNegative(_group0[g]) && decimal.IsNegative(_groupLedger[g]))
            {
                return false;
            }
        }

        return (_consumers == 0 && _cashBorrowable) || !decimal.IsNegative(Cash);
    }

    /// <summary>
    /// The greedy step: the move with the best marginal benefit per marginal cost, into <see cref="_best"/>. A move is
    /// one leg's next move, or a repay's (a short option buy-back's) next move plus the fewest lots of one collateral
    /// that fund it, or of several when no single one can.
    /// </summary>
    private bool BestMove()
    {
        var cashD = _cashD;
        var mustFund = _consumers > 0 || !_cashBorrowable;
        var bestRatio = 0d;
        var found = false;
        var bestLeg = -1;
        var unfunded = false;
        _bestBenefit = double.NaN;
        var pending = 0;
        for (var i = 0; i < _n; i++)
        {
            _cand[i].Ratio = double.NegativeInfinity;
            if (_dirty[i])
            {
                RefreshCandidate(i);
            }

            if (_cand[i].Lots < 0)
            {
                continue;
            }

            var spec = _legs[i];
            if (_cand[i].UsdD < 0d && (mustFund || spec.ConsumesCash) && CashGoesNegative(cashD, i))
            {
                if (spec.ConsumesCash)
                {
                    _pending[pending++] = i;
                }

                _cand[i].Ratio = double.NegativeInfinity;
                continue;
            }

            if (_group[i] >= 0 && _groupRealises[_group[i]] && !LedgerAllowed(i, _cand[i].Ledger))
            {
                continue;
            }

            var benefit = _cand[i].OwnD + SettleShare(cashD, i);
            if (benefit <= 0d)
            {
                continue;
            }

            var ratio = _cand[i].Cost > 0d ? benefit * _cand[i].PerCost : double.PositiveInfinity;
            _cand[i].Ratio = ratio;
            if (!found || ratio > bestRatio)
            {
                found = true;
                bestRatio = ratio;
                bestLeg = i;
                _bestBenefit = benefit;
                Array.Copy(_lots, _best, _n);
                _best[i] = _cand[i].Lots;
            }
        }

        // A repay funded by a sale: its benefit per cost is at most the better of the two parts' (a mediant), so only pairs
        // whose parts could beat the best single move are sized and valued.
        for (var p = 0; p < pending; p++)
        {
            var funded = FundedMoves(_pending[p], cashD, found, ref bestRatio, ref bestLeg);
            found |= funded;
            unfunded |= !funded;
        }

        // Funding a repay from several collaterals is a large move, and costly to search for: only when nothing else improves.
        if (!found && unfunded)
        {
            for (var r = 0; r < _n; r++)
            {
                if (_cand[r].Lots >= 0 && _legs[r].ConsumesCash && Exact(r) && decimal.IsNegative(Cash + ToCash(_cand[r].Usd)))
                {
                    found |= FundFromSeveral(r, ref bestRatio, ref bestLeg);
                }
            }
        }

        return found;
    }

    /// <summary>Whether candidate <paramref name="i"/> would take the settlement balance below zero: decided in double unless too close to call.</summary>
    private bool CashGoesNegative(double cashD, int i)
    {
        var after = cashD + (_cand[i].UsdD * _perSettlementUnit);
        var margin = 1e-6 * (1d + Math.Abs(cashD));
        if (after < -margin || after > margin)
        {
            return after < 0d;
        }

        EnsureExact(i);
        return decimal.IsNegative(Cash + ToCash(_cand[i].Usd));
    }

    /// <summary>Funded versions of consumer leg <paramref name="r"/>'s next move; updates the best move when one beats it.</summary>
    private bool FundedMoves(int r, double cashD, bool prune, ref double bestRatio, ref int bestLeg)
    {
        var found = false;
        var nr = _cand[r].Lots;
        var ratioR = _cand[r].Cost > 0d ? (_cand[r].OwnD + (_settleCoefficient * _cand[r].UsdD)) / _cand[r].Cost : double.PositiveInfinity;
        var needD = -(cashD + (_cand[r].UsdD / _settlementPriceD));
        for (var c = 0; c < _n; c++)
        {
            // The cheap test first: the most this collateral could still raise.
            if (_legs[c].Action != LegAction.Sell || c == r || (prune && Math.Max(ratioR, _cand[c].Ratio) <= bestRatio) || (MaxUsd(c) - (double)_usd[c]) / _settlementPriceD < needD * (1d - 1e-9)
                || !Exact(r) || FundingLots(c, Cash + ToCash(_cand[r].Usd)) is not { } nc)
            {
                continue;
            }

            if (_groupRealises[_group[c]])
            {
                _legs[c].Effects(nc, out _, out var ledgerC, out _);
                if (!LedgerAllowed(c, ledgerC - _ledger[c]))
                {
                    continue;
                }
            }

            var ownC = OwnDelta(c, nc, out var dUsdC);
            var benefit = (double)(_cand[r].Own + ownC + SettleDelta(_cand[r].Usd + dUsdC));
            var cost = _cand[r].Cost + _legs[c].CostEstimate(nc, _fee) - _legs[c].CostEstimate(_lots[c], _fee);
            found |= Consider(benefit, cost, ref bestRatio, ref bestLeg, r, nr, c, nc);
        }

        return found;
    }

    /// <summary>Consumer leg <paramref name="r"/>'s next move funded from several collaterals; updates the best move when it beats it.</summary>
    private bool FundFromSeveral(int r, ref double bestRatio, ref int bestLeg)
    {
        Array.Copy(_lots, _trial, _n);
        _trial[r] = _cand[r].Lots;
        if (!FundFromSeveral(_trial))
        {
            return false;
        }

        var (slack, _, allowed) = TrySlack(_trial);
        if (!allowed)
        {
            return false;
        }

        var cost = 0d;
        for (var i = 0; i < _n; i++)
        {
            cost += _legs[i].CostEstimate(_trial[i], _fee) - _legs[i].CostEstimate(_lots[i], _fee);
        }

        var benefit = (double)(slack - CurrentSlack);
        var ratio = cost > 0d ? benefit / cost : double.PositiveInfinity;
        if (benefit <= 0d || (bestLeg != -1 && ratio <= bestRatio))
        {
            return false;
        }

        bestRatio = ratio;
        bestLeg = r;
        Array.Copy(_trial, _best, _n);
        return true;
    }

    private bool Consider(double benefit, double cost, ref double bestRatio, ref int bestLeg, int r, long nr, int c, long nc)
    {
        if (benefit <= 0d)
        {
            return false;
        }

        var ratio = cost > 0d ? benefit / cost : double.PositiveInfinity;
        if (bestLeg != -1 && ratio <= bestRatio)
        {
            return false;
        }

        bestRatio = ratio;
        bestLeg = r;
        Array.Copy(_lots, _best, _n);
        _best[r] = nr;
        _best[c] = nc;
        return true;
    }

    /// <summary>The lot count of collateral leg <paramref name="c"/> (beyond its current lots) that first makes <paramref name="cash"/> plus its extra proceeds non-negative, or null.</summary>
    /// <remarks>Proceeds <c>x * (1 - x / depth)</c> rise with <c>x</c> up to half the depth, which the maximum impact never exceeds, so a binary search is exact.</remarks>
    private long? FundingLots(int c, decimal cash)
    {
        ApplyPending();
        var spec = _legs[c];
        var have = _lots[c];
        var min = have == 0 ? spec.FirstLots : have + 1;
        if (min > spec.MaxLots || !Funds(spec.MaxLots))
        {
            return null;
        }

        long lo = min;
        long hi = spec.MaxLots;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) / 2);
            if (Funds(mid))
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;

        bool Funds(long lots)
        {
            spec.Effects(lots, out var usd, out _, out _);
            return !decimal.IsNegative(cash + ToCash(usd - _usd[c]));
        }
    }

    /// <summary>
    /// Adds to <paramref name="lots"/> the collateral lots that make the settlement cash non-negative, in turn the next
    /// move (a leg's first lots, else one lot) of the collateral whose marginal cost per USD of proceeds is lowest; false
    /// when every collateral is exhausted first.
    /// </summary>
    private bool FundFromSeveral(long[] lots)
    {
        while (true)
        {
            var usd = 0m;
            for (var i = 0; i < _n; i++)
            {
                _legs[i].Effects(lots[i], out var u, out _, out _);
                usd += u;
            }

            if (!decimal.IsNegative(_cash0 + ToCash(usd)))
            {
                return true;
            }

            var pick = -1;
            var pickRate = 0d;
            for (var c = 0; c < _n; c++)
            {
                var spec = _legs[c];
                var add = spec.Action == LegAction.Sell ? spec.NextMove(lots[c], step: 1) : 0;
                if (add <= 0)
                {
                    continue;
                }

                var rate = (spec.CostEstimate(lots[c] + add, _fee) - spec.CostEstimate(lots[c], _fee)) / (double)(spec.Value(lots[c] + add) - spec.Value(lots[c]));
                if (pick < 0 || rate < pickRate)
                {
                    pick = c;
                    pickRate = rate;
                }
            }

            if (pick < 0)
            {
                return false;
            }

            lots[pick] += _legs[pick].NextMove(lots[pick], step: 1);
        }
    }

    /// <summary>The slack, whether it meets the target, and whether the plan is allowed, at <paramref name="lots"/>; the state is restored.</summary>
    private (decimal Slack, bool Meets, bool Allowed) TrySlack(long[] lots)
    {
        Sync();
        Array.Copy(_lots, _keep, _n);
        Array.Copy(_groupLedger, _keepGroups, _groupLedger.Length);
        var usdTotal = _usdTotal;
        var consumers = _consumers;
        var projected = _projected;
        var totals = _state?.Totals ?? default;
        for (var i = 0; i < _n; i++)
        {
            Commit(i, lots[i]);
        }

        var result = (CurrentSlack, CurrentMeets, Allowed());
        for (var i = 0; i < _n; i++)
        {
            Commit(i, _keep[i]);
        }

        // Restored exactly, so that thousands of trials leave no last-digit drift in the sums.
        _usdTotal = usdTotal;
        _consumers = consumers;
        _projected = projected;
        if (_state is not null)
        {
            for (var i = 0; i < _n; i++)
            {
                var g = _group[i];
                if (g >= 0 && _groupLedger[g] != _keepGroups[g])
                {
                    _state.SetLedger(_slot[i], _keepGroups[g]);
                }
            }

            _state.SetLedger(_settleSlot, Cash);
            _state.Totals = totals;
            _settleStale = false;
        }

        Array.Copy(_keepGroups, _groupLedger, _groupLedger.Length);

        return result;
    }

    /// <summary>
    /// The fallback when no greedy move improves the slack: local exchanges. Each takes one lot from a leg (the whole leg
    /// if that would leave it below its first lots) and/or adds the next move of another, re-funding from the cheapest
    /// collaterals when a repay would leave the settlement cash negative. The exchange that raises the slack most goes
    /// to <see cref="_best"/>. At most <c>legs * (legs + 1)</c> candidates; every accepted one strictly raises the slack.
    /// </summary>
    private bool BestExchange()
    {
        var found = false;
        var current = CurrentSlack;
        var bestGain = 0m;
        for (var x = -1; x < _n; x++)
        {
            if (x >= 0 && _lots[x] == 0)
            {
                continue;
            }

            for (var y = -1; y < _n; y++)
            {
                if (y == x || (x < 0 && y < 0))
                {
                    continue;
                }

                Array.Copy(_lots, _trial, _n);
                if (x >= 0)
                {
                    _trial[x] = _lots[x] - 1 < _legs[x].FirstLots ? 0 : _lots[x] - 1;
                }

                if (y >= 0)
                {
                    var add = _legs[y].NextMove(_lots[y]);
                    if (add <= 0)
                    {
                        continue;
                    }

                    _trial[y] = _lots[y] + add;
                }

                if (HasConsumer(_trial) && !FundFromSeveral(_trial))
                {
                    continue;
                }

                var (slack, _, allowed) = TrySlack(_trial);
                if (allowed && slack - current > bestGain)
                {
                    bestGain = slack - current;
                    Array.Copy(_trial, _best, _n);
                    found = true;
                }
            }
        }

        return found;
    }

    /// <summary>
    /// The last resort when neither a greedy move nor an exchange raises the slack: when the legs allow at most
    /// <see cref="SmallSearchBound"/> lot combinations (each leg 0 or from its first lots to its maximum), the cheapest
    /// allowed combination that reaches the target goes to <see cref="_best"/>. Larger books are not searched.
    /// </summary>
    private bool SmallSearch()
    {
        var count = 1L;
        foreach (var leg in _legs)
        {
            var choices = leg.FirstLots <= leg.MaxLots ? leg.MaxLots - leg.FirstLots + 2 : 1;
            if (choices > SmallSearchBound || (count *= choices) > SmallSearchBound)
            {
                return false;
            }
        }

        var combos = new List<(decimal Cost, long[] Lots)>((int)count);
        var lots = new long[_n];
        void Enumerate(int i, decimal cost)
        {
            if (i == _n)
            {
                combos.Add((cost, (long[])lots.Clone()));
                return;
            }

            var leg = _legs[i];
            lots[i] = 0;
            Enumerate(i + 1, cost);
            for (var k = leg.FirstLots; k <= leg.MaxLots; k++)
            {
                lots[i] = k;
                Enumerate(i + 1, cost + leg.Cost(k, _options.FeeRate));
            }

            lots[i] = 0;
        }

        Enumerate(0, 0m);
        foreach (var (_, combo) in combos.OrderBy(c => c.Cost))
        {
            var (_, meets, allowed) = TrySlack(combo);
            if (meets && allowed)
            {
                Array.Copy(combo, _best, _n);
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The local improvement once the target is met, while it stays met and the plan allowed: drop the last lot of the
    /// leg whose last lot saves most, else exchange one leg's last lot for another leg's cheaper next move. Every
    /// accepted step lowers the cost, and at most <c>8 * legs</c> are taken.
    /// </summary>
    private bool Improve()
    {
        var changed = false;
        for (var budget = 8 * _n; budget > 0 && ImproveOnce(); budget--)
        {
            changed = true;
        }

        return changed;
    }

    private bool ImproveOnce()
    {
        var slack = CurrentSlack;
        var cashD = (double)Cash;
        var bestSaving = 0d;

        var found = false;

        // Removals: the last lot (or the whole leg at its first lots) of each leg.
        for (var x = 0; x < _n; x++)
        {
            _rem[x].Lots = -1;
            if (_lots[x] == 0)
            {
                continue;
            }

            var n = _lots[x] - 1 < _legs[x].FirstLots ? 0 : _lots[x] - 1;
            _rem[x].Lots = n;
            _rem[x].Cost = _legs[x].CostEstimate(_lots[x], _fee) - _legs[x].CostEstimate(n, _fee);
            _rem[x].Exact = _lastFrom[x] != n;
            if (_rem[x].Exact)
            {
                _rem[x].Own = (double)OwnDelta(x, n, out _rem[x].Usd);
                _rem[x].UsdD = (double)_rem[x].Usd;
            }
            else
            {
                (_rem[x].Own, _rem[x].UsdD) = (-_lastOwn[x], -_lastUsd[x]);
            }

            if (!TryLinearSettle(cashD, _rem[x].UsdD, out var share))
            {
                share = (double)SettleDelta(RemoveUsd(x));
            }

            _rem[x].Delta = _rem[x].Own + (_state is null ? 0d : share);
            if (_rem[x].Cost > bestSaving && (double)slack + _rem[x].Delta >= 0d)
            {
                Array.Copy(_lots, _trial, _n);
                _trial[x] = n;
                var (_, meets, allowed) = TrySlack(_trial);
                if (meets && allowed)
                {
                    bestSaving = _rem[x].Cost;
                    Array.Copy(_trial, _best, _n);
                    found = true;
                }
            }
        }

        if (!found)
        {
            // Exchanges: one leg's last lot out, another leg's next move in, when cheaper and (estimated) still at target.
            for (var y = 0; y < _n; y++)
            {
                if (_dirty[y])
                {
                    RefreshCandidate(y);
                }
            }

            // First by estimate alone, checking only the most saving exchange; when the check fails, every promising one.
            if (BestExchangeByEstimate(slack, cashD, verify: false, ref bestSaving))
            {
                var (_, meets, allowed) = TrySlack(_trial);
                found = meets && allowed;
                if (found)
                {
                    Array.Copy(_trial, _best, _n);
                }
                else
                {
                    bestSaving = 0d;
                    found = BestExchangeByEstimate(slack, cashD, verify: true, ref bestSaving);
                }
            }
        }

        if (found)
        {
            Take(_best);
        }

        return found;
    }

    /// <summary>The exact cash change of removal <paramref name="x"/>, valued now if it was only estimated.</summary>
    private decimal RemoveUsd(int x)
    {
        if (!_rem[x].Exact)
        {
            OwnDelta(x, _rem[x].Lots, out _rem[x].Usd);
            _rem[x].Exact = true;
        }

        return _rem[x].Usd;
    }

    /// <summary>The settlement share of removal <paramref name="x"/> and candidate <paramref name="y"/> together.</summary>
    private double PairShare(double cash, int x, int y, double dUsdD)
    {
        if (_state is null)
        {
            return 0d;
        }

        if (TryLinearSettle(cash, dUsdD, out var share))
        {
            return share;
        }

        EnsureExact(y);
        return (double)SettleDelta(RemoveUsd(x) + _cand[y].Usd);
    }

    /// <summary>
    /// The exchanges of <see cref="ImproveOnce"/>: one leg's last lot (or whole minimum-order leg) out, another leg's next
    /// move (grown while cheaper, after a whole leg) in, estimated still at target. Without <paramref name="verify"/> the
    /// most saving one goes to <see cref="_trial"/>; with it, each promising one is checked exactly and the most saving
    /// that holds goes to <see cref="_best"/>.
    /// </summary>
    private bool BestExchangeByEstimate(decimal slack, double cashD, bool verify, ref double bestSaving)
    {
        var found = false;
        for (var x = 0; x < _n; x++)
        {
            if (_rem[x].Lots < 0)
            {
                continue;
            }

            for (var y = 0; y < _n; y++)
            {
                if (y == x || _cand[y].Lots < 0 || _rem[x].Cost - _cand[y].Cost <= bestSaving)
                {
                    continue;
                }

                // The settlement balance's share of both changes together: apart, each may cross zero where the pair does not.
                var nY = _cand[y].Lots;
                var ownY = _cand[y].OwnD;
                var costY = _cand[y].Cost;
                var estimate = (double)slack + _rem[x].Own + ownY + PairShare(cashD, x, y, _rem[x].UsdD + _cand[y].UsdD);

                // Dropping a whole leg of minimum-order lots may need more than the other leg's next move to make up
                // for it: grow that move lot by lot while it stays cheaper than what the drop saves.
                // The smallest such move is found by doubling, then bisection: a lot-by-lot walk is linear in lots, which is
                // millions for a small-priced asset with unit lots (a 59,000,000-lot PEPE leg took 25 s per plan).
                // Estimate and cost both grow with the lots, so this finds the same move the walk did.
                if (_rem[x].Lots == 0 && estimate < 0d && nY < _legs[y].MaxLots)
                {
                    var legY = _legs[y];
                    var lowest = nY == 0 ? legY.FirstLots : nY + 1;
                    double EstimateAt(long n, out double own)
                    {
                        own = (double)OwnDelta(y, n, out var dUsdY);
                        var dUsd = RemoveUsd(x) + dUsdY;
                        return (double)slack + _rem[x].Own + own + SettleEstimate(cashD, (double)dUsd, dUsd);
                    }

                    long below = nY, reached = -1, step = 1;
                    for (var probe = lowest; probe <= legY.MaxLots; probe = step >= legY.MaxLots - below ? legY.MaxLots : below + step)
                    {
                        if (EstimateAt(probe, out _) >= 0d)
                        {
                            reached = probe;
                            break;
                        }

                        below = probe;
                        if (probe == legY.MaxLots)
                        {
                            break;
                        }

                        step = step > long.MaxValue / 2 ? long.MaxValue : step * 2;
                    }

                    if (reached > 0)
                    {
                        while (reached - Math.Max(below, lowest - 1) > 1)
                        {
                            var mid = Math.Max(below, lowest - 1) + ((reached - Math.Max(below, lowest - 1)) / 2);
                            if (EstimateAt(mid, out _) >= 0d)
                            {
                                reached = mid;
                            }
                            else
                            {
                                below = mid;
                            }
                        }

                        var costMore = legY.CostEstimate(reached, _fee) - legY.CostEstimate(_lots[y], _fee);
                        if (_rem[x].Cost - costMore > bestSaving)
                        {
                            nY = reached;
                            costY = costMore;
                            estimate = EstimateAt(nY, out ownY);
                        }
                    }
                }

                if (estimate < -1e-9 * Math.Abs((double)slack + 1d))
                {
                    continue;
                }

                Array.Copy(_lots, _trial, _n);
                _trial[x] = _rem[x].Lots;
                _trial[y] = nY;
                if (!verify)
                {
                    bestSaving = _rem[x].Cost - costY;
                    Array.Copy(_trial, _exchange, _n);
                    found = true;
                    continue;
                }

                var (_, meets, allowed) = TrySlack(_trial);
                if (meets && allowed)
                {
                    bestSaving = _rem[x].Cost - costY;
                    Array.Copy(_trial, _best, _n);
                    found = true;
                }
            }
        }

        if (found && !verify)
        {
            Array.Copy(_exchange, _trial, _n);
        }

        return found;
    }

    private bool HasConsumer(long[] lots)
    {
        for (var i = 0; i < _n; i++)
        {
            if (_legs[i].ConsumesCash && lots[i] > 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Why the leg is in the plan, as a constant sentence (the leg itself names its target, side and size).</summary>
    /// <remarks>Constant strings: formatting eight sentences per plan cost a tenth of a plan's time.</remarks>
    private string LegReason(int i, PlanOutcome outcome)
    {
        var spec = _legs[i];
        var full = outcome == PlanOutcome.FullClose;
        return spec.Kind switch
        {
            LegKind.SellCollateral when full => "sells into the settlement asset: full close of a bankrupt account",
            LegKind.SellCollateral => _funding[i]
                ? "sells into the settlement asset to fund a repay: best marginal benefit per marginal cost toward r*"
                : "sells into the settlement asset: best marginal benefit per marginal cost toward r*",
            LegKind.RepayBorrow when full => "repays the borrow from the settlement asset: full close of a bankrupt account",
            LegKind.RepayBorrow => "repays the borrow from the settlement asset: best marginal benefit per marginal cost toward r*",
            _ when spec.Action == LegAction.ReduceInverse => full
                ? "reduces the position toward zero, realising PnL in its coin: full close of a bankrupt account"
                : "reduces the position toward zero, realising PnL in its coin: best marginal benefit per marginal cost toward r*",
            _ => full
                ? "reduces the position toward zero, realising PnL in the settlement asset: full close of a bankrupt account"
                : "reduces the position toward zero, realising PnL in the settlement asset: best marginal benefit per marginal cost toward r*",
        };
    }

    private static decimal BalanceOf(Account account, Asset asset)
    {
        foreach (var b in account.Balances)
        {
            if (b.Asset == asset)
            {
                return b.Quantity;
            }
        }

        return 0m;
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

    /// <summary>A leg's cached next move: its lots, exact effects (when <see cref="Exact"/>), and the figures that rank it.</summary>
    private struct Candidate
    {
        public long Lots;
        public decimal Own;
        public decimal Usd;
        public decimal Ledger;
        public decimal UsdAt;
        public decimal LedgerAt;
        public decimal PositionAt;
        public double OwnD;
        public double UsdD;
        public double Cost;
        public double PerCost;
        public double Ratio;
        public bool Exact;
    }

    /// <summary>The improvement pass's view of dropping a leg's last lot (or whole minimum-order leg).</summary>
    private struct Removal
    {
        public long Lots;
        public double Cost;
        public double Delta;
        public double Own;
        public decimal Usd;
        public double UsdD;
        public bool Exact;
    }

    /// <summary>A sale of a flat-weighted asset, ranked in double: weight coefficient, linear range, holding, price, lot and impact per lot.</summary>
    private struct FastLeg
    {
        public double Coefficient;
        public double UpTo;
        public double Held;
        public double Price;
        public double Lot;
        public double Impact;
    }
}
