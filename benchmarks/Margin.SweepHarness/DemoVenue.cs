using System.Globalization;
using System.Text.Json;
using Margin.Engine.Parameters;
using Margin.Engine.Prices;
using Margin.Infrastructure.Documents;
using Margin.Infrastructure.Oracles;
using Margin.Sweep.Seeding;

namespace Margin.SweepHarness;

/// <summary>The demo venue of docs/demo.md, read from <c>examples/demo</c>: its parameters, its reference market, and a simulated oracle source that starts at the market's prices.</summary>
/// <remarks>The same mapping as the CLI's <c>demo-market</c> source type (src/Margin.Cli/Hosting/OracleSources.cs), re-created here because the harness does not reference the CLI.</remarks>
internal sealed class DemoVenue
{
    private DemoVenue(string parametersJson, RiskParameters parameters, PriceSnapshot reference, SimulatedSourceOptions source, IReadOnlyDictionary<string, double> priors)
    {
        ParametersJson = parametersJson;
        Parameters = parameters;
        Reference = reference;
        Source = source;
        VolatilityPriors = priors;
    }

    /// <summary>The parameters document (imported as is).</summary>
    public string ParametersJson { get; }

    public RiskParameters Parameters { get; }

    /// <summary>The reference snapshot the book is sized at.</summary>
    public PriceSnapshot Reference { get; }

    /// <summary>The simulated source's options: the market's prices, volatilities and jumps, seed 1, correlation 0.6, 1 s steps.</summary>
    public SimulatedSourceOptions Source { get; }

    /// <summary>The market's volatilities, the cold-start priors RefreshPrices needs while there is no price history.</summary>
    public IReadOnlyDictionary<string, double> VolatilityPriors { get; }

    /// <summary>Reads <c>examples/demo/parameters.json</c> and <c>examples/demo/market.json</c> under <paramref name="root"/>.</summary>
    /// <exception cref="InvalidDataException">A file does not read; the message names it and the problems.</exception>
    public static DemoVenue Load(string root)
    {
        var parametersPath = Path.Combine(root, "examples", "demo", "parameters.json");
        var marketPath = Path.Combine(root, "examples", "demo", "market.json");
        var parametersJson = File.ReadAllText(parametersPath);
        var (set, problems) = ParametersReader.ReadDocument(parametersJson);
        if (set is null)
        {
            throw new InvalidDataException($"{parametersPath}: {string.Join("; ", problems.Select(p => $"{p.Field}: {p.Problem}"))}");
        }

        var marketJson = File.ReadAllText(marketPath);
        var (asOf, market) = MarketDocument.Read(marketJson);
        var reference = ReferenceSnapshot.Create("seed-reference", asOf, set.Parameters, market);
        var (source, priors) = SourceOf(marketJson, marketPath);
        return new DemoVenue(parametersJson, set.Parameters, reference, source, priors);
    }

    /// <summary>A fresh source: it starts at the market's prices at the time of construction (a refresh right after it reads exactly them).</summary>
    public SimulatedSource NewSource(TimeProvider time) => new(Source, time);

    public BookGenerator Book() => new(Parameters, Reference);

    private static (SimulatedSourceOptions Source, IReadOnlyDictionary<string, double> Priors) SourceOf(string marketJson, string path)
    {
        using var document = JsonDocument.Parse(marketJson);
        var assets = new Dictionary<string, SimulatedAsset>(StringComparer.Ordinal);
        var priors = new Dictionary<string, double>(StringComparer.Ordinal);
        var quote = document.RootElement.TryGetProperty("quote", out var q) ? q.GetString() : "USD";
        foreach (var asset in document.RootElement.GetProperty("assets").EnumerateObject())
        {
            if (asset.Name == quote)
            {
                continue;
            }

            var a = asset.Value;
            var price = a.GetProperty("price").GetString();
            if (!decimal.TryParse(price, NumberStyles.Float, CultureInfo.InvariantCulture, out var start))
            {
                throw new InvalidDataException($"{path}: assets.{asset.Name}.price '{price}' is not a decimal string");
            }

            priors[asset.Name] = a.GetProperty("volatility").GetDouble();
            assets[asset.Name] = new SimulatedAsset
            {
                StartPrice = start,
                Volatility = a.GetProperty("volatility").GetDouble(),
                JumpsPerYear = a.TryGetProperty("jumpIntensity", out var j) ? j.GetDouble() : 0,
                JumpMean = a.TryGetProperty("jumpMean", out var m) ? m.GetDouble() : 0,
                JumpStdDev = a.TryGetProperty("jumpStdDev", out var s) ? s.GetDouble() : 0,
            };
        }

        var options = new SimulatedSourceOptions
        {
            SourceId = "demo-market",
            Seed = 1,
            Correlation = 0.6,
            Step = TimeSpan.FromSeconds(1),
            Assets = assets,
        };
        return (options, priors);
    }
}
