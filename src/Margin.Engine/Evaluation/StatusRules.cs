using System.Globalization;
using Margin.Engine.Parameters;
using Margin.Engine.Results;

namespace Margin.Engine.Evaluation;

/// <summary>Ratios and statuses (MARGIN-MODEL.md section 5), as pure functions.</summary>
public static class StatusRules
{
    /// <summary>A requirement over an adjusted equity: 0 when nothing is required and the equity is not negative; +inf when the equity is not positive; else the quotient.</summary>
    public static double Ratio(decimal requirement, decimal adjustedEquity)
    {
        if (requirement == 0m && adjustedEquity >= 0m)
        {
            return 0d;
        }

        if (adjustedEquity <= 0m)
        {
            return double.PositiveInfinity;
        }

        return (double)requirement / (double)adjustedEquity;
    }

    /// <summary>The first matching status of section 5: Bankrupt, Liquidatable, MarginCall, ReduceOnly, Warning, Healthy.</summary>
    /// <remarks>
    /// Every comparison is exact on the decimal figures (<c>MM &gt;= threshold * AE_M</c>), never on the double ratio:
    /// decimal-to-double conversion and division can put a ratio of exactly 0.8 one ulp below the double 0.8 (e.g.
    /// MM 803.184 / AE_M 1,003.98), which would let an account at a threshold escape it.
    /// </remarks>
    public static MarginStatus Classify(decimal equity, decimal maintenance, decimal adjustedMaintenance, decimal initial, decimal adjustedInitial, StatusThresholds thresholds)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        if (equity < 0m)
        {
            return MarginStatus.Bankrupt;
        }

        if (AtOrAbove(maintenance, adjustedMaintenance, 1m))
        {
            return MarginStatus.Liquidatable;
        }

        // Here AE_M > 0 (otherwise the ratio is +inf or 0 and was decided above, or MM is 0 and no threshold is reached).
        if (AtOrAbove(maintenance, adjustedMaintenance, thresholds.MarginCall))
        {
            return MarginStatus.MarginCall;
        }

        if (AtOrAbove(initial, adjustedInitial, 1m))
        {
            return MarginStatus.ReduceOnly;
        }

        return AtOrAbove(maintenance, adjustedMaintenance, thresholds.Warning) ? MarginStatus.Warning : MarginStatus.Healthy;
    }

    /// <summary>The reason for a status, with its figures.</summary>
    /// <param name="summary">The figures and status.</param>
    /// <param name="thresholds">The thresholds the status was decided with.</param>
    /// <param name="accountIsEmpty">The account has no non-zero balance or position (rule <c>Empty</c>).</param>
    public static StatusReason Explain(in MarginSummary summary, StatusThresholds thresholds, bool accountIsEmpty)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        var c = CultureInfo.InvariantCulture;
        var ccy = summary.Equity.Currency;
        var mr = FormatRatio(summary.MarginRatio);
        var ir = FormatRatio(summary.InitialRatio);
        var mm = summary.MaintenanceRequirement.Amount.ToString("#,0.00######", c);
        var aem = summary.AdjustedEquityMaintenance.Amount.ToString("#,0.00######", c);
        var im = summary.InitialRequirement.Amount.ToString("#,0.00######", c);
        var aei = summary.AdjustedEquityInitial.Amount.ToString("#,0.00######", c);
        var (rule, message) = summary.Status switch
        {
            MarginStatus.Bankrupt => ("EquityBelowZero", $"equity {summary.Equity.Amount.ToString("#,0.00######", c)} {ccy} is below zero"),
            MarginStatus.Liquidatable => ("MarginRatioAtOrAboveOne", $"MarginRatio {mr} >= 1: MM {mm} {ccy} vs AE_M {aem} {ccy}"),
            MarginStatus.MarginCall => ("MarginRatioAtOrAboveCall", $"MarginRatio {mr} >= margin-call threshold {thresholds.MarginCall.ToString(c)}: MM {mm} {ccy} vs AE_M {aem} {ccy}"),
            MarginStatus.ReduceOnly => ("InitialRatioAtOrAboveOne", $"InitialRatio {ir} >= 1: IM {im} {ccy} vs AE_I {aei} {ccy}"),
            MarginStatus.Warning => ("MarginRatioAtOrAboveWarning", $"MarginRatio {mr} >= warning threshold {thresholds.Warning.ToString(c)}: MM {mm} {ccy} vs AE_M {aem} {ccy}"),
            _ when accountIsEmpty => ("Empty", "nothing held and nothing required"),
            _ => ("BelowAllThresholds", $"MarginRatio {mr} < warning threshold {thresholds.Warning.ToString(c)}, InitialRatio {ir} < 1"),
        };

        if (summary.Flags != MarginFlags.None)
        {
            message += $" [flags: {summary.Flags}]";
        }

        return new StatusReason(rule, message);
    }

    // A threshold in (0, 1]: with AE > 0 the ratio is at or above it exactly when requirement >= threshold * AE; with
    // AE <= 0 the ratio is +inf (at or above any threshold) unless nothing is required and AE is exactly 0.
    private static bool AtOrAbove(decimal requirement, decimal adjustedEquity, decimal threshold) =>
        adjustedEquity <= 0m ? requirement > 0m || adjustedEquity < 0m : requirement >= threshold * adjustedEquity;

    private static string FormatRatio(double ratio) =>
        double.IsPositiveInfinity(ratio) ? "Infinity" : ratio.ToString("0.######", CultureInfo.InvariantCulture);
}
