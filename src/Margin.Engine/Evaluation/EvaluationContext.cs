namespace Margin.Engine.Evaluation;

/// <summary>Facts about an account that live outside the ledger and the prices, and how much to compute.</summary>
/// <param name="LiquidationInFlight">An order for the account is still open (sets <c>LiquidationInFlight</c>).</param>
/// <param name="SkipProjection">
/// Skip the pre-emptive projection (MARGIN-MODEL.md section 5): <see cref="Results.MarginSummary.ProjectedRatio"/> stays
/// null and <c>AtRisk</c> is never set. The projection is a second evaluation at moved prices, so skipping it roughly
/// halves the cost; for callers that need only the status, such as the liquidation planner's trial projections.
/// </param>
public readonly record struct EvaluationContext(bool LiquidationInFlight = false, bool SkipProjection = false);
