namespace Margin.Infrastructure.Reports;

/// <summary>One point of a sensitivity curve: the book after one asset moved by <see cref="Move"/>.</summary>
public sealed record ReportCurvePoint
{
    /// <summary>The asset's move as a fraction: -0.25 is -25 %; above -1.</summary>
    public required double Move { get; init => field = ReportCheck.Move(value, nameof(Move)); }

    /// <summary>Liquidatable accounts, bankrupt included.</summary>
    public required int Liquidatable { get; init => field = ReportCheck.Count(value, nameof(Liquidatable)); }

    /// <summary>Bankrupt accounts (a subset of <see cref="Liquidatable"/>).</summary>
    public required int Bankrupt { get; init => field = ReportCheck.Count(value, nameof(Bankrupt)); }

    /// <summary>The total shortfall (negative equity of bankrupt accounts), in USD.</summary>
    public required decimal Shortfall { get; init => field = ReportCheck.Usd(value, nameof(Shortfall)); }
}
