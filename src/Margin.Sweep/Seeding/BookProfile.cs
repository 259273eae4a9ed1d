using System.Globalization;

namespace Margin.Sweep.Seeding;

/// <summary>The shape of a generated book: who holds what, how big accounts are and how much of their margin they use.</summary>
/// <remarks>
/// <para>
/// Shares are probabilities per account, in [0, 1]. The <b>risk bands</b> are drawn for accounts that have something to
/// margin (positions or a borrow) and set the maintenance utilisation <c>u = MM / AE_M</c> the generator sizes the account
/// for: <i>calm</i> (the rest) <c>u</c> in [0.02, 0.37], <i>stretched</i> in [0.5, 0.98], <i>breached</i> in [1.02, 2.5],
/// <i>underwater</i> a loss of 102 % to 130 % of the collateral (equity below zero). The sizing uses the first-order
/// rules (flat or scheduled weights, brackets, short-option rules, a grid's range as a haircut); lots, tiers, profit
/// weights and the projection move the result, and the engine alone decides every status. With the defaults, books
/// evaluated at the reference prices of <c>examples/demo</c> come out about 87 % Healthy, 10 % Warning, ReduceOnly or
/// MarginCall, 3 % Liquidatable and 0.45 % Bankrupt (docs/demo.md gives the measured shares).
/// </para>
/// <para>Validated by <see cref="BookGenerator"/>'s constructor (<see cref="Problems"/>).</para>
/// </remarks>
public sealed record BookProfile
{
    /// <summary>The default profile (docs/demo.md).</summary>
    public static BookProfile Default { get; } = new();

    /// <summary>The share of accounts with nothing in them.</summary>
    public double EmptyShare { get; init; } = 0.04;

    /// <summary>The share of accounts that hold collateral and trade nothing (some of them borrow).</summary>
    public double CollateralOnlyShare { get; init; } = 0.24;

    /// <summary>The share of non-empty accounts that borrow a borrowable asset.</summary>
    public double BorrowShare { get; init; } = 0.32;

    /// <summary>The share of trading accounts with dated futures.</summary>
    public double FuturesShare { get; init; } = 0.15;

    /// <summary>The share of trading accounts with options.</summary>
    public double OptionsShare { get; init; } = 0.2;

    /// <summary>The share of trading accounts in portfolio margin mode, when the parameters offer it (only instruments on grid underlyings).</summary>
    public double PortfolioShare { get; init; } = 0.03;

    /// <summary>The median account size: the USD value of its collateral before leverage.</summary>
    public double MedianSizeUsd { get; init; } = 2_500;

    /// <summary>The standard deviation of the natural logarithm of the account size (log-normal sizes: 1.8 puts one account in a thousand above about 600 times the median).</summary>
    public double SizeSpread { get; init; } = 1.8;

    /// <summary>The largest account size in USD; larger draws are capped.</summary>
    public double MaxSizeUsd { get; init; } = 100_000_000;

    /// <summary>The mean holding period of a position in days: entry prices are the mark moved by the underlying's volatility over it.</summary>
    public double MeanHoldingDays { get; init; } = 4;

    /// <summary>The share of margined accounts in the stretched band (utilisation 0.5 to 0.98: ReduceOnly, Warning or MarginCall).</summary>
    public double StretchedShare { get; init; } = 0.13;

    /// <summary>The share of margined accounts in the breached band (utilisation 1.02 to 2.5: Liquidatable).</summary>
    public double BreachedShare { get; init; } = 0.04;

    /// <summary>The share of trading accounts whose positions lost more than their collateral (Bankrupt).</summary>
    public double UnderwaterShare { get; init; } = 0.006;

    /// <summary>The problems of this profile, each naming its property; empty when valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        foreach (var (name, value) in new[]
        {
            (nameof(EmptyShare), EmptyShare), (nameof(CollateralOnlyShare), CollateralOnlyShare), (nameof(BorrowShare), BorrowShare),
            (nameof(FuturesShare), FuturesShare), (nameof(OptionsShare), OptionsShare), (nameof(PortfolioShare), PortfolioShare),
            (nameof(StretchedShare), StretchedShare), (nameof(BreachedShare), BreachedShare), (nameof(UnderwaterShare), UnderwaterShare),
        })
        {
            if (!(value >= 0.0 && value <= 1.0))
            {
                problems.Add(Invariant($"{name} must be a share in [0, 1] (got {value})"));
            }
        }

        if (EmptyShare + CollateralOnlyShare > 1.0)
        {
            problems.Add(Invariant($"{nameof(EmptyShare)} + {nameof(CollateralOnlyShare)} must not exceed 1 (got {EmptyShare + CollateralOnlyShare})"));
        }

        if (StretchedShare + BreachedShare + UnderwaterShare > 1.0)
        {
            problems.Add(Invariant($"{nameof(StretchedShare)} + {nameof(BreachedShare)} + {nameof(UnderwaterShare)} must not exceed 1 (got {StretchedShare + BreachedShare + UnderwaterShare})"));
        }

        if (!(double.IsFinite(MedianSizeUsd) && MedianSizeUsd >= 1.0))
        {
            problems.Add(Invariant($"{nameof(MedianSizeUsd)} must be at least 1 USD (got {MedianSizeUsd})"));
        }

        if (!(double.IsFinite(MaxSizeUsd) && MaxSizeUsd >= MedianSizeUsd && MaxSizeUsd <= 1e10))
        {
            problems.Add(Invariant($"{nameof(MaxSizeUsd)} must be between {nameof(MedianSizeUsd)} and 1e10 USD (got {MaxSizeUsd})"));
        }

        if (!(SizeSpread >= 0.0 && SizeSpread <= 5.0))
        {
            problems.Add(Invariant($"{nameof(SizeSpread)} must be in [0, 5] (got {SizeSpread})"));
        }

        if (!(MeanHoldingDays >= 0.0 && MeanHoldingDays <= 365.0))
        {
            problems.Add(Invariant($"{nameof(MeanHoldingDays)} must be in [0, 365] days (got {MeanHoldingDays})"));
        }

        return problems;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
