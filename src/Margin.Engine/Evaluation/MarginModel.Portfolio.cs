using System.Collections.Immutable;
using System.Globalization;
using Margin.Engine.Accounts;
using Margin.Engine.Numerics;
using Margin.Engine.Portfolio;
using Margin.Engine.Results;

namespace Margin.Engine.Evaluation;

/// <summary>Portfolio mode (MARGIN-MODEL.md section 4): the scenario risk matrix per underlying, aggregated across underlyings.</summary>
public sealed partial class MarginModel
{
    private readonly PortfolioBook? _book;

    /// <summary>Evaluates a portfolio-mode account: summary (with its projection), and the risk-matrix breakdown.</summary>
    /// <remarks>
    /// <para>
    /// Assets with a grid count in AE_M at <c>P</c> and in AE_I at their conservative price without haircut (the grid is
    /// their haircut); other assets keep their weights. Positions must be on grid underlyings: their linear PnL and option
    /// marks count in equity unweighted (the grid carries their risk), and the grid replaces their brackets and the short
    /// option rule. Borrowed balances add their borrow MM. <c>MM = max(sqrt(L^T C_s L), max L_u, f sum L_u) + borrowMM</c>,
    /// rounded up; <c>IM = k * MM</c>, rounded up.
    /// </para>
    /// <para>
    /// The projection moves every asset adversely by <c>m_a</c> (the direction of the account's net delta), revalues
    /// balances, PnL and options at the moved prices, and recomputes every <c>L_u</c> on the projected grid (range scaled
    /// by <c>max(1, sigma_short / sigma_long)</c>) around the moved price.
    /// </para>
    /// </remarks>
    private MarginSummary ComputePortfolio<TSink>(Account account, EvaluationContext context, ref TSink sink, out PortfolioRisk? risk)
        where TSink : struct, IBreakdownSink
    {
        if (_book is null)
        {
            throw new InvalidAccountException(account.Id, "marginMode", $"Portfolio mode is not offered by risk parameters {Parameters.Version} (they configure no scenario grids); evaluate the account in Standard mode");
        }

        var cursor = default(Cursor);
        try
        {
            return PortfolioCore(account, context, ref sink, _book, out risk, ref cursor);
        }
        catch (OverflowException ex)
        {
            throw new InvalidAccountException(account.Id, cursor.Field(account, _assets, _instruments), $"a quantity or value is too large to compute ({ex.Message})");
        }
    }

