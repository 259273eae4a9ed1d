using Margin.Engine.Results;

namespace Margin.Infrastructure.Reports;

/// <summary>One of the worst accounts: its status, ratio, the figures behind it (USD) and the engine's reason.</summary>
public sealed record ReportAccount
{
    /// <summary>The account id (user data: the page escapes it).</summary>
    public required string AccountId { get; init => field = ReportCheck.Text(value, nameof(AccountId)); }

    /// <summary>The account's status.</summary>
    public required MarginStatus Status
    {
        get;
        init => field = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(Status), value, "Status is not a defined MarginStatus.");
    }

    /// <summary>Maintenance requirement over adjusted equity: >= 0, positive infinity when the adjusted equity is not positive.</summary>
    public required double MarginRatio { get; init => field = ReportCheck.Ratio(value, nameof(MarginRatio)); }

    /// <summary>The account's equity in USD (negative when bankrupt).</summary>
    public required decimal Equity { get; init; }

    /// <summary>The equity after haircuts for the maintenance requirement, in USD.</summary>
    public required decimal AdjustedEquityMaintenance { get; init; }

    /// <summary>The maintenance requirement in USD.</summary>
    public required decimal MaintenanceRequirement { get; init => field = ReportCheck.Usd(value, nameof(MaintenanceRequirement)); }

    /// <summary>Why the account has its status: the rule and the figures behind it, in words.</summary>
    public required string Reason { get; init => field = ReportCheck.Text(value, nameof(Reason)); }
}
