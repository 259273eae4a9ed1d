using System.Net;
using System.Text.Json;
using Margin.Testing.Functions;

namespace MarginFunctions.Tests.HostHarness;

/// <summary>HandlerProcess starts, polls, invokes and stops a handler as the Functions host does (against a Node.js stand-in).</summary>
public sealed class HandlerProcessTests : IDisposable
{
    private readonly FakeNodeHandler _fake = new();

    public void Dispose() => _fake.Dispose();

    [Fact]
    public async Task StartAsync_HandlerListensLate_WaitsForAnyAnswerAndMeasuresTheColdStart()
    {
        await using var handler = await _fake.StartAsync(new Dictionary<string, string?> { ["FAKE_LISTEN_DELAY_MS"] = "700" });

        Assert.InRange(handler.ColdStart, TimeSpan.FromMilliseconds(700), TimeSpan.FromSeconds(30));
        Assert.False(handler.HasExited);
    }

    [Fact]
    public async Task StartAsync_Settings_ReachTheHandlerWithThePortWorkerIdAndAppRoot()
    {
        var inherited = "FAKE_REMOVED";
        Environment.SetEnvironmentVariable(inherited, "inherited");
        try
        {
            await using var handler = await _fake.StartAsync(new Dictionary<string, string?> { ["FAKE_SETTING"] = "from settings", [inherited] = null });
            using var echo = await EchoAsync(handler, "Echo", "{}");
            var env = echo.RootElement.GetProperty("env");

            Assert.Equal(handler.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), env.GetProperty("port").GetString());
            Assert.Equal(handler.WorkerId, env.GetProperty("worker").GetString());
            Assert.Equal(_fake.Folder, env.GetProperty("root").GetString());
            Assert.Equal(_fake.Folder, echo.RootElement.GetProperty("cwd").GetString());
            Assert.Equal("from settings", env.GetProperty("setting").GetString());
            Assert.Equal(JsonValueKind.Null, env.GetProperty("removed").ValueKind);
        }
        finally
        {
            Environment.SetEnvironmentVariable(inherited, null);
        }
    }

    [Fact]
    public async Task InvokeAsync_Function_PostsThePayloadToItsPathWithTheHostsHeaders()
    {
        await using var handler = await _fake.StartAsync();
        using var echo = await EchoAsync(handler, "ProcessShard", """{"Data":{"item":"x"},"Metadata":{}}""");
        var headers = echo.RootElement.GetProperty("headers");

        Assert.Equal("POST", echo.RootElement.GetProperty("method").GetString());
        Assert.Equal("/ProcessShard", echo.RootElement.GetProperty("path").GetString());
        Assert.Equal("""{"Data":{"item":"x"},"Metadata":{}}""", echo.RootElement.GetProperty("body").GetString());
        Assert.StartsWith("application/json", headers.GetProperty("content-type").GetString(), StringComparison.Ordinal);
        Assert.True(Guid.TryParse(headers.GetProperty("x-azure-functions-invocationid").GetString(), out _));
        Assert.StartsWith("Azure-Functions-Host/", headers.GetProperty("user-agent").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_HandlerFails_ReturnsTheStatusAndBody()
    {
        await using var handler = await _fake.StartAsync();

        var response = await handler.InvokeAsync("Fail", "{}");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.False(response.IsSuccessStatusCode);
        Assert.Contains("\"Logs\"", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_ForwardedRequest_ArrivesOnItsOriginalPath()
    {
        await using var handler = await _fake.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("api/accounts/a-1/margin", UriKind.Relative));

        using var response = await handler.SendAsync(request);
        using var echo = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/api/accounts/a-1/margin", echo.RootElement.GetProperty("path").GetString());
    }

    [Fact]
    public async Task StartAsync_HandlerExits_ThrowsWithItsExitCodeAndOutput()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => _fake.StartAsync(new Dictionary<string, string?> { ["FAKE_EXIT_CODE"] = "3" }));

        Assert.Contains("exited with code 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("fake handler exits", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_HandlerNeverListens_TimesOutWithItsOutputAndStopsIt()
    {
        var options = new HandlerProcessOptions { ReadinessTimeout = TimeSpan.FromSeconds(1), StopTimeout = TimeSpan.FromSeconds(5) };

        var error = await Assert.ThrowsAsync<TimeoutException>(() => _fake.StartAsync(new Dictionary<string, string?> { ["FAKE_LISTEN_DELAY_MS"] = "60000" }, options));

        Assert.Contains("fake handler starting", error.Message, StringComparison.Ordinal);
        Assert.Contains("fake handler stderr line", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists($"/proc/{_fake.Pid}"), "the handler that never became ready is still running");
    }

    [Fact]
    public async Task KillAsync_DuringAnInvocation_BreaksTheConnectionAndEndsWithSigkill()
    {
        await using var handler = await _fake.StartAsync();
        var invocation = handler.InvokeAsync("Hang", "{}");
        await WaitForAsync(() => handler.OutputLines().Any(l => l.Text == "hanging"));

        await handler.KillAsync();

        await Assert.ThrowsAsync<HttpRequestException>(() => invocation);
        Assert.True(handler.HasExited);
        Assert.Equal(128 + 9, handler.ExitCode);
    }

    [Fact]
    public async Task DisposeAsync_RunningHandler_StopsItWithSigterm()
    {
        var handler = await _fake.StartAsync();
        var pid = handler.ProcessId;

        await handler.DisposeAsync();

        Assert.Contains(handler.OutputLines(), l => l.Text == "SIGTERM received");
        Assert.False(Directory.Exists($"/proc/{pid}"));
    }

    private static async Task<JsonDocument> EchoAsync(HandlerProcess handler, string function, string payload)
    {
        var response = await handler.InvokeAsync(function, payload);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(response.Body);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var waited = 0; !condition(); waited += 20)
        {
            Assert.True(waited < 10_000, "the condition did not hold within 10 s");
            await Task.Delay(20);
        }
    }
}
