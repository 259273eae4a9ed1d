using System.Collections.Immutable;
using Margin.Engine.Results;

namespace Margin.Engine.Stress;

/// <summary>A liquidation order a stress round would issue: the account, its plan's legs, value, cost and shortfall.</summary>
/// <remarks>Money in USD at the round's prices. <see cref="Value"/> is the sum of the legs' values at their reference prices.</remarks>
/// <param name="AccountId">The account.</param>
/// <param name="Status">Its status at the round's prices (liquidatable or bankrupt).</param>
/// <param name="Outcome">How the plan ended (a <c>PlanOutcome</c> name).</param>
/// <param name="Value">The legs' total value, USD.</param>
/// <param name="Cost">The plan's expected cost (fees and impact), USD.</param>
/// <param name="Shortfall">The negative equity the plan leaves to the insurance fund, USD.</param>
/// <param name="Legs">The legs, in the planner's order.</param>
public sealed record StressOrder(string AccountId, MarginStatus Status, string Outcome, decimal Value, decimal Cost, decimal Shortfall, ImmutableArray<StressOrderLeg> Legs);

/// <summary>One leg of a <see cref="StressOrder"/>.</summary>
/// <param name="Kind">SellCollateral, RepayBorrow or ReducePosition.</param>
/// <param name="Target">The asset symbol or instrument id.</param>
/// <param name="Side">Sell or Buy.</param>
/// <param name="Quantity">Units of the asset or the position, positive.</param>
/// <param name="LimitPrice">The worst acceptable price, USD per unit.</param>
/// <param name="Value">The leg's value at the reference price, USD.</param>
public sealed record StressOrderLeg(string Kind, string Target, string Side, decimal Quantity, decimal LimitPrice, decimal Value);
