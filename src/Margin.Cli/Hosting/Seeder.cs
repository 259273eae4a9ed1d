using System.Diagnostics;
using System.Globalization;
using Margin.Cli.Commands;
using Margin.Engine.Parameters;
using Margin.Infrastructure.Composition;

namespace Margin.Cli.Hosting;

/// <summary>Seeds a deployment with a generated book: imports (and, if none is active, activates) the demo parameters and writes N generated accounts.</summary>
internal static class Seeder
{
    public const string DefaultParameters = "examples/demo/parameters.json";
    public const string DefaultMarket = "examples/demo/market.json";

    public static async Task<(int Written, RiskParameters Parameters)> RunAsync(CommandIo io, MarginStorage storage, int count, int seed, string parametersPath, string marketPath, CancellationToken ct)
    {
        var parameters = await BookSeeder.ImportParametersAsync(storage, await File.ReadAllTextAsync(Locate(parametersPath), ct).ConfigureAwait(false), ct).ConfigureAwait(false);
        var market = await File.ReadAllTextAsync(Locate(marketPath), ct).ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        var written = await BookSeeder.SeedAsync(
            storage,
            parameters,
            market,
            count,
            seed,
            n => io.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  seeded {n:N0} of {count:N0} accounts ({n / clock.Elapsed.TotalSeconds:N0}/s)")),
            ct).ConfigureAwait(false);
        await io.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"seeded {written:N0} accounts (seed {seed}) into {storage.Options.Partitions} partitions in {clock.Elapsed.TotalSeconds:0.0} s; parameters {parameters.Version}").AsMemory(), ct).ConfigureAwait(false);
        return (written, parameters);
    }

    /// <summary>A file named on the command line: as given, else beside the executable (where the build copies examples/).</summary>
    public static string Locate(string path)
    {
        if (File.Exists(path))
        {
            return path;
        }

        var beside = Path.Combine(AppContext.BaseDirectory, path);
        return File.Exists(beside) ? beside : throw new FileNotFoundException($"{path} does not exist (looked in {Environment.CurrentDirectory} and {AppContext.BaseDirectory})", path);
    }
}
