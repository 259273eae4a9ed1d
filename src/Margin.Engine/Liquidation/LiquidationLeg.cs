using Margin.Engine.Domain;

namespace Margin.Engine.Liquidation;

/// <summary>One order of a liquidation plan: sell collateral, repay a borrow, or reduce a position.</summary>
/// <remarks>
/// <see cref="Quantity"/> is <see cref="Lots"/> whole lots of <see cref="LotSize"/>, in asset units (collateral and
/// borrows) or the position's units (positions), always positive; <see cref="Side"/> gives the direction.
/// <see cref="Value"/> is <c>x = Quantity * ReferencePrice</c> in USD, where the reference price is the oracle price
/// <c>P</c> (assets) or the mark (positions). <see cref="LimitPrice"/> is <c>P * (1 - x / depth)</c> for a sell and
/// <c>P * (1 + x / depth)</c> for a buy, the worst acceptable price, never beyond the planner's maximum impact.
/// <see cref="Cost"/> is <c>x * fee + x^2 / (2 * depth)</c> in USD.
/// </remarks>
/// <param name="Kind">What the leg does.</param>
/// <param name="Target">The asset symbol (collateral, borrow) or instrument id (position).</param>
/// <param name="Side">Sell or buy.</param>
/// <param name="Quantity">The order quantity, whole lots, positive.</param>
/// <param name="Lots">The number of lots.</param>
/// <param name="LotSize">The asset's or instrument's lot size.</param>
/// <param name="ReferencePrice">The oracle price or mark the leg is valued at, USD per unit.</param>
/// <param name="LimitPrice">The worst acceptable price, USD per unit.</param>
/// <param name="Value">The leg's USD value at the reference price.</param>
/// <param name="Cost">The leg's expected liquidation cost in USD (fee plus linear impact).</param>
/// <param name="Reason">Why the planner chose the leg.</param>
public sealed record LiquidationLeg(
    LegKind Kind,
    string Target,
    TradeSide Side,
    decimal Quantity,
    int Lots,
    decimal LotSize,
    decimal ReferencePrice,
    decimal LimitPrice,
    Money Value,
    Money Cost,
    string Reason);
