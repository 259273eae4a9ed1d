using System.Collections.Immutable;
using System.Globalization;
using Margin.Engine.Evaluation;
using Margin.Engine.Liquidation;
using Margin.Engine.Parameters;
using Margin.Engine.Prices;

namespace Margin.Engine.Stress;

/// <summary>Simulates a liquidation cascade: liquidate what the shocked prices make liquidatable, move the prices by the forced sales' impact, and repeat.</summary>
/// <remarks>
/// <para>Round <c>k</c> evaluates every account at the round's prices (round 1: the shocked snapshot). Each account the
/// engine would liquidate (liquidatable or bankrupt, no suppressing flag) gets the sweep's liquidation plan; its legs are
/// assumed filled within the round at their limit prices, so the account carries the plan's projected holdings into the
/// next round (and may be liquidated again if prices keep falling), and an account whose plan leaves negative equity is
/// closed: the insurance fund takes the plan's shortfall, once. A bankrupt account the planner cannot give an order is
/// closed too, the fund taking its negative equity, with nothing sold for it. Each asset's net sales (collateral sold and long positions
/// reduced, minus borrows repaid and shorts bought back, perpetuals and futures counting on their underlying, options
/// left out) move its price by the
/// depth model (<see cref="DepthImpact"/>), and the instruments' marks follow (<see cref="StressedMarket"/>). The cascade
/// stops after a round that issues no liquidation at all, or at the round limit: a round whose orders all go to accounts
/// liquidated before (<see cref="CascadeRound.NewAccounts"/> 0) still sells, so it still moves prices.</para>
/// <para>What it leaves out, on purpose: prices do not recover between rounds, other traders do not absorb the flow,
/// and an order is never partly filled; the result is the cascade's severe but plausible path, not a forecast.
/// Deterministic for a given book, parameters, snapshot and options (thread count included).</para>
/// </remarks>
public static class CascadeSimulator
{
    /// <summary>Runs a cascade.</summary>
    /// <param name="book">The accounts.</param>
    /// <param name="shocked">The prices of round 1 (a scenario applied to a snapshot).</param>
    /// <param name="parameters">The risk parameters (the active ones or a candidate version).</param>
    /// <param name="planner">The liquidation planner's fees, impact and order limits (the sweep's).</param>
    /// <param name="options">The round limit, worst accounts and parallelism.</param>
    /// <param name="cancellationToken">Cancels between chunks of accounts.</param>
    /// <returns>The rounds, the initial and final book, and the totals.</returns>
    /// <exception cref="ArgumentException">The options are invalid, or the snapshot does not fit the parameters.</exception>
    public static CascadeResult Run(CompactBook book, PriceSnapshot shocked, RiskParameters parameters, PlannerOptions planner, StressOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(shocked);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(planner);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Problems() is { Count: > 0 } problems)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }

        var state = new BookPass.State(book);
        var snapshot = shocked;
        var start = Prices(snapshot, parameters);
        var rounds = ImmutableArray.CreateBuilder<CascadeRound>();
        BookEvaluation? initial = null;
        BookEvaluation? final = null;
        for (var round = 1; round <= options.MaxRounds; round++)
        {
            var model = MarginModel.Create(snapshot, parameters);
            var first = round == 1;
            var pass = BookPass.Run(state, model, planner, first ? options.WorstAccounts : 0, ratios: first, options, cancellationToken);
            initial ??= pass.Evaluation;

            var factors = new Dictionary<string, decimal>(StringComparer.Ordinal);
            var flows = ImmutableArray.CreateBuilder<AssetFlow>();
            foreach (var (symbol, asset) in parameters.Assets.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                if (string.Equals(symbol, parameters.Settlement.Symbol, StringComparison.Ordinal) || !snapshot.Assets.TryGetValue(symbol, out var price))
                {
                    continue;
                }

                var flow = pass.Flows.GetValueOrDefault(symbol);
                var net = flow is null ? 0m : flow.Sold - flow.Bought;
                var factor = net == 0m ? 1m : DepthImpact.Factor(net, asset.DepthUsd);
                if (factor != 1m)
                {
                    factors[symbol] = factor;
                }

                flows.Add(new AssetFlow(symbol, flow?.Sold ?? 0m, flow?.Bought ?? 0m, flow?.Legs ?? 0, asset.DepthUsd, price.Price, price.Price * factor, net != 0m && DepthImpact.Floored(net, asset.DepthUsd)));
            }

            rounds.Add(new CascadeRound
            {
                Round = round,
                Evaluation = pass.Evaluation,
                NewLiquidations = pass.Orders,
                NewAccounts = pass.FirstOrders,
                WithoutOrder = pass.WithoutOrder,
                Unplanned = pass.Unplanned,
                LargestOrders = pass.LargestOrders,
                InsuranceFundLoss = pass.InsuranceFundLoss,
                LiquidationCost = pass.LiquidationCost,
                Assets = flows.ToImmutable(),
            });

            if (pass.Orders == 0)
            {
                // Nothing was liquidated, so nothing moved: this evaluation is the final state (with its distribution).
                final = first ? pass.Evaluation : BookPass.Run(state, model, planner: null, options.WorstAccounts, ratios: true, options, cancellationToken).Evaluation;
                return Result(rounds.ToImmutable(), CascadeStop.NoNewLiquidation, initial, final, start, Prices(snapshot, parameters));
            }

            if (factors.Count > 0)
            {
                snapshot = StressedMarket.Apply(snapshot, parameters, string.Create(CultureInfo.InvariantCulture, $"{shocked.Id}~r{round}"), factors);
            }
        }

        // The round limit, with liquidations still going: the book at the prices after the last round's impact.
        final = BookPass.Run(state, MarginModel.Create(snapshot, parameters), planner: null, options.WorstAccounts, ratios: true, options, cancellationToken).Evaluation;
        return Result(rounds.ToImmutable(), CascadeStop.RoundLimit, initial!, final, start, Prices(snapshot, parameters));
    }

    private static CascadeResult Result(ImmutableArray<CascadeRound> rounds, CascadeStop stop, BookEvaluation initial, BookEvaluation final, ImmutableSortedDictionary<string, decimal> start, ImmutableSortedDictionary<string, decimal> end) => new()
    {
        Rounds = rounds,
        Stop = stop,
        Initial = initial,
        Final = final,
        StartPrices = start,
        FinalPrices = end,
    };

    internal static ImmutableSortedDictionary<string, decimal> Prices(PriceSnapshot snapshot, RiskParameters parameters) =>
        snapshot.Assets.Where(kv => !string.Equals(kv.Key, parameters.Settlement.Symbol, StringComparison.Ordinal))
            .ToImmutableSortedDictionary(kv => kv.Key, kv => kv.Value.Price, StringComparer.Ordinal);
}
