namespace Margin.Engine.Portfolio;

/// <summary>The delta and roll add-ons of an underlying's loss <c>L_u</c> (MARGIN-MODEL.md section 4, Deribit-inspired).</summary>
/// <remarks>Delta is in units of the underlying (coins); spot is in the quote currency per unit; results are in the quote currency.</remarks>
public static class PortfolioShocks
{
    /// <summary>The time to expiry, in years, at which a perpetual enters the roll shock: one day, <c>1 / 365</c>.</summary>
    /// <remarks>A perpetual has no expiry, but its funding re-anchors it to spot daily, so it behaves like a one-day future in a calendar spread.</remarks>
    public const double PerpetualYears = 1.0 / 365.0;

    /// <summary>The delta shock <c>max(0, |netDelta| * S - threshold) * pct</c>.</summary>
    /// <param name="netDeltaUnits">The net delta of the underlying in units, balances included; any finite sign.</param>
    /// <param name="spot">The spot price <c>S</c>, finite and positive.</param>
    /// <param name="threshold">The notional exempt from the shock, in the quote currency, finite and non-negative.</param>
    /// <param name="pct">The charge on the excess notional, a fraction (0.01 = 1 %), finite and non-negative.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public static double DeltaShock(double netDeltaUnits, double spot, double threshold, double pct)
    {
        RequireFinite(netDeltaUnits, nameof(netDeltaUnits));
        RequirePositive(spot, nameof(spot));
        RequireNonNegative(threshold, nameof(threshold));
        RequireNonNegative(pct, nameof(pct));
        return Math.Max(0.0, (Math.Abs(netDeltaUnits) * spot) - threshold) * pct;
    }

    /// <summary>The roll shock <c>S * sum_e |delta_e| * max(annualMove * T_e, minMove)</c> over futures expiries.</summary>
    /// <param name="spot">The spot price <c>S</c>, finite and positive.</param>
    /// <param name="expiries">Per expiry: the net delta in units (any finite sign) and the time to expiry in years (finite, non-negative; <see cref="PerpetualYears"/> for a perpetual).</param>
    /// <param name="annualMove">The basis move per year of tenor, a fraction, finite and non-negative.</param>
    /// <param name="minMove">The smallest basis move per expiry, a fraction, finite and non-negative.</param>
    /// <remarks>Absolute deltas per expiry add, so a calendar spread (long one expiry, short another) carries roll risk although its net delta is 0.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public static double RollShock(double spot, IEnumerable<(double DeltaUnits, double TYears)> expiries, double annualMove, double minMove)
    {
        RequirePositive(spot, nameof(spot));
        ArgumentNullException.ThrowIfNull(expiries);
        RequireNonNegative(annualMove, nameof(annualMove));
        RequireNonNegative(minMove, nameof(minMove));
        var sum = 0.0;
        foreach (var (deltaUnits, years) in expiries)
        {
            RequireFinite(deltaUnits, nameof(expiries));
            RequireNonNegative(years, nameof(expiries));
            sum += Math.Abs(deltaUnits) * Math.Max(annualMove * years, minMove);
        }

        return spot * sum;
    }

    private static void RequireFinite(double value, string name)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(name, value, "must be finite");
        }
    }

    private static void RequirePositive(double value, string name)
    {
        if (!(double.IsFinite(value) && value > 0.0))
        {
            throw new ArgumentOutOfRangeException(name, value, "must be finite and positive");
        }
    }

    private static void RequireNonNegative(double value, string name)
    {
        if (!(double.IsFinite(value) && value >= 0.0))
        {
            throw new ArgumentOutOfRangeException(name, value, "must be finite and non-negative");
        }
    }
}
