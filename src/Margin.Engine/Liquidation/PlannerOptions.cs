using Margin.Engine.Domain;

namespace Margin.Engine.Liquidation;

/// <summary>Validated settings of the liquidation planner.</summary>
/// <remarks>
/// <see cref="FeeRate"/> is a fraction of the leg value in [0, 1). <see cref="MaxImpact"/> is a fraction in (0, 0.5]: no
/// leg is larger than <c>MaxImpact * depth</c>, so no limit price moves more than that from <c>P</c>; beyond half the
/// depth, selling more would bring in less (<c>x * (1 - x / depth)</c> falls), so larger values are rejected.
/// <see cref="MaxOrderUsd"/> (&gt; 0) caps each leg's value per sweep; <see cref="MinOrderUsd"/> (&gt;= 0, at most the
/// maximum) is the smallest leg value: a leg's first move is the fewest lots worth at least this much.
/// <see cref="MoveUsd"/> (&gt;= 0) makes every later move the fewest lots worth at least this much (0: automatic, one lot
/// or the plan's deficit / 2,000 USD if that is worth more), so that tiny lot sizes do not make the plan take millions of steps; <see cref="MaxMoves"/> bounds the steps.
/// <see cref="SettlementAsset"/> receives sale proceeds and pays repays; null means the parameters' settlement asset.
/// It must be a configured asset of the parameters in force (checked when planning).
/// </remarks>
public sealed class PlannerOptions
{
    private PlannerOptions(decimal feeRate, decimal maxImpact, decimal maxOrderUsd, decimal minOrderUsd, Asset? settlementAsset, decimal moveUsd, int maxMoves)
    {
        FeeRate = feeRate;
        MaxImpact = maxImpact;
        MaxOrderUsd = maxOrderUsd;
        MinOrderUsd = minOrderUsd;
        SettlementAsset = settlementAsset;
        MoveUsd = moveUsd;
        MaxMoves = maxMoves;
    }

    /// <summary>Trading fee as a fraction of the leg value.</summary>
    public decimal FeeRate { get; }

    /// <summary>The largest leg as a fraction of the asset's depth, and so the largest price move of a limit.</summary>
    public decimal MaxImpact { get; }

    /// <summary>The largest leg value per sweep, in USD.</summary>
    public decimal MaxOrderUsd { get; }

    /// <summary>The smallest leg value, in USD.</summary>
    public decimal MinOrderUsd { get; }

    /// <summary>The asset credited with proceeds and debited for repays, or null for the parameters' settlement asset.</summary>
    public Asset? SettlementAsset { get; }

    /// <summary>The smallest value of one greedy move after a leg's first, in USD (0: automatic, one lot or the deficit / 2,000 USD, whichever is worth more).</summary>
    public decimal MoveUsd { get; }

    /// <summary>The most greedy moves one plan may take.</summary>
    public int MaxMoves { get; }

    /// <summary>Validates and creates planner options.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside the range given in the remarks.</exception>
    public static PlannerOptions Create(decimal feeRate, decimal maxImpact, decimal maxOrderUsd, decimal minOrderUsd = 0m, Asset? settlementAsset = null, decimal moveUsd = 0m, int maxMoves = 100_000)
    {
        if (feeRate is < 0m or >= 1m)
        {
            throw new ArgumentOutOfRangeException(nameof(feeRate), feeRate, "the fee rate must be in [0, 1)");
        }

        if (maxImpact is <= 0m or > 0.5m)
        {
            throw new ArgumentOutOfRangeException(nameof(maxImpact), maxImpact, "the maximum impact must be in (0, 0.5]");
        }

        if (maxOrderUsd <= 0m)
        {
            throw new ArgumentOutOfRangeException(nameof(maxOrderUsd), maxOrderUsd, "the maximum order size must be positive");
        }

        if (minOrderUsd < 0m || minOrderUsd > maxOrderUsd)
        {
            throw new ArgumentOutOfRangeException(nameof(minOrderUsd), minOrderUsd, "the minimum order size must be in [0, maxOrderUsd]");
        }

        if (settlementAsset is { IsDefault: true })
        {
            throw new ArgumentOutOfRangeException(nameof(settlementAsset), settlementAsset, "the settlement asset must not be default");
        }

        if (moveUsd < 0m)
        {
            throw new ArgumentOutOfRangeException(nameof(moveUsd), moveUsd, "the move size must not be negative");
        }

        if (maxMoves <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxMoves), maxMoves, "the move budget must be positive");
        }

        return new PlannerOptions(feeRate, maxImpact, maxOrderUsd, minOrderUsd, settlementAsset, moveUsd, maxMoves);
    }
}
