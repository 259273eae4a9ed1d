using System.Collections.Immutable;
using System.Globalization;
using Margin.Engine.Accounts;
using Margin.Engine.Domain;
using Margin.Engine.Evaluation;
using Margin.Engine.Instruments;
using Margin.Engine.Results;

namespace Margin.Engine.Liquidation;

/// <summary>Plans the legs that bring an account (standard or portfolio mode) to the target ratio at least cost (MARGIN-MODEL.md section 6).</summary>
/// <remarks>
/// Greedy by marginal benefit per marginal cost. A move is one leg's next lots (one lot, a new leg's minimum-order lots,
/// or <see cref="PlannerOptions.MoveUsd"/> worth), or a repay's (a short option buy-back's) next lots plus the fewest lots
/// of one collateral that fund it; its benefit is the increase of <c>r* * AE_M - MM</c>, computed exactly (decimal) from
/// the changed lines only by the model's incremental planning state, its cost the increase of its legs' costs. Each
/// leg's next move stays cached until a move touches its lines. The best move with a positive benefit is taken until
/// the target is met; then a local pass drops or exchanges lots while the target holds and the cost falls. When no move
/// improves: funding from several collaterals, local exchanges, then, on books of at most 32,768 lot combinations, the
/// cheapest reaching combination. Legs sell collateral, repay borrows, and reduce linear and inverse perpetuals and
/// futures and options toward zero; every leg is valued at its limit price, and the plan's <c>After</c> is the engine's
/// evaluation of the projected account. Portfolio-mode accounts, which have no incremental view, are planned by
/// projecting the account and evaluating it in full for every candidate (exact, slower). Stateless and thread-safe.
/// </remarks>
public static class LiquidationPlanner
{
    /// <summary>Plans the liquidation of an account: a target-reaching plan, what could be done, or a bankrupt account's full close.</summary>
    /// <exception cref="ArgumentException">The settlement asset is not a configured, priced asset.</exception>
    /// <exception cref="InvalidAccountException">The account cannot be evaluated.</exception>
    /// <param name="model">The engine for the snapshot and parameters in force.</param>
    /// <param name="account">The account to plan for.</param>
    /// <param name="options">Fees, impact and order-size limits.</param>
    /// <param name="context">Facts outside the ledger, such as an order already in flight (which suppresses the plan).</param>
    public static LiquidationPlan Plan(MarginModel model, Account account, PlannerOptions options, EvaluationContext context = default) =>
        Plan(model, account, options, context, incremental: true, evaluated: null);

    /// <summary>Plans the liquidation of an account the caller has just evaluated, without evaluating it again (the sweep's path).</summary>
    /// <remarks>
    /// <paramref name="evaluated"/> must be <paramref name="model"/>'s result for <paramref name="account"/> in
    /// <paramref name="context"/>: its account id, version and mode, snapshot and parameter versions are checked, so a
    /// result of another account or model is refused. Saves one evaluation of the account per plan.
    /// </remarks>
    /// <exception cref="ArgumentException">The result is not this model's result for this account, or as <see cref="Plan(MarginModel, Account, PlannerOptions, EvaluationContext)"/>.</exception>
    /// <param name="model">The engine for the snapshot and parameters in force.</param>
    /// <param name="account">The account to plan for.</param>
    /// <param name="evaluated">The account's result from this model and context.</param>
    /// <param name="options">Fees, impact and order-size limits.</param>
    /// <param name="context">The context the account was evaluated in.</param>
    public static LiquidationPlan Plan(MarginModel model, Account account, MarginResult evaluated, PlannerOptions options, EvaluationContext context = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(evaluated);
        if (evaluated.AccountId != account.Id || evaluated.AccountVersion != account.Version || evaluated.Mode != account.Mode
            || evaluated.SnapshotId != model.Snapshot.Id || evaluated.ParametersVersion != model.Parameters.Version)
        {
            throw new ArgumentException(
                $"the result is for account {evaluated.AccountId} v{evaluated.AccountVersion} ({evaluated.Mode}) on snapshot {evaluated.SnapshotId} and parameters {evaluated.ParametersVersion}, not for account {account.Id} v{account.Version} ({account.Mode}) on {model.Snapshot.Id} and {model.Parameters.Version}",
                nameof(evaluated));
        }

        return Plan(model, account, options, context, incremental: true, evaluated.Summary);
    }

