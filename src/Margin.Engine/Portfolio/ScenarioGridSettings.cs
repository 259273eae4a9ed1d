using System.Collections.Immutable;
using System.Globalization;

namespace Margin.Engine.Portfolio;

/// <summary>The validated parameters of one underlying's scenario grid (MARGIN-MODEL.md section 4).</summary>
/// <remarks>
/// <para>
/// Units: <see cref="Range"/>, <see cref="VolatilityShiftFraction"/>, <see cref="MinimumVolatility"/> and the
/// <see cref="ExtendedMoves"/> are fractions (0.15 = 15 %; volatilities annualised). The exponents are dimensionless and
/// apply to <c>30 / DTE</c> with DTE in days.
/// </para>
/// <para>
/// <see cref="PointCount"/> is at least 2; an odd count is recommended so that the unchanged price (move 0) is a grid
/// point: with an even count the grid straddles 0 and a book whose worst case is "nothing moves" (e.g. a long straddle
/// losing to vol down) is only sampled near it. Extended moves must lie outside the grid (<c>|move| &gt; R</c>), so their
/// weight <c>R / |move|</c> is below 1, above -1 (a price cannot fall by 100 % or more), and be distinct.
/// </para>
/// </remarks>
public sealed class ScenarioGridSettings
{
    /// <summary>The largest extended move, +10,000 %: beyond it a scenario value is no longer a meaningful price.</summary>
    public const double MaximumExtendedMove = 100.0;

    /// <summary>Deribit's exponent <c>p</c> for options with fewer than 30 days to expiry.</summary>
    public const double DeribitShortDatedExponent = 0.3;

    /// <summary>Deribit's exponent <c>p</c> for options with 30 days or more to expiry.</summary>
    public const double DeribitLongDatedExponent = 0.13;

    private ScenarioGridSettings(
        double range,
        int pointCount,
        double volatilityShiftFraction,
        double shortDatedExponent,
        double longDatedExponent,
        double minimumVolatility,
        ImmutableArray<double> extendedMoves)
    {
        Range = range;
        PointCount = pointCount;
        VolatilityShiftFraction = volatilityShiftFraction;
        ShortDatedExponent = shortDatedExponent;
        LongDatedExponent = longDatedExponent;
        MinimumVolatility = minimumVolatility;
        ExtendedMoves = extendedMoves;
    }

    /// <summary>The half-width <c>R_u</c> of the price grid, a fraction in (0, 1).</summary>
    public double Range { get; }

    /// <summary>The number <c>n</c> of evenly spaced price moves over <c>[-R, +R]</c>, at least 2.</summary>
    public int PointCount { get; }

    /// <summary>The volatility shift at 30 days, a non-negative fraction of the volatility (0.3 = +/- 30 %).</summary>
    public double VolatilityShiftFraction { get; }

    /// <summary>The exponent <c>p</c> of <c>(30 / DTE)^p</c> for DTE below 30 days, finite and non-negative.</summary>
    public double ShortDatedExponent { get; }

    /// <summary>The exponent <c>p</c> of <c>(30 / DTE)^p</c> for DTE of 30 days or more, finite and non-negative.</summary>
    public double LongDatedExponent { get; }

    /// <summary>The floor of every scenario volatility, an annualised fraction greater than 0.</summary>
    public double MinimumVolatility { get; }

    /// <summary>The extended (tail) moves, fractions in (-1, -R) or (R, infinity), in the order given.</summary>
    public ImmutableArray<double> ExtendedMoves { get; }

    /// <summary>Validates and creates grid settings.</summary>
    /// <param name="range">The half-width <c>R_u</c>, in (0, 1).</param>
    /// <param name="pointCount">The number of grid price moves, at least 2 (odd recommended).</param>
    /// <param name="volatilityShiftFraction">The volatility shift at 30 days, finite and non-negative.</param>
    /// <param name="shortDatedExponent">The exponent for DTE below 30 days (Deribit: 0.3), finite and non-negative.</param>
    /// <param name="longDatedExponent">The exponent for DTE of 30 days or more (Deribit: 0.13), finite and non-negative.</param>
    /// <param name="minimumVolatility">The volatility floor, finite and positive (Black-76 needs a positive volatility).</param>
    /// <param name="extendedMoves">The tail moves, e.g. -0.66 and 5.0; may be empty.</param>
    /// <exception cref="ArgumentException">A parameter is out of range; the message names it.</exception>
    public static ScenarioGridSettings Create(
        double range,
        int pointCount,
        double volatilityShiftFraction,
        double shortDatedExponent,
        double longDatedExponent,
        double minimumVolatility,
        IEnumerable<double> extendedMoves)
    {
        ArgumentNullException.ThrowIfNull(extendedMoves);
        if (!(range > 0.0 && range < 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(range), range, "the grid range must lie in (0, 1)");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(pointCount, 2);
        RequireNonNegative(volatilityShiftFraction, nameof(volatilityShiftFraction));
        RequireNonNegative(shortDatedExponent, nameof(shortDatedExponent));
        RequireNonNegative(longDatedExponent, nameof(longDatedExponent));
        if (!(double.IsFinite(minimumVolatility) && minimumVolatility > 0.0))
        {
            throw new ArgumentOutOfRangeException(nameof(minimumVolatility), minimumVolatility, "the minimum volatility must be finite and positive");
        }

        var moves = extendedMoves.ToImmutableArray();
        for (var i = 0; i < moves.Length; i++)
        {
            var move = moves[i];
            if (!double.IsFinite(move) || move <= -1.0 || move > MaximumExtendedMove || Math.Abs(move) <= range)
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"extended move {i} is {move}; it must be above -1, at most {MaximumExtendedMove} and outside [-{range}, {range}]"),
                    nameof(extendedMoves));
            }

            if (moves.IndexOf(move) != i)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"extended move {move} appears twice"), nameof(extendedMoves));
            }
        }

        return new ScenarioGridSettings(range, pointCount, volatilityShiftFraction, shortDatedExponent, longDatedExponent, minimumVolatility, moves);
    }

    private static void RequireNonNegative(double value, string name)
    {
        if (!(double.IsFinite(value) && value >= 0.0))
        {
            throw new ArgumentOutOfRangeException(name, value, "must be finite and non-negative");
        }
    }
}
