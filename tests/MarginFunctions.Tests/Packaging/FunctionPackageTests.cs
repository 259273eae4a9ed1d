using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;

namespace MarginFunctions.Tests.Packaging;

/// <summary>The deployable zip that scripts/package-functions.sh builds: the layout the Functions host expects of a custom handler app.</summary>
public sealed class FunctionPackageTests(PackagedFunctionApp app) : IClassFixture<PackagedFunctionApp>
{
    private const string Executable = "MarginFunctions";

    /// <summary>The functions of /tmp/common.md's fixed layout (ARCHITECTURE.md "Hosting").</summary>
    private static readonly string[] s_functions =
    [
        "RefreshPrices", "StartSweep", "RelayOutbox", "ProcessShard", "RecordLiquidationEvent", "RunStress",
        "AccountMargin", "Evaluate", "SweepStatus", "Health", "StartStress", "StressStatus", "StressRuns",
        "SweepReport", "StressReport",
    ];

    /// <summary>Folders at the root that are not functions: the demo market the local <c>demo-market</c> oracle source reads, and the named historical stress scenarios (MarginFunctions.csproj).</summary>
    private static readonly HashSet<string> s_dataFolders = new(StringComparer.Ordinal) { "examples", "scenarios" };

    /// <summary>Function, trigger type, binding name, then one setting and its value that the handler's contract relies on.</summary>
    public static TheoryData<string, string, string, string, string> TriggerBindings { get; } = new()
    {
        { "RefreshPrices", "timerTrigger", "timer", "schedule", "%PriceRefreshSchedule%" },
        { "StartSweep", "timerTrigger", "timer", "schedule", "%SweepSchedule%" },
        { "RelayOutbox", "timerTrigger", "timer", "schedule", "%RelaySchedule%" },
        { "ProcessShard", "queueTrigger", "item", "queueName", "margin-shards" },
        { "ProcessShard", "queueTrigger", "item", "connection", "AzureWebJobsStorage" },
        { "RunStress", "queueTrigger", "item", "queueName", "margin-stress" },
        { "RunStress", "queueTrigger", "item", "connection", "AzureWebJobsStorage" },
        { "RecordLiquidationEvent", "serviceBusTrigger", "message", "queueName", "liquidation-events" },
        { "RecordLiquidationEvent", "serviceBusTrigger", "message", "connection", "ServiceBusConnection" },
    };

    /// <summary>HTTP function, its one method, its route (the handler sees /api/{route}).</summary>
    public static TheoryData<string, string, string> HttpFunctions { get; } = new()
    {
        { "AccountMargin", "get", "accounts/{id}/margin" },
        { "Evaluate", "post", "evaluate" },
        { "SweepStatus", "get", "sweeps/{id}" },
        { "Health", "get", "health" },
        { "StartStress", "post", "stress" },
        { "StressStatus", "get", "stress/{id}" },
        { "StressRuns", "get", "stress" },
        { "SweepReport", "get", "report/sweep/{id}" },
        { "StressReport", "get", "report/stress/{id}" },
    };

    [Fact]
    public void HostJson_AtZipRoot_NamesTheExecutableAndForwardsHttp()
    {
        using var host = ReadJson("host.json");
        var handler = host.RootElement.GetProperty("customHandler");

        Assert.Equal("2.0", host.RootElement.GetProperty("version").GetString());
        Assert.Equal(Executable, handler.GetProperty("description").GetProperty("defaultExecutablePath").GetString());
        Assert.True(handler.GetProperty("enableForwardingHttpRequest").GetBoolean());
    }

    [Fact]
    public void ZipRoot_Folders_AreExactlyOneFunctionJsonPerFunction()
    {
        using var zip = ZipFile.OpenRead(app.ZipPath);
        var folders = zip.Entries.Where(e => e.FullName.Contains('/', StringComparison.Ordinal))
            .GroupBy(e => e.FullName[..e.FullName.IndexOf('/', StringComparison.Ordinal)], StringComparer.Ordinal)
            .Where(g => !s_dataFolders.Contains(g.Key))
            .ToDictionary(g => g.Key, g => g.Select(e => e.FullName[(g.Key.Length + 1)..]).ToList(), StringComparer.Ordinal);

        Assert.Equal(s_functions.Order(StringComparer.Ordinal), folders.Keys.Order(StringComparer.Ordinal));
        Assert.All(folders, f => Assert.Equal(["function.json"], f.Value));
        Assert.DoesNotContain(zip.Entries, e => e.FullName == "function.json");
    }

    [Fact]
    public void ZipRoot_DataFolders_HoldNoFunctionJson()
    {
        using var zip = ZipFile.OpenRead(app.ZipPath);

        // The host would load any folder with a function.json as a function.
        Assert.DoesNotContain(zip.Entries, e => s_dataFolders.Any(d => e.FullName.StartsWith(d + "/", StringComparison.Ordinal)) && e.Name == "function.json");
    }

