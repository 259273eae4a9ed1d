namespace Margin.Infrastructure.Reports;

/// <summary>What a report describes, which decides the sections it has.</summary>
public enum ReportKind
{
    /// <summary>One margin sweep of the live book: statuses, ratios, worst accounts, orders, prices and guard decisions.</summary>
    Sweep = 0,

    /// <summary>A book stress run: the sweep's sections under shocked prices, plus the cascade rounds and the sensitivity curve.</summary>
    Stress = 1,
}
