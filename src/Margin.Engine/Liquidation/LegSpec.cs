using Margin.Engine.Domain;

namespace Margin.Engine.Liquidation;

/// <summary>A leg the planner may grow: what it trades, its lot, reference price, depth and lot bounds.</summary>
/// <remarks>
/// Lot counts are <see cref="long"/>: a lot of 1e-8 BTC makes hundreds of millions of lots. <see cref="MaxLots"/> is
/// the least of what is held (owed, open) in whole lots, <c>MaxImpact * depth</c> and the maximum order size;
/// <see cref="FirstLots"/> the fewest lots worth the minimum order size; <see cref="StepLots"/> the fewest lots worth
/// the move size.
/// </remarks>
internal sealed record LegSpec
{
    public required LegKind Kind { get; init; }

    public required string Target { get; init; }

    public required TradeSide Side { get; init; }

    public Asset Asset { get; init; }

    public int PositionIndex { get; init; } = -1;

    public decimal EntryPrice { get; init; }

    public required decimal LotSize { get; init; }

    public required decimal Price { get; init; }

    public required decimal Depth { get; init; }

    public required long MaxLots { get; init; }

    public required long FirstLots { get; init; }

    public required long StepLots { get; init; }

    /// <summary>The value <c>x</c> of <paramref name="lots"/> lots at the reference price, in USD.</summary>
    public decimal Value(long lots) => lots * LotSize * Price;

    /// <summary>The limit price after <paramref name="lots"/> lots: <c>P * (1 -/+ x / depth)</c>.</summary>
    public decimal Limit(long lots)
    {
        var move = Value(lots) / Depth;
        return Side == TradeSide.Sell ? Price * (1m - move) : Price * (1m + move);
    }

    /// <summary>The cost <c>x * fee + x^2 / (2 * depth)</c> of <paramref name="lots"/> lots, in USD.</summary>
    public decimal Cost(long lots, decimal feeRate)
    {
        var x = Value(lots);
        return (x * feeRate) + (x * x / (2m * Depth));
    }

    /// <summary>The lots the next move adds to a leg of <paramref name="lots"/> lots, or 0 when the leg cannot grow.</summary>
    public long NextMove(long lots) => NextMove(lots, StepLots);

    /// <summary>The lots a move of at most <paramref name="step"/> lots adds to a leg of <paramref name="lots"/> lots (a new leg's first move is always <see cref="FirstLots"/>), or 0 when the leg cannot grow.</summary>
    public long NextMove(long lots, long step)
    {
        if (lots == 0)
        {
            return FirstLots <= MaxLots ? FirstLots : 0;
        }

        return Math.Min(step, MaxLots - lots);
    }
}
