using System.Collections.Immutable;

namespace Margin.Infrastructure.Reports;

/// <summary>One round of a liquidation cascade: who went under, what was sold, the loss beyond equity and the prices.</summary>
public sealed record ReportCascadeRound
{
    /// <summary>The round number, from 1.</summary>
    public required int Round
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Round), value, "Round numbers start at 1.");
    }

    /// <summary>Accounts that became liquidatable or bankrupt in this round.</summary>
    public required int NewLiquidations { get; init => field = ReportCheck.Count(value, nameof(NewLiquidations)); }

    /// <summary>Of <see cref="NewLiquidations"/>, the accounts liquidated for the first time in the run; null when not known.</summary>
    public int? NewAccounts { get; init => field = value is { } v ? ReportCheck.Count(v, nameof(NewAccounts)) : null; }

    /// <summary>All liquidatable accounts (bankrupt included) after this round's evaluation.</summary>
    public required int Liquidatable { get; init => field = ReportCheck.Count(value, nameof(Liquidatable)); }

    /// <summary>The value the round's orders sell, in USD.</summary>
    public required decimal SoldUsd { get; init => field = ReportCheck.Usd(value, nameof(SoldUsd)); }

    /// <summary>The value the round's orders buy back, in USD.</summary>
    public required decimal BoughtUsd { get; init => field = ReportCheck.Usd(value, nameof(BoughtUsd)); }

    /// <summary>The loss beyond equity an insurance fund would cover for the round's new bankruptcies, in USD.</summary>
    public required decimal InsuranceFundLoss { get; init => field = ReportCheck.Usd(value, nameof(InsuranceFundLoss)); }

    /// <summary>The book's total shortfall (negative equity of bankrupt accounts) after the round, in USD.</summary>
    public required decimal Shortfall { get; init => field = ReportCheck.Usd(value, nameof(Shortfall)); }

    /// <summary>Per asset, the price at the round's start and after its impact.</summary>
    public required ImmutableArray<ReportRoundPrice> Prices
    {
        get;
        init => field = ReportCheck.Unique(value, p => p.Asset, nameof(Prices), "asset");
    }
}
