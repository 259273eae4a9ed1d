namespace Margin.Engine.Numerics;

/// <summary>Deterministic decimal helpers the BCL lacks.</summary>
public static class DecimalMath
{
    /// <summary>The square root of a non-negative decimal, accurate to the last digit or two of <see cref="decimal"/>.</summary>
    /// <remarks>A double estimate refined by Newton steps in decimal; deterministic for a given input.</remarks>
    public static decimal Sqrt(decimal value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        if (value == 0m)
        {
            return 0m;
        }

        var guess = (decimal)Math.Sqrt((double)value);
        if (guess == 0m)
        {
            guess = value;
        }

        for (var i = 0; i < 3; i++)
        {
            var next = (guess + (value / guess)) / 2m;
            if (next == guess)
            {
                break;
            }

            guess = next;
        }

        return guess;
    }

    /// <summary>The integer square root (floor) of a non-negative integral decimal.</summary>
    public static decimal IntegerSqrt(decimal value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        value = decimal.Floor(value);
        if (value < 2m)
        {
            return value;
        }

        var root = decimal.Floor((decimal)Math.Sqrt((double)value));
        while (root * root > value)
        {
            root--;
        }

        while ((root + 1m) * (root + 1m) <= value)
        {
            root++;
        }

        return root;
    }

    /// <summary>Rounds towards positive infinity at <paramref name="decimals"/> places.</summary>
    public static decimal RoundUp(decimal value, int decimals) =>
        value.Scale <= decimals ? value : decimal.Round(value, decimals, MidpointRounding.ToPositiveInfinity);

    /// <summary>Rounds towards negative infinity at <paramref name="decimals"/> places.</summary>
    public static decimal RoundDown(decimal value, int decimals) =>
        value.Scale <= decimals ? value : decimal.Round(value, decimals, MidpointRounding.ToNegativeInfinity);

    /// <summary>Converts a finite double to decimal, saturating at decimal's range.</summary>
    public static decimal FromDouble(double value)
    {
        if (double.IsNaN(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "NaN has no decimal value");
        }

        if (value >= (double)decimal.MaxValue)
        {
            return decimal.MaxValue;
        }

        return value <= (double)decimal.MinValue ? decimal.MinValue : (decimal)value;
    }
}
