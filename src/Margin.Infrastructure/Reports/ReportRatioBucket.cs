using System.Collections.Immutable;
using System.Globalization;
using Margin.Engine.Stress;

namespace Margin.Infrastructure.Reports;

/// <summary>One bar of the margin-ratio histogram: how many accounts have a ratio in [<see cref="From"/>, <see cref="To"/>).</summary>
/// <remarks>
/// The margin ratio is the maintenance requirement over the adjusted equity: dimensionless, lower is safer, 1 or more is
/// liquidatable, positive infinity when the adjusted equity is not positive and something is required. The bucket of the
/// infinite ratios has both bounds at positive infinity. <see cref="Histogram"/> builds the standard buckets.
/// </remarks>
public sealed record ReportRatioBucket
{
    /// <summary>The bar's label, e.g. "0.9-1" or "≥ 2" or "∞".</summary>
    public required string Label { get; init => field = ReportCheck.Text(value, nameof(Label)); }

    /// <summary>The lowest ratio in the bucket (inclusive).</summary>
    public required double From { get; init => field = ReportCheck.Ratio(value, nameof(From)); }

    /// <summary>The ratio the bucket ends before (exclusive); positive infinity for the open-ended and the infinite bucket.</summary>
    public required double To { get; init => field = ReportCheck.Ratio(value, nameof(To)); }

    /// <summary>The number of accounts with a ratio in the bucket.</summary>
    public required int Accounts { get; init => field = ReportCheck.Count(value, nameof(Accounts)); }

    /// <summary>The standard histogram of margin ratios (the engine's <see cref="RatioHistogram"/> buckets: 0-0.1, ..., 0.9-1, 1-1.5, 1.5-2, &gt;= 2 finite, and infinity); empty buckets included.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A ratio is NaN or negative.</exception>
    public static ImmutableArray<ReportRatioBucket> Histogram(IEnumerable<double> ratios)
    {
        ArgumentNullException.ThrowIfNull(ratios);
        var counts = new int[RatioHistogram.BucketCount];
        foreach (var ratio in ratios)
        {
            counts[RatioHistogram.BucketOf(ReportCheck.Ratio(ratio, nameof(ratios)))]++;
        }

        return FromCounts([.. counts]);
    }

    /// <summary>The histogram of counts per <see cref="RatioHistogram"/> bucket (as a stress run stores them).</summary>
    /// <param name="counts">Accounts per bucket: <see cref="RatioHistogram.BucketCount"/> of them, or none (no histogram).</param>
    /// <exception cref="ArgumentException">There are counts, but not one per bucket.</exception>
    public static ImmutableArray<ReportRatioBucket> FromCounts(IReadOnlyList<int> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.Count == 0)
        {
            return [];
        }

        if (counts.Count != RatioHistogram.BucketCount)
        {
            throw new ArgumentException($"a ratio histogram has {RatioHistogram.BucketCount} buckets, not {counts.Count}", nameof(counts));
        }

        var edges = RatioHistogram.Edges;
        var buckets = ImmutableArray.CreateBuilder<ReportRatioBucket>(counts.Count);
        for (var i = 0; i < edges.Length; i++)
        {
            var last = i == edges.Length - 1;
            buckets.Add(new ReportRatioBucket
            {
                Label = last ? "≥ " + Invariant(edges[i]) : Invariant(edges[i]) + "-" + Invariant(edges[i + 1]),
                From = edges[i],
                To = RatioHistogram.To(i),
                Accounts = counts[i],
            });
        }

        buckets.Add(new ReportRatioBucket { Label = "∞", From = double.PositiveInfinity, To = double.PositiveInfinity, Accounts = counts[^1] });
        return buckets.MoveToImmutable();
    }

    private static string Invariant(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
