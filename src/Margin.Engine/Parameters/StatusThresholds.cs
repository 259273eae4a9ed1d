namespace Margin.Engine.Parameters;

/// <summary>MarginRatio thresholds for the statuses and the liquidation target.</summary>
/// <remarks>
/// <c>0 &lt; Warning &lt;= MarginCall &lt; 1</c>; the liquidation planner's target ratio is
/// <c>MarginCall - TargetBuffer</c>, so <c>0 &lt;= TargetBuffer &lt; MarginCall</c>.
/// </remarks>
public sealed record StatusThresholds(double Warning = 0.8, double MarginCall = 0.9, double TargetBuffer = 0.1);