    [Fact]
    public void ZipRoot_Scenarios_AreEveryShippedScenarioFileUnchanged()
    {
        using var zip = ZipFile.OpenRead(app.ZipPath);
        var shipped = Directory.GetFiles(Path.Combine(PackagedFunctionApp.RepositoryRoot, "scenarios"), "*.json");
        var packaged = zip.Entries.Where(e => e.FullName.StartsWith("scenarios/", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(shipped);
        Assert.Equal(shipped.Select(f => "scenarios/" + Path.GetFileName(f)).Order(StringComparer.Ordinal), packaged.Select(e => e.FullName).Order(StringComparer.Ordinal));
        Assert.All(shipped, f =>
        {
            using var stream = zip.GetEntry("scenarios/" + Path.GetFileName(f))!.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            Assert.Equal(File.ReadAllBytes(f), copy.ToArray());
        });
    }

    [Fact]
    public void Zip_Entries_AreTheAppRootFiles()
    {
        using var zip = ZipFile.OpenRead(app.ZipPath);
        var onDisk = Directory.EnumerateFiles(app.AppRoot, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(app.AppRoot, f).Replace(Path.DirectorySeparatorChar, '/'));

        Assert.Equal(onDisk.Order(StringComparer.Ordinal), zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Executable_InZip_IsARegularFileWithMode0755()
    {
        using var zip = ZipFile.OpenRead(app.ZipPath);
        var entry = Assert.Single(zip.Entries, e => e.FullName == Executable);
        var mode = unchecked((uint)entry.ExternalAttributes) >> 16;

        Assert.Equal("100755", Convert.ToString(mode, 8));
        Assert.NotEqual(0u, mode & 0b001_000_000); // owner execute: the host can start it after the deployment unzips it
    }

    [Fact]
    public void Executable_InZip_IsAnElfX8664Binary()
    {
        var header = ReadBytes(Executable, 20);

        Assert.Equal("\u007FELF"u8.ToArray(), header[..4]);
        Assert.Equal(2, header[4]); // ELFCLASS64
        Assert.Equal(1, header[5]); // little endian
        Assert.Equal(0x3E, BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(18))); // EM_X86_64
    }

    [Fact]
    public void Package_SelfContained_CarriesTheRuntime()
    {
        using var zip = ZipFile.OpenRead(app.ZipPath);
        using var config = ReadJson("MarginFunctions.runtimeconfig.json");
        var included = config.RootElement.GetProperty("runtimeOptions").GetProperty("includedFrameworks");

        Assert.Contains(zip.Entries, e => e.FullName == "libcoreclr.so");
        Assert.Contains(included.EnumerateArray(), f => f.GetProperty("name").GetString() == "Microsoft.NETCore.App");
    }

    [Theory]
    [MemberData(nameof(TriggerBindings))]
    public void TriggerFunction_FunctionJson_DeclaresTheTriggerTheHandlerReads(string function, string type, string name, string setting, string value)
    {
        using var json = ReadJson(function + "/function.json");
        var binding = Assert.Single(json.RootElement.GetProperty("bindings").EnumerateArray());

        Assert.Equal(type, binding.GetProperty("type").GetString());
        Assert.Equal("in", binding.GetProperty("direction").GetString());
        Assert.Equal(name, binding.GetProperty("name").GetString());
        Assert.Equal(value, binding.GetProperty(setting).GetString());
    }

    [Theory]
    [MemberData(nameof(HttpFunctions))]
    public void HttpFunction_FunctionJson_IsOneFunctionKeyHttpTriggerInAndOneHttpOut(string function, string method, string route)
    {
        using var json = ReadJson(function + "/function.json");
        var bindings = json.RootElement.GetProperty("bindings").EnumerateArray().ToList();
        var trigger = Assert.Single(bindings, b => b.GetProperty("direction").GetString() == "in");
        var output = Assert.Single(bindings, b => b.GetProperty("direction").GetString() == "out");

        // Forwarding (enableForwardingHttpRequest) applies only to exactly one httpTrigger in and one http out (IsHttpInAndOutFunction).
        Assert.Equal(2, bindings.Count);
        Assert.Equal("httpTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal("function", trigger.GetProperty("authLevel").GetString());
        Assert.Equal([method], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToLowerInvariant()));
        Assert.Equal(route, trigger.GetProperty("route").GetString());
        Assert.Equal("http", output.GetProperty("type").GetString());
    }

    [Fact]
    public void Script_Help_PrintsUsageAndChangesNothing()
    {
        var before = File.GetLastWriteTimeUtc(app.ZipPath);
        var start = new ProcessStartInfo("bash", [Path.Combine(PackagedFunctionApp.RepositoryRoot, "scripts", "package-functions.sh"), "--help"])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        using var script = Process.Start(start)!;
        var output = script.StandardOutput.ReadToEnd();
        script.WaitForExit();

        Assert.Equal(0, script.ExitCode);
        Assert.StartsWith("Usage: scripts/package-functions.sh", output, StringComparison.Ordinal);
        Assert.Equal(before, File.GetLastWriteTimeUtc(app.ZipPath));
    }

    private JsonDocument ReadJson(string entryName)
    {
        using var zip = ZipFile.OpenRead(app.ZipPath);
        var entry = zip.GetEntry(entryName) ?? throw new Xunit.Sdk.XunitException($"{entryName} is not in {app.ZipPath}");
        using var stream = entry.Open();
        return JsonDocument.Parse(stream);
    }

    private byte[] ReadBytes(string entryName, int count)
    {
        using var zip = ZipFile.OpenRead(app.ZipPath);
        var entry = zip.GetEntry(entryName) ?? throw new Xunit.Sdk.XunitException($"{entryName} is not in {app.ZipPath}");
        using var stream = entry.Open();
        var bytes = new byte[count];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
