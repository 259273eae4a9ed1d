using System.Buffers;
using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using Margin.Engine.Accounts;
using Margin.Engine.Domain;
using Margin.Engine.Instruments;
using Margin.Engine.Numerics;
using Margin.Engine.Parameters;
using Margin.Engine.Prices;
using Margin.Engine.Results;

namespace Margin.Engine.Evaluation;

/// <summary>The margin engine for one (price snapshot, risk parameters) pair: evaluates accounts in standard mode.</summary>
/// <remarks>
/// Built once per pair by <see cref="Create"/>, which resolves every asset's prices and every instrument's mark, so that
/// evaluating an account does no lookups beyond one per balance and position. Immutable and thread-safe: evaluate
/// accounts from any number of threads. Results are deterministic for given inputs on a given platform and build.
/// <see cref="EvaluateSummary"/> computes the ratios and status without the breakdown and allocates nothing for
/// accounts with up to 64 configured assets and 128 lines.
/// </remarks>
public sealed partial class MarginModel
{
    private const int StackLimit = 128;

    private readonly AssetState[] _assets;
    private readonly FrozenDictionary<string, int> _assetIndex;
    private readonly FrozenDictionary<string, InstrumentState> _instruments;
    private readonly MarginFlags _baseFlags;
    private readonly int _decimals;
    private readonly Asset _currency;
    private readonly PnlWeights _pnl;
    private readonly bool _weightProfits;

    private MarginModel(PriceSnapshot snapshot, RiskParameters parameters, AssetState[] assets, FrozenDictionary<string, int> assetIndex, FrozenDictionary<string, InstrumentState> instruments, Projection projection, PortfolioBook? book)
    {
        _projection = projection;
        _book = book;
        Snapshot = snapshot;
        Parameters = parameters;
        _assets = assets;
        _assetIndex = assetIndex;
        _instruments = instruments;
        _decimals = parameters.MoneyDecimals;
        _currency = parameters.Settlement;
        _pnl = parameters.PnlWeights;
        _weightProfits = _pnl.PositivePnlMaintenance != 1m || _pnl.PositivePnlInitial != 1m;
        _baseFlags = (snapshot.Usable ? MarginFlags.None : MarginFlags.PriceSuspect) | (parameters.KillSwitch ? MarginFlags.KillSwitch : MarginFlags.None);
    }

    /// <summary>The prices in use.</summary>
    public PriceSnapshot Snapshot { get; }

    /// <summary>The parameters in use.</summary>
    public RiskParameters Parameters { get; }

    /// <summary>Prepares the engine for a snapshot and a parameter set.</summary>
    /// <remarks>
    /// Prices that are missing, defective, or lack a volatility their asset's weights need do not fail here: they fail
    /// only the accounts that depend on them, with an <see cref="InvalidAccountException"/> that names the field.
    /// </remarks>
    /// <exception cref="ArgumentException">The snapshot's quote currency is not the parameters' settlement currency.</exception>
    public static MarginModel Create(PriceSnapshot snapshot, RiskParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(parameters);
        if (snapshot.Quote != parameters.Settlement)
        {
            throw new ArgumentException($"snapshot {snapshot.Id} is quoted in {snapshot.Quote}, but parameters {parameters.Version} settle in {parameters.Settlement}", nameof(snapshot));
        }

        var assets = new AssetState[parameters.Assets.Count];
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var i = 0;
        foreach (var (symbol, p) in parameters.Assets.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            assets[i] = AssetState.Create(p, snapshot);
            index[symbol] = i;
            i++;
        }

        var frozenIndex = index.ToFrozenDictionary(StringComparer.Ordinal);
        var projection = Projection.Create(parameters, snapshot, assets);
        var book = parameters.Portfolio is { } portfolio
            ? PortfolioBook.Build(portfolio, parameters, snapshot, frozenIndex, projection.Moves, projection.RangeScales)
            : null;
        var instruments = new Dictionary<string, InstrumentState>(StringComparer.Ordinal);
        foreach (var (id, p) in parameters.Instruments)
        {
            var underlyingIndex = frozenIndex[p.Instrument.Underlying.Symbol];
            instruments[id] = InstrumentState.Create(p, snapshot, underlyingIndex)
                .WithProjection(projection.Moves[underlyingIndex], assets[underlyingIndex], p, snapshot, book);
        }

        return new MarginModel(snapshot, parameters, assets, frozenIndex, instruments.ToFrozenDictionary(StringComparer.Ordinal), projection, book);
    }

