namespace MarginFunctions.Tests.Infrastructure;

/// <summary>azure.yaml at the repository root: the azd service must find the site Bicep tags.</summary>
public sealed class AzureYamlTests
{
    [Fact]
    public async Task Service_Name_IsTheSitesAzdServiceNameTag()
    {
        var template = await BicepCli.CompiledMainAsync();
        var lines = await ReadLinesAsync();
        var service = (string?)template["variables"]?["serviceName"];

        Assert.Contains("services:", lines);
        Assert.Contains($"  {service}:", lines);
    }

    [Theory]
    [InlineData("    host: function")]
    [InlineData("    language: custom")]
    [InlineData("    dist: artifacts/functions/app")]
    [InlineData("  path: infra")]
    public async Task Service_Setting_IsPresent(string line)
    {
        Assert.Contains(line, await ReadLinesAsync());
    }

    [Fact]
    public async Task Prepackage_Hook_BuildsThePackageAndKeepsTheRunBit()
    {
        var text = string.Join('\n', await ReadLinesAsync());

        Assert.Contains("./scripts/package-functions.sh", text, StringComparison.Ordinal);
        Assert.Contains("unzip -q artifacts/functions/margin-functions.zip -d artifacts/functions/app", text, StringComparison.Ordinal);
        Assert.Contains("test -x artifacts/functions/app/MarginFunctions", text, StringComparison.Ordinal);
    }

    private static async Task<string[]> ReadLinesAsync() =>
        (await File.ReadAllLinesAsync(Path.Combine(BicepCli.RepositoryRoot, "azure.yaml"))).Select(l => l.TrimEnd()).ToArray();
}
