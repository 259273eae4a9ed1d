using System.Collections.Immutable;
using Margin.Engine.Parameters;
using Margin.Engine.Prices;
using Margin.Engine.Stress;
using Margin.Sweep.Ports;

namespace Margin.Sweep.Stress;

/// <summary>A request checked against the stores: the parameters, the snapshot, the scenario resolved to moves per asset, and the curve.</summary>
/// <param name="Parameters">The parameters run under.</param>
/// <param name="Candidate">Whether they are not the active version.</param>
/// <param name="Snapshot">The snapshot shocked.</param>
/// <param name="Scenario">The scenario.</param>
/// <param name="PriceMoves">Per asset, the price move (fraction).</param>
/// <param name="VolatilityMoves">Per asset, the volatility move (fraction).</param>
/// <param name="CurveAsset">The curve's asset, or null.</param>
/// <param name="CurveMoves">The curve's moves (fractions).</param>
public sealed record PreparedStress(
    RiskParameters Parameters,
    bool Candidate,
    PriceSnapshot Snapshot,
    StressScenario Scenario,
    ImmutableSortedDictionary<string, decimal> PriceMoves,
    ImmutableSortedDictionary<string, decimal> VolatilityMoves,
    string? CurveAsset,
    IReadOnlyList<decimal> CurveMoves);

/// <summary>Checks a stress request against the stores and resolves it; every problem is reported, nothing is written.</summary>
public sealed class StressPreparation
{
    private readonly IAccountStore _accounts;
    private readonly IPriceSnapshotStore _snapshots;
    private readonly IRiskParameterStore _parameters;
    private readonly IScenarioCatalog _scenarios;

    /// <summary>Creates the checker.</summary>
    public StressPreparation(IAccountStore accounts, IPriceSnapshotStore snapshots, IRiskParameterStore parameters, IScenarioCatalog scenarios)
    {
        _accounts = accounts ?? throw new ArgumentNullException(nameof(accounts));
        _snapshots = snapshots ?? throw new ArgumentNullException(nameof(snapshots));
        _parameters = parameters ?? throw new ArgumentNullException(nameof(parameters));
        _scenarios = scenarios ?? throw new ArgumentNullException(nameof(scenarios));
    }

    /// <summary>Checks and resolves a request.</summary>
    /// <param name="request">The request.</param>
    /// <param name="checkBook">Whether to check that the book has an account (at acceptance; a run reads the whole book anyway).</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The prepared run, or the problems (each naming its field).</returns>
    public async Task<(PreparedStress? Prepared, IReadOnlyList<string> Problems)> PrepareAsync(StressRequest request, bool checkBook, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var problems = new List<string>(request.Problems());
        if (problems.Count > 0)
        {
            return (null, problems);
        }

        var active = await _parameters.GetActiveVersionAsync(cancellationToken).ConfigureAwait(false);
        var version = request.ParamsVersion ?? active;
        RiskParameters? parameters = null;
        if (version is null)
        {
            problems.Add("paramsVersion: no parameter version is active and none was given (import parameters first: margin params import)");
        }
        else
        {
            parameters = await _parameters.GetAsync(version, cancellationToken).ConfigureAwait(false);
            if (parameters is null)
            {
                var stored = await _parameters.ListAsync(cancellationToken).ConfigureAwait(false);
                problems.Add($"paramsVersion: unknown parameter version '{version}' (stored: {(stored.Count == 0 ? "none" : string.Join(", ", stored))})");
            }
        }

        var snapshotId = request.SnapshotId ?? await _snapshots.GetLatestAsync(cancellationToken).ConfigureAwait(false);
        PriceSnapshot? snapshot = null;
        if (snapshotId is null)
        {
            problems.Add("snapshotId: there is no price snapshot yet (refresh prices first: margin sweep, or the RefreshPrices function)");
        }
        else
        {
            snapshot = await _snapshots.ReadAsync(snapshotId, cancellationToken).ConfigureAwait(false);
            if (snapshot is null)
            {
                problems.Add($"snapshotId: unknown price snapshot '{snapshotId}'");
            }
        }

        var scenario = await ScenarioAsync(request, problems, cancellationToken).ConfigureAwait(false);
        if (parameters is null || snapshot is null || scenario is null)
        {
            return (null, problems);
        }

        if (snapshot.Quote != parameters.Settlement)
        {
            problems.Add($"paramsVersion: parameters {parameters.Version} settle in {parameters.Settlement}, but snapshot {snapshot.Id} is quoted in {snapshot.Quote}");
        }

        var field = scenario.Historical ? $"historical scenario {scenario.Name}" : "scenario";
        var volField = scenario.Historical && request.VolatilityShocks is null ? field + " (volatility shocks)" : "volatilityShocks";
        scenario.Prices.TryResolve(parameters, field, out var resolvedPrices, out var priceProblems);
        scenario.Volatilities.TryResolve(parameters, volField, out var resolvedVols, out var volProblems);
        problems.AddRange(priceProblems);
        problems.AddRange(volProblems);

        // An asset named by its symbol must have a price to move; one a class or * selects and the snapshot does not price
        // (a missing price is a defect the sweep reports) is left out, so that a broad shock still runs.
        var prices = Priced(resolvedPrices, scenario.Prices, snapshot, field, problems);
        var vols = Priced(resolvedVols, scenario.Volatilities, snapshot, volField, problems);

        string? curveAsset = null;
        var moves = request.CurveMoves();
        if (request.Curve)
        {
            curveAsset = request.CurveAsset ?? DefaultCurveAsset(parameters);
            if (curveAsset is null)
            {
                problems.Add("curveAsset: the parameters have no BTC and no blue chip to draw the curve for; name one, or ask for no curve");
            }
            else if (!parameters.Assets.ContainsKey(curveAsset))
            {
                problems.Add($"curveAsset: unknown asset '{curveAsset}' in parameters {parameters.Version} (assets: {string.Join(", ", parameters.Assets.Keys.Order(StringComparer.Ordinal))})");
            }
            else if (string.Equals(curveAsset, parameters.Settlement.Symbol, StringComparison.Ordinal))
            {
                problems.Add($"curveAsset: {curveAsset} is the settlement currency; its price does not move");
            }
            else if (!snapshot.Assets.ContainsKey(curveAsset))
            {
                problems.Add($"curveAsset: {curveAsset} has no price in snapshot {snapshot.Id}");
            }
        }

        if (checkBook && problems.Count == 0 && !await HasAccountAsync(cancellationToken).ConfigureAwait(false))
        {
            problems.Add(FormattableString.Invariant($"book: the book is empty (no account in any of its {_accounts.PartitionCount} partitions); seed or load accounts first"));
        }

        if (problems.Count > 0)
        {
            return (null, problems);
        }

        return (new PreparedStress(
            parameters,
            !string.Equals(parameters.Version, active, StringComparison.Ordinal),
            snapshot,
            scenario,
            prices.ToImmutableSortedDictionary(StringComparer.Ordinal),
            vols.ToImmutableSortedDictionary(StringComparer.Ordinal),
            curveAsset,
            request.Curve ? moves : []), problems);
    }

