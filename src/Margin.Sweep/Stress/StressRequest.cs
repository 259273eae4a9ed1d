using System.Globalization;

namespace Margin.Sweep.Stress;

/// <summary>What a stress run is asked to do: a scenario, optionally a candidate parameter version and a snapshot, the sensitivity curve and the round limit.</summary>
/// <remarks>
/// Exactly one of <see cref="Scenario"/> (ad-hoc shocks, <c>BTC=-25%,ETH=-30%,alts=-45%</c>) and <see cref="Historical"/>
/// (a shipped scenario's name) is given. <see cref="VolatilityShocks"/> adds to (and for a selector both name, replaces)
/// a historical scenario's volatility shocks. Curve bounds are percentages: from <see cref="CurveFrom"/> to
/// <see cref="CurveTo"/> in steps of <see cref="CurveStep"/> (positive; the direction follows the bounds). Versioned:
/// stored with the run and sent by <c>POST api/stress</c>.
/// </remarks>
public sealed record StressRequest
{
    /// <summary>The version of this shape.</summary>
    public const int CurrentVersion = 1;

    /// <summary>The most points a curve may have.</summary>
    public const int MaxCurvePoints = 101;

    /// <summary>The largest move a curve bound or step may be, in percent (as for a shock).</summary>
    public const decimal MaxMovePercent = 100_000m;

    /// <summary>The smallest curve step, in percent.</summary>
    public const decimal MinCurveStepPercent = 0.0001m;

    /// <summary>The shape's version.</summary>
    public int V { get; init; } = CurrentVersion;

    /// <summary>Ad-hoc price shocks, or null.</summary>
    public string? Scenario { get; init; }

    /// <summary>A shipped historical scenario's name, or null.</summary>
    public string? Historical { get; init; }

    /// <summary>Volatility shocks (relative changes, e.g. <c>*=+100%</c>), or null.</summary>
    public string? VolatilityShocks { get; init; }

    /// <summary>The parameter version to run under (a candidate not yet active), or null for the active one.</summary>
    public string? ParamsVersion { get; init; }

    /// <summary>The price snapshot to shock, or null for the latest.</summary>
    public string? SnapshotId { get; init; }

    /// <summary>The curve's asset, or null for the default (BTC when the parameters have it, else the first blue chip, else none).</summary>
    public string? CurveAsset { get; init; }

    /// <summary>The curve's first move in percent; default 0.</summary>
    public decimal CurveFrom { get; init; }

    /// <summary>The curve's last move in percent; default -50.</summary>
    public decimal CurveTo { get; init; } = -50m;

    /// <summary>The curve's step in percent, positive; default 5.</summary>
    public decimal CurveStep { get; init; } = 5m;

    /// <summary>Whether to compute a curve at all; default true.</summary>
    public bool Curve { get; init; } = true;

    /// <summary>The cascade's round limit, 1 to 100; default 10.</summary>
    public int MaxRounds { get; init; } = 10;

    /// <summary>What is wrong with the request's shape (the stores are consulted later), each naming the field.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (V != CurrentVersion)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"v: version {V} is not supported (this build reads {CurrentVersion})"));
        }

        var scenario = !string.IsNullOrWhiteSpace(Scenario);
        var historical = !string.IsNullOrWhiteSpace(Historical);
        if (scenario == historical)
        {
            problems.Add(scenario
                ? "scenario and historical: give one, not both"
                : "scenario: give the shocks (e.g. BTC=-25%,ETH=-30%,alts=-45%) or the name of a historical scenario");
        }

        if (MaxRounds is < 1 or > 100)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"maxRounds: must be 1 to 100 (got {MaxRounds})"));
        }

        if (Curve)
        {
            var bounds = problems.Count;
            if (CurveFrom <= -100m || CurveTo <= -100m)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"curve: a move of {Math.Min(CurveFrom, CurveTo)}% leaves no price; moves must be above -100%"));
            }
            else if (CurveFrom > MaxMovePercent || CurveTo > MaxMovePercent)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"curve: a move of {Math.Max(CurveFrom, CurveTo)}% is beyond +{MaxMovePercent}%"));
            }

            if (CurveStep < MinCurveStepPercent || CurveStep > MaxMovePercent)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"curveStep: must be a percentage from {MinCurveStepPercent} to {MaxMovePercent} (got {CurveStep})"));
            }
            else if (problems.Count == bounds && TooManyPoints())
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"curve: {CurveFrom}% to {CurveTo}% in steps of {CurveStep}% has more than {MaxCurvePoints} points"));
            }
        }

        Check(problems, nameof(ParamsVersion), ParamsVersion);
        Check(problems, nameof(SnapshotId), SnapshotId);
        Check(problems, nameof(CurveAsset), CurveAsset);
        Check(problems, nameof(Historical), Historical);
        return problems;
    }

    /// <summary>The curve's moves as fractions, from <see cref="CurveFrom"/> toward <see cref="CurveTo"/> (both included when a whole number of steps apart); empty when the bounds are out of range (see <see cref="Problems"/>).</summary>
    public IReadOnlyList<decimal> CurveMoves()
    {
        var moves = new List<decimal>();
        if (!Curve || CurveStep < MinCurveStepPercent || CurveStep > MaxMovePercent || CurveFrom <= -100m || CurveTo <= -100m || CurveFrom > MaxMovePercent || CurveTo > MaxMovePercent || TooManyPoints())
        {
            return moves;
        }

        var direction = CurveTo >= CurveFrom ? 1m : -1m;
        for (var m = CurveFrom; direction > 0 ? m <= CurveTo : m >= CurveTo; m += direction * CurveStep)
        {
            moves.Add(m / 100m);
            if (moves.Count > MaxCurvePoints)
            {
                break;
            }
        }

        return moves;
    }

    // Decided before any loop and without a division: the bounds are at most 100,100 percentage points apart and the step
    // at most 100,000, so neither side can overflow (a division by a tiny step could).
    private bool TooManyPoints() => Math.Abs(CurveTo - CurveFrom) > CurveStep * (MaxCurvePoints - 1);

    private static void Check(List<string> problems, string field, string? value)
    {
        if (value is { Length: > 128 })
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{char.ToLowerInvariant(field[0])}{field[1..]}: longer than 128 characters"));
        }
    }
}
