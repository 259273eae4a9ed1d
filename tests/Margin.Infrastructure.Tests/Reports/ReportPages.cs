using System.Buffers.Binary;
using System.Reflection;
using Margin.Infrastructure.Reports;
using Margin.Testing;
using Margin.Testing.Browser;

namespace Margin.Infrastructure.Tests.Reports;

/// <summary>The checks every report page opened in headless Chromium must pass (shared by the report's browser tests and the end-to-end tests, which link this file).</summary>
public static class ReportPages
{
    private static readonly byte[] s_pngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Writes the report to a file in <paramref name="folder"/> and opens it in a tab.</summary>
    public static async Task<BrowserPage> OpenAsync(HeadlessChromium chromium, string folder, ReportData data, string name)
    {
        var path = Path.Combine(folder, name + ".html");
        await File.WriteAllTextAsync(path, HtmlReportWriter.Write(data));
        return await chromium.OpenFileAsync(path);
    }

    /// <summary>The page loaded with no console error, exception or log error, made no network request, and has the report's title.</summary>
    public static async Task AssertCleanAsync(BrowserPage page, ReportData data)
    {
        await page.SettleAsync();
        Assert.True(page.Problems.Count == 0, "The page reported problems:" + Environment.NewLine + string.Join(Environment.NewLine, page.Problems));
        Assert.True(page.NetworkRequests.Count == 0, "The page made network requests:" + Environment.NewLine + string.Join(Environment.NewLine, page.NetworkRequests));
        Assert.Equal(data.Title, await page.EvaluateAsync<string>("document.title"));
    }

    /// <summary>Every chart on the page: its name, its data elements, how many are drawn with a size and carry a number, and its size.</summary>
    public static Task<ChartInfo[]> ChartsAsync(BrowserPage page) => page.EvaluateAsync<ChartInfo[]>(
        """
        Array.from(document.querySelectorAll('svg[data-chart]')).map(svg => {
          const box = svg.getBoundingClientRect();
          const data = Array.from(svg.querySelectorAll('[data-value]'));
          return {
            name: svg.dataset.chart,
            values: data.length,
            visible: data.filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; }).length,
            numbers: data.filter(e => e.dataset.value !== '' && !Number.isNaN(Number(e.dataset.value))).length,
            width: box.width,
            height: box.height,
          };
        })
        """);

    /// <summary>Every chart has data, draws it with a size, carries numbers, and is more than 100 px each way.</summary>
    public static void AssertRendered(IEnumerable<ChartInfo> charts)
    {
        foreach (var chart in charts)
        {
            Assert.True(chart.Values >= 1, $"chart '{chart.Name}' has no [data-value] element");
            Assert.True(chart.Visible >= 1, $"chart '{chart.Name}' draws none of its {chart.Values} data elements with a size");
            Assert.True(chart.Numbers == chart.Values, $"chart '{chart.Name}': {chart.Values - chart.Numbers} data-value attributes are not numbers");
            Assert.True(chart.Width > 100 && chart.Height > 100, $"chart '{chart.Name}' is {chart.Width} x {chart.Height} px");
        }
    }

    /// <summary>Saves a full-page screenshot under <c>.artifacts/test-results/screenshots/</c> and checks it is a real PNG of a page.</summary>
    public static async Task AssertScreenshotAsync(BrowserPage page, string name)
    {
        var path = Path.Combine(RepositoryRoot(), ".artifacts", "test-results", "screenshots", name + ".png");

        var png = await page.SaveScreenshotAsync(path);

        Assert.True(File.Exists(path), path);
        Assert.True(png.Length > 10 * 1024, $"{path} is only {png.Length} bytes");
        Assert.Equal(s_pngSignature, png[..8]);
        // IHDR is the first chunk: width and height big-endian at bytes 16 and 20.
        var width = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4));
        var height = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4));
        Assert.True(width >= 800, $"{path} is {width} px wide");
        Assert.True(height >= 600, $"{path} is {height} px high");
    }

    /// <summary>The repository root the project was built from (its RepositoryRoot metadata), else the one above the test assembly.</summary>
    private static string RepositoryRoot() =>
        Assembly.GetExecutingAssembly().GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepositoryRoot" && a.Value is not null && File.Exists(Path.Combine(a.Value, "MarginFunctions.sln")))?.Value
        ?? RepositoryPaths.Root();

    /// <summary>What <see cref="ChartsAsync"/> reads of one chart.</summary>
    public sealed record ChartInfo(string Name, int Values, int Visible, int Numbers, double Width, double Height);
}
