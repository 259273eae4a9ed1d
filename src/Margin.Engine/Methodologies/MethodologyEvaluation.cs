using System.Collections.Immutable;

namespace Margin.Engine.Methodologies;

/// <summary>A methodology's own view of an account: its ratio figure, Drift's per-asset weights, and what it left out.</summary>
/// <remarks>
/// <see cref="Figure"/> is the methodology's ratio (Aave health factor, Binance uniMMR or margin level; for Drift, total
/// collateral over the maintenance requirement with Drift's weights). <see cref="DriftWeights"/> is empty except for
/// <see cref="MethodologyKind.DriftSpotWeights"/>. <see cref="Omitted"/> names every part of the account the methodology
/// has no rule for (an option under Binance, a perpetual under Aave), so a reader knows the figure does not cover it.
/// Instances come from <see cref="MethodologyEvaluator.Evaluate"/>.
/// </remarks>
public sealed record MethodologyEvaluation
{
    /// <summary>The methodology.</summary>
    public required MethodologyKind Methodology { get; init; }

    /// <summary>The methodology's own ratio figure and its liquidation test.</summary>
    public required MethodologyFigure Figure { get; init; }

    /// <summary>Drift's weights per balance, in the account's balance order; empty for other methodologies.</summary>
    public ImmutableArray<DriftAssetWeights> DriftWeights { get; init; } = [];

    /// <summary>The parts of the account the figure leaves out, each with the reason; empty when it covers everything.</summary>
    public ImmutableArray<string> Omitted { get; init; } = [];

    /// <summary>Deribit's figures per underlying, in coin (Deribit only; empty otherwise).</summary>
    public ImmutableArray<DeribitUnderlyingRisk> Deribit { get; init; } = [];
}
