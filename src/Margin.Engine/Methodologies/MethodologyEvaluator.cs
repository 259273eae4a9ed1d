using System.Collections.Immutable;
using Margin.Engine.Accounts;
using Margin.Engine.Instruments;
using Margin.Engine.Numerics;
using Margin.Engine.Parameters;
using Margin.Engine.Prices;
using Margin.Engine.Results;

namespace Margin.Engine.Methodologies;

/// <summary>Computes a public methodology's own figure for an account, from the same snapshot and risk parameters the margin model uses.</summary>
/// <remarks>
/// <para>
/// Each methodology reads the parameters the way its preset maps them (docs/presets.md): the maintenance level's flat
/// asset weight is Aave's liquidation threshold and, with its tiers, Binance's collateral ratio; an asset's
/// <see cref="BorrowRequirement.MaintenanceRate"/> is Binance's margin-loan MMR; instrument brackets are Binance's
/// brackets; both levels' flat weights and size premium are Drift's weights and IMF factors. Values are at the oracle
/// price <c>P</c>, PnL at the mark, as the methodologies do; no rounding is applied (the figure is for comparison).
/// </para>
/// <para>
/// What each leaves out (reported in <see cref="MethodologyEvaluation.Omitted"/>): Aave, Binance Cross Margin and Drift
/// spot have no derivatives here, so positions are left out; Binance uniMMR covers perpetuals and futures but not
/// options. Open orders (Binance's open loss, Drift's order requirements) and accrued interest are not in the input.
/// </para>
/// </remarks>
public static class MethodologyEvaluator
{
    /// <summary>Computes <paramref name="methodology"/>'s figure for <paramref name="account"/>.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The account holds an asset or trades an instrument the parameters do not configure or the snapshot does not price, or the methodology is unknown.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A total exceeds <see cref="MethodologyFigure.MaxAmountUsd"/>.</exception>
    /// <param name="snapshot">The prices.</param>
    /// <param name="parameters">The risk parameters (a preset's).</param>
    /// <param name="account">The account.</param>
    /// <param name="methodology">The methodology.</param>
    /// <param name="result">Our result for the account: required by <see cref="MethodologyKind.DeribitPortfolioMargin"/>, which restates our risk matrix in Deribit's terms.</param>
    public static MethodologyEvaluation Evaluate(PriceSnapshot snapshot, RiskParameters parameters, Account account, MethodologyKind methodology, MarginResult? result = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(account);
        return methodology switch
        {
            MethodologyKind.AaveHealthFactor => Aave(snapshot, parameters, account),
            MethodologyKind.BinanceUniMmr => UniMmr(snapshot, parameters, account),
            MethodologyKind.BinanceCrossMarginLevel => CrossMarginLevel(snapshot, parameters, account),
            MethodologyKind.DriftSpotWeights => Drift(snapshot, parameters, account),
            MethodologyKind.DeribitPortfolioMargin => Deribit(account, result),
            _ => throw new ArgumentException($"unknown methodology {methodology}", nameof(methodology)),
        };
    }

    private static MethodologyEvaluation Aave(PriceSnapshot snapshot, RiskParameters parameters, Account account)
    {
        var collateral = new List<AaveCollateral>();
        var debt = 0m;
        foreach (var b in account.Balances)
        {
            var asset = AssetOf(parameters, b.Asset.Symbol);
            var value = b.Quantity * PriceOf(snapshot, b.Asset.Symbol);
            if (value > 0m)
            {
                collateral.Add(AaveCollateral.Create(value, asset.Maintenance.AssetWeight));
            }
            else
            {
                debt -= value;
            }
        }

        return new MethodologyEvaluation
        {
            Methodology = MethodologyKind.AaveHealthFactor,
            Figure = AaveHealthFactor.Compute(AaveHealthFactorInput.Create(collateral, debt)),
            Omitted = PositionsOmitted(account, "Aave V3 lends and borrows tokens and has no derivatives"),
        };
    }

    private static MethodologyEvaluation CrossMarginLevel(PriceSnapshot snapshot, RiskParameters parameters, Account account)
    {
        var assets = 0m;
        var liabilities = 0m;
        foreach (var b in account.Balances)
        {
            _ = AssetOf(parameters, b.Asset.Symbol);
            var value = b.Quantity * PriceOf(snapshot, b.Asset.Symbol);
            if (value > 0m)
            {
                assets += value;
            }
            else
            {
                liabilities -= value;
            }
        }

        return new MethodologyEvaluation
        {
            Methodology = MethodologyKind.BinanceCrossMarginLevel,
            Figure = BinanceCrossMarginLevel.Compute(CrossMarginLevelInput.Create(assets, liabilities, 0m)),
            Omitted = PositionsOmitted(account, "a Binance Cross Margin account holds no derivatives"),
        };
    }