    private MarginSummary PortfolioCore<TSink>(Account account, EvaluationContext context, ref TSink sink, PortfolioBook book, out PortfolioRisk? risk, ref Cursor cursor)
        where TSink : struct, IBreakdownSink
    {
        var n = _assets.Length;
        var u = book.Underlyings.Length;
        var flags = _baseFlags | (context.LiquidationInFlight ? MarginFlags.LiquidationInFlight : MarginFlags.None);
        var ledger = new decimal[n];
        var pnlCoins = new decimal[n];
        var touched = new bool[n];
        var state = new UnderlyingAccumulator[u];
        for (var k = 0; k < u; k++)
        {
            state[k] = new UnderlyingAccumulator(book.Underlyings[k]);
        }

        decimal equity = 0m, aeM = 0m, aeI = 0m, borrowMm = 0m;
        decimal suspect = 0m, switched = 0m, gross = 0m;
        var balances = account.Balances;
        for (var i = 0; i < balances.Length; i++)
        {
            var b = balances[i];
            cursor = new Cursor(Stage.Balance, i);
            var idx = ResolveBalance(account.Id, b, i);
            if (idx < 0)
            {
                continue;
            }

            ledger[idx] = b.Quantity;
            touched[idx] = true;
        }

        var positions = account.Positions;
        for (var j = 0; j < positions.Length; j++)
        {
            var p = positions[j];
            cursor = new Cursor(Stage.Position, j);
            if (ResolvePosition(account, j) is not { } inst)
            {
                continue;
            }


            var slot = book.SlotOfAsset[inst.UnderlyingIndex];
            if (slot < 0)
            {
                throw new InvalidAccountException(account.Id, $"positions[{j}].instrument", $"{p.InstrumentId} is on {_assets[inst.UnderlyingIndex].Parameters.Asset}, which has no scenario grid in parameters {Parameters.Version}; a portfolio-mode account can hold positions only on underlyings with a grid");
            }

            var underlying = _assets[inst.UnderlyingIndex];
            if (underlying.Defect is { } underlyingDefect)
            {
                // The grid revalues every position at its underlying's price, so no position works without one.
                throw new InvalidAccountException(account.Id, $"positions[{j}].instrument", $"underlying of {p.InstrumentId}: {underlyingDefect}");
            }

            ref var acc = ref state[slot];
            acc.Touched = true;
            var q = p.Quantity;
            var mark = inst.Mark;
            var spot = underlying.Price;
            decimal exposure;
            switch (inst.Kind)
            {
                case InstrumentKind.LinearPerpetual or InstrumentKind.LinearFuture:
                {
                    RequireEntry(account.Id, j, p);
                    var pnl = q * (mark - p.EntryPrice);
                    equity += pnl;
                    aeM += pnl;
                    aeI += pnl;
                    exposure = Math.Abs(q) * mark;
                    var coins = (double)(q * mark / spot);
                    acc.LinearDelta += coins;
                    acc.AddExpiry(inst.Parameters.Instrument.Expiry, Snapshot.AsOf, coins);
                    if (sink.Enabled)
                    {
                        sink.Position(PositionLineFor(inst, p, underlying, exposure, null, 0m, 0m, pnl, 0m, 0m, pnl, pnl, pnl));
                    }

                    break;
                }

                case InstrumentKind.InversePerpetual or InstrumentKind.InverseFuture:
                {
                    RequireEntry(account.Id, j, p);
                    var coin = (q / p.EntryPrice) - (q / mark);
                    pnlCoins[inst.UnderlyingIndex] += coin;
                    touched[inst.UnderlyingIndex] = true;
                    exposure = Math.Abs(q);

                    // The contract's own exposure is q / mark coins; its PnL coins are revalued as a balance.
                    var coins = (double)(q / mark);
                    acc.LinearDelta += coins;
                    acc.AddExpiry(inst.Parameters.Instrument.Expiry, Snapshot.AsOf, coins);
                    if (sink.Enabled)
                    {
                        sink.Position(PositionLineFor(inst, p, underlying, exposure, null, 0m, 0m, 0m, coin, 0m, 0m, 0m, 0m));
                    }

                    break;
                }

                default:
                {
                    var cache = book.Options[p.InstrumentId];
                    if (cache.Defect is { } defect)
                    {
                        throw new InvalidAccountException(account.Id, $"positions[{j}].instrument", defect);
                    }

                    var value = q * inst.Multiplier * mark;
                    equity += value;
                    aeM += value;
                    aeI += value;
                    exposure = Math.Abs(q) * inst.Multiplier * spot;
                    acc.AddOption((double)q, cache);
                    if (sink.Enabled)
                    {
                        sink.Position(PositionLineFor(inst, p, underlying, exposure, null, 0m, 0m, 0m, 0m, value, value, value, value));
                    }

                    break;
                }
            }

            gross += exposure;
            if (inst.Unusable is not null || (inst.UsesUnderlyingPrice && underlying.Unusable is not null))
            {
                suspect += exposure;
            }

            if (underlying.Parameters.KillSwitch)
            {
                switched += exposure;
            }
        }

        for (var idx = 0; idx < n; idx++)
        {
            if (!touched[idx])
            {
                continue;
            }

            cursor = new Cursor(Stage.Asset, idx);
            var st = _assets[idx];
            var q = ledger[idx] + pnlCoins[idx];
            var slot = book.SlotOfAsset[idx];
            var valueM = q * st.Price;
            var owed = q < 0m;
            var valueI = owed ? q * st.HighPrice : q * st.LowPrice;
            decimal adjM, adjI;
            if (slot >= 0)
            {
                adjM = valueM;
                adjI = valueI;
                state[slot].Touched = true;
                state[slot].LinearDelta += (double)q;
            }
            else
            {
                adjM = q == 0m ? 0m : st.Maintenance!.Adjusted(valueM, q);
                adjI = q == 0m ? 0m : st.Initial!.Adjusted(valueI, q);
            }

            var lineBorrow = owed && st.Parameters.Borrow is { } borrow ? -valueM * borrow.MaintenanceRate : 0m;
            borrowMm += lineBorrow;
            equity += valueM;
            aeM += adjM;
            aeI += adjI;
            gross += Math.Abs(valueM);
            if (st.Unusable is not null)
            {
                suspect += Math.Abs(valueM);
            }

            if (st.Parameters.KillSwitch)
            {
                switched += Math.Abs(valueM);
            }

            if (sink.Enabled)
            {
                sink.Asset(AssetLineFor(st, ledger[idx], pnlCoins[idx], q, valueM, adjM, valueI, adjI, 0m, lineBorrow) with
                {
                    WeightMaintenance = slot >= 0 ? 1m : valueM == 0m ? st.Maintenance!.WeightAtZero(owed) : adjM / valueM,
                    WeightInitial = slot >= 0 ? 1m : valueI == 0m ? st.Initial!.WeightAtZero(owed) : adjI / valueI,
                });
            }
        }

        flags |= DependencyFlags(suspect, switched, gross);

        cursor = default;
        var losses = new double[u];
        var lines = sink.Enabled ? ImmutableArray.CreateBuilder<UnderlyingRisk>(u) : null;
        for (var k = 0; k < u; k++)
        {
            var g = book.Underlyings[k];
            var worst = state[k].Touched ? state[k].WorstLoss(g.Moves, g.Weights, g.Spot, projected: -1) : (Loss: 0.0, Index: -1);
            var deltaShock = DeltaShock(state[k].NetDelta, g);
            var rollShock = state[k].RollShock(g.Spot, g.Parameters);
            losses[k] = worst.Loss + deltaShock + rollShock;
            lines?.Add(new UnderlyingRisk
            {
                Underlying = g.Parameters.Asset,
                Spot = g.SpotDecimal,
                WorstLoss = worst.Loss,
                WorstScenario = worst.Index >= 0 ? g.Scenarios[worst.Index] : null,
                DeltaShock = deltaShock,
                RollShock = rollShock,
                Loss = losses[k],
                Delta = state[k].NetDelta,
                Gamma = state[k].Gamma,
                Vega = state[k].Vega,
                Theta = state[k].Theta,
            });
        }

        var aggregation = PortfolioAggregation.MaintenanceMargin(losses, book.Correlation, 0.0, book.Parameters.SumFloorFraction, (double)borrowMm);
        // MM is rounded up before IM = k * MM is taken, so IM is k times the MM the account sees.
        var mm = DecimalMath.RoundUp(ToMoney(aggregation.RiskMatrix) + borrowMm, _decimals);
        var summary = Summarize(equity, aeM, aeI, book.Parameters.InitialMultiplier * mm, mm, flags);
        var status = summary.Status;
        risk = lines is null ? null : new PortfolioRisk
        {
            Underlyings = lines.MoveToImmutable(),
            Aggregation = aggregation,
            Correlation = book.Correlation,
            CorrelationStress = book.Parameters.CorrelationStress,
            InitialMultiplier = book.Parameters.InitialMultiplier,
        };

        if (context.SkipProjection || status >= MarginStatus.Liquidatable || !_projection.Moves.AsSpan().ContainsAnyExcept(0.0))
        {
            return summary;
        }

        try
        {
            return Project(summary, book, state, ledger, pnlCoins, touched);
        }
        catch (OverflowException)
        {
            // As in standard mode: a projection too large to compute is at risk.
            return summary with { ProjectedRatio = double.PositiveInfinity, Flags = summary.Flags | MarginFlags.AtRisk };
        }
    }