    /// <summary>Evaluates an account: summary, breakdown per asset and position, versions and the reason for the status.</summary>
    /// <exception cref="InvalidAccountException">The account refers to an unknown or unpriced asset or instrument, or has an invalid field.</exception>
    public MarginResult Evaluate(Account account, EvaluationContext context = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        var sink = new CollectingSink(account.Balances.Length + account.Positions.Length);
        PortfolioRisk? portfolio = null;
        var summary = account.Mode == MarginMode.Portfolio
            ? ComputePortfolio(account, context, ref sink, out portfolio)
            : Compute(account, context, ref sink);
        return new MarginResult
        {
            AccountId = account.Id,
            AccountVersion = account.Version,
            SnapshotId = Snapshot.Id,
            ParametersVersion = Parameters.Version,
            Mode = account.Mode,
            AsOf = Snapshot.AsOf,
            Summary = summary,
            Reason = StatusRules.Explain(summary, Parameters.Thresholds, accountIsEmpty: sink.Assets.Count == 0 && sink.Positions.Count == 0),
            Assets = sink.Assets.ToImmutable(),
            Positions = sink.Positions.ToImmutable(),
            Portfolio = portfolio,
        };
    }

    /// <summary>Evaluates an account's ratios, status and flags only.</summary>
    /// <exception cref="InvalidAccountException">As <see cref="Evaluate"/>.</exception>
    public MarginSummary EvaluateSummary(Account account, EvaluationContext context = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        var sink = default(NoSink);
        return Compute(account, context, ref sink);
    }

    private MarginSummary Compute<TSink>(Account account, EvaluationContext context, ref TSink sink)
        where TSink : struct, IBreakdownSink
    {
        if (account.Mode == MarginMode.Portfolio)
        {
            return ComputePortfolio(account, context, ref sink, out _);
        }

        return context.SkipProjection
            ? Compute(account, context, ref sink, new CurrentPrices(_assets))
            : WithProjection(account, context, Compute(account, context, ref sink, new CurrentPrices(_assets)));
    }

    private MarginSummary Compute<TSink, TView>(Account account, EvaluationContext context, ref TSink sink, TView view)
        where TSink : struct, IBreakdownSink
        where TView : struct, IPriceView
    {
        var n = _assets.Length;
        var lines = account.Balances.Length + account.Positions.Length;
        decimal[]? rentedQuantities = null;
        int[]? rentedOrder = null;
        int[]? rentedSlots = null;
        var quantities = 2 * n <= StackLimit ? stackalloc decimal[2 * n] : (rentedQuantities = ArrayPool<decimal>.Shared.Rent(2 * n)).AsSpan(0, 2 * n);
        var order = lines <= StackLimit ? stackalloc int[lines] : (rentedOrder = ArrayPool<int>.Shared.Rent(lines)).AsSpan(0, lines);
        var slots = n <= StackLimit ? stackalloc int[n] : (rentedSlots = ArrayPool<int>.Shared.Rent(n)).AsSpan(0, n);
        var cursor = default(Cursor);
        try
        {
            // Only the slots are cleared: a quantity is written when its asset is first touched.
            slots.Clear();
            return ComputeCore(account, context, ref sink, view, new Scratch(quantities[..n], quantities[n..], order, slots), ref cursor);
        }
        catch (OverflowException ex)
        {
            throw new InvalidAccountException(account.Id, cursor.Field(account, _assets, _instruments), $"a quantity or value is too large to compute ({ex.Message})");
        }
        finally
        {
            if (rentedQuantities is not null)
            {
                ArrayPool<decimal>.Shared.Return(rentedQuantities);
            }

            if (rentedOrder is not null)
            {
                ArrayPool<int>.Shared.Return(rentedOrder);
            }

            if (rentedSlots is not null)
            {
                ArrayPool<int>.Shared.Return(rentedSlots);
            }
        }
    }

