using System.Collections.Immutable;
using System.Globalization;
using Margin.Engine.Evaluation;
using Margin.Engine.Parameters;
using Margin.Engine.Prices;

namespace Margin.Engine.Stress;

/// <summary>A sensitivity curve: how many accounts become liquidatable, and the book's shortfall, as one asset's price moves.</summary>
/// <remarks>
/// Each point moves the asset by its move (a fraction, e.g. 0 to -0.5) on top of the base snapshot, with every other
/// shock of the scenario (and its volatility shocks) applied as in the run, and evaluates the whole book once at those
/// prices, without a cascade (the cascade answers the scenario itself; the curve shows how close the book is to its
/// edge). The point at the asset's own scenario move reproduces the run's first round. Deterministic.
/// </remarks>
public static class SensitivityCurve
{
    /// <summary>The default moves: 0 % to -50 % in steps of 5 % (11 points).</summary>
    public static readonly ImmutableArray<decimal> DefaultMoves = [0m, -0.05m, -0.10m, -0.15m, -0.20m, -0.25m, -0.30m, -0.35m, -0.40m, -0.45m, -0.50m];

    /// <summary>Evaluates the book at each move of one asset.</summary>
    /// <param name="book">The accounts.</param>
    /// <param name="snapshot">The base (unshocked) prices.</param>
    /// <param name="parameters">The risk parameters.</param>
    /// <param name="asset">The asset that moves (not the settlement asset).</param>
    /// <param name="moves">The asset's moves, fractions above -1.</param>
    /// <param name="scenarioMoves">The scenario's other price moves per asset (the curve's asset's own is replaced).</param>
    /// <param name="volatilityFactors">The scenario's volatility factors per asset, or null.</param>
    /// <param name="options">Parallelism.</param>
    /// <param name="cancellationToken">Cancels between chunks of accounts.</param>
    /// <returns>One point per move, in the order given.</returns>
    /// <exception cref="ArgumentException">The asset is not a priced, non-settlement asset of the parameters, or a move is -100 % or below.</exception>
    public static ImmutableArray<CurvePoint> Run(CompactBook book, PriceSnapshot snapshot, RiskParameters parameters, string asset, IReadOnlyList<decimal> moves, IReadOnlyDictionary<string, decimal> scenarioMoves, IReadOnlyDictionary<string, double>? volatilityFactors, StressOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(moves);
        ArgumentNullException.ThrowIfNull(scenarioMoves);
        ArgumentNullException.ThrowIfNull(options);
        if (!parameters.Assets.ContainsKey(asset) || string.Equals(asset, parameters.Settlement.Symbol, StringComparison.Ordinal) || !snapshot.Assets.ContainsKey(asset))
        {
            throw new ArgumentException($"the curve's asset {asset} must be a priced asset of parameters {parameters.Version} other than the settlement currency", nameof(asset));
        }

        if (moves.FirstOrDefault(m => m <= -1m) is var bad && bad <= -1m)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"a curve move of {bad * 100m} % leaves no price; moves must be above -100 %"), nameof(moves));
        }

        var points = ImmutableArray.CreateBuilder<CurvePoint>(moves.Count);
        for (var i = 0; i < moves.Count; i++)
        {
            var factors = Factors(scenarioMoves);
            factors[asset] = 1m + moves[i];
            var moved = StressedMarket.Apply(snapshot, parameters, string.Create(CultureInfo.InvariantCulture, $"{snapshot.Id}~curve{i}"), factors, volatilityFactors);
            var pass = BookPass.Run(new BookPass.State(book), MarginModel.Create(moved, parameters), planner: null, worst: 0, ratios: false, options, cancellationToken);
            var e = pass.Evaluation;
            points.Add(new CurvePoint(moves[i], moved.Assets[asset].Price, e.ByStatus.GetValueOrDefault(Results.MarginStatus.Liquidatable), e.ByStatus.GetValueOrDefault(Results.MarginStatus.Bankrupt), e.Shortfall, e.NegativeEquity, e.PriceSuspect, e.Failed));
        }

        return points.MoveToImmutable();
    }

    /// <summary>Price factors (<c>1 + move</c>) from moves.</summary>
    public static Dictionary<string, decimal> Factors(IReadOnlyDictionary<string, decimal> moves)
    {
        ArgumentNullException.ThrowIfNull(moves);
        return moves.ToDictionary(kv => kv.Key, kv => 1m + kv.Value, StringComparer.Ordinal);
    }
}

/// <summary>One point of a sensitivity curve.</summary>
/// <param name="Move">The asset's move, a fraction (e.g. -0.25).</param>
/// <param name="Price">The asset's price at the point, USD.</param>
/// <param name="Liquidatable">Accounts liquidatable (not bankrupt).</param>
/// <param name="Bankrupt">Accounts with negative equity.</param>
/// <param name="Shortfall"><c>sum max(0, MM - AE_M)</c>, USD.</param>
/// <param name="NegativeEquity"><c>sum max(0, -Equity)</c>, USD.</param>
/// <param name="PriceSuspect">Accounts on an unusable price (never liquidated).</param>
/// <param name="Failed">Accounts the engine refused.</param>
public sealed record CurvePoint(decimal Move, decimal Price, int Liquidatable, int Bankrupt, decimal Shortfall, decimal NegativeEquity, int PriceSuspect, int Failed)
{
    /// <summary>Liquidatable and bankrupt accounts.</summary>
    public int LiquidatableOrWorse => Liquidatable + Bankrupt;
}
