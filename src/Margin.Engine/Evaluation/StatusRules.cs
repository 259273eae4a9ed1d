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
    /// <remarks>The comparisons with 1 are exact (on the decimal figures); the thresholds below 1 compare the double ratio.</remarks>
    public static MarginStatus Classify(decimal equity, decimal maintenance, decimal adjustedMaintenance, decimal initial, decimal adjustedInitial, StatusThresholds thresholds)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        if (equity < 0m)
        {
            return MarginStatus.Bankrupt;
        }

        if (AtOrAboveOne(maintenance, adjustedMaintenance))
        {
            return MarginStatus.Liquidatable;
        }

        var marginRatio = Ratio(maintenance, adjustedMaintenance);
        if (marginRatio >= thresholds.MarginCall)
        {
            return MarginStatus.MarginCall;
        }

        if (AtOrAboveOne(initial, adjustedInitial))
        {
            return MarginStatus.ReduceOnly;
        }

        return marginRatio >= thresholds.Warning ? MarginStatus.Warning : MarginStatus.Healthy;
    }

    /// <summary>The reason for a status, with its figures.</summary>
    public static StatusReason Explain(in MarginSummary summary, StatusThresholds thresholds)
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
            MarginStatus.MarginCall => ("MarginRatioAtOrAboveCall", $"MarginRatio {mr} >= margin-call threshold {FormatRatio(thresholds.MarginCall)}: MM {mm} {ccy} vs AE_M {aem} {ccy}"),
            MarginStatus.ReduceOnly => ("InitialRatioAtOrAboveOne", $"InitialRatio {ir} >= 1: IM {im} {ccy} vs AE_I {aei} {ccy}"),
            MarginStatus.Warning => ("MarginRatioAtOrAboveWarning", $"MarginRatio {mr} >= warning threshold {FormatRatio(thresholds.Warning)}: MM {mm} {ccy} vs AE_M {aem} {ccy}"),
            _ when summary.MaintenanceRequirement.Amount == 0m && summary.AdjustedEquityMaintenance.Amount == 0m => ("Empty", "nothing held and nothing required"),
            _ => ("BelowAllThresholds", $"MarginRatio {mr} < warning threshold {FormatRatio(thresholds.Warning)}, InitialRatio {ir} < 1"),
        };

        if (summary.Flags != MarginFlags.None)
        {
            message += $" [flags: {summary.Flags}]";
        }

        return new StatusReason(rule, message);
    }

    private static bool AtOrAboveOne(decimal requirement, decimal adjustedEquity) =>
        adjustedEquity <= 0m ? requirement > 0m || adjustedEquity < 0m : requirement >= adjustedEquity;

    private static string FormatRatio(double ratio) =>
        double.IsPositiveInfinity(ratio) ? "Infinity" : ratio.ToString("0.######", CultureInfo.InvariantCulture);
}
