using System.Diagnostics;
using Margin.Testing.Browser;

namespace Margin.Infrastructure.Tests.Reports;

/// <summary>
/// The browser harness itself: the checks the report's browser tests rely on must be able to fail. A page with a console
/// error, an uncaught exception or a request to the network is reported as such; a clean page is not.
/// </summary>
[Collection(SharedChromium.Name)]
public sealed class HeadlessChromiumTests(ChromiumFixture fixture)
{
    [Fact]
    public async Task OpenFileAsync_CleanPage_ReportsNothing()
    {
        await using var page = await OpenAsync("clean", "<!DOCTYPE html><title>clean</title><p>nothing to see</p>");

        Assert.Empty(page.Problems);
        Assert.Empty(page.NetworkRequests);
        Assert.Contains(page.Url.AbsoluteUri, page.AllRequests);
        Assert.Equal("clean", await page.EvaluateAsync<string>("document.title"));
    }

    [Fact]
    public async Task OpenFileAsync_ConsoleError_IsReported()
    {
        await using var page = await OpenAsync("console-error", "<!DOCTYPE html><title>e</title><script>console.error('broken-chart', 42)</script>");

        var problem = Assert.Single(page.Problems);
        Assert.Equal("console.error", problem.Kind);
        Assert.Contains("broken-chart 42", problem.Text, StringComparison.Ordinal);
        Assert.Empty(page.NetworkRequests);
    }

    [Fact]
    public async Task OpenFileAsync_UncaughtException_IsReported()
    {
        await using var page = await OpenAsync("exception", "<!DOCTYPE html><title>x</title><script>null.chart()</script>");

        var problem = Assert.Single(page.Problems);
        Assert.Equal("exception", problem.Kind);
        Assert.Contains("TypeError", problem.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenFileAsync_ImageFromTheNetwork_IsReportedAsARequest()
    {
        // Port 9 (discard) on loopback refuses at once: the request is made and fails, and the page still loads.
        await using var page = await OpenAsync("network", "<!DOCTYPE html><title>n</title><img src=\"http://127.0.0.1:9/x.png\" alt=\"\">");

        Assert.Equal(["http://127.0.0.1:9/x.png"], page.NetworkRequests);
        Assert.Contains(page.Problems, p => p.Kind == "log.error" && p.Text.Contains("127.0.0.1:9", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OpenFileAsync_OtherLocalFile_IsReportedAsARequest()
    {
        await File.WriteAllTextAsync(Path.Combine(fixture.Pages, "style.css"), "p { color: red }");

        await using var page = await OpenAsync("local-file", "<!DOCTYPE html><title>f</title><link rel=\"stylesheet\" href=\"style.css\"><p>styled</p>");

        var request = Assert.Single(page.NetworkRequests);
        Assert.EndsWith("/style.css", request, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenFileAsync_DataUrlImage_IsNotARequest()
    {
        const string Pixel = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

        await using var page = await OpenAsync("data-url", $"<!DOCTYPE html><title>d</title><img src=\"{Pixel}\" alt=\"\">");

        Assert.Empty(page.NetworkRequests);
        Assert.Empty(page.Problems);
    }

    [Fact]
    public async Task EvaluateAsync_ThrowingExpression_ThrowsWithTheError()
    {
        await using var page = await OpenAsync("evaluate", "<!DOCTYPE html><title>v</title>");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => page.EvaluateAsync("document.querySelector('svg').getBBox()"));

        Assert.Contains("TypeError", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CaptureScreenshotAsync_TallPage_CapturesBeyondTheViewport()
    {
        await using var page = await OpenAsync("tall", "<!DOCTYPE html><title>t</title><body style=\"margin:0\"><div style=\"height:3000px;background:linear-gradient(#fff,#00f)\"></div></body>");

        var png = await page.CaptureScreenshotAsync();

        Assert.Equal(3000, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4)));
        Assert.Equal(1280, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4)));
    }

    [Fact]
    public async Task OpenFileAsync_MissingFile_Throws()
    {
        var missing = Path.Combine(fixture.Pages, "missing.html");

        await Assert.ThrowsAsync<FileNotFoundException>(() => fixture.Chromium.OpenFileAsync(missing));
    }

    [Fact]
    public void FindBinary_NoChromiumOnThePath_SaysHowToInstallIt()
    {
        var error = Assert.Throws<InvalidOperationException>(() => HeadlessChromium.FindBinary(fixture.Pages));

        Assert.Contains("scripts/chromium.sh install", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("/chromium", HeadlessChromium.FindBinary(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DisposeAsync_StartedInstance_EndsItsProcessesAndDeletesItsFolder()
    {
        var chromium = await HeadlessChromium.StartAsync();
        var pid = chromium.ProcessId;
        var folder = chromium.UserDataFolder;
        var group = ProcessesInGroup(pid);
        Assert.Contains(pid, group);
        Assert.True(group.Count > 1, "Chromium's helper processes share its process group");
        Assert.Contains("Chrome", chromium.Version, StringComparison.Ordinal);

        await chromium.DisposeAsync();

        Assert.False(Directory.Exists(folder), folder);
        var deadline = Stopwatch.StartNew();
        while (ProcessesInGroup(pid).Count > 0 && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(100);
        }

        Assert.Empty(ProcessesInGroup(pid));
    }

    private async Task<BrowserPage> OpenAsync(string name, string html)
    {
        var path = Path.Combine(fixture.Pages, name + ".html");
        await File.WriteAllTextAsync(path, html);
        return await fixture.Chromium.OpenFileAsync(path);
    }

    /// <summary>The live (not zombie) processes whose process group is the given one, from /proc.</summary>
    private static List<int> ProcessesInGroup(int group)
    {
        var members = new List<int>();
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(folder, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields[0] != "Z" && int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture) == group)
                {
                    members.Add(pid);
                }
            }
            catch (IOException)
            {
                // The process ended while it was being read.
            }
        }

        return members;
    }
}