    /// <summary>As the public overloads; <paramref name="incremental"/> false forces the projecting evaluation, for tests comparing the two.</summary>
    internal static LiquidationPlan Plan(MarginModel model, Account account, PlannerOptions options, EvaluationContext context, bool incremental, MarginSummary? evaluated = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(options);
        var settlement = options.SettlementAsset ?? model.Parameters.Settlement;
        if (!model.Parameters.Assets.ContainsKey(settlement.Symbol) || !model.Snapshot.Assets.TryGetValue(settlement.Symbol, out var settlementPrice) || settlementPrice.Price <= 0m)
        {
            throw new ArgumentException($"settlement asset {settlement} is not a configured, priced asset", nameof(options));
        }

        if (!settlementPrice.Usable)
        {
            throw new ArgumentException($"settlement asset {settlement} has an unusable price ({settlementPrice.UnusableReason}): no liquidation is planned into it", nameof(options));
        }

        var thresholds = model.Parameters.Thresholds;
        var target = thresholds.MarginCall - thresholds.TargetBuffer;
        // The plan needs the status and the slack, never the pre-emptive projection: skip it in every evaluation.
        var before = evaluated ?? model.EvaluateSummary(account, context with { SkipProjection = true });
        var planning = incremental ? model.CreatePlanningState(account, settlement, target) : null;

        // Without a configured move size, a move is one lot unless lots are tiny against the deficit: then at least
        // 1 / AutomaticMovesPerDeficit of it, so that lots of 1e-8 BTC cannot exhaust the move budget before the target.
        var moveUsd = options.MoveUsd > 0m ? options.MoveUsd : Math.Max(0m, -Slack(before, target)) / AutomaticMovesPerDeficit;
        var state = new PlanState(model, account, options, settlement, settlementPrice.Price, target, Legs(model, account, options, settlement, moveUsd), planning);

        if (before.Flags.SuppressesLiquidation())
        {
            return state.Result(before, before, account, PlanOutcome.Suppressed, $"liquidation is suppressed by {before.Flags}");
        }

        if (before.Status == MarginStatus.Bankrupt)
        {
            return state.FullClose(before);
        }

        if (Slack(before, target) >= 0m)
        {
            return state.Result(before, before, account, PlanOutcome.AlreadyAtTarget, null);
        }

        return state.Greedy(before);
    }

    /// <summary>The planner's objective <c>r* * AE_M - MM</c>, in USD; the target is met when it is not negative.</summary>
    public static decimal Slack(MarginSummary summary, decimal targetRatio) =>
        (targetRatio * summary.AdjustedEquityMaintenance.Amount) - summary.MaintenanceRequirement.Amount;

