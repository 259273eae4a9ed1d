namespace Margin.Engine.Liquidation;

/// <summary>The side of a liquidation order.</summary>
public enum TradeSide
{
    /// <summary>Sells the asset or contract; the limit price is a floor.</summary>
    Sell = 0,

    /// <summary>Buys the asset or contract; the limit price is a cap.</summary>
    Buy = 1,
}
