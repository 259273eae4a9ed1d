namespace Margin.Engine.Statistics;

/// <summary>The median of a set of decimals.</summary>
/// <remarks>
/// Odd count: the middle value of the sorted set. Even count: the mean of the two middle values, computed without
/// intermediate overflow. Exact except for the halving of an even count's middle pair, which rounds at the 28th
/// significant digit of <see cref="decimal"/>.
/// </remarks>
public static class Median
{
    /// <summary>The median of <paramref name="values"/>.</summary>
    /// <exception cref="ArgumentException">There are no values.</exception>
    public static decimal Of(IEnumerable<decimal> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = values.ToArray();
        if (sorted.Length == 0)
        {
            throw new ArgumentException("the median of no values is undefined", nameof(values));
        }

        Array.Sort(sorted);
        var middle = sorted.Length / 2;
        if (sorted.Length % 2 == 1)
        {
            return sorted[middle];
        }

        var low = sorted[middle - 1];
        var high = sorted[middle];

        // Same signs: high - low cannot overflow; opposite signs: low + high cannot.
        return (low >= 0m) == (high >= 0m) ? low + ((high - low) / 2m) : (low + high) / 2m;
    }
}
