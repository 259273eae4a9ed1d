using Margin.Engine.Accounts;
using Margin.Engine.Domain;
using Margin.Engine.Numerics;

namespace Margin.Engine.Evaluation;

/// <summary>The liquidation planner's incremental view of one account (MARGIN-MODEL.md section 6).</summary>
public sealed partial class MarginModel
{
    /// <summary>
    /// The planner's incremental state for <paramref name="account"/>, or null when its margin mode has no incremental
    /// evaluation (today everything but <see cref="MarginMode.Standard"/>): the planner then projects the account and
    /// calls <see cref="EvaluateSummary"/> for every candidate instead.
    /// </summary>
    /// <remarks>The account must have passed <see cref="EvaluateSummary"/>, which validates it.</remarks>
    internal PlanningState? CreatePlanningState(Account account, Asset settlement, decimal targetRatio)
    {
        if (account.Mode != MarginMode.Standard)
        {
            return null;
        }

        return new PlanningState(this, account, settlement, targetRatio);
    }

    /// <summary>
    /// An account reduced to what its maintenance slack <c>r* * AE_M - MM</c> depends on, per touched asset (ledger and
    /// inverse-PnL coins, price, compiled maintenance weights) and per position (quantity, entry, mark, brackets), with
    /// each line's contribution kept so that changing one line's quantity costs that line's work only.
    /// </summary>
    /// <remarks>
    /// Every line is valued with the same decimal formulas as <see cref="EvaluateSummary"/> (unrounded); only the order
    /// of the additions into the totals differs, which can move the last of decimal's 28 digits, far below the money
    /// precision. <see cref="MeetsTarget"/> rounds the totals as the engine does. Mutable and private to one plan.
    /// </remarks>
    internal sealed class PlanningState
    {
        private readonly MarginModel _model;
        private readonly decimal _target;
        private readonly int[] _slotOf;
        private readonly AssetState[] _slotAsset;
        private readonly decimal[] _ledger;
        private readonly decimal[] _coins;
        private readonly decimal[] _adj;
        private readonly decimal[] _borrowMm;
        private readonly InstrumentState?[] _inst;
        private readonly int[] _posSlot;
        private readonly decimal[] _posQty;
        private readonly decimal[] _entry;
        private readonly decimal[] _posAe;
        private readonly decimal[] _posMm;
        private readonly decimal[] _posCoin;
        private readonly decimal[] _cachedQ;
        private readonly decimal[] _cachedAdj;
        private readonly decimal[] _cachedBorrow;

        public PlanningState(MarginModel model, Account account, Asset settlement, decimal targetRatio)
        {
            _model = model;
            _target = targetRatio;
            _slotOf = new int[model._assets.Length];
            Array.Fill(_slotOf, -1);
            var symbols = new List<int>(account.Balances.Length + 2);
            foreach (var b in account.Balances)
            {
                symbols.Add(model._assetIndex[b.Asset.Symbol]);
            }

            if (model._assetIndex.TryGetValue(settlement.Symbol, out var s))
            {
                symbols.Add(s);
            }

            var positions = account.Positions;
            _inst = new InstrumentState?[positions.Length];
            for (var j = 0; j < positions.Length; j++)
            {
                if (positions[j].Quantity != 0m)
                {
                    var inst = model._instruments[positions[j].InstrumentId];
                    _inst[j] = inst;
                    if (inst.Kind is InstrumentKind.InversePerpetual or InstrumentKind.InverseFuture)
                    {
                        symbols.Add(inst.UnderlyingIndex);
                    }
                }
            }

            var count = 0;
            foreach (var idx in symbols)
            {
                if (_slotOf[idx] < 0)
                {
                    _slotOf[idx] = count++;
                }
            }

            _slotAsset = new AssetState[count];
            _ledger = new decimal[count];
            _coins = new decimal[count];
            _adj = new decimal[count];
            _borrowMm = new decimal[count];
            _cachedQ = new decimal[count];
            _cachedAdj = new decimal[count];
            _cachedBorrow = new decimal[count];
            for (var idx = 0; idx < _slotOf.Length; idx++)
            {
                if (_slotOf[idx] >= 0)
                {
                    _slotAsset[_slotOf[idx]] = model._assets[idx];
                }
            }

            foreach (var b in account.Balances)
            {
                _ledger[_slotOf[model._assetIndex[b.Asset.Symbol]]] = b.Quantity;
            }

            _posSlot = new int[positions.Length];
            _posQty = new decimal[positions.Length];
            _entry = new decimal[positions.Length];
            _posAe = new decimal[positions.Length];
            _posMm = new decimal[positions.Length];
            _posCoin = new decimal[positions.Length];
            for (var j = 0; j < positions.Length; j++)
            {
                _entry[j] = positions[j].EntryPrice;
                _posSlot[j] = _inst[j] is { } inst ? _slotOf[inst.UnderlyingIndex] : -1;
                if (_inst[j] is not null)
                {
                    _posQty[j] = positions[j].Quantity;
                    (_posAe[j], _posMm[j], _posCoin[j]) = PositionTerms(j, positions[j].Quantity);
                    AdjustedEquity += _posAe[j];
                    Maintenance += _posMm[j];
                    if (IsInverse(j))
                    {
                        _coins[_posSlot[j]] += _posCoin[j];
                    }
                }
            }

            for (var slot = 0; slot < count; slot++)
            {
                (_adj[slot], _borrowMm[slot]) = AssetTerms(slot, _ledger[slot] + _coins[slot]);
                AdjustedEquity += _adj[slot];
                Maintenance += _borrowMm[slot];
            }
        }

