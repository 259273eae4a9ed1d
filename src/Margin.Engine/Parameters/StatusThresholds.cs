namespace Margin.Engine.Parameters;

/// <summary>MarginRatio thresholds for the statuses and the liquidation target.</summary>
/// <remarks>
/// Decimal, so that a status is decided exactly on the decimal figures (<c>MM &gt;= threshold * AE_M</c>), never on a
/// rounded double ratio.
/// <c>0 &lt; Warning &lt;= MarginCall &lt; 1</c>; the liquidation planner's target ratio is
/// <c>MarginCall - TargetBuffer</c>, so <c>0 &lt;= TargetBuffer &lt; MarginCall</c>.
/// </remarks>
public sealed record StatusThresholds(decimal Warning = 0.8m, decimal MarginCall = 0.9m, decimal TargetBuffer = 0.1m);
