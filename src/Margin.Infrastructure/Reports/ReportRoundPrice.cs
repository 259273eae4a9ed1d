namespace Margin.Infrastructure.Reports;

/// <summary>One asset's price in one cascade round: at the round's start and after the round's forced sales hit the book.</summary>
public sealed record ReportRoundPrice
{
    /// <summary>The asset symbol.</summary>
    public required string Asset { get; init => field = ReportCheck.Text(value, nameof(Asset)); }

    /// <summary>The price in USD the round evaluated accounts at.</summary>
    public required decimal Start { get; init => field = ReportCheck.Price(value, nameof(Start)); }

    /// <summary>The price in USD after the round's sales moved it (the next round's start).</summary>
    public required decimal AfterImpact { get; init => field = ReportCheck.Price(value, nameof(AfterImpact)); }
}