        /// <summary>The unrounded <c>AE_M</c>.</summary>
        public decimal AdjustedEquity { get; private set; }

        /// <summary>The unrounded <c>MM</c>.</summary>
        public decimal Maintenance { get; private set; }

        /// <summary>Both unrounded totals, to restore after a trial so that repeated trials leave no last-digit drift.</summary>
        public (decimal AdjustedEquity, decimal Maintenance) Totals
        {
            get => (AdjustedEquity, Maintenance);
            set => (AdjustedEquity, Maintenance) = value;
        }

        /// <summary>The unrounded slack <c>r* * AE_M - MM</c>.</summary>
        public decimal Slack => (_target * AdjustedEquity) - Maintenance;

        /// <summary>Whether the slack on the totals rounded as the engine rounds them (AE down, MM up) is not negative.</summary>
        public bool MeetsTarget =>
            (_target * DecimalMath.RoundDown(AdjustedEquity, _model._decimals)) - DecimalMath.RoundUp(Maintenance, _model._decimals) >= 0m;

        /// <summary>The slot of an asset touched by the account (a balance, an inverse position's coin, the settlement asset), or -1.</summary>
        public int SlotOf(string symbol) => _model._assetIndex.TryGetValue(symbol, out var idx) ? _slotOf[idx] : -1;

        /// <summary>The ledger balance (without inverse PnL coins) of a slot.</summary>
        public decimal Ledger(int slot) => _ledger[slot];

        /// <summary>The price of a slot's asset.</summary>
        public decimal Price(int slot) => _slotAsset[slot].Price;

        /// <summary>Whether a slot's asset may have a negative ledger balance.</summary>
        public bool Borrowable(int slot) => _slotAsset[slot].Parameters.Borrow is not null;

        /// <summary>A position's current quantity.</summary>
        public decimal PositionQuantity(int position) => _posQty[position];

        /// <summary>The slot of an inverse position's coin, or -1.</summary>
        public int CoinSlot(int position) => IsInverse(position) ? _posSlot[position] : -1;

        /// <summary>The slack change if a slot's ledger balance became <paramref name="ledger"/>; nothing is changed.</summary>
        public decimal LedgerDelta(int slot, decimal ledger)
        {
            var q = ledger + _coins[slot];
            var (adj, borrow) = AssetTerms(slot, q);

            // Kept: the move valued here is often the one committed next.
            _cachedQ[slot] = q;
            _cachedAdj[slot] = adj;
            _cachedBorrow[slot] = borrow;
            return (_target * (adj - _adj[slot])) - (borrow - _borrowMm[slot]);
        }

        /// <summary>The slack change if a position's quantity became <paramref name="quantity"/> and, for an inverse one, its coin's ledger <paramref name="coinLedger"/>; nothing is changed.</summary>
        public decimal PositionDelta(int position, decimal quantity, decimal coinLedger)
        {
            var (ae, mm, coin) = PositionTerms(position, quantity);
            var delta = (_target * (ae - _posAe[position])) - (mm - _posMm[position]);
            if (IsInverse(position))
            {
                var slot = _posSlot[position];
                var (adj, borrow) = AssetTerms(slot, coinLedger + (_coins[slot] - _posCoin[position] + coin));
                delta += (_target * (adj - _adj[slot])) - (borrow - _borrowMm[slot]);
            }

            return delta;
        }

        /// <summary>
        /// Where a slot's slack contribution is linear in its USD value: <c>positive * value</c> for net quantities from 0
        /// to <paramref name="upTo"/> (0 when never: tiers from zero, size premium, volatility scaling), and
        /// <c>negative * value</c> for all negative quantities when <paramref name="negativeLinear"/> (liability weight
        /// and borrow requirement both flat).
        /// </summary>
        public void Linearity(int slot, out decimal positive, out decimal upTo, out decimal negative, out bool negativeLinear)
        {
            var st = _slotAsset[slot];
            var m = st.Maintenance!;
            var limit = m.LinearUpTo;
            positive = _target * m.AssetWeight;
            upTo = limit == decimal.MaxValue ? decimal.MaxValue : limit / st.Price;
            negativeLinear = m.LinearLiability;
            negative = (_target * m.LiabilityWeight) + (st.Parameters.Borrow?.MaintenanceRate ?? 0m);
        }