    private async Task<StressScenario?> ScenarioAsync(StressRequest request, List<string> problems, CancellationToken cancellationToken)
    {
        ShockSet? volatilities = null;
        if (request.VolatilityShocks is not null)
        {
            if (ShockSet.TryParse(request.VolatilityShocks, "volatilityShocks", out var v, out var vp))
            {
                volatilities = v;
            }
            else
            {
                problems.AddRange(vp);
            }
        }

        if (request.Historical is { } name)
        {
            var scenario = await _scenarios.FindAsync(name, cancellationToken).ConfigureAwait(false);
            if (scenario is null)
            {
                var names = await _scenarios.NamesAsync(cancellationToken).ConfigureAwait(false);
                problems.Add($"historical: unknown scenario '{name}' (shipped: {(names.Count == 0 ? "none" : string.Join(", ", names))})");
                return null;
            }

            return volatilities is null ? scenario : scenario with { Volatilities = Merge(scenario.Volatilities, volatilities) };
        }

        if (!ShockSet.TryParse(request.Scenario, "scenario", out var prices, out var pp))
        {
            problems.AddRange(pp);
            return null;
        }

        return new StressScenario { Name = prices.ToString(), Prices = prices, Volatilities = volatilities ?? ShockSet.Empty };
    }

    // The request's volatility shocks override a historical scenario's for the selectors both name.
    private static ShockSet Merge(ShockSet shipped, ShockSet given) =>
        ShockSet.Create(shipped.Shocks.Where(s => !given.Shocks.Any(g => string.Equals(g.Selector, s.Selector, StringComparison.OrdinalIgnoreCase))).Concat(given.Shocks));

    private static SortedDictionary<string, decimal> Priced(IReadOnlyDictionary<string, decimal> moves, ShockSet shocks, PriceSnapshot snapshot, string field, List<string> problems)
    {
        var named = shocks.Shocks.Select(s => s.Selector).ToHashSet(StringComparer.Ordinal);
        var priced = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var (symbol, move) in moves)
        {
            if (snapshot.Assets.ContainsKey(symbol))
            {
                priced[symbol] = move;
            }
            else if (named.Contains(symbol))
            {
                problems.Add($"{field}: {symbol} has no price in snapshot {snapshot.Id}, so it cannot be shocked");
            }
        }

        return priced;
    }

    private static string? DefaultCurveAsset(RiskParameters parameters) =>
        parameters.Assets.ContainsKey("BTC") ? "BTC"
        : parameters.Assets.Values.Where(a => string.Equals(a.AssetClass, "bluechip", StringComparison.OrdinalIgnoreCase)).Select(a => a.Asset.Symbol).Order(StringComparer.Ordinal).FirstOrDefault();

    private async Task<bool> HasAccountAsync(CancellationToken cancellationToken)
    {
        for (var p = 0; p < _accounts.PartitionCount; p++)
        {
            await foreach (var _ in _accounts.ReadPartitionAsync(p, cancellationToken).ConfigureAwait(false))
            {
                return true;
            }
        }

        return false;
    }
}
