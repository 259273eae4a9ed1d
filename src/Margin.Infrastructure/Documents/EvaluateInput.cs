using Margin.Engine.Liquidation;
using Margin.Engine.Parameters;
using Margin.Engine.Prices;

namespace Margin.Infrastructure.Documents;

/// <summary>A readable <c>margin evaluate</c> document: prices, parameters, and every account entry (readable or not).</summary>
public sealed record EvaluateInput(PriceSnapshot Snapshot, RiskParameters Parameters, IReadOnlyList<AccountEntry> Accounts)
{
    /// <summary>The liquidation planner's options, or null when the document has no <c>planner</c>: no plans are computed.</summary>
    public PlannerOptions? Planner { get; init; }

    /// <summary>Where the parameters come from (their <c>metadata</c> block), or null when they carry none.</summary>
    public ParametersMetadata? Metadata { get; init; }

    /// <summary>The preset whose parameters were used (<c>--preset</c>), or null when the input's own were.</summary>
    public string? Preset { get; init; }

    /// <summary>Whether the input had a <c>parameters</c> section that the preset replaced.</summary>
    public bool ParametersReplaced { get; init; }
}
