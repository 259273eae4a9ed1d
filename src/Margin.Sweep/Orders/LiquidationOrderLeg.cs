namespace Margin.Sweep.Orders;

/// <summary>One leg of a <see cref="LiquidationOrder"/>.</summary>
/// <param name="Kind">SellCollateral, RepayBorrow or ReducePosition (the planner's leg kind).</param>
/// <param name="Target">The asset symbol or instrument id.</param>
/// <param name="Side">Sell or Buy.</param>
/// <param name="Quantity">Whole lots, in asset or position units, positive.</param>
/// <param name="LimitPrice">The worst acceptable price, USD per unit.</param>
/// <param name="ReferencePrice">The oracle price or mark it was valued at.</param>
/// <param name="Value">Quantity times the reference price, USD.</param>
/// <param name="Cost">Expected fee plus impact, USD.</param>
public sealed record LiquidationOrderLeg(string Kind, string Target, string Side, string Quantity, string LimitPrice, string ReferencePrice, string Value, string Cost);
