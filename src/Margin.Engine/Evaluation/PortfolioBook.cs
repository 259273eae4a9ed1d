using System.Globalization;
using System.Collections.Frozen;
using System.Collections.Immutable;
using Margin.Engine.Domain;
using Margin.Engine.Instruments;
using Margin.Engine.Parameters;
using Margin.Engine.Portfolio;
using Margin.Engine.Prices;
using Margin.Engine.Pricing;
using Margin.Engine.Statistics;

namespace Margin.Engine.Evaluation;

/// <summary>
/// The per-(snapshot, parameters) scenario cache of portfolio mode (MARGIN-MODEL.md sections 4 and 9): every grid
/// underlying's scenarios, every option's per-contract scenario P&amp;L and Greeks, the correlation matrix in use, and the
/// same for the pre-emptive projection (prices moved by <c>-/+ m</c>, grid ranges scaled).
/// </summary>
/// <remarks>
/// Built once by <see cref="MarginModel.Create"/>; immutable and thread-safe. An account's scenario P&amp;L on an
/// underlying is then <c>D * S * move_s + sum_options q * pnl_option[s]</c>, with <c>D</c> the account's linear delta in
/// coins (balances, inverse PnL coins, futures), so evaluating an account revalues nothing.
/// </remarks>
internal sealed class PortfolioBook
{
    private PortfolioBook(PortfolioParameters parameters, GridUnderlying[] underlyings, int[] slotOfAsset, FrozenDictionary<string, OptionScenarios> options, CorrelationMatrix correlation)
    {
        Parameters = parameters;
        Underlyings = underlyings;
        SlotOfAsset = slotOfAsset;
        Options = options;
        Correlation = correlation;
    }

    public PortfolioParameters Parameters { get; }

    /// <summary>The grid underlyings, in ordinal symbol order (the order of <see cref="Correlation"/>).</summary>
    public GridUnderlying[] Underlyings { get; }

    /// <summary>Per asset index of the model: its slot in <see cref="Underlyings"/>, or -1 without a grid.</summary>
    public int[] SlotOfAsset { get; }

    /// <summary>The options on grid underlyings, by instrument id.</summary>
    public FrozenDictionary<string, OptionScenarios> Options { get; }

    /// <summary>The matrix <c>C_s</c> used: snapshot correlations, 1 where missing, repaired, shrunk.</summary>
    public CorrelationMatrix Correlation { get; }

    /// <param name="parameters">The portfolio parameters.</param>
    /// <param name="risk">All risk parameters.</param>
    /// <param name="snapshot">The snapshot.</param>
    /// <param name="assetIndex">The model's asset indexes by symbol.</param>
    /// <param name="adverseMove">The model's projection move <c>m_a</c> per asset index.</param>
    /// <param name="rangeScale">Per asset index, <c>max(1, sigma_short / sigma_long)</c>.</param>
    public static PortfolioBook Build(PortfolioParameters parameters, RiskParameters risk, PriceSnapshot snapshot, FrozenDictionary<string, int> assetIndex, double[] adverseMove, double[] rangeScale)
    {
        var symbols = parameters.Underlyings.Keys.Order(StringComparer.Ordinal).ToArray();
        var slots = new int[assetIndex.Count];
        Array.Fill(slots, -1);
        var underlyings = new GridUnderlying[symbols.Length];
        for (var u = 0; u < symbols.Length; u++)
        {
            var p = parameters.Underlyings[symbols[u]];
            var idx = assetIndex[symbols[u]];
            slots[idx] = u;
            underlyings[u] = GridUnderlying.Create(p, snapshot, idx, adverseMove[idx], rangeScale[idx]);
        }

        var options = new Dictionary<string, OptionScenarios>(StringComparer.Ordinal);
        foreach (var (id, ip) in risk.Instruments)
        {
            if (ip.Instrument is EuropeanOption option && assetIndex.TryGetValue(option.Underlying.Symbol, out var idx) && slots[idx] >= 0)
            {
                options[id] = OptionScenarios.Create(option, underlyings[slots[idx]], slots[idx], risk, snapshot);
            }
        }

        return new PortfolioBook(parameters, underlyings, slots, options.ToFrozenDictionary(StringComparer.Ordinal), CorrelationFor(symbols, snapshot.Correlations, parameters.CorrelationStress));
    }

    /// <summary>The snapshot's correlations over the grid underlyings, 1 where a pair is missing, repaired to positive semi-definite, then shrunk.</summary>
    private static CorrelationMatrix CorrelationFor(string[] symbols, CorrelationMatrix? frozen, double stress)
    {
        var n = symbols.Length;
        var values = new double[n * n];
        var assets = symbols.Select(Asset.Of).ToArray();
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var a = frozen?.IndexOf(assets[i]) ?? -1;
                var b = frozen?.IndexOf(assets[j]) ?? -1;
                values[(i * n) + j] = i == j ? 1.0 : a >= 0 && b >= 0 ? frozen![a, b] : 1.0;
            }
        }

        return CorrelationMatrix.Create(assets, values).RepairToPositiveSemidefinite().ShrinkTowardOnes(stress);
    }

    /// <summary>Years to expiry with the section-1 floor of one day.</summary>
    public static double YearsTo(DateTimeOffset expiry, DateTimeOffset asOf) => Math.Max((expiry - asOf).TotalDays, 1.0) / 365.0;
}

