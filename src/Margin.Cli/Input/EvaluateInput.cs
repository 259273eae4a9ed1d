using Margin.Engine.Liquidation;
using Margin.Engine.Parameters;
using Margin.Engine.Prices;

namespace Margin.Cli.Input;

/// <summary>A readable <c>margin evaluate</c> document: prices, parameters, and every account entry (readable or not).</summary>
internal sealed record EvaluateInput(PriceSnapshot Snapshot, RiskParameters Parameters, IReadOnlyList<AccountEntry> Accounts)
{
    /// <summary>The liquidation planner's options, or null when the document has no <c>planner</c>: no plans are computed.</summary>
    public PlannerOptions? Planner { get; init; }
}
