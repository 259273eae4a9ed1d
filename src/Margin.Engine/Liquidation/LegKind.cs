namespace Margin.Engine.Liquidation;

/// <summary>What a liquidation leg does (MARGIN-MODEL.md section 6).</summary>
public enum LegKind
{
    /// <summary>Sells a collateral asset for the plan's settlement asset.</summary>
    SellCollateral = 0,

    /// <summary>Buys back a borrowed asset, paid from the settlement asset.</summary>
    RepayBorrow = 1,

    /// <summary>Reduces a derivative position toward zero, never through it.</summary>
    ReducePosition = 2,
}
