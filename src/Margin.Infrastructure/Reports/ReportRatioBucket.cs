using System.Collections.Immutable;
using System.Globalization;

namespace Margin.Infrastructure.Reports;

/// <summary>One bar of the margin-ratio histogram: how many accounts have a ratio in [<see cref="From"/>, <see cref="To"/>).</summary>
/// <remarks>
/// The margin ratio is the maintenance requirement over the adjusted equity: dimensionless, lower is safer, 1 or more is
/// liquidatable, positive infinity when the adjusted equity is not positive and something is required. The bucket of the
/// infinite ratios has both bounds at positive infinity. <see cref="Histogram"/> builds the standard buckets.
/// </remarks>
public sealed record ReportRatioBucket
{
    /// <summary>The finite bucket bounds of <see cref="Histogram"/>: tenths up to 1, then 1.5, 2 and everything finite above.</summary>
    private static readonly ImmutableArray<double> s_bounds = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.5, 2.0];

    /// <summary>The bar's label, e.g. "0.9-1" or "≥ 2" or "∞".</summary>
    public required string Label { get; init => field = ReportCheck.Text(value, nameof(Label)); }

    /// <summary>The lowest ratio in the bucket (inclusive).</summary>
    public required double From { get; init => field = ReportCheck.Ratio(value, nameof(From)); }

    /// <summary>The ratio the bucket ends before (exclusive); positive infinity for the open-ended and the infinite bucket.</summary>
    public required double To { get; init => field = ReportCheck.Ratio(value, nameof(To)); }

    /// <summary>The number of accounts with a ratio in the bucket.</summary>
    public required int Accounts { get; init => field = ReportCheck.Count(value, nameof(Accounts)); }

    /// <summary>The standard histogram of margin ratios: 0-0.1, ..., 0.9-1, 1-1.5, 1.5-2, ≥ 2 (finite) and ∞; empty buckets included.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A ratio is NaN or negative.</exception>
    public static ImmutableArray<ReportRatioBucket> Histogram(IEnumerable<double> ratios)
    {
        ArgumentNullException.ThrowIfNull(ratios);
        var counts = new int[s_bounds.Length + 1];
        foreach (var ratio in ratios)
        {
            ReportCheck.Ratio(ratio, nameof(ratios));
            if (double.IsPositiveInfinity(ratio))
            {
                counts[^1]++;
                continue;
            }

            var index = s_bounds.Length - 1;
            while (ratio < s_bounds[index])
            {
                index--;
            }

            counts[index]++;
        }

        var buckets = ImmutableArray.CreateBuilder<ReportRatioBucket>(counts.Length);
        for (var i = 0; i < s_bounds.Length; i++)
        {
            var from = s_bounds[i];
            var last = i == s_bounds.Length - 1;
            var to = last ? double.PositiveInfinity : s_bounds[i + 1];
            buckets.Add(new ReportRatioBucket
            {
                Label = last ? "≥ " + Invariant(from) : Invariant(from) + "-" + Invariant(to),
                From = from,
                To = to,
                Accounts = counts[i],
            });
        }

        buckets.Add(new ReportRatioBucket { Label = "∞", From = double.PositiveInfinity, To = double.PositiveInfinity, Accounts = counts[^1] });
        return buckets.MoveToImmutable();
    }

    private static string Invariant(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
