namespace Margin.Engine.Methodologies;

/// <summary>The public methodology whose own figure a <see cref="MethodologyFigure"/> reports.</summary>
public enum MethodologyKind
{
    /// <summary>Aave V3 health factor: liquidation-weighted collateral over debt.</summary>
    AaveHealthFactor = 1,

    /// <summary>Binance Portfolio Margin uniMMR: adjusted equity over unified maintenance margin.</summary>
    BinanceUniMmr = 2,

    /// <summary>Binance Cross Margin margin level: total asset value over liabilities plus interest.</summary>
    BinanceCrossMarginLevel = 3,

    /// <summary>Drift spot (cross-collateral) weights: per-asset initial and maintenance weights in Drift's integer arithmetic.</summary>
    DriftSpotWeights = 4,

    /// <summary>Deribit portfolio margin (segregated per currency): equity over <c>0.8 * (worst case + roll shock + delta shock)</c>, per underlying in coin.</summary>
    DeribitPortfolioMargin = 5,
}