    private static MethodologyEvaluation UniMmr(PriceSnapshot snapshot, RiskParameters parameters, Account account)
    {
        // Net equity per asset: the margin balance plus the futures PnL settled in it (linear PnL in the settlement
        // asset, inverse PnL in the coin), as Binance's MarginAsset - MarginLoan + futuresAsset + futuresUnrealPnL.
        var net = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var mm = 0m;
        foreach (var b in account.Balances)
        {
            var asset = AssetOf(parameters, b.Asset.Symbol);
            net[b.Asset.Symbol] = net.GetValueOrDefault(b.Asset.Symbol) + b.Quantity;
            if (b.Quantity < 0m)
            {
                // MarginMM = Loan * MMR, the loan at the index price.
                var rate = asset.Borrow?.MaintenanceRate ?? throw new ArgumentException($"{b.Asset} is borrowed but has no borrow maintenance rate", nameof(parameters));
                mm += -b.Quantity * PriceOf(snapshot, b.Asset.Symbol) * rate;
            }
        }

        var omitted = ImmutableArray.CreateBuilder<string>();
        foreach (var p in account.Positions)
        {
            var instrument = InstrumentOf(parameters, p.InstrumentId);
            if (instrument.Instrument is EuropeanOption)
            {
                omitted.Add($"position {p.InstrumentId}: options are not part of this uniMMR (Binance's formula covers USDⓈ-M and COIN-M futures and margin loans)");
                continue;
            }

            var mark = MarkOf(snapshot, p.InstrumentId);
            var contract = instrument.Instrument switch
            {
                Perpetual perpetual => perpetual.Contract,
                Future future => future.Contract,
                _ => throw new ArgumentException($"instrument {p.InstrumentId} has an unsupported type", nameof(account)),
            };
            decimal notional;
            if (contract == ContractType.Linear)
            {
                var settlement = parameters.Settlement.Symbol;
                net[settlement] = net.GetValueOrDefault(settlement) + (p.Quantity * (mark - p.EntryPrice));
                notional = Math.Abs(p.Quantity) * mark;
            }
            else
            {
                var coin = instrument.Instrument.Underlying.Symbol;
                net[coin] = net.GetValueOrDefault(coin) + (p.Quantity * ((1m / p.EntryPrice) - (1m / mark)));
                notional = Math.Abs(p.Quantity);
            }

            // futuresMM = |MMR * notional| - cum, Binance's brackets.
            var brackets = instrument.Brackets ?? throw new ArgumentException($"instrument {p.InstrumentId} has no brackets", nameof(parameters));
            mm += brackets.Maintenance(notional, brackets.IndexOf(notional));
        }

        var adjusted = 0m;
        foreach (var (symbol, quantity) in net)
        {
            // Linear PnL is in the settlement currency, which parameters need not configure as an asset: the snapshot
            // is quoted in it, so it is worth 1 and counts in full.
            var unconfiguredSettlement = symbol == parameters.Settlement.Symbol && !parameters.Assets.ContainsKey(symbol);
            var equity = unconfiguredSettlement ? quantity : quantity * PriceOf(snapshot, symbol);
            if (equity <= 0m || unconfiguredSettlement)
            {
                // min(eq * collateralRate, eq) is eq itself for a negative equity: a debt counts in full.
                adjusted += equity;
                continue;
            }

            var schedule = AssetOf(parameters, symbol).Maintenance;
            var collateral = equity * schedule.AssetWeight;
            if (!schedule.Tiers.IsDefaultOrEmpty)
            {
                collateral = Math.Min(collateral, CollateralWeights.TieredValue(schedule.Tiers.AsSpan(), equity));
            }

            adjusted += collateral;
        }

        return new MethodologyEvaluation
        {
            Methodology = MethodologyKind.BinanceUniMmr,
            Figure = BinanceUniMmr.Compute(UniMmrInput.Create(adjusted, mm)),
            Omitted = omitted.ToImmutable(),
        };
    }

