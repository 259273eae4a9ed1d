using System.Collections.Immutable;

namespace Margin.Engine.Portfolio;

/// <summary>Builds the scenarios of one underlying's risk matrix and shocks volatilities (MARGIN-MODEL.md section 4).</summary>
public static class ScenarioGrid
{
    /// <summary>The days-to-expiry below which the short-dated exponent applies, and the pivot of <c>(30 / DTE)^p</c>.</summary>
    public const double PivotDays = 30.0;

    /// <summary>The smallest days-to-expiry used in the volatility shift; shorter expiries are clamped to it.</summary>
    public const double MinimumDays = 1.0;

    /// <summary>The scenarios: every grid price move with volatility Up, Same and Down, then every extended move.</summary>
    /// <remarks>
    /// Grid move <c>i</c> (0-based) is <c>R * (2i - (n - 1)) / (n - 1)</c>: exactly <c>-R</c> and <c>+R</c> at the ends,
    /// exactly symmetric, and exactly 0 in the middle when <c>n</c> is odd. Order: moves ascending, and for each move
    /// Up, Same, Down; <c>3n</c> grid scenarios. Extended moves follow in the order configured, each once, with volatility
    /// <see cref="VolatilityShift.Same"/> (a tail move is a price shock; combining it with a vol shock as well would
    /// double-count a scenario that is already weighted down) and loss weight <c>R / |move|</c>.
    /// </remarks>
    public static ImmutableArray<Scenario> Build(ScenarioGridSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var n = settings.PointCount;
        var range = settings.Range;
        var builder = ImmutableArray.CreateBuilder<Scenario>((3 * n) + settings.ExtendedMoves.Length);
        for (var i = 0; i < n; i++)
        {
            var move = range * ((2 * i) - (n - 1)) / (n - 1);
            builder.Add(Scenario.OnGrid(move, VolatilityShift.Up));
            builder.Add(Scenario.OnGrid(move, VolatilityShift.Same));
            builder.Add(Scenario.OnGrid(move, VolatilityShift.Down));
        }

        foreach (var move in settings.ExtendedMoves)
        {
            builder.Add(Scenario.Extended(move, range / Math.Abs(move)));
        }

        return builder.MoveToImmutable();
    }

    /// <summary>The scenario volatility <c>max(minVol, sigma * (1 +/- vol_shift * (30 / DTE)^p))</c>.</summary>
    /// <param name="volatility">The current implied volatility <c>sigma</c>, an annualised fraction, finite and non-negative.</param>
    /// <param name="direction">Up (+), Down (-) or Same (no shift).</param>
    /// <param name="daysToExpiry">Days to expiry, finite and non-negative; values below 1 are clamped to 1.</param>
    /// <param name="settings">The grid settings.</param>
    /// <remarks>
    /// <c>p</c> is <see cref="ScenarioGridSettings.ShortDatedExponent"/> when the clamped DTE is below 30 days and
    /// <see cref="ScenarioGridSettings.LongDatedExponent"/> otherwise (the shift is continuous at 30, where the factor is 1).
    /// The floor applies to all three states, Same included, so every scenario volatility is positive and valid for
    /// Black-76; a mark below the floor is therefore revalued at the floor. A Down shift larger than the volatility
    /// (a negative result) also lands on the floor.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The volatility or the days to expiry is negative, infinite or NaN, or the direction is undefined.</exception>
    public static double ShockedVolatility(double volatility, VolatilityShift direction, double daysToExpiry, ScenarioGridSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!(double.IsFinite(volatility) && volatility >= 0.0))
        {
            throw new ArgumentOutOfRangeException(nameof(volatility), volatility, "the volatility must be finite and non-negative");
        }

        if (!(double.IsFinite(daysToExpiry) && daysToExpiry >= 0.0))
        {
            throw new ArgumentOutOfRangeException(nameof(daysToExpiry), daysToExpiry, "the days to expiry must be finite and non-negative");
        }

        var sign = direction switch
        {
            VolatilityShift.Up => 1.0,
            VolatilityShift.Same => 0.0,
            VolatilityShift.Down => -1.0,
            _ => throw new ArgumentOutOfRangeException(nameof(direction), direction, "undefined volatility shift"),
        };

        var days = Math.Max(daysToExpiry, MinimumDays);
        var exponent = days < PivotDays ? settings.ShortDatedExponent : settings.LongDatedExponent;
        var shift = settings.VolatilityShiftFraction * Math.Pow(PivotDays / days, exponent);
        return Math.Max(settings.MinimumVolatility, volatility * (1.0 + (sign * shift)));
    }
}