/// <summary>One grid underlying: its scenarios for evaluation and for the projection in either direction.</summary>
internal sealed class GridUnderlying
{
    public required UnderlyingRiskParameters Parameters { get; init; }

    public required int AssetIndex { get; init; }

    public required decimal SpotDecimal { get; init; }

    public required double Spot { get; init; }

    /// <summary>The scenarios of evaluation.</summary>
    public required ImmutableArray<Scenario> Scenarios { get; init; }

    /// <summary>The price move of each scenario.</summary>
    public required double[] Moves { get; init; }

    /// <summary>The loss weight of each scenario.</summary>
    public required double[] Weights { get; init; }

    /// <summary>The projection's adverse move <c>m</c> of the price (a fraction).</summary>
    public required double AdverseMove { get; init; }

    /// <summary>The projection's grid (range scaled by <c>max(1, sigma_short / sigma_long)</c>).</summary>
    public required ScenarioGridSettings ProjectedGrid { get; init; }

    public required ImmutableArray<Scenario> ProjectedScenarios { get; init; }

    public required double[] ProjectedMoves { get; init; }

    public required double[] ProjectedWeights { get; init; }

    public static GridUnderlying Create(UnderlyingRiskParameters p, PriceSnapshot snapshot, int assetIndex, double adverseMove, double rangeScale)
    {
        // A missing or defective price fails the accounts that touch the underlying (the asset state carries the
        // defect); the grid itself is then built around a unit price so that the model can still be created.
        var spot = snapshot.Assets.TryGetValue(p.Asset.Symbol, out var price) ? price.Price : 1m;
        var scenarios = ScenarioGrid.Build(p.Grid);
        var projectedGrid = ScaledGrid(p.Grid, rangeScale);
        var projected = ScenarioGrid.Build(projectedGrid);
        return new GridUnderlying
        {
            Parameters = p,
            AssetIndex = assetIndex,
            SpotDecimal = spot,
            Spot = (double)spot,
            Scenarios = scenarios,
            Moves = scenarios.Select(s => s.PriceMove).ToArray(),
            Weights = scenarios.Select(s => s.LossWeight).ToArray(),
            AdverseMove = adverseMove,
            ProjectedGrid = projectedGrid,
            ProjectedScenarios = projected,
            ProjectedMoves = projected.Select(s => s.PriceMove).ToArray(),
            ProjectedWeights = projected.Select(s => s.LossWeight).ToArray(),
        };
    }

    /// <summary>The grid with its range scaled (capped at 0.95: a price cannot fall by 100 %); extended moves inside the new range are dropped.</summary>
    private static ScenarioGridSettings ScaledGrid(ScenarioGridSettings grid, double scale)
    {
        if (!(scale > 1.0))
        {
            return grid;
        }

        var range = Math.Min(grid.Range * scale, 0.95);
        return ScenarioGridSettings.Create(range, grid.PointCount, grid.VolatilityShiftFraction, grid.ShortDatedExponent, grid.LongDatedExponent, grid.MinimumVolatility, grid.ExtendedMoves.Where(m => Math.Abs(m) > range));
    }
}

/// <summary>An option's per-contract scenario P&amp;L, Greeks and projected values.</summary>
internal sealed class OptionScenarios
{
    public required int Slot { get; init; }

    /// <summary>Why the option cannot be revalued (no volatility, no price), or null.</summary>
    public string? Defect { get; init; }

    /// <summary>Per scenario: the contract's value change in USD.</summary>
    public double[] Pnl { get; init; } = [];

    /// <summary>Per contract: delta in units of the underlying (to spot), gamma per USD, vega per vol point, theta per day.</summary>
    public double Delta { get; init; }

    public double Gamma { get; init; }

    public double Vega { get; init; }

    public double Theta { get; init; }

    /// <summary>The volatility used, after the floor.</summary>
    public double Volatility { get; init; }

    /// <summary>The forward used.</summary>
    public double Forward { get; init; }

    /// <summary>The contract's value change when the underlying moves by <c>-m</c> (index 0) or <c>+m</c> (index 1).</summary>
    public double[] ProjectedShift { get; init; } = [0.0, 0.0];

    /// <summary>Per direction, the scenario P&amp;L on the projected grid around the moved price.</summary>
    public double[][] ProjectedPnl { get; init; } = [[], []];