    private MarginSummary ComputeCore<TSink, TView>(Account account, EvaluationContext context, ref TSink sink, TView view, Scratch scratch, ref Cursor cursor)
        where TSink : struct, IBreakdownSink
        where TView : struct, IPriceView
    {
        var (ledger, pnlCoins, order, slots) = scratch;
        var flags = _baseFlags | (context.LiquidationInFlight ? MarginFlags.LiquidationInFlight : MarginFlags.None);
        decimal equity = 0m, aeM = 0m, aeI = 0m, im = 0m, mm = 0m;

        // Linear PnL is summed once; its weighting is applied to the sum of profits at the end (fewer decimal operations
        // than weighting each position). The two agree exactly while the products fit decimal's 28 digits, which PnL
        // times a weight of a few digits always does in practice; the property tests compare them.
        decimal linearPnl = 0m, linearProfit = 0m;
        var anyCoinPnl = false;
        var anyDependency = false;

        // The exposure (|value| of an asset, notional of a position) behind an unusable price or a per-asset kill switch:
        // it flags the account only when material (see DependencyMateriality). Gross exposure is computed only then.
        decimal suspect = 0m, switched = 0m;
        var touched = 0;

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

            // Account.Create guarantees one balance per asset, so a balance's asset is always new here.
            order[touched++] = idx;
            slots[idx] = touched;
            ledger[idx] = b.Quantity;
            pnlCoins[idx] = 0m;
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

            var underlying = view.Asset(inst.UnderlyingIndex);
            var q = p.Quantity;
            decimal exposure;
            var mark = view.Mark(inst);
            switch (inst.Kind)
            {
                case InstrumentKind.LinearPerpetual or InstrumentKind.LinearFuture:
                {
                    RequireEntry(account.Id, j, p);
                    var notional = Math.Abs(q) * mark;
                    exposure = notional;
                    var k = inst.Brackets!.IndexOf(notional);
                    var lineIm = inst.Brackets.Initial(notional, k);
                    var lineMm = inst.Brackets.Maintenance(notional, k);
                    var pnl = q * (mark - p.EntryPrice);
                    linearPnl += pnl;
                    var profit = !decimal.IsNegative(pnl);
                    if (profit && _weightProfits)
                    {
                        linearProfit += pnl;
                    }

                    im += lineIm;
                    mm += lineMm;
                    if (sink.Enabled)
                    {
                        var pnlM = profit ? pnl * _pnl.PositivePnlMaintenance : pnl;
                        var pnlI = profit ? pnl * _pnl.PositivePnlInitial : pnl;
                        sink.Position(PositionLineFor(inst, p, underlying, notional, k, lineIm, lineMm, pnl, 0m, 0m, pnl, pnlM, pnlI));
                    }

                    break;
                }

                case InstrumentKind.InversePerpetual or InstrumentKind.InverseFuture:
                {
                    RequireEntry(account.Id, j, p);
                    var notional = Math.Abs(q);
                    exposure = notional;
                    var k = inst.Brackets!.IndexOf(notional);
                    var lineIm = inst.Brackets.Initial(notional, k);
                    var lineMm = inst.Brackets.Maintenance(notional, k);
                    var coin = (q / p.EntryPrice) - (q / mark);
                    var idx = inst.UnderlyingIndex;
                    if (slots[idx] == 0)
                    {
                        order[touched++] = idx;
                        slots[idx] = touched;
                        ledger[idx] = 0m;
                        pnlCoins[idx] = coin;
                    }
                    else
                    {
                        pnlCoins[idx] += coin;
                    }

                    anyCoinPnl = true;
                    im += lineIm;
                    mm += lineMm;
                    if (sink.Enabled)
                    {
                        sink.Position(PositionLineFor(inst, p, underlying, notional, k, lineIm, lineMm, 0m, coin, 0m, 0m, 0m, 0m));
                    }

                    break;
                }

                default:
                {
                    var units = Math.Abs(q) * inst.Multiplier;
                    var value = q * inst.Multiplier * mark;
                    var spot = underlying.Price;
                    exposure = units * spot;
                    decimal valueM, valueI, lineIm = 0m, lineMm = 0m;
                    if (!decimal.IsNegative(q))
                    {
                        valueM = value * _pnl.LongOptionMaintenance;
                        valueI = value * _pnl.LongOptionInitial;
                    }
                    else
                    {
                        valueM = value;
                        valueI = value;
                        var otm = inst.Option!.OutOfTheMoney(spot);
                        lineIm = units * (Math.Max((inst.ShortInitial.A * spot) - otm, inst.ShortInitial.B * spot) + mark);
                        lineMm = units * (Math.Max((inst.ShortMaintenance.A * spot) - otm, inst.ShortMaintenance.B * spot) + mark);
                    }

                    equity += value;
                    aeM += valueM;
                    aeI += valueI;
                    im += lineIm;
                    mm += lineMm;
                    if (sink.Enabled)
                    {
                        sink.Position(PositionLineFor(inst, p, underlying, units * spot, null, lineIm, lineMm, 0m, 0m, value, value, valueM, valueI));
                    }

                    break;
                }
            }

            if (inst.Unusable is not null || (inst.UsesUnderlyingPrice && underlying.Unusable is not null))
            {
                suspect += exposure;
                anyDependency = true;
            }

            if (underlying.Parameters.KillSwitch)
            {
                switched += exposure;
                anyDependency = true;
            }
        }

