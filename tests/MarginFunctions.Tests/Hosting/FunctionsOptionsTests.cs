using MarginFunctions.Hosting;

namespace MarginFunctions.Tests.Hosting;

public sealed class FunctionsOptionsTests
{
    [Fact]
    public void Problems_Defaults_None() => Assert.Empty(new FunctionsOptions().Problems());

    private static readonly Dictionary<string, FunctionsOptions> s_invalid = new(StringComparer.Ordinal)
    {
        ["Functions:MaxDequeueCount"] = new FunctionsOptions { MaxDequeueCount = 0 },
        ["Functions:MaxDeliveryCount"] = new FunctionsOptions { MaxDeliveryCount = 0 },
        ["Functions:MaxRequestBytes"] = new FunctionsOptions { MaxRequestBytes = 10 },
        ["Functions:MaxEvaluateBytes"] = new FunctionsOptions { MaxEvaluateBytes = 200L * 1024 * 1024 },
        ["Functions:DefaultHistory"] = new FunctionsOptions { DefaultHistory = 501 },
        ["Functions:HealthTimeout"] = new FunctionsOptions { HealthTimeout = TimeSpan.Zero },
        ["Functions:Telemetry"] = new FunctionsOptions { Telemetry = "zipkin" },
    };

    [Theory]
    [InlineData("Functions:MaxDequeueCount")]
    [InlineData("Functions:MaxDeliveryCount")]
    [InlineData("Functions:MaxRequestBytes")]
    [InlineData("Functions:MaxEvaluateBytes")]
    [InlineData("Functions:DefaultHistory")]
    [InlineData("Functions:HealthTimeout")]
    [InlineData("Functions:Telemetry")]
    public void Problems_InvalidSetting_NamesIt(string setting) =>
        Assert.Contains(s_invalid[setting].Problems(), p => p.Contains(setting, StringComparison.Ordinal));
}
