using System.Collections.Immutable;

namespace Margin.Infrastructure.Reports;

/// <summary>One liquidation order on the page: the account, its legs, value, cost and the shortfall left to the insurance fund.</summary>
/// <remarks>Money in USD; quantities in the asset's or position's units.</remarks>
public sealed record ReportOrder
{
    /// <summary>The account.</summary>
    public required string AccountId { get; init => field = ReportCheck.Text(value, nameof(AccountId)); }

    /// <summary>The account's status when the order was planned (Liquidatable or Bankrupt).</summary>
    public required string Status { get; init => field = ReportCheck.Text(value, nameof(Status)); }

    /// <summary>The legs' total value at their reference prices, USD.</summary>
    public required decimal Value { get; init => field = ReportCheck.Usd(value, nameof(Value)); }

    /// <summary>The expected cost (fees and impact), USD.</summary>
    public required decimal Cost { get; init => field = ReportCheck.Usd(value, nameof(Cost)); }

    /// <summary>The negative equity the plan leaves to the insurance fund, USD.</summary>
    public required decimal Shortfall { get; init => field = ReportCheck.Usd(value, nameof(Shortfall)); }

    /// <summary>The legs, in the planner's order.</summary>
    public required ImmutableArray<ReportOrderLeg> Legs { get; init => field = ReportCheck.Items(value, nameof(Legs)); }
}

/// <summary>One leg of a <see cref="ReportOrder"/>.</summary>
public sealed record ReportOrderLeg
{
    /// <summary>Sell or Buy.</summary>
    public required string Side { get; init => field = ReportCheck.Text(value, nameof(Side)); }

    /// <summary>The quantity, positive.</summary>
    public required decimal Quantity { get; init; }

    /// <summary>The asset symbol or instrument id.</summary>
    public required string Target { get; init => field = ReportCheck.Text(value, nameof(Target)); }

    /// <summary>The worst acceptable price, USD per unit.</summary>
    public required decimal LimitPrice { get; init; }

    /// <summary>The leg's value, USD.</summary>
    public required decimal Value { get; init => field = ReportCheck.Usd(value, nameof(Value)); }
}
