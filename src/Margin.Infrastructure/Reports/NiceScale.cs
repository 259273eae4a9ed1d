namespace Margin.Infrastructure.Reports;

/// <summary>An axis range with round tick steps (1, 2 or 5 times a power of ten) that covers the data and zero where asked.</summary>
internal readonly record struct NiceScale(double Low, double High, double Step)
{
    /// <summary>About this many intervals: five or six tick labels on a 300-pixel axis.</summary>
    private const int TargetIntervals = 5;

    /// <summary>The scale for values from min to max; an empty or flat range gets a sensible span; integer scales step by 1 or more.</summary>
    public static NiceScale Of(double min, double max, bool integer)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max))
        {
            throw new ArgumentException($"A chart scale needs finite values (got {min} to {max}).");
        }

        if (min == max)
        {
            if (max == 0)
            {
                max = 1;
            }
            else if (max > 0)
            {
                min = 0;
            }
            else
            {
                max = 0;
            }
        }

        var step = Round((max - min) / TargetIntervals, integer);
        if (integer && step < 1)
        {
            step = 1;
        }

        var low = Math.Round(Math.Floor(min / step) * step, 10);
        var high = Math.Round(Math.Ceiling(max / step) * step, 10);
        if (high == low)
        {
            high = low + step;
        }

        return new NiceScale(low, high, step);
    }

    /// <summary>The tick values from <see cref="Low"/> to <see cref="High"/>.</summary>
    public IEnumerable<double> Ticks()
    {
        var count = (int)Math.Round((High - Low) / Step);
        for (var i = 0; i <= count; i++)
        {
            // Multiplying rather than adding keeps 0.1 * 3 from drifting to 0.30000000000000004 over many steps.
            var tick = Low + (i * Step);
            yield return Math.Abs(tick) < Step * 1e-9 ? 0 : Math.Round(tick, 10);
        }
    }

    /// <summary>The smallest of 1, 2, 2.5, 5 and 10 times a power of ten at or above rough; 2.5 not for whole-number steps below 25.</summary>
    private static double Round(double rough, bool integer)
    {
        var exponent = Math.Floor(Math.Log10(rough));
        var fraction = rough / Math.Pow(10, exponent);
        var quarter = !integer || exponent >= 1;
        var nice = fraction switch
        {
            <= 1 => 1,
            <= 2 => 2,
            <= 2.5 when quarter => 2.5,
            <= 5 => 5,
            _ => 10,
        };
        return nice * Math.Pow(10, exponent);
    }
}