    private static ImmutableArray<LegSpec> Legs(MarginModel model, Account account, PlannerOptions options, Asset settlement, decimal moveUsd)
    {
        var legs = ImmutableArray.CreateBuilder<LegSpec>();
        foreach (var balance in account.Balances)
        {
            if (balance.Quantity == 0m || balance.Asset == settlement
                || !model.Parameters.Assets.TryGetValue(balance.Asset.Symbol, out var p) || p.KillSwitch
                || !model.Snapshot.Assets.TryGetValue(balance.Asset.Symbol, out var price) || !price.Usable || price.Price <= 0m)
            {
                continue;
            }

            var sell = balance.Quantity > 0m;
            var lotValue = p.LotSize * price.Price;
            if (lotValue <= 0m)
            {
                // A price so small that a lot is worth less than decimal's smallest step: nothing to trade.
                continue;
            }

            var (max, first, step) = Bounds(p.LotSize, lotValue, p.DepthUsd, Math.Abs(balance.Quantity), options, moveUsd);
            var leg = new LegSpec
            {
                Kind = sell ? LegKind.SellCollateral : LegKind.RepayBorrow,
                Target = balance.Asset.Symbol,
                Side = sell ? TradeSide.Sell : TradeSide.Buy,
                LotSize = p.LotSize,
                Price = price.Price,
                ValuePerLot = lotValue,
                ImpactPerLot = lotValue / p.DepthUsd,
                Depth = p.DepthUsd,
                MaxLots = max,
                FeeRate = options.FeeRate,
                FirstLots = first,
                StepLots = step,
                Asset = balance.Asset,
                LedgerAsset = balance.Asset,
                Action = sell ? LegAction.Sell : LegAction.Repay,
            };
            legs.Add(leg);
        }

        for (var i = 0; i < account.Positions.Length; i++)
        {
            var position = account.Positions[i];
            if (position.Quantity == 0m
                || !model.Parameters.Instruments.TryGetValue(position.InstrumentId, out var ip)
                || !model.Parameters.Assets.TryGetValue(ip.Instrument.Underlying.Symbol, out var underlying) || underlying.KillSwitch
                || !model.Snapshot.Instruments.TryGetValue(position.InstrumentId, out var mark) || !mark.Usable || mark.Mark <= 0m
                || underlying.Asset == settlement)
            {
                continue;
            }

            var lot = ip.Instrument.LotSize;
            var (action, multiplier, valuePerLot) = ip.Instrument switch
            {
                Perpetual { Contract: ContractType.Linear } or Future { Contract: ContractType.Linear } => (LegAction.ReduceLinear, 1m, lot * mark.Mark),
                Perpetual or Future => (LegAction.ReduceInverse, 1m, lot),
                EuropeanOption option => (LegAction.ReduceOption, option.Multiplier, lot * option.Multiplier * mark.Mark),
                _ => (LegAction.Sell, 0m, 0m),
            };
            if (valuePerLot <= 0m)
            {
                continue;
            }

            // An option's requirement uses the underlying's price: never trade it on an unusable one.
            if (action == LegAction.ReduceOption
                && (!model.Snapshot.Assets.TryGetValue(underlying.Asset.Symbol, out var spot) || !spot.Usable || spot.Price <= 0m))
            {
                continue;
            }

            var (max, first, step) = Bounds(lot, valuePerLot, underlying.DepthUsd, Math.Abs(position.Quantity), options, moveUsd);
            var leg = new LegSpec
            {
                Kind = LegKind.ReducePosition,
                Target = position.InstrumentId,
                Side = position.Quantity > 0m ? TradeSide.Sell : TradeSide.Buy,
                LotSize = lot,
                Price = mark.Mark,
                ValuePerLot = valuePerLot,
                ImpactPerLot = valuePerLot / underlying.DepthUsd,
                Depth = underlying.DepthUsd,
                MaxLots = max,
                FeeRate = options.FeeRate,
                FirstLots = first,
                StepLots = step,
                PositionIndex = i,
                EntryPrice = position.EntryPrice,
                Action = action,
                Multiplier = multiplier,
                PositionSign = position.Quantity > 0m ? 1 : -1,
                LedgerAsset = action == LegAction.ReduceInverse ? underlying.Asset : default,
            };
            legs.Add(leg);
        }

        return legs.ToImmutable();
    }

    /// <summary>A leg's lot bounds: the most lots (held, maximum impact, maximum order), a new leg's first move, a later move.</summary>
    private static (long Max, long First, long Step) Bounds(decimal lotSize, decimal lotValue, decimal depth, decimal available, PlannerOptions options, decimal moveUsd)
    {
        var held = decimal.Floor(available / lotSize);
        var cap = Math.Min(options.MaxImpact * depth, options.MaxOrderUsd);

        // A division only when the size limit binds: most legs are limited by what is held.
        var max = Math.Min(held * lotValue <= cap ? held : decimal.Floor(cap / lotValue), long.MaxValue / 2);
        return ((long)max, LotsFor(options.MinOrderUsd, lotValue), LotsFor(moveUsd, lotValue));
    }

    private static long LotsFor(decimal usd, decimal lotValue) =>
        usd <= lotValue ? 1 : (long)Math.Min(Math.Max(1m, decimal.Ceiling(usd / lotValue)), long.MaxValue / 2);

    /// <summary>With no configured move size, a move is at least the deficit divided by this (and at least one lot).</summary>
    internal const decimal AutomaticMovesPerDeficit = 2_000m;

    internal static string Format(decimal value) => value.ToString("0.########", CultureInfo.InvariantCulture);
}