    /// <summary>The portfolio projection: every asset against the account's net delta by its move, grids re-centred and widened.</summary>
    private MarginSummary Project(MarginSummary summary, PortfolioBook book, UnderlyingAccumulator[] state, decimal[] ledger, decimal[] pnlCoins, bool[] touched)
    {
        var n = _assets.Length;
        var u = book.Underlyings.Length;
        var aeM = summary.AdjustedEquityMaintenance.Amount;

        // The projection: every grid underlying moves against the account's net delta by m_u and is re-gridded; assets
        // without a grid move likewise at their weights; borrow MM follows the owed values.
        decimal projectedAeM = aeM, projectedBorrow = 0m;
        var projectedLosses = new double[u];
        for (var idx = 0; idx < n; idx++)
        {
            if (!touched[idx])
            {
                continue;
            }

            var st = _assets[idx];
            var q = ledger[idx] + pnlCoins[idx];
            var slot = book.SlotOfAsset[idx];
            var netDelta = slot >= 0 ? state[slot].NetDelta : (double)q;
            var moved = netDelta < 0.0 ? _projection.Up[idx] : _projection.Down[idx];
            if (q < 0m && st.Parameters.Borrow is { } borrow)
            {
                projectedBorrow += -q * moved.Price * borrow.MaintenanceRate;
            }

            if (slot < 0 && q != 0m)
            {
                projectedAeM += moved.Maintenance!.Adjusted(q * moved.Price, q) - st.Maintenance!.Adjusted(q * st.Price, q);
            }
        }

        for (var k = 0; k < u; k++)
        {
            var g = book.Underlyings[k];
            if (!state[k].Touched)
            {
                projectedLosses[k] = 0.0;
                continue;
            }

            var upward = state[k].NetDelta < 0.0;
            var move = upward ? g.AdverseMove : -g.AdverseMove;
            var spot = g.Spot * (1.0 + move);
            projectedAeM += ToMoney((state[k].LinearDelta * g.Spot * move) + state[k].OptionShift(upward ? 1 : 0));
            var worst = state[k].WorstLoss(g.ProjectedMoves, g.ProjectedWeights, spot, projected: upward ? 1 : 0);
            projectedLosses[k] = worst.Loss + DeltaShock(state[k].NetDelta, g, spot) + state[k].RollShock(spot, g.Parameters);
        }

        var projectedMm = DecimalMath.RoundUp(
            ToMoney(PortfolioAggregation.MaintenanceMargin(projectedLosses, book.Correlation, 0.0, book.Parameters.SumFloorFraction, 0.0).RiskMatrix) + projectedBorrow,
            _decimals);
        projectedAeM = DecimalMath.RoundDown(projectedAeM, _decimals);
        var atRisk = StatusRules.Classify(1m, projectedMm, projectedAeM, 0m, 1m, Parameters.Thresholds) >= MarginStatus.Liquidatable;
        return summary with
        {
            ProjectedRatio = StatusRules.Ratio(projectedMm, projectedAeM),
            Flags = atRisk ? summary.Flags | MarginFlags.AtRisk : summary.Flags,
        };
    }

