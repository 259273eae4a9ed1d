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

    /// <summary>How filling the leg changes the account.</summary>
    public LegAction Action { get; init; }

    /// <summary>The sign of the position reduced (+1 long, -1 short), or 0 for collateral legs.</summary>
    public int PositionSign { get; init; }

    /// <summary>Units of the underlying per contract (options), else 1.</summary>
    public decimal Multiplier { get; init; } = 1m;

    /// <summary>The USD value of one lot: <c>lot * P</c>, <c>lot</c> for inverse contracts (USD face value), <c>lot * multiplier * mark</c> for options.</summary>
    public required decimal ValuePerLot { get; init; }

    /// <summary>The price move of one lot, <c>ValuePerLot / depth</c>, divided once per plan rather than once per move.</summary>
    public required decimal ImpactPerLot { get; init; }

    /// <summary>The asset whose ledger balance the leg changes other than through the settlement asset (the asset sold or repaid, an inverse contract's coin), or default.</summary>
    public Asset LedgerAsset { get; init; }

    /// <summary>Whether the leg pays out of the settlement balance (a repay, a short option bought back), so that it must be funded.</summary>
    public bool ConsumesCash => Action == LegAction.Repay || (Action == LegAction.ReduceOption && PositionSign < 0);

    public required decimal LotSize { get; init; }

    public required decimal Price { get; init; }

    public required decimal Depth { get; init; }

    public required long MaxLots { get; init; }

    public required long FirstLots { get; init; }

    public required long StepLots { get; init; }

    /// <summary>The value <c>x</c> of <paramref name="lots"/> lots at the reference price, in USD.</summary>
    public decimal Value(long lots) => lots * ValuePerLot;

    /// <summary>The trading fee as a fraction of a leg's value, paid from the settlement balance when the leg fills.</summary>
    public decimal FeeRate { get; init; }

    /// <summary>The limit price after <paramref name="lots"/> lots: <c>P * (1 -/+ x / depth)</c>.</summary>
    public decimal Limit(long lots)
    {
        var move = lots * ImpactPerLot;
        return Side == TradeSide.Sell ? Price * (1m - move) : Price * (1m + move);
    }

    /// <summary>The cost <c>x * fee + x^2 / (2 * depth)</c> of <paramref name="lots"/> lots, in USD.</summary>
    public decimal Cost(long lots, decimal feeRate)
    {
        var x = Value(lots);
        return (x * feeRate) + (x * x / (2m * Depth));
    }

    /// <summary>The same cost in <see cref="double"/>, for ranking moves only.</summary>
    public double CostEstimate(long lots, double feeRate)
    {
        var x = lots * (double)ValuePerLot;
        return (x * feeRate) + (x * x / (2d * (double)Depth));
    }

    /// <summary>
    /// What <paramref name="lots"/> lots filled at their limit change: <paramref name="usd"/> to the settlement balance
    /// (in USD, before conversion at the settlement price; proceeds or payments at the limit, less the fee), <paramref name="ledger"/> to <see cref="LedgerAsset"/>'s
    /// balance, and <paramref name="position"/> (signed) to the position's quantity.
    /// </summary>
    public void Effects(long lots, out decimal usd, out decimal ledger, out decimal position)
    {
        usd = 0m;
        ledger = 0m;
        position = 0m;
        if (lots == 0)
        {
            return;
        }

        var q = lots * LotSize;
        var limit = Limit(lots);
        switch (Action)
        {
            case LegAction.Sell:
                ledger = -q;
                usd = q * limit;
                break;
            case LegAction.Repay:
                ledger = q;
                usd = -(q * limit);
                break;
            case LegAction.ReduceLinear:
                position = -PositionSign * q;
                usd = PositionSign > 0 ? q * (limit - EntryPrice) : q * (EntryPrice - limit);
                break;
            case LegAction.ReduceInverse:
                // Closing face value q at the limit realises q * (1/entry - 1/limit) coins (a long; a short the opposite).
                position = -PositionSign * q;
                ledger = PositionSign > 0 ? (q / EntryPrice) - (q / limit) : (q / limit) - (q / EntryPrice);
                break;
            default:
                position = -PositionSign * q;
                usd = PositionSign > 0 ? q * Multiplier * limit : -(q * Multiplier * limit);
                break;
        }

        // The fee on the leg's value is paid from the settlement balance, so a plan reaches its target after fees.
        if (FeeRate != 0m)
        {
            usd -= Value(lots) * FeeRate;
        }
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