        /// <summary>The inverse-PnL coins counted in a slot's net quantity.</summary>
        public decimal Coins(int slot) => _coins[slot];

        /// <summary>Sets a slot's ledger balance.</summary>
        public void SetLedger(int slot, decimal ledger)
        {
            _ledger[slot] = ledger;
            Refresh(slot);
        }

        /// <summary>Sets a position's quantity (an inverse position's coins follow).</summary>
        public void SetPosition(int position, decimal quantity)
        {
            _posQty[position] = quantity;
            var (ae, mm, coin) = PositionTerms(position, quantity);
            AdjustedEquity += ae - _posAe[position];
            Maintenance += mm - _posMm[position];
            _posAe[position] = ae;
            _posMm[position] = mm;
            if (IsInverse(position))
            {
                _posCoin[position] = coin;
                var slot = _posSlot[position];

                // Summed afresh in position order, as the engine sums them.
                var sum = 0m;
                for (var j = 0; j < _posCoin.Length; j++)
                {
                    if (_posSlot[j] == slot && IsInverse(j))
                    {
                        sum += _posCoin[j];
                    }
                }

                _coins[slot] = sum;
                Refresh(slot);
            }
        }

        private void Refresh(int slot)
        {
            var q = _ledger[slot] + _coins[slot];
            var (adj, borrow) = q == _cachedQ[slot] ? (_cachedAdj[slot], _cachedBorrow[slot]) : AssetTerms(slot, q);
            AdjustedEquity += adj - _adj[slot];
            Maintenance += borrow - _borrowMm[slot];
            _adj[slot] = adj;
            _borrowMm[slot] = borrow;
        }

        private bool IsInverse(int position) => _inst[position]?.Kind is InstrumentKind.InversePerpetual or InstrumentKind.InverseFuture;

        /// <summary>An asset's maintenance adjusted value and borrow requirement at net quantity <paramref name="q"/>, as the engine computes them.</summary>
        private (decimal Adjusted, decimal BorrowMm) AssetTerms(int slot, decimal q)
        {
            if (q == 0m)
            {
                return (0m, 0m);
            }

            var st = _slotAsset[slot];
            var value = q * st.Price;
            var adj = st.Maintenance!.Adjusted(value, q);
            var borrow = decimal.IsNegative(q) && st.Parameters.Borrow is { } b ? -value * b.MaintenanceRate : 0m;
            return (adj, borrow);
        }

        /// <summary>A position's contribution to <c>AE_M</c> and <c>MM</c>, and its PnL in coins (inverse), at quantity <paramref name="q"/>.</summary>
        private (decimal Adjusted, decimal Mm, decimal Coin) PositionTerms(int j, decimal q)
        {
            var inst = _inst[j]!;
            if (q == 0m)
            {
                return (0m, 0m, 0m);
            }

            var mark = inst.Mark;
            switch (inst.Kind)
            {
                case InstrumentKind.LinearPerpetual or InstrumentKind.LinearFuture:
                {
                    var notional = Math.Abs(q) * mark;
                    var mm = inst.Brackets!.Maintenance(notional, inst.Brackets.IndexOf(notional));
                    var pnl = q * (mark - _entry[j]);
                    var ae = _model._weightProfits && !decimal.IsNegative(pnl) ? pnl - (pnl * (1m - _model._pnl.PositivePnlMaintenance)) : pnl;
                    return (ae, mm, 0m);
                }

                case InstrumentKind.InversePerpetual or InstrumentKind.InverseFuture:
                {
                    var notional = Math.Abs(q);
                    var mm = inst.Brackets!.Maintenance(notional, inst.Brackets.IndexOf(notional));
                    return (0m, mm, (q / _entry[j]) - (q / mark));
                }

                default:
                {
                    var units = Math.Abs(q) * inst.Multiplier;
                    var value = q * inst.Multiplier * mark;
                    if (!decimal.IsNegative(q))
                    {
                        return (value * _model._pnl.LongOptionMaintenance, 0m, 0m);
                    }

                    var spot = _model._assets[inst.UnderlyingIndex].Price;
                    var otm = inst.Option!.OutOfTheMoney(spot);
                    var mm = units * (Math.Max((inst.ShortMaintenance.A * spot) - otm, inst.ShortMaintenance.B * spot) + mark);
                    return (value, mm, 0m);
                }
            }
        }
    }
}
