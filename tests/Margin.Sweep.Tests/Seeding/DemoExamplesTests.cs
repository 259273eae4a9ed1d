using System.Text.Json;
using Margin.Engine.Instruments;
using Margin.Infrastructure.Documents;
using Margin.Sweep.Tests.Support;

namespace Margin.Sweep.Tests.Seeding;

/// <summary>examples/demo: the parameters read cleanly, and market.json prices every asset with every documented field.</summary>
public sealed class DemoExamplesTests
{
    private static readonly string[] s_assetFields = ["price", "volatility", "marketLoading", "jumpIntensity", "jumpMean", "jumpStdDev", "meanReversion"];

    [Fact]
    public void Parameters_DemoFile_ReadsWithoutProblems()
    {
        var (set, problems) = ParametersReader.ReadDocument(File.ReadAllText(DemoMarket.ExamplePath("parameters.json")));

        Assert.Empty(problems);
        Assert.Equal("demo-1", set!.Parameters.Version);
        Assert.Equal("USD", set.Parameters.Settlement.Symbol);
        Assert.False(set.Parameters.KillSwitch);
        Assert.DoesNotContain(set.Parameters.Assets.Values, a => a.KillSwitch);
        Assert.Equal(["BTC", "ETH", "USD", "USDC", "USDT"], set.Parameters.Assets.Values.Where(a => a.Borrow is not null).Select(a => a.Asset.Symbol).Order(StringComparer.Ordinal));
        Assert.NotNull(set.Parameters.Portfolio);
    }

    [Fact]
    public void Parameters_DemoFile_HasEveryKindOfInstrumentExpiringIn2027()
    {
        var instruments = DemoMarket.Parameters.Instruments.Values.Select(i => i.Instrument).ToList();

        Assert.Contains(instruments, i => i is Perpetual { Contract: ContractType.Inverse, Underlying.Symbol: "BTC" });
        Assert.Equal(8, instruments.Count(i => i is Perpetual { Contract: ContractType.Linear }));
        Assert.Equal(4, instruments.Count(i => i is Future));
        Assert.Contains(instruments, i => i is EuropeanOption { Underlying.Symbol: "BTC", Right: OptionRight.Call });
        Assert.Contains(instruments, i => i is EuropeanOption { Underlying.Symbol: "ETH", Right: OptionRight.Put });
        Assert.All(instruments.Where(i => i.Expiry is not null), i => Assert.Equal(2027, i.Expiry!.Value.Year));
    }

    [Fact]
    public void Market_DemoFile_PricesEveryConfiguredAssetWithEveryField()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(DemoMarket.ExamplePath("market.json")));
        var assets = document.RootElement.GetProperty("assets");

        Assert.Equal("USD", document.RootElement.GetProperty("quote").GetString());
        Assert.Equal(DemoMarket.Parameters.Assets.Keys.Order(StringComparer.Ordinal), assets.EnumerateObject().Select(a => a.Name).Order(StringComparer.Ordinal));
        Assert.All(assets.EnumerateObject(), a => Assert.All(s_assetFields, f => Assert.True(a.Value.TryGetProperty(f, out _), $"{a.Name} has no {f}")));
        Assert.All(["intensity", "mean", "stdDev"], f => Assert.True(document.RootElement.GetProperty("marketJump").TryGetProperty(f, out _), $"marketJump has no {f}"));
    }
}