    /// <summary>A scenario figure as money; a figure beyond decimal's range is an overflow, reported against the account.</summary>
    private static decimal ToMoney(double value) =>
        double.IsFinite(value) && Math.Abs(value) < 7.9e27 ? (decimal)value : throw new OverflowException($"a scenario figure of {value.ToString(CultureInfo.InvariantCulture)} USD");

    private static double DeltaShock(double netDelta, GridUnderlying g, double? spot = null) =>
        PortfolioShocks.DeltaShock(netDelta, spot ?? g.Spot, (double)g.Parameters.DeltaShockThresholdUsd, g.Parameters.DeltaShockFraction);

    /// <summary>One underlying's sums over an account: linear delta, option scenario P&amp;L and Greeks, futures deltas by expiry.</summary>
    private struct UnderlyingAccumulator(GridUnderlying underlying)
    {
        private readonly GridUnderlying _underlying = underlying;
        private double[]? _optionPnl;
        private double[]? _projectedDown;
        private double[]? _projectedUp;
        private double _shiftDown;
        private double _shiftUp;
        private List<(DateTimeOffset? Expiry, double Years, double Delta)>? _expiries;

        public bool Touched { get; set; }

        /// <summary>Delta in coins of balances, PnL coins, perpetuals and futures.</summary>
        public double LinearDelta { get; set; }

