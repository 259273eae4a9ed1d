using System.Globalization;
using System.Text.Json;
using Margin.Infrastructure.Oracles;
using Margin.Sweep.Ports;
using Margin.Sweep.Options;
using Microsoft.Extensions.Configuration;

namespace Margin.Infrastructure.Composition;

/// <summary>Builds the oracle sources from the <c>Oracles:Sources</c> settings (docs/oracles.md): each entry has a <c>Type</c> and that source's options.</summary>
/// <remarks>
/// Types: <c>pyth</c>, <c>coinbase</c>, <c>kraken</c>, <c>binance</c>, <c>replay</c>, <c>simulated</c>, and
/// <c>demo-market</c> (a simulated source started from a market file such as <c>examples/demo/market.json</c>, with its
/// <c>Market</c>, <c>Seed</c> and <c>Correlation</c>). A relative path is resolved against the current directory, then
/// beside the executable.
/// </remarks>
public static class OracleSources
{
    /// <summary>The sources, and <paramref name="prices"/> with the volatility priors of the market files behind <c>demo-market</c> sources added (for a cold start without history); a prior set in <paramref name="prices"/> wins.</summary>
    /// <exception cref="ArgumentException">An entry is invalid; the message names it (<c>Oracles:Sources:i</c>).</exception>
    /// <exception cref="InvalidDataException">A replay or market file is malformed.</exception>
    /// <exception cref="FileNotFoundException">A replay file does not exist.</exception>
    public static (IReadOnlyList<IOracleSource> Sources, PriceRefreshOptions Prices) Create(IConfigurationSection oracles, PriceRefreshOptions prices, HttpClient http, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(prices);
        var (sources, priors) = Create(oracles, http, time);
        var merged = new Dictionary<string, double>(priors, StringComparer.Ordinal);
        foreach (var (asset, prior) in prices.VolatilityPriors)
        {
            merged[asset] = prior;
        }

        return (sources, prices with { VolatilityPriors = merged });
    }

    /// <summary>The sources, and the volatility priors of the market files behind <c>demo-market</c> sources (for a cold start without history).</summary>
    public static (IReadOnlyList<IOracleSource> Sources, IReadOnlyDictionary<string, double> VolatilityPriors) Create(IConfigurationSection oracles, HttpClient http, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(oracles);
        var sources = new List<IOracleSource>();
        var priors = new Dictionary<string, double>(StringComparer.Ordinal);
        var index = 0;
        foreach (var entry in oracles.GetSection("Sources").GetChildren())
        {
            var where = string.Create(CultureInfo.InvariantCulture, $"Oracles:Sources:{index++}");
            var type = entry["Type"] ?? throw new ArgumentException($"{where}:Type is missing (pyth, coinbase, kraken, binance, replay, simulated or demo-market)");
            sources.Add(type.ToUpperInvariant() switch
            {
                "PYTH" => new PythHermesSource(http, Bind<PythHermesOptions>(entry, where)),
                "COINBASE" => new CoinbaseExchangeSource(http, Bind<CoinbaseExchangeOptions>(entry, where)),
                "KRAKEN" => new KrakenSource(http, Bind<KrakenOptions>(entry, where), time),
                "BINANCE" => new BinanceSource(http, Bind<BinanceOptions>(entry, where), time),
                "REPLAY" => ReplaySource.Load(Bind<ReplaySourceOptions>(entry, where) with { Path = Resolve(entry["Path"] ?? string.Empty) }, time),
                "SIMULATED" => new SimulatedSource(Bind<SimulatedSourceOptions>(entry, where), time),
                "DEMO-MARKET" => new SimulatedSource(DemoMarket(entry, where, priors), time),
                _ => throw new ArgumentException($"{where}:Type '{type}' is not a source type (pyth, coinbase, kraken, binance, replay, simulated or demo-market)"),
            });
        }

        return (sources, priors);
    }

    /// <summary>A simulated source starting from a market file's prices, volatilities and jumps.</summary>
    public static SimulatedSourceOptions DemoMarket(IConfiguration entry, string where, Dictionary<string, double> priors)
    {
        var path = Resolve(entry["Market"] ?? "examples/demo/market.json");
        if (!File.Exists(path))
        {
            throw new ArgumentException($"{where}:Market: {path} does not exist");
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var assets = new Dictionary<string, SimulatedAsset>(StringComparer.Ordinal);
        var quote = document.RootElement.TryGetProperty("quote", out var q) ? q.GetString() : "USD";
        foreach (var asset in document.RootElement.GetProperty("assets").EnumerateObject())
        {
            if (asset.Name == quote)
            {
                continue;
            }

            var a = asset.Value;
            priors.TryAdd(asset.Name, a.GetProperty("volatility").GetDouble());
            assets[asset.Name] = new SimulatedAsset
            {
                StartPrice = decimal.Parse(a.GetProperty("price").GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture),
                Volatility = a.GetProperty("volatility").GetDouble(),
                JumpsPerYear = a.TryGetProperty("jumpIntensity", out var j) ? j.GetDouble() : 0,
                JumpMean = a.TryGetProperty("jumpMean", out var m) ? m.GetDouble() : 0,
                JumpStdDev = a.TryGetProperty("jumpStdDev", out var s) ? s.GetDouble() : 0,
            };
        }

        return new SimulatedSourceOptions
        {
            SourceId = entry["SourceId"] ?? "demo-market",
            Seed = long.TryParse(entry["Seed"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed) ? seed : 1,
            Correlation = double.TryParse(entry["Correlation"], NumberStyles.Float, CultureInfo.InvariantCulture, out var rho) ? rho : 0.6,
            Step = TimeSpan.FromSeconds(1),
            Assets = assets,
        };
    }

    private static T Bind<T>(IConfigurationSection entry, string where)
        where T : new()
    {
        try
        {
            return entry.Get<T>() ?? new T();
        }
        catch (InvalidOperationException ex)
        {
            throw new ArgumentException($"{where}: {ex.Message}", ex);
        }
    }

    private static string Resolve(string path)
    {
        if (Path.IsPathRooted(path) || File.Exists(path))
        {
            return Path.GetFullPath(path);
        }

        var beside = Path.Combine(AppContext.BaseDirectory, path);
        return File.Exists(beside) ? beside : Path.GetFullPath(path);
    }
}
