using System.Collections.Immutable;

namespace Margin.Engine.Stress;

/// <summary>The fixed buckets a book's margin ratios are counted in.</summary>
/// <remarks>
/// Bucket <c>i</c> below the last holds ratios in <c>[Edges[i], Edges[i + 1])</c>; the bucket after the last edge holds finite
/// ratios from it up; the final bucket holds <c>+inf</c> (no adjusted equity against a requirement). Ratios of 1 and more
/// are liquidatable. Fixed buckets keep runs and curve points comparable.
/// </remarks>
public static class RatioHistogram
{
    /// <summary>The lower edges of the finite buckets.</summary>
    public static readonly ImmutableArray<double> Edges = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.5, 2.0];

    /// <summary>The number of buckets: one per edge, and one for <c>+inf</c>.</summary>
    public static int BucketCount => Edges.Length + 1;

    /// <summary>The bucket of a ratio.</summary>
    public static int BucketOf(double ratio)
    {
        if (double.IsPositiveInfinity(ratio) || double.IsNaN(ratio))
        {
            return Edges.Length;
        }

        for (var i = Edges.Length - 1; i > 0; i--)
        {
            if (ratio >= Edges[i])
            {
                return i;
            }
        }

        return 0;
    }

    /// <summary>The bucket's label in plain ASCII (stored documents), e.g. <c>0.9-1</c>, <c>&gt;=2</c> or <c>inf</c>; the report draws them as "≥ 2" and "∞".</summary>
    public static string Label(int bucket) =>
        bucket >= Edges.Length ? "inf"
        : bucket == Edges.Length - 1 ? FormattableString.Invariant($">={Edges[bucket]}")
        : FormattableString.Invariant($"{Edges[bucket]}-{Edges[bucket + 1]}");

    /// <summary>The bucket's lower bound.</summary>
    public static double From(int bucket) => bucket >= Edges.Length ? double.PositiveInfinity : Edges[bucket];

    /// <summary>The bucket's upper bound (exclusive; <c>+inf</c> for the last two).</summary>
    public static double To(int bucket) => bucket >= Edges.Length - 1 ? double.PositiveInfinity : Edges[bucket + 1];
}