        equity += linearPnl;
        aeM += linearPnl;
        aeI += linearPnl;
        if (_weightProfits && !IsZero(linearProfit))
        {
            // A profit counts at its weight w: pnl - (1 - w) * profit.
            aeM -= linearProfit * (1m - _pnl.PositivePnlMaintenance);
            aeI -= linearProfit * (1m - _pnl.PositivePnlInitial);
        }

        for (var t = 0; t < touched; t++)
        {
            var idx = order[t];
            cursor = new Cursor(Stage.Asset, idx);
            var st = view.Asset(idx);
            var q = anyCoinPnl ? ledger[idx] + pnlCoins[idx] : ledger[idx];
            if (IsZero(q))
            {
                if (sink.Enabled)
                {
                    sink.Asset(AssetLineFor(st, ledger[idx], pnlCoins[idx], 0m, 0m, 0m, 0m, 0m, 0m, 0m));
                }

                continue;
            }

            var valueM = q * st.Price;
            if (st.Unusable is not null)
            {
                suspect += Math.Abs(valueM);
                anyDependency = true;
            }

            if (st.Parameters.KillSwitch)
            {
                switched += Math.Abs(valueM);
                anyDependency = true;
            }

            var owed = decimal.IsNegative(q);
            var valueI = owed
                ? (st.HighIsPrice ? valueM : q * st.HighPrice)
                : (st.LowIsPrice ? valueM : q * st.LowPrice);
            var adjM = st.Maintenance!.Adjusted(valueM, q);
            var adjI = st.Initial!.Adjusted(valueI, q);
            equity += valueM;
            aeM += adjM;
            aeI += adjI;
            decimal borrowIm = 0m, borrowMm = 0m;
            if (owed && st.Parameters.Borrow is { } borrow)
            {
                borrowMm = -valueM * borrow.MaintenanceRate;
                borrowIm = -valueI * borrow.InitialRate;
                mm += borrowMm;
                im += borrowIm;
            }

            if (sink.Enabled)
            {
                sink.Asset(AssetLineFor(st, ledger[idx], pnlCoins[idx], q, valueM, adjM, valueI, adjI, borrowIm, borrowMm));
            }
        }

        if (anyDependency)
        {
            flags |= DependencyFlags(suspect, switched, GrossExposure(account, ledger, pnlCoins, order[..touched]));
        }

