namespace Margin.Infrastructure.Reports;

/// <summary>The liquidation order legs of one asset against that asset's market depth, in USD.</summary>
public sealed record ReportAssetFlow
{
    /// <summary>The asset symbol, e.g. BTC.</summary>
    public required string Asset { get; init => field = ReportCheck.Text(value, nameof(Asset)); }

    /// <summary>The value of the asset the orders would sell, in USD at the price used.</summary>
    public required decimal SoldUsd { get; init => field = ReportCheck.Usd(value, nameof(SoldUsd)); }

    /// <summary>The value of the asset the orders would buy back (covering short legs), in USD.</summary>
    public required decimal BoughtUsd { get; init => field = ReportCheck.Usd(value, nameof(BoughtUsd)); }

    /// <summary>The asset's depth in the parameters, in USD (linear impact: selling x USD moves the price by x / depth); 0 when none.</summary>
    public required decimal DepthUsd { get; init => field = ReportCheck.Usd(value, nameof(DepthUsd)); }

    /// <summary>The number of order legs on the asset.</summary>
    public required int Orders { get; init => field = ReportCheck.Count(value, nameof(Orders)); }

    /// <summary>Sold over depth as a fraction (1 = the whole depth); null when the depth is 0.</summary>
    public double? SoldShareOfDepth => DepthUsd == 0 ? null : (double)(SoldUsd / DepthUsd);
}
