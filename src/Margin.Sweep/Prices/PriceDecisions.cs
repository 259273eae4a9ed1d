using Margin.Engine.Oracles;
using Margin.Sweep.UseCases;

namespace Margin.Sweep.Prices;

/// <summary>The oracle guard's decisions behind one price snapshot: each asset's decision with every source's quote, and the sources that failed as a whole.</summary>
/// <remarks>
/// Written by <see cref="RefreshPrices"/> with its snapshot, read by the sweep report ("price freshness and guard decisions
/// per source"). <see cref="Assets"/> is ordered by symbol (ordinal), <see cref="SourceFailures"/> by source id. Two
/// values are equal when both lists are, element by element.
/// </remarks>
/// <param name="Assets">One decision per priced asset (the settlement currency, fixed at 1, has none).</param>
/// <param name="SourceFailures">Sources that failed or timed out as a whole in the refresh.</param>
public sealed record PriceDecisions(IReadOnlyList<PriceDecisionRecord> Assets, IReadOnlyList<SourceFailure> SourceFailures)
{
    /// <summary>The decisions of one refresh, as <see cref="OracleAggregator"/> made them.</summary>
    /// <param name="decisions">Each asset's decision.</param>
    /// <param name="sourceFailures">The sources that failed as a whole.</param>
    /// <exception cref="ArgumentException">Two decisions are for the same asset.</exception>
    public static PriceDecisions From(IEnumerable<OracleDecision> decisions, IEnumerable<SourceFailure> sourceFailures)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        ArgumentNullException.ThrowIfNull(sourceFailures);
        var assets = decisions.Select(PriceDecisionRecord.From).OrderBy(d => d.Asset, StringComparer.Ordinal).ToList();
        if (assets.GroupBy(d => d.Asset, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ArgumentException($"two oracle decisions are for {twice.Key}", nameof(decisions));
        }

        return new PriceDecisions(assets, [.. sourceFailures.OrderBy(f => f.SourceId, StringComparer.Ordinal)]);
    }

    /// <inheritdoc/>
    public bool Equals(PriceDecisions? other) =>
        other is not null && Assets.SequenceEqual(other.Assets) && SourceFailures.SequenceEqual(other.SourceFailures);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Assets.Count, SourceFailures.Count);
}
