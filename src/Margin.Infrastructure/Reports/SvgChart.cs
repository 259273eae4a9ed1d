using System.Globalization;
using System.Text;

namespace Margin.Infrastructure.Reports;

/// <summary>One value of a chart: where it is drawn, what its element carries in <c>data-value</c>, and its tooltip.</summary>
/// <param name="Value">The value on the chart's scale.</param>
/// <param name="DataValue">The raw value for the element's <c>data-value</c> attribute (invariant).</param>
/// <param name="Tooltip">The element's <c>&lt;title&gt;</c>: what a reader sees on hover (escaped when written).</param>
/// <param name="Label">A short label drawn above a bar, or null for none.</param>
/// <param name="Color">A fill that overrides the series colour, or null.</param>
internal sealed record ChartDatum(double Value, string DataValue, string Tooltip, string? Label = null, string? Color = null);

/// <summary>A series of bars, one datum per category; a null datum draws no bar but the <paramref name="Missing"/> text, if any, in its place.</summary>
internal sealed record BarSeries(string Name, string Color, IReadOnlyList<ChartDatum?> Data, string? Missing = null);

/// <summary>A line through points (x on a numeric scale).</summary>
internal sealed record LineSeries(string Name, string Color, string? Dash, IReadOnlyList<(double X, ChartDatum Y)> Points);

/// <summary>An entry of a chart's legend: a swatch, or a line (with a dot for a series of points, without for a reference line).</summary>
internal sealed record LegendItem(string Name, string Color, bool Line = false, string? Dash = null, bool Dot = true);

/// <summary>A rectangle of the SVG canvas a panel draws in (axes, labels and titles included).</summary>
internal readonly record struct ChartBox(double X, double Y, double Width, double Height);

/// <summary>A value axis: its title with the unit, its tick format, and whether its ticks must be whole numbers.</summary>
internal sealed record ValueAxis(string Title, Func<double, string> Format, bool Integer = false);

/// <summary>
/// Inline SVG charts drawn on the server: bar and line panels with axes, tick labels, axis titles, legends and a
/// <c>&lt;title&gt;</c> tooltip and <c>data-value</c> per datum. Deterministic: the same data gives the same bytes.
/// </summary>
/// <remarks>Every text goes through <see cref="HtmlText.Escape"/>; every number through <see cref="ReportFormat.Svg"/>.</remarks>
internal sealed class SvgChart
{
    /// <summary>Series colours that stay apart for colour-blind readers (Okabe-Ito, then darker tones).</summary>
    public static readonly IReadOnlyList<string> Palette =
    [
        "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8C564B", "#7F7F7F", "#B8860B",
    ];

    /// <summary>The colour and dash of a reference line, for its legend entry.</summary>
    public const string ReferenceColor = "#7F1D1D";

    /// <summary>The dash pattern of a reference line.</summary>
    public const string ReferenceDash = "6 4";

    private const double LegendRowHeight = 18;
    private const double FontWidth = 6.6;

    private readonly StringBuilder _svg = new();

