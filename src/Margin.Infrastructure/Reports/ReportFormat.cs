using System.Globalization;

namespace Margin.Infrastructure.Reports;

/// <summary>How the report writes numbers and times: invariant culture whatever the current culture, thousands separators, UTC.</summary>
internal static class ReportFormat
{
    private static readonly CultureInfo s_invariant = CultureInfo.InvariantCulture;

    /// <summary>A count: 12,345.</summary>
    public static string Count(long value) => value.ToString("#,##0", s_invariant);

    /// <summary>An amount in USD with cents: 1,234,567.89 (the unit is in the column header or appended by the caller).</summary>
    public static string Usd(decimal value) => value.ToString("#,##0.00", s_invariant);

    /// <summary>An amount in USD for tooltips and sentences: "1,234,567.89 USD".</summary>
    public static string UsdText(decimal value) => Usd(value) + " USD";

    /// <summary>A price in USD with as many decimals as it has, up to 8: 64,250.5 or 0.00001234.</summary>
    public static string Price(decimal value) => value.ToString("#,##0.########", s_invariant);

    /// <summary>A margin ratio with three decimals; "∞" for positive infinity.</summary>
    public static string Ratio(double value) =>
        double.IsPositiveInfinity(value) ? "∞" : value.ToString("0.000", s_invariant);

    /// <summary>A signed price move given as a fraction: -0.25 is "-25%", 0.015 is "+1.5%", 0 is "0%".</summary>
    public static string Move(double fraction) => SignedPercent(fraction * 100);

    /// <summary>A signed percentage given in percent: "-3.25%", "+1%", "0%".</summary>
    public static string SignedPercent(double percent)
    {
        var rounded = Math.Round(percent, 2);
        return rounded == 0 ? "0%" : rounded.ToString("+#,##0.##;-#,##0.##", s_invariant) + "%";
    }

    /// <summary>A share given as a fraction, unsigned: 0.125 is "12.5%"; a share above zero that would round to 0 is "&lt;0.1%".</summary>
    public static string Share(double fraction) =>
        fraction > 0 && fraction < 0.0005 ? "<0.1%" : (fraction * 100).ToString("#,##0.#", s_invariant) + "%";

    /// <summary>An age in seconds: "12.5 s".</summary>
    public static string Seconds(double value) => value.ToString("#,##0.#", s_invariant) + " s";

    /// <summary>A time in UTC to the second: "2025-03-01 12:00:00 UTC".</summary>
    public static string Time(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", s_invariant) + " UTC";

    /// <summary>A number for an axis tick: thousands separators below a million, then "1.5M", "2B".</summary>
    public static string Tick(double value)
    {
        var magnitude = Math.Abs(value);
        return magnitude switch
        {
            >= 1e9 => (value / 1e9).ToString("0.##", s_invariant) + "B",
            >= 1e6 => (value / 1e6).ToString("0.##", s_invariant) + "M",
            _ => value.ToString("#,##0.##", s_invariant),
        };
    }

    /// <summary>A short label above a bar: "642k", "7.64M"; below a thousand with at most one decimal.</summary>
    public static string Compact(double value)
    {
        var magnitude = Math.Abs(value);
        return magnitude switch
        {
            >= 1e9 => (value / 1e9).ToString("0.##", s_invariant) + "B",
            >= 1e6 => (value / 1e6).ToString("0.##", s_invariant) + "M",
            >= 1e3 => (value / 1e3).ToString("0.#", s_invariant) + "k",
            _ => value.ToString("0.#", s_invariant),
        };
    }

    /// <summary>A number in an SVG attribute: invariant, at most two decimals.</summary>
    public static string Svg(double value) => Math.Round(value, 2).ToString("0.##", s_invariant);

    /// <summary>A raw value for a <c>data-value</c> attribute: invariant and round-trippable.</summary>
    public static string Data(double value) => value.ToString("R", s_invariant);

    /// <summary>A raw count for a <c>data-value</c> attribute.</summary>
    public static string Data(long value) => value.ToString(s_invariant);

    /// <summary>A raw decimal for a <c>data-value</c> attribute.</summary>
    public static string Data(decimal value) => value.ToString(s_invariant);
}