        cursor = default;
        return Summarize(equity, aeM, aeI, im, mm, flags);
    }

    /// <summary>Rounds the exact sums against the account (equities down, requirements up) and decides the status on the rounded figures.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private MarginSummary Summarize(decimal equity, decimal aeM, decimal aeI, decimal im, decimal mm, MarginFlags flags)
    {
        equity = DecimalMath.RoundDown(equity, _decimals);
        aeM = DecimalMath.RoundDown(aeM, _decimals);
        aeI = DecimalMath.RoundDown(aeI, _decimals);
        im = DecimalMath.RoundUp(im, _decimals);
        mm = DecimalMath.RoundUp(mm, _decimals);
        var status = StatusRules.Classify(equity, mm, aeM, im, aeI, Parameters.Thresholds);
        return new MarginSummary(
            new Money(equity, _currency),
            new Money(aeM, _currency),
            new Money(aeI, _currency),
            new Money(im, _currency),
            new Money(mm, _currency),
            StatusRules.Ratio(mm, aeM),
            StatusRules.Ratio(im, aeI),
            status,
            flags);
    }

    /// <summary>The sum of the absolute USD values of the account's assets and the notionals of its positions.</summary>
    /// <remarks>Saturates at <see cref="decimal.MaxValue"/>: a sum of absolute values can overflow where no figure of the account does.</remarks>
    private decimal GrossExposure(Account account, ReadOnlySpan<decimal> ledger, ReadOnlySpan<decimal> pnlCoins, ReadOnlySpan<int> touched)
    {
        try
        {
            return SumExposure(account, ledger, pnlCoins, touched);
        }
        catch (OverflowException)
        {
            return decimal.MaxValue;
        }
    }

    private decimal SumExposure(Account account, ReadOnlySpan<decimal> ledger, ReadOnlySpan<decimal> pnlCoins, ReadOnlySpan<int> touched)
    {
        var gross = 0m;
        foreach (var idx in touched)
        {
            gross += Math.Abs((ledger[idx] + pnlCoins[idx]) * _assets[idx].Price);
        }

        foreach (var p in account.Positions)
        {
            if (p.Quantity != 0m)
            {
                var inst = _instruments[p.InstrumentId];
                gross += Exposure(inst, p.Quantity, _assets[inst.UnderlyingIndex].Price);
            }
        }

        return gross;
    }

    /// <summary>A position's USD notional: <c>|q| * mark</c> (linear), <c>|q|</c> (inverse, face value), <c>|q| * multiplier * S</c> (options).</summary>
    private static decimal Exposure(InstrumentState inst, decimal quantity, decimal spot) => inst.Kind switch
    {
        InstrumentKind.LinearPerpetual or InstrumentKind.LinearFuture => Math.Abs(quantity) * inst.Mark,
        InstrumentKind.InversePerpetual or InstrumentKind.InverseFuture => Math.Abs(quantity),
        _ => Math.Abs(quantity) * inst.Multiplier * spot,
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsZero(decimal value) => IsZero<decimal>(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsZero<T>(T value)
        where T : INumberBase<T> => T.IsZero(value);

    /// <summary>The flags a dependency sets when material: exposure behind an unusable price (<c>PriceSuspect</c>) or a paused asset (<c>KillSwitch</c>) of at least <c>DependencyMateriality</c> of the gross exposure.</summary>
    private MarginFlags DependencyFlags(decimal suspect, decimal switched, decimal gross)
    {
        var material = gross * Parameters.DependencyMateriality;
        var flags = MarginFlags.None;
        if (suspect > 0m && suspect >= material)
        {
            flags |= MarginFlags.PriceSuspect;
        }

        if (switched > 0m && switched >= material)
        {
            flags |= MarginFlags.KillSwitch;
        }

        return flags;
    }

    /// <summary>A balance's asset index, or -1 for a zero balance; an unknown or unpriced asset, or a borrow of an asset that cannot be borrowed, fails the account with the field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int ResolveBalance(string accountId, Balance b, int i)
    {
        if (IsZero(b.Quantity))
        {
            // A zero balance depends on no price, but an asset the parameters do not know is still a ledger error.
            if (!_assetIndex.ContainsKey(b.Asset.Symbol))
            {
                ResolveAsset(accountId, b.Asset.Symbol, i);
            }

            return -1;
        }

        var idx = ResolveAsset(accountId, b.Asset.Symbol, i);
        if (decimal.IsNegative(b.Quantity) && _assets[idx].Parameters.Borrow is null)
        {
            throw new InvalidAccountException(accountId, $"balances[{i}].quantity", $"{b.Asset} is not borrowable, but the balance is {b.Quantity.ToString(CultureInfo.InvariantCulture)}");
        }

        return idx;
    }

    /// <summary>A position's instrument, or null for a zero position (whose instrument must still be known).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private InstrumentState? ResolvePosition(Account account, int j)
    {
        var p = account.Positions[j];
        if (IsZero(p.Quantity))
        {
            if (!_instruments.ContainsKey(p.InstrumentId))
            {
                ResolveInstrument(account, j);
            }

            return null;
        }

        return ResolveInstrument(account, j);
    }

    private int ResolveAsset(string accountId, string symbol, int balance)
    {
        if (!_assetIndex.TryGetValue(symbol, out var idx))
        {
            throw new InvalidAccountException(accountId, $"balances[{balance}].asset", $"unknown asset {symbol}: risk parameters {Parameters.Version} do not configure it");
        }

        if (_assets[idx].Defect is { } defect)
        {
            throw new InvalidAccountException(accountId, $"balances[{balance}].asset", defect);
        }

        return idx;
    }

    private InstrumentState ResolveInstrument(Account account, int j)
    {
        var id = account.Positions[j].InstrumentId;
        if (!_instruments.TryGetValue(id, out var inst))
        {
            throw new InvalidAccountException(account.Id, Field(j), $"unknown instrument {id}: risk parameters {Parameters.Version} do not configure it");
        }

        if (inst.Defect is { } defect)
        {
            throw new InvalidAccountException(account.Id, Field(j), defect);
        }

        if (inst.Expired && inst.Parameters.Instrument.Expiry is { } expiry)
        {
            throw new InvalidAccountException(account.Id, Field(j), $"{id} expired at {expiry.ToString("O", CultureInfo.InvariantCulture)}, before the snapshot's time {Snapshot.AsOf.ToString("O", CultureInfo.InvariantCulture)}; the ledger must settle it");
        }

        if (_assets[inst.UnderlyingIndex].Defect is { } underlyingDefect && (inst.UsesUnderlyingPrice || inst.Kind is InstrumentKind.InversePerpetual or InstrumentKind.InverseFuture))
        {
            throw new InvalidAccountException(account.Id, Field(j), $"underlying of {id}: {underlyingDefect}");
        }

        return inst;

        static string Field(int j) => $"positions[{j}].instrument";
    }

    private static void RequireEntry(string accountId, int j, Position p)
    {
        if (decimal.IsNegative(p.EntryPrice) || IsZero(p.EntryPrice))
        {
            throw new InvalidAccountException(accountId, $"positions[{j}].entryPrice", $"a perpetual or future needs a positive entry price (got {p.EntryPrice.ToString(CultureInfo.InvariantCulture)})");
        }
    }

    private AssetLine AssetLineFor(AssetState st, decimal ledger, decimal pnl, decimal q, decimal valueM, decimal adjM, decimal valueI, decimal adjI, decimal borrowIm, decimal borrowMm) => new()
    {
        Asset = st.Parameters.Asset,
        LedgerQuantity = ledger,
        PnlQuantity = pnl,
        Quantity = q,
        Price = st.Price,
        InitialPrice = q >= 0m ? st.LowPrice : st.HighPrice,
        ValueMaintenance = valueM,
        WeightMaintenance = valueM == 0m ? st.Maintenance!.WeightAtZero(q < 0m) : adjM / valueM,
        AdjustedMaintenance = DecimalMath.RoundDown(adjM, _decimals),
        ValueInitial = valueI,
        WeightInitial = valueI == 0m ? st.Initial!.WeightAtZero(q < 0m) : adjI / valueI,
        AdjustedInitial = DecimalMath.RoundDown(adjI, _decimals),
        BorrowInitialRequirement = DecimalMath.RoundUp(borrowIm, _decimals),
        BorrowMaintenanceRequirement = DecimalMath.RoundUp(borrowMm, _decimals),
        PriceUnusableReason = st.Unusable,
    };

    private PositionLine PositionLineFor(InstrumentState inst, Position p, AssetState underlying, decimal notional, int? bracket, decimal lineIm, decimal lineMm, decimal pnl, decimal coin, decimal optionValue, decimal equity, decimal adjM, decimal adjI) => new()
    {
        InstrumentId = p.InstrumentId,
        Kind = inst.Kind == InstrumentKind.Option ? "Option" : inst.Kind.ToString(),
        Quantity = p.Quantity,
        EntryPrice = p.EntryPrice,
        Mark = inst.Mark,
        UnderlyingPrice = underlying.Price,
        Notional = notional,
        Bracket = bracket,
        InitialRate = bracket is { } k ? inst.Brackets!.InitialRate(k) : null,
        MaintenanceRate = bracket is { } m ? inst.Brackets!.MaintenanceRate(m) : null,
        InitialRequirement = DecimalMath.RoundUp(lineIm, _decimals),
        MaintenanceRequirement = DecimalMath.RoundUp(lineMm, _decimals),
        UnrealisedPnl = pnl,
        PnlCoin = coin,
        OptionValue = optionValue,
        EquityContribution = DecimalMath.RoundDown(equity, _decimals),
        AdjustedMaintenance = DecimalMath.RoundDown(adjM, _decimals),
        AdjustedInitial = DecimalMath.RoundDown(adjI, _decimals),
        PriceUnusableReason = inst.Unusable ?? (inst.UsesUnderlyingPrice ? underlying.Unusable : null),
    };

    private readonly ref struct Scratch(Span<decimal> ledger, Span<decimal> pnlCoins, Span<int> order, Span<int> slots)
    {
        private readonly Span<decimal> _ledger = ledger;
        private readonly Span<decimal> _pnlCoins = pnlCoins;
        private readonly Span<int> _order = order;
        private readonly Span<int> _slots = slots;

        public void Deconstruct(out Span<decimal> ledger, out Span<decimal> pnlCoins, out Span<int> order, out Span<int> slots)
        {
            ledger = _ledger;
            pnlCoins = _pnlCoins;
            order = _order;
            slots = _slots;
        }
    }

    private enum Stage
    {
        None,
        Balance,
        Position,
        Asset,
    }

    /// <summary>Where the computation is, so that an overflow names the balance, position or asset that caused it.</summary>
    private readonly record struct Cursor(Stage Stage, int Index)
    {
        public string Field(Account account, AssetState[] assets, FrozenDictionary<string, InstrumentState> instruments) => Stage switch
        {
            Stage.Balance => $"balances[{Index}].quantity",
            Stage.Position => $"positions[{Index}].quantity",
            Stage.Asset => AssetField(account, assets[Index].Parameters.Asset, Index, instruments),
            _ => "account",
        };

        /// <summary>The field behind an asset's net quantity: an inverse position on it if there is one (its coin PnL may be what overflowed), else its balance.</summary>
        private static string AssetField(Account account, Asset asset, int assetIndex, FrozenDictionary<string, InstrumentState> instruments)
        {
            for (var j = 0; j < account.Positions.Length; j++)
            {
                var p = account.Positions[j];
                if (!IsZero(p.Quantity) && instruments.TryGetValue(p.InstrumentId, out var inst) && inst.UnderlyingIndex == assetIndex
                    && inst.Kind is InstrumentKind.InversePerpetual or InstrumentKind.InverseFuture)
                {
                    return $"positions[{j}].quantity";
                }
            }

            for (var i = 0; i < account.Balances.Length; i++)
            {
                if (account.Balances[i].Asset == asset)
                {
                    return $"balances[{i}].quantity";
                }
            }

            return $"asset {asset}";
        }
    }

    private interface IBreakdownSink
    {
        bool Enabled { get; }

        void Asset(AssetLine line);

        void Position(PositionLine line);
    }

    private struct NoSink : IBreakdownSink
    {
        public readonly bool Enabled => false;

        public readonly void Asset(AssetLine line)
        {
        }

        public readonly void Position(PositionLine line)
        {
        }
    }

    private readonly struct CollectingSink(int capacity) : IBreakdownSink
    {
        public ImmutableArray<AssetLine>.Builder Assets { get; } = ImmutableArray.CreateBuilder<AssetLine>(capacity);

        public ImmutableArray<PositionLine>.Builder Positions { get; } = ImmutableArray.CreateBuilder<PositionLine>(capacity);

        public bool Enabled => true;

        public void Asset(AssetLine line) => Assets.Add(line);

        public void Position(PositionLine line) => Positions.Add(line);
    }

    private enum InstrumentKind
    {
        LinearPerpetual,
        InversePerpetual,
        LinearFuture,
        InverseFuture,
        Option,
    }

    private sealed partial class AssetState
    {
        public required AssetRiskParameters Parameters { get; init; }

        public decimal Price { get; init; }

        public decimal LowPrice { get; init; }

        public decimal HighPrice { get; init; }

        public bool LowIsPrice => LowPrice == Price;

        public bool HighIsPrice => HighPrice == Price;

        public CompiledWeightSchedule? Initial { get; init; }

        public CompiledWeightSchedule? Maintenance { get; init; }

        public string? Unusable { get; init; }

        public string? Defect { get; init; }

        public static AssetState Create(AssetRiskParameters p, PriceSnapshot snapshot)
        {
            var symbol = p.Asset.Symbol;
            if (snapshot.Defects.TryGetValue(symbol, out var defect))
            {
                return new AssetState { Parameters = p, Defect = $"the price of {symbol} is invalid: {defect.Field}: {defect.Problem}" };
            }

            if (!snapshot.Assets.TryGetValue(symbol, out var price))
            {
                return new AssetState { Parameters = p, Defect = $"snapshot {snapshot.Id} has no price for {symbol}" };
            }

            var needsSigma = p.Initial.VolatilityScaling is not null || p.Maintenance.VolatilityScaling is not null;
            if (needsSigma && price.SigmaLong is null)
            {
                return new AssetState { Parameters = p, Defect = $"snapshot {snapshot.Id} has no long-window volatility for {symbol}, which its volatility-scaled weights need" };
            }

            var sigma = price.SigmaLong ?? 0d;
            return new AssetState
            {
                Parameters = p,
                Initial = new CompiledWeightSchedule(p.Initial, p.DepthUsd, sigma),
                Maintenance = new CompiledWeightSchedule(p.Maintenance, p.DepthUsd, sigma),
                Price = price.Price,
                LowPrice = Math.Min(price.Price, price.ReferencePrice),
                HighPrice = Math.Max(price.Price, price.ReferencePrice),
                Unusable = price.UnusableReason,
            };
        }
    }

    private sealed partial record InstrumentState
    {
        public required InstrumentRiskParameters Parameters { get; init; }

        public required int UnderlyingIndex { get; init; }

        public InstrumentKind Kind { get; init; }

        public decimal Mark { get; init; }

        public BracketSchedule? Brackets { get; init; }

        public EuropeanOption? Option { get; init; }

        public decimal Multiplier { get; init; } = 1m;

        public ShortOptionRule ShortInitial { get; init; }

        public ShortOptionRule ShortMaintenance { get; init; }

        public bool UsesUnderlyingPrice => Kind == InstrumentKind.Option;

        /// <summary>Expired at or before the snapshot's time (fixed per snapshot, so decided once).</summary>
        public bool Expired { get; init; }

        public string? Unusable { get; init; }

        public string? Defect { get; init; }

        public static InstrumentState Create(InstrumentRiskParameters p, PriceSnapshot snapshot, int underlyingIndex)
        {
            var id = p.Instrument.Id;
            var kind = p.Instrument switch
            {
                Perpetual { Contract: ContractType.Linear } => InstrumentKind.LinearPerpetual,
                Perpetual => InstrumentKind.InversePerpetual,
                Future { Contract: ContractType.Linear } => InstrumentKind.LinearFuture,
                Future => InstrumentKind.InverseFuture,
                EuropeanOption => InstrumentKind.Option,
                _ => throw new ArgumentException($"instrument {id} is of an unsupported type {p.Instrument.GetType().Name}", nameof(p)),
            };

            var expired = p.Instrument.Expiry is { } expiry && expiry <= snapshot.AsOf;
            if (snapshot.Defects.TryGetValue(id, out var defect))
            {
                return new InstrumentState { Parameters = p, UnderlyingIndex = underlyingIndex, Kind = kind, Expired = expired, Defect = $"the mark of {id} is invalid: {defect.Field}: {defect.Problem}" };
            }

            if (!snapshot.Instruments.TryGetValue(id, out var mark))
            {
                return new InstrumentState { Parameters = p, UnderlyingIndex = underlyingIndex, Kind = kind, Expired = expired, Defect = $"snapshot {snapshot.Id} has no mark for {id}" };
            }

            var option = p.Instrument as EuropeanOption;
            return new InstrumentState
            {
                Parameters = p,
                UnderlyingIndex = underlyingIndex,
                Kind = kind,
                Expired = expired,
                Mark = mark.Mark,
                Brackets = p.Brackets,
                Option = option,
                Multiplier = option?.Multiplier ?? 1m,
                ShortInitial = p.ShortOptionInitial ?? default,
                ShortMaintenance = p.ShortOptionMaintenance ?? default,
                Unusable = mark.UnusableReason,
            };
        }
    }
}
