namespace Margin.Engine.Methodologies;

/// <summary>A Binance Cross Margin account's totals: asset value, liabilities and outstanding interest, in USD.</summary>
/// <remarks>
/// <para>
/// <see cref="TotalAssetValueUsd"/> is the market value of every asset in the Cross Margin account (no collateral
/// haircut: that is the separate "collateral margin level"). <see cref="TotalLiabilitiesUsd"/> is the market value of
/// all outstanding margin loans; <see cref="OutstandingInterestUsd"/> is accrued, unpaid interest. Each is
/// <c>0 &lt;= amount &lt;= </c><see cref="MethodologyFigure.MaxAmountUsd"/>. Binance computes the ratio in BTC; the
/// ratio is the same in any common unit, so USD is used here.
/// </para>
/// <para>Source: Binance FAQ, "Binance Margin Level and Margin Call",
/// https://www.binance.com/en/support/faq/binance-margin-level-and-margin-call-360030493931.</para>
/// </remarks>
public sealed record CrossMarginLevelInput
{
    private CrossMarginLevelInput(decimal totalAssetValueUsd, decimal totalLiabilitiesUsd, decimal outstandingInterestUsd)
    {
        TotalAssetValueUsd = totalAssetValueUsd;
        TotalLiabilitiesUsd = totalLiabilitiesUsd;
        OutstandingInterestUsd = outstandingInterestUsd;
    }

    /// <summary>The total market value of the account's assets in USD.</summary>
    public decimal TotalAssetValueUsd { get; }

    /// <summary>The total market value of outstanding margin loans in USD.</summary>
    public decimal TotalLiabilitiesUsd { get; }

    /// <summary>The accrued, unpaid interest on the loans in USD.</summary>
    public decimal OutstandingInterestUsd { get; }

    /// <summary>Validates and creates the input.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An amount is negative or too large.</exception>
    public static CrossMarginLevelInput Create(decimal totalAssetValueUsd, decimal totalLiabilitiesUsd, decimal outstandingInterestUsd)
    {
        MethodologyFigure.CheckAmount(totalAssetValueUsd, nameof(totalAssetValueUsd));
        MethodologyFigure.CheckAmount(totalLiabilitiesUsd, nameof(totalLiabilitiesUsd));
        MethodologyFigure.CheckAmount(outstandingInterestUsd, nameof(outstandingInterestUsd));
        return new CrossMarginLevelInput(totalAssetValueUsd, totalLiabilitiesUsd, outstandingInterestUsd);
    }
}
