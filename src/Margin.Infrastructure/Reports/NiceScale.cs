namespace Margin.Infrastructure.Reports;

/// <summary>An axis range with round tick steps (1, 2 or 5 times a power of ten) that covers the data and zero where asked.</summary>
internal readonly record struct NiceScale(double Low, double High, double Step)
{
    private const int TargetTicks = 5;

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

        var step = Round((max - min) / (TargetTicks - 1));
        if (integer && step < 1)
        {
            step = 1;
        }

        var low = Math.Floor(min / step) * step;
        var high = Math.Ceiling(max / step) * step;
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

    private static double Round(double rough)
    {
        var exponent = Math.Floor(Math.Log10(rough));
        var fraction = rough / Math.Pow(10, exponent);
        var nice = fraction switch
        {
            <= 1 => 1,
            <= 2 => 2,
            <= 5 => 5,
            _ => 10,
        };
        return nice * Math.Pow(10, exponent);
    }
}