    /// <summary>Deribit: equity over <c>0.8 * sum_u (worst + roll + delta)</c> (segregated per currency: no correlation credit), liquidatable at or below 1.</summary>
    private static MethodologyEvaluation Deribit(Account account, MarginResult? result)
    {
        if (result?.Portfolio is not { } risk)
        {
            throw new ArgumentException($"account {account.Id}: the Deribit portfolio margin figure restates a portfolio-mode result; evaluate the account in portfolio mode", nameof(result));
        }

        var lines = ImmutableArray.CreateBuilder<DeribitUnderlyingRisk>(risk.Underlyings.Length);
        var maintenanceUsd = 0.0;
        foreach (var u in risk.Underlyings)
        {
            var spot = (double)u.Spot;
            // Deribit converts a scenario's loss to coin at the scenario's price, and an extended move's (already scaled by
            // R / |move|) at the edge of the grid on its side, S (1 + R sign(move)) = S (1 + weight * move).
            var worstPrice = spot * (1.0 + (u.WorstScenario is { } w ? w.LossWeight * w.PriceMove : 0.0));
            lines.Add(new DeribitUnderlyingRisk
            {
                Underlying = u.Underlying,
                Index = u.Spot,
                WorstCase = u.WorstLoss / worstPrice,
                RollShock = u.RollShock / spot,
                DeltaShock = u.DeltaShock / spot,
            });
            maintenanceUsd += DeribitUnderlyingRisk.DeribitMaintenanceFactor * u.Loss;
        }

        var maintenance = DecimalMath.RoundUp(checked((decimal)maintenanceUsd), 8);
        var equity = result.Summary.Equity.Amount;
        MethodologyFigure.CheckAmount(equity, nameof(result), allowNegative: true);
        MethodologyFigure.CheckAmount(maintenance, nameof(result));
        return new MethodologyEvaluation
        {
            Methodology = MethodologyKind.DeribitPortfolioMargin,
            Figure = MethodologyFigure.Create(MethodologyKind.DeribitPortfolioMargin, equity, maintenance, 1m, LiquidationBoundary.AtOrBelow),
            Deribit = lines.MoveToImmutable(),
            Omitted = [
                "Deribit's pnl_offset and extended-table dampener: our extended moves are weighted by R / |move| only",
                "Deribit's asymmetric volatility shocks (up 0.5, down 0.25) and its up-shock floor: our grid shifts both ways by one fraction",
            ],
        };
    }

    private static MethodologyEvaluation Drift(PriceSnapshot snapshot, RiskParameters parameters, Account account)
    {
        var weights = ImmutableArray.CreateBuilder<DriftAssetWeights>(account.Balances.Length);
        var collateral = 0m;
        var requirement = 0m;
        foreach (var b in account.Balances)
        {
            var w = DriftSpotWeights.Compute(AssetOf(parameters, b.Asset.Symbol), b.Quantity);
            weights.Add(w);
            var value = b.Quantity * PriceOf(snapshot, b.Asset.Symbol);
            if (value > 0m)
            {
                collateral += value * w.MaintenanceWeight / DriftAssetWeights.WeightPrecision;
            }
            else
            {
                requirement -= value * w.MaintenanceWeight / DriftAssetWeights.WeightPrecision;
            }
        }

        // Drift liquidates when total collateral < maintenance margin requirement, strictly (meets_margin_requirement is >=).
        return new MethodologyEvaluation
        {
            Methodology = MethodologyKind.DriftSpotWeights,
            Figure = MethodologyFigure.Create(MethodologyKind.DriftSpotWeights, collateral, requirement, 1m, LiquidationBoundary.StrictlyBelow),
            DriftWeights = weights.ToImmutable(),
            Omitted = PositionsOmitted(account, "the Drift spot preset configures no perpetual markets"),
        };
    }

    private static ImmutableArray<string> PositionsOmitted(Account account, string reason) =>
        [.. account.Positions.Select(p => $"position {p.InstrumentId}: left out ({reason})")];

    private static AssetRiskParameters AssetOf(RiskParameters parameters, string symbol) =>
        parameters.Assets.TryGetValue(symbol, out var asset)
            ? asset
            : throw new ArgumentException($"unknown asset {symbol}: risk parameters {parameters.Version} do not configure it", nameof(parameters));

    private static InstrumentRiskParameters InstrumentOf(RiskParameters parameters, string id) =>
        parameters.Instruments.TryGetValue(id, out var instrument)
            ? instrument
            : throw new ArgumentException($"unknown instrument {id}: risk parameters {parameters.Version} do not configure it", nameof(parameters));

    private static decimal PriceOf(PriceSnapshot snapshot, string symbol) =>
        snapshot.Assets.TryGetValue(symbol, out var price)
            ? price.Price
            : throw new ArgumentException($"snapshot {snapshot.Id} has no price for {symbol}", nameof(snapshot));

    private static decimal MarkOf(PriceSnapshot snapshot, string id) =>
        snapshot.Instruments.TryGetValue(id, out var price)
            ? price.Mark
            : throw new ArgumentException($"snapshot {snapshot.Id} has no mark for {id}", nameof(snapshot));
}
