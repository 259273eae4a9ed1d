namespace Margin.Engine.Methodologies;

/// <summary>A Binance Portfolio Margin account's totals: adjusted equity and unified maintenance margin, in USD.</summary>
/// <remarks>
/// <para>
/// <see cref="AdjustedEquityUsd"/> is <c>sum(adjustedEquity) = sum(Equity) - OpenLoss * assetIndexPrice</c>, where each
/// asset's equity is <c>min(net * indexPrice * collateralRate, net * indexPrice)</c>; it may be negative, within
/// +/-<see cref="MethodologyFigure.MaxAmountUsd"/>. <see cref="MaintenanceMarginUsd"/> is
/// <c>sum(futuresMM * assetIndexPrice) + sum(MarginMM * assetIndexPrice)</c>, with <c>MarginMM = Loan * MMR</c>;
/// <c>0 &lt;= MaintenanceMarginUsd &lt;= MaxAmountUsd</c>. Zero means no positions or loans: uniMMR is +infinity.
/// </para>
/// <para>Source: Binance FAQ, "What Is the Unified Account Maintenance Margin Ratio (uniMMR) And How Is It Calculated",
/// https://www.binance.com/en/support/faq/what-is-the-unified-account-maintenance-margin-ratio-unimmr-and-how-is-it-calculated-4868b2f1aa6c4d08af973328462bb0bd.</para>
/// </remarks>
public sealed record UniMmrInput
{
    private UniMmrInput(decimal adjustedEquityUsd, decimal maintenanceMarginUsd)
    {
        AdjustedEquityUsd = adjustedEquityUsd;
        MaintenanceMarginUsd = maintenanceMarginUsd;
    }

    /// <summary>The unified account adjusted equity in USD, possibly negative.</summary>
    public decimal AdjustedEquityUsd { get; }

    /// <summary>The unified maintenance margin amount in USD.</summary>
    public decimal MaintenanceMarginUsd { get; }

    /// <summary>Validates and creates the input.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An amount is out of range, or the maintenance margin is negative.</exception>
    public static UniMmrInput Create(decimal adjustedEquityUsd, decimal maintenanceMarginUsd)
    {
        MethodologyFigure.CheckAmount(adjustedEquityUsd, nameof(adjustedEquityUsd), allowNegative: true);
        MethodologyFigure.CheckAmount(maintenanceMarginUsd, nameof(maintenanceMarginUsd));
        return new UniMmrInput(adjustedEquityUsd, maintenanceMarginUsd);
    }
}