    /// <summary>Starts an <c>&lt;svg data-chart="..."&gt;</c> of the given size, labelled for screen readers.</summary>
    public SvgChart(string chart, double width, double height, string label)
    {
        Width = width;
        Height = height;
        _svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" data-chart=\"{HtmlText.Escape(chart)}\" viewBox=\"0 0 {ReportFormat.Svg(width)} {ReportFormat.Svg(height)}\" role=\"img\" aria-label=\"{HtmlText.Escape(label)}\" style=\"max-width:{ReportFormat.Svg(width)}px\">");
        _svg.Append(CultureInfo.InvariantCulture, $"<title>{HtmlText.Escape(label)}</title>");
    }

    /// <summary>The canvas width in SVG units.</summary>
    public double Width { get; }

    /// <summary>The height of the sliver a zero or tiny bar is drawn as, in SVG units.</summary>
    private const double MinimumBar = 1.5;

    /// <summary>The canvas height in SVG units.</summary>
    public double Height { get; }

    /// <summary>Closes the SVG and returns its markup.</summary>
    public string Finish() => _svg.Append("</svg>").ToString();

    /// <summary>Draws a legend from (x, y) flowing into rows of at most maxWidth; returns the height it took.</summary>
    public double Legend(double x, double y, double maxWidth, IReadOnlyList<LegendItem> items)
    {
        var cx = x;
        var cy = y;
        _svg.Append("<g class=\"legend\">");
        foreach (var item in items)
        {
            var width = (item.Line ? 22 : 18) + (item.Name.Length * FontWidth) + 18;
            if (cx > x && cx + width > x + maxWidth)
            {
                cx = x;
                cy += LegendRowHeight;
            }

            if (item.Line)
            {
                _svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{S(cx)}\" y1=\"{S(cy + 6)}\" x2=\"{S(cx + 18)}\" y2=\"{S(cy + 6)}\" stroke=\"{item.Color}\" stroke-width=\"2.5\"{DashAttribute(item.Dash)}/>");
                if (item.Dot)
                {
                    _svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{S(cx + 7)}\" cy=\"{S(cy + 6)}\" r=\"3\" fill=\"{item.Color}\"/>");
                }
            }
            else
            {
                _svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{S(cx)}\" y=\"{S(cy)}\" width=\"12\" height=\"12\" rx=\"2\" fill=\"{item.Color}\"/>");
            }

            _svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{S(cx + (item.Line ? 22 : 18))}\" y=\"{S(cy + 10.5)}\">{HtmlText.Escape(item.Name)}</text>");
            cx += width;
        }

        _svg.Append("</g>");
        return cy - y + LegendRowHeight;
    }

    /// <summary>A bold title at the top left of a panel.</summary>
    public void PanelTitle(ChartBox box, string title) =>
        _svg.Append(CultureInfo.InvariantCulture, $"<text class=\"panel-title\" x=\"{S(box.X + 4)}\" y=\"{S(box.Y + 14)}\">{HtmlText.Escape(title)}</text>");

    /// <summary>
    /// Grouped vertical bars: one group per category, one bar per series, on a value axis from zero (negative values
    /// hang below it). A dashed reference line (e.g. 100 % of depth) is drawn when given: name it in the legend, where it
    /// hides no bar.
    /// </summary>
    public void Bars(ChartBox box, IReadOnlyList<string> categories, IReadOnlyList<BarSeries> series, string categoryTitle, ValueAxis axis, double? reference = null)
    {
        var values = series.SelectMany(s => s.Data).Where(d => d is not null).Select(d => d!.Value).ToList();
        if (reference is { } r)
        {
            values.Add(r);
        }

        // Labels above the bars need room under the top of the axis.
        var labelled = series.Any(s => s.Data.Any(d => d?.Label is not null));
        var high = values.DefaultIfEmpty(0).Max();
        var low = values.DefaultIfEmpty(0).Min();
        var scale = NiceScale.Of(labelled ? low * 1.08 : low, labelled ? high * 1.08 : high, axis.Integer);
        var longest = categories.Count == 0 ? 0 : categories.Max(c => c.Length);
        var band = (box.Width - 78) / Math.Max(1, categories.Count);
        var rotate = longest * FontWidth > band - 4;
        var bottom = rotate ? 40 + Math.Min(longest, 18) * FontWidth * 0.62 : 46;
        var plot = new ChartBox(box.X + 70, box.Y + 8, box.Width - 78, box.Height - 8 - bottom);
        ValueGrid(plot, scale, axis);

        var groupWidth = band * 0.78;
        var barWidth = groupWidth / Math.Max(1, series.Count);
        var zero = plot.Y + plot.Height - ((0 - scale.Low) / (scale.High - scale.Low) * plot.Height);
        _svg.Append("<g class=\"bars\">");
        for (var c = 0; c < categories.Count; c++)
        {
            var groupX = plot.X + (c * band) + ((band - groupWidth) / 2);
            for (var s = 0; s < series.Count; s++)
            {
                if (series[s].Data[c] is not { } datum)
                {
                    if (series[s].Missing is { } missing)
                    {
                        _svg.Append(CultureInfo.InvariantCulture, $"<text class=\"missing\" x=\"{S(groupX + (s * barWidth) + (barWidth / 2))}\" y=\"{S(zero - 5)}\" text-anchor=\"middle\">{HtmlText.Escape(missing)}</text>");
                    }

                    continue;
                }

                var y = plot.Y + plot.Height - ((datum.Value - scale.Low) / (scale.High - scale.Low) * plot.Height);
                // A zero (or tiny) value is drawn as a thin sliver on the axis, so that it can be seen and hovered: an empty
                // gap would read as "no data" (all prices fresh, a status with no account).
                var height = Math.Max(MinimumBar, Math.Abs(zero - y));
                var top = datum.Value >= 0 ? zero - height : zero;
                var x = groupX + (s * barWidth) + 1;
                var width = Math.Max(1, barWidth - 2);
                _svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{S(x)}\" y=\"{S(top)}\" width=\"{S(width)}\" height=\"{S(height)}\" fill=\"{datum.Color ?? series[s].Color}\" data-value=\"{HtmlText.Escape(datum.DataValue)}\" data-series=\"{HtmlText.Escape(series[s].Name)}\" data-category=\"{HtmlText.Escape(categories[c])}\"><title>{HtmlText.Escape(datum.Tooltip)}</title></rect>");
                if (datum.Label is { } label && barWidth >= label.Length * 5.2)
                {
                    var labelY = datum.Value >= 0 ? top - 4 : top + height + 12;
                    _svg.Append(CultureInfo.InvariantCulture, $"<text class=\"bar-label\" x=\"{S(x + (width / 2))}\" y=\"{S(labelY)}\" text-anchor=\"middle\">{HtmlText.Escape(label)}</text>");
                }
            }
        }

        _svg.Append("</g>");
        if (reference is { } line)
        {
            var y = plot.Y + plot.Height - ((line - scale.Low) / (scale.High - scale.Low) * plot.Height);
            _svg.Append(CultureInfo.InvariantCulture, $"<line class=\"reference\" x1=\"{S(plot.X)}\" y1=\"{S(y)}\" x2=\"{S(plot.X + plot.Width)}\" y2=\"{S(y)}\" stroke=\"{ReferenceColor}\" stroke-width=\"1.5\" stroke-dasharray=\"{ReferenceDash}\"/>");
        }

        // The category axis: the zero line, a label per category, the axis title.
        _svg.Append(CultureInfo.InvariantCulture, $"<g class=\"axis x\"><line x1=\"{S(plot.X)}\" y1=\"{S(zero)}\" x2=\"{S(plot.X + plot.Width)}\" y2=\"{S(zero)}\"/>");
        var labelTop = plot.Y + plot.Height + 16;
        for (var c = 0; c < categories.Count; c++)
        {
            var cx = plot.X + (c * band) + (band / 2);
            var text = HtmlText.Escape(categories[c]);
            _svg.Append(rotate
                ? string.Create(CultureInfo.InvariantCulture, $"<text x=\"{S(cx)}\" y=\"{S(labelTop - 4)}\" text-anchor=\"end\" transform=\"rotate(-35 {S(cx)} {S(labelTop - 4)})\">{text}</text>")
                : string.Create(CultureInfo.InvariantCulture, $"<text x=\"{S(cx)}\" y=\"{S(labelTop)}\" text-anchor=\"middle\">{text}</text>"));
        }

        _svg.Append(CultureInfo.InvariantCulture, $"<text class=\"axis-title\" x=\"{S(plot.X + (plot.Width / 2))}\" y=\"{S(box.Y + box.Height - 4)}\" text-anchor=\"middle\">{HtmlText.Escape(categoryTitle)}</text></g>");
    }

    /// <summary>Lines through points on a numeric x axis (ticks at the given x values), each point a circle with a tooltip.</summary>
    public void Lines(ChartBox box, IReadOnlyList<double> xTicks, Func<double, string> xFormat, string xTitle, IReadOnlyList<LineSeries> series, ValueAxis axis, bool includeZero)
    {
        var ys = series.SelectMany(s => s.Points).Select(p => p.Y.Value).ToList();
        if (includeZero)
        {
            ys.Add(0);
        }

        var scale = NiceScale.Of(ys.DefaultIfEmpty(0).Min(), ys.DefaultIfEmpty(0).Max(), axis.Integer);
        var plot = new ChartBox(box.X + 70, box.Y + 8, box.Width - 70 - 34, box.Height - 8 - 46);
        ValueGrid(plot, scale, axis);

        // The x axis runs from the first tick to the last, whichever way they go (0 % to -50 % reads left to right).
        var first = xTicks.Count > 0 ? xTicks[0] : 0;
        var last = xTicks.Count > 1 ? xTicks[^1] : first + 1;
        double X(double x) => plot.X + ((x - first) / (last - first) * plot.Width);
        double Y(double y) => plot.Y + plot.Height - ((y - scale.Low) / (scale.High - scale.Low) * plot.Height);

        _svg.Append(CultureInfo.InvariantCulture, $"<g class=\"axis x\"><line x1=\"{S(plot.X)}\" y1=\"{S(plot.Y + plot.Height)}\" x2=\"{S(plot.X + plot.Width)}\" y2=\"{S(plot.Y + plot.Height)}\"/>");
        var every = Math.Max(1, (int)Math.Ceiling(xTicks.Count / Math.Max(1, plot.Width / 48)));
        for (var i = 0; i < xTicks.Count; i++)
        {
            var x = X(xTicks[i]);
            _svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{S(x)}\" y1=\"{S(plot.Y + plot.Height)}\" x2=\"{S(x)}\" y2=\"{S(plot.Y + plot.Height + 4)}\"/>");
            if (i % every == 0 || i == xTicks.Count - 1)
            {
                _svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{S(x)}\" y=\"{S(plot.Y + plot.Height + 17)}\" text-anchor=\"middle\">{HtmlText.Escape(xFormat(xTicks[i]))}</text>");
            }
        }

        _svg.Append(CultureInfo.InvariantCulture, $"<text class=\"axis-title\" x=\"{S(plot.X + (plot.Width / 2))}\" y=\"{S(box.Y + box.Height - 4)}\" text-anchor=\"middle\">{HtmlText.Escape(xTitle)}</text></g>");
        if (includeZero && scale.Low < 0 && scale.High > 0)
        {
            _svg.Append(CultureInfo.InvariantCulture, $"<line class=\"zero\" x1=\"{S(plot.X)}\" y1=\"{S(Y(0))}\" x2=\"{S(plot.X + plot.Width)}\" y2=\"{S(Y(0))}\" stroke=\"#64748B\"/>");
        }

        foreach (var line in series)
        {
            _svg.Append(CultureInfo.InvariantCulture, $"<g class=\"series\" data-series=\"{HtmlText.Escape(line.Name)}\">");
            if (line.Points.Count > 1)
            {
                var points = string.Join(' ', line.Points.Select(p => S(X(p.X)) + "," + S(Y(p.Y.Value))));
                _svg.Append(CultureInfo.InvariantCulture, $"<polyline points=\"{points}\" fill=\"none\" stroke=\"{line.Color}\" stroke-width=\"2.2\" stroke-linejoin=\"round\"{DashAttribute(line.Dash)}/>");
            }

            // Smaller dots where they would crowd the line.
            var radius = line.Points.Count > 20 ? "2.4" : "3.6";
            foreach (var (x, y) in line.Points)
            {
                _svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{S(X(x))}\" cy=\"{S(Y(y.Value))}\" r=\"{radius}\" fill=\"{y.Color ?? line.Color}\" stroke=\"#fff\" stroke-width=\"1\" data-value=\"{HtmlText.Escape(y.DataValue)}\" data-series=\"{HtmlText.Escape(line.Name)}\" data-x=\"{ReportFormat.Data(x)}\"><title>{HtmlText.Escape(y.Tooltip)}</title></circle>");
            }

            _svg.Append("</g>");
        }
    }

    /// <summary>Horizontal grid lines with value ticks on the left and the value axis title along it.</summary>
    private void ValueGrid(ChartBox plot, NiceScale scale, ValueAxis axis)
    {
        _svg.Append("<g class=\"grid\">");
        foreach (var tick in scale.Ticks())
        {
            var y = plot.Y + plot.Height - ((tick - scale.Low) / (scale.High - scale.Low) * plot.Height);
            _svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{S(plot.X)}\" y1=\"{S(y)}\" x2=\"{S(plot.X + plot.Width)}\" y2=\"{S(y)}\"/>");
        }

        _svg.Append("</g>");
        _svg.Append(CultureInfo.InvariantCulture, $"<g class=\"axis y\"><line x1=\"{S(plot.X)}\" y1=\"{S(plot.Y)}\" x2=\"{S(plot.X)}\" y2=\"{S(plot.Y + plot.Height)}\"/>");
        foreach (var tick in scale.Ticks())
        {
            var y = plot.Y + plot.Height - ((tick - scale.Low) / (scale.High - scale.Low) * plot.Height);
            _svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{S(plot.X - 6)}\" y=\"{S(y + 4)}\" text-anchor=\"end\">{HtmlText.Escape(axis.Format(tick))}</text>");
        }

        var middle = plot.Y + (plot.Height / 2);
        var titleX = plot.X - 56;
        _svg.Append(CultureInfo.InvariantCulture, $"<text class=\"axis-title\" x=\"{S(titleX)}\" y=\"{S(middle)}\" text-anchor=\"middle\" transform=\"rotate(-90 {S(titleX)} {S(middle)})\">{HtmlText.Escape(axis.Title)}</text></g>");
    }

    private static string DashAttribute(string? dash) => dash is null ? "" : $" stroke-dasharray=\"{dash}\"";

    private static string S(double value) => ReportFormat.Svg(value);
}
