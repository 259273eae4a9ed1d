using Margin.Engine.Parameters;
using Margin.Engine.Prices;
using Margin.Infrastructure.Documents;
using Margin.Sweep.Seeding;

namespace Margin.Sweep.Tests.Support;

/// <summary>The demo's parameters (examples/demo/parameters.json) and reference snapshot (examples/demo/market.json), read once.</summary>
public static class DemoMarket
{
    private static readonly Lazy<(RiskParameters Parameters, PriceSnapshot Snapshot, IReadOnlyList<ReferenceAsset> Market)> s_demo = new(Load);

    public static RiskParameters Parameters => s_demo.Value.Parameters;

    public static PriceSnapshot Snapshot => s_demo.Value.Snapshot;

    public static IReadOnlyList<ReferenceAsset> Market => s_demo.Value.Market;

    public static string ExamplePath(string name) => RepositoryFile("examples", "demo", name);

    public static string RepositoryFile(params string[] parts) => Path.Combine([RepositoryRoot(), .. parts]);

    /// <summary>The reference assets of market.json, with the asOf it states.</summary>
    public static (DateTimeOffset AsOf, IReadOnlyList<ReferenceAsset> Assets) ReadMarket(string json) => MarketDocument.Read(json);

    private static (RiskParameters, PriceSnapshot, IReadOnlyList<ReferenceAsset>) Load()
    {
        var (set, problems) = ParametersReader.ReadDocument(File.ReadAllText(ExamplePath("parameters.json")));
        if (set is null)
        {
            throw new InvalidOperationException($"examples/demo/parameters.json: {string.Join("; ", problems.Select(p => $"{p.Field}: {p.Problem}"))}");
        }

        var (asOf, market) = ReadMarket(File.ReadAllText(ExamplePath("market.json")));
        return (set.Parameters, ReferenceSnapshot.Create("demo-reference", asOf, set.Parameters, market), market);
    }

    private static string RepositoryRoot()
    {
        var built = typeof(DemoMarket).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
        if (built is not null && File.Exists(Path.Combine(built, "MarginFunctions.sln")))
        {
            return built;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MarginFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no repository root (MarginFunctions.sln) above {AppContext.BaseDirectory}");
    }
}
