namespace Margin.Engine.Liquidation;

/// <summary>How a planned leg changes the account (the projection rule of MARGIN-MODEL.md section 6).</summary>
internal enum LegAction
{
    /// <summary>Sell collateral; proceeds to the settlement balance.</summary>
    Sell,

    /// <summary>Buy back a borrowed asset, paid from the settlement balance.</summary>
    Repay,

    /// <summary>Reduce a linear perpetual or future; the PnL realised at the limit goes to the settlement balance.</summary>
    ReduceLinear,

    /// <summary>Reduce an inverse perpetual or future (USD face value); the PnL realised at the limit, in coins, goes to the coin's balance.</summary>
    ReduceInverse,

    /// <summary>Sell a long option (proceeds to settlement) or buy back a short one (paid from settlement).</summary>
    ReduceOption,
}