    public static OptionScenarios Create(EuropeanOption option, GridUnderlying u, int slot, RiskParameters risk, PriceSnapshot snapshot)
    {
        if (!snapshot.Assets.ContainsKey(option.Underlying.Symbol))
        {
            return new OptionScenarios { Slot = slot, Defect = $"snapshot {snapshot.Id} has no price for {option.Underlying}, the underlying of {option.Id}" };
        }

        if (option.ExpiresAt <= snapshot.AsOf)
        {
            return new OptionScenarios { Slot = slot, Defect = $"{option.Id} has expired" };
        }

        var p = u.Parameters;
        var grid = p.Grid;
        var spot = u.Spot;
        var years = PortfolioBook.YearsTo(option.ExpiresAt, snapshot.AsOf);
        var days = years * 365.0;
        var forward = ForwardFor(option, risk, snapshot, spot, years, p.Rate);
        var strike = (double)option.Strike;
        double vol;
        if (snapshot.Instruments.TryGetValue(option.Id, out var mark) && mark.ImpliedVolatility is { } quoted)
        {
            vol = quoted;
        }
        else if (p.Surface is { } surface)
        {
            vol = surface.VolatilityAt(days, Math.Log(strike / forward));
        }
        else
        {
            return new OptionScenarios { Slot = slot, Defect = $"no implied volatility for {option.Id}: quote one in the snapshot or configure a volatility surface for {option.Underlying}" };
        }

        vol = Math.Max(vol, grid.MinimumVolatility);
        var multiplier = (double)option.Multiplier;
        var rate = p.Rate;
        var right = option.Right;
        double Value(double f, double sigma) => multiplier * Black76.Price(right, f, strike, years, sigma, rate);

        // The contract is worth its mark today and never less than 0, so no scenario loses more than the mark (a long) or
        // gains more than it (a short): the model's changes are floored at -mark. Without the floor a model value above
        // the mark (a forward from the future, a quoted vol that does not reprice the mark exactly) would make a fully
        // paid long option lose more than it cost.
        var markValue = snapshot.Instruments.TryGetValue(option.Id, out var quotedMark) ? multiplier * (double)quotedMark.Mark : double.PositiveInfinity;
        var v0 = Value(forward, vol);
        var pnl = new double[u.Scenarios.Length];
        for (var s = 0; s < pnl.Length; s++)
        {
            var scenario = u.Scenarios[s];
            pnl[s] = Math.Max(Value(forward * (1.0 + scenario.PriceMove), ScenarioGrid.ShockedVolatility(vol, scenario.Volatility, days, grid)) - v0, -markValue);
        }

        var greeks = Black76.Value(right, forward, strike, years, vol, rate);
        var ratio = forward / spot;
        var shifts = new double[2];
        var projected = new double[2][];
        for (var d = 0; d < 2; d++)
        {
            var moved = forward * (1.0 + ((d == 0 ? -1.0 : 1.0) * u.AdverseMove));
            var vd = Value(moved, vol);
            shifts[d] = Math.Max(vd - v0, -markValue);
            var movedMark = markValue + shifts[d];
            var values = new double[u.ProjectedScenarios.Length];
            for (var s = 0; s < values.Length; s++)
            {
                var scenario = u.ProjectedScenarios[s];
                values[s] = Math.Max(Value(moved * (1.0 + scenario.PriceMove), ScenarioGrid.ShockedVolatility(vol, scenario.Volatility, days, u.ProjectedGrid)) - vd, -movedMark);
            }

            projected[d] = values;
        }

        double[] greekValues = [greeks.Delta, greeks.Gamma, greeks.Vega, greeks.Theta, .. shifts];
        if (!pnl.All(double.IsFinite) || !projected.All(v => v.All(double.IsFinite)) || !greekValues.All(double.IsFinite))
        {
            return new OptionScenarios { Slot = slot, Defect = $"{option.Id} cannot be revalued: a scenario value is not a finite number (forward {forward.ToString(CultureInfo.InvariantCulture)}, volatility {vol.ToString(CultureInfo.InvariantCulture)})" };
        }

        return new OptionScenarios
        {
            Slot = slot,
            Pnl = pnl,
            Delta = multiplier * greeks.Delta * ratio,
            Gamma = multiplier * greeks.Gamma * ratio * ratio,
            Vega = multiplier * greeks.Vega / 100.0,
            Theta = multiplier * greeks.Theta / 365.0,
            Volatility = vol,
            Forward = forward,
            ProjectedShift = shifts,
            ProjectedPnl = projected,
        };
    }

    /// <summary>The forward: the mark of a usable future on the same underlying and expiry when the parameters have one, else <c>S e^(rT)</c>.</summary>
    private static double ForwardFor(EuropeanOption option, RiskParameters risk, PriceSnapshot snapshot, double spot, double years, double rate)
    {
        foreach (var (id, ip) in risk.Instruments.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (ip.Instrument is Future { Contract: ContractType.Linear } future && future.Underlying == option.Underlying && future.Expiry == option.ExpiresAt
                && snapshot.Instruments.TryGetValue(id, out var mark) && mark.Usable)
            {
                return (double)mark.Mark;
            }
        }

        return Black76.Forward(spot, years, rate);
    }
}