        public double OptionDelta { get; private set; }

        public readonly double NetDelta => LinearDelta + OptionDelta;

        public double Gamma { get; private set; }

        public double Vega { get; private set; }

        public double Theta { get; private set; }

        public void AddOption(double quantity, OptionScenarios cache)
        {
            _optionPnl ??= new double[_underlying.Moves.Length];
            _projectedDown ??= new double[_underlying.ProjectedMoves.Length];
            _projectedUp ??= new double[_underlying.ProjectedMoves.Length];
            Accumulate(_optionPnl, cache.Pnl, quantity);
            Accumulate(_projectedDown, cache.ProjectedPnl[0], quantity);
            Accumulate(_projectedUp, cache.ProjectedPnl[1], quantity);
            _shiftDown += quantity * cache.ProjectedShift[0];
            _shiftUp += quantity * cache.ProjectedShift[1];
            OptionDelta += quantity * cache.Delta;
            Gamma += quantity * cache.Gamma;
            Vega += quantity * cache.Vega;
            Theta += quantity * cache.Theta;
        }

        /// <summary>Adds a future's or perpetual's delta to its expiry's group: grouped by expiry date (perpetuals together), never by a rounded tenor.</summary>
        public void AddExpiry(DateTimeOffset? expiry, DateTimeOffset asOf, double delta)
        {
            _expiries ??= [];
            for (var i = 0; i < _expiries.Count; i++)
            {
                if (_expiries[i].Expiry == expiry)
                {
                    _expiries[i] = _expiries[i] with { Delta = _expiries[i].Delta + delta };
                    return;
                }
            }

            _expiries.Add((expiry, expiry is { } e ? PortfolioBook.YearsTo(e, asOf) : PortfolioShocks.PerpetualYears, delta));
        }

        public readonly double OptionShift(int direction) => direction == 0 ? _shiftDown : _shiftUp;

        public readonly double RollShock(double spot, Parameters.UnderlyingRiskParameters p) => _expiries is null
            ? 0.0
            : PortfolioShocks.RollShock(spot, _expiries.Select(e => (e.Delta, e.Years)), p.RollAnnualMove, p.RollMinimumMove);

        /// <summary>The worst weighted loss over scenarios: <c>-(D * S * move_s + options_s) * weight_s</c>.</summary>
        /// <param name="moves">The scenarios' price moves.</param>
        /// <param name="weights">The scenarios' loss weights.</param>
        /// <param name="spot">The price the moves apply to.</param>
        /// <param name="projected">-1 for evaluation, 0 or 1 for the projection down or up.</param>
        public readonly (double Loss, int Index) WorstLoss(double[] moves, double[] weights, double spot, int projected)
        {
            var options = projected switch
            {
                0 => _projectedDown,
                1 => _projectedUp,
                _ => _optionPnl,
            };
            var linear = LinearDelta * spot;
            var worst = 0.0;
            var index = -1;
            for (var s = 0; s < moves.Length; s++)
            {
                var pnl = (linear * moves[s]) + (options is null ? 0.0 : options[s]);
                var loss = -pnl * weights[s];
                if (!double.IsFinite(loss))
                {
                    throw new OverflowException("a scenario loss is not a finite number");
                }

                if (loss > worst)
                {
                    worst = loss;
                    index = s;
                }
            }

            return (worst, index);
        }

        private static void Accumulate(double[] sum, double[] values, double quantity)
        {
            for (var s = 0; s < sum.Length; s++)
            {
                sum[s] += quantity * values[s];
            }
        }
    }
}
