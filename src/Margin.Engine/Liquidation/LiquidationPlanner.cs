using System.Collections.Immutable;
using System.Globalization;
using Margin.Engine.Accounts;
using Margin.Engine.Domain;
using Margin.Engine.Evaluation;
using Margin.Engine.Instruments;
using Margin.Engine.Results;

namespace Margin.Engine.Liquidation;

/// <summary>Plans the legs that bring a standard-mode account to the target ratio at least cost (MARGIN-MODEL.md section 6).</summary>
/// <remarks>
/// Greedy by marginal benefit per marginal cost: at every step each candidate move (one lot, or the first lots of a leg
/// up to the minimum order size, or one repay lot plus the fewest lots of one collateral that fund it) is evaluated on
/// the whole projected account with <see cref="MarginModel.EvaluateSummary"/>; its benefit is the increase of
/// <c>r* * AE_M - MM</c>, its cost the increase of its legs' costs. The best move with a positive benefit is taken and
/// the legs re-priced, until <c>r* * AE_M - MM &gt;= 0</c>. A repay no single collateral funds is funded from several,
/// cheapest marginal cost first. When no move improves, local exchanges (one lot out of a leg, the next move of another,
/// re-funded) are tried, then, on books of at most 32,768 lot combinations, the cheapest reaching combination; every
/// accepted step raises the slack, and <see cref="PlannerOptions.MaxMoves"/> bounds them. Every leg is valued at its
/// limit price. Stateless and thread-safe.
/// </remarks>
public static class LiquidationPlanner
{
    /// <summary>Plans the liquidation of an account: a target-reaching plan, what could be done, or a bankrupt account's full close.</summary>
    /// <exception cref="ArgumentException">The settlement asset is not a configured, priced asset, or the account is not in standard mode.</exception>
    /// <exception cref="InvalidAccountException">The account cannot be evaluated.</exception>
    /// <param name="model">The engine for the snapshot and parameters in force.</param>
    /// <param name="account">The account to plan for.</param>
    /// <param name="options">Fees, impact and order-size limits.</param>
    /// <param name="context">Facts outside the ledger, such as an order already in flight (which suppresses the plan).</param>
    public static LiquidationPlan Plan(MarginModel model, Account account, PlannerOptions options, EvaluationContext context = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(options);
        if (account.Mode != MarginMode.Standard)
        {
            throw new ArgumentException($"account {account.Id}: the planner handles standard-mode accounts only", nameof(account));
        }

        var settlement = options.SettlementAsset ?? model.Parameters.Settlement;
        if (!model.Parameters.Assets.ContainsKey(settlement.Symbol) || !model.Snapshot.Assets.TryGetValue(settlement.Symbol, out var settlementPrice) || settlementPrice.Price <= 0m)
        {
            throw new ArgumentException($"settlement asset {settlement} is not a configured, priced asset", nameof(options));
        }

        var thresholds = model.Parameters.Thresholds;
        var target = thresholds.MarginCall - thresholds.TargetBuffer;
        var before = model.EvaluateSummary(account, context);
        var state = new PlanState(model, account, options, settlement, settlementPrice.Price, target, Legs(model, account, options, settlement));

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

    private static ImmutableArray<LegSpec> Legs(MarginModel model, Account account, PlannerOptions options, Asset settlement)
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
            var leg = Spec(
                sell ? LegKind.SellCollateral : LegKind.RepayBorrow,
                balance.Asset.Symbol,
                sell ? TradeSide.Sell : TradeSide.Buy,
                p.LotSize,
                price.Price,
                p.DepthUsd,
                Math.Abs(balance.Quantity),
                options) with
            { Asset = balance.Asset };
            legs.Add(leg);
        }

        for (var i = 0; i < account.Positions.Length; i++)
        {
            var position = account.Positions[i];
            if (position.Quantity == 0m
                || !model.Parameters.Instruments.TryGetValue(position.InstrumentId, out var ip)
                || !IsLinearDelta(ip.Instrument)
                || !model.Parameters.Assets.TryGetValue(ip.Instrument.Underlying.Symbol, out var underlying) || underlying.KillSwitch
                || !model.Snapshot.Instruments.TryGetValue(position.InstrumentId, out var mark) || !mark.Usable || mark.Mark <= 0m)
            {
                continue;
            }

            var leg = Spec(
                LegKind.ReducePosition,
                position.InstrumentId,
                position.Quantity > 0m ? TradeSide.Sell : TradeSide.Buy,
                ip.Instrument.LotSize,
                mark.Mark,
                underlying.DepthUsd,
                Math.Abs(position.Quantity),
                options) with
            { PositionIndex = i, EntryPrice = position.EntryPrice };
            legs.Add(leg);
        }

        return legs.ToImmutable();
    }

    private static bool IsLinearDelta(Instrument instrument) => instrument switch
    {
        Perpetual perpetual => perpetual.Contract == ContractType.Linear && instrument.Expiry is null,
        Future future => future.Contract == ContractType.Linear,
        _ => false,
    };

    private static LegSpec Spec(LegKind kind, string target, TradeSide side, decimal lotSize, decimal price, decimal depth, decimal available, PlannerOptions options)
    {
        var lotValue = lotSize * price;
        var held = decimal.Floor(available / lotSize);
        var bySize = decimal.Floor(Math.Min(options.MaxImpact * depth, options.MaxOrderUsd) / lotValue);
        var max = Math.Min(Math.Min(held, bySize), long.MaxValue / 2);
        return new LegSpec
        {
            Kind = kind,
            Target = target,
            Side = side,
            LotSize = lotSize,
            Price = price,
            Depth = depth,
            MaxLots = (long)max,
            FirstLots = LotsFor(options.MinOrderUsd, lotValue),
            StepLots = LotsFor(options.MoveUsd, lotValue),
        };
    }

    private static long LotsFor(decimal usd, decimal lotValue) =>
        (long)Math.Min(Math.Max(1m, decimal.Ceiling(usd / lotValue)), long.MaxValue / 2);

    internal static string Format(decimal value) => value.ToString("0.########", CultureInfo.InvariantCulture);
}
