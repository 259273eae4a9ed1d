namespace Margin.Engine.Methodologies;

/// <summary>Whether a methodology liquidates at its threshold or only strictly below it.</summary>
public enum LiquidationBoundary
{
    /// <summary>Liquidatable only when the figure is strictly below the threshold (Aave: <c>HF &lt; 1</c>).</summary>
    StrictlyBelow = 1,

    /// <summary>Liquidatable when the figure is at or below the threshold (Binance: <c>uniMMR &lt;= 1.05</c>).</summary>
    AtOrBelow = 2,
}
