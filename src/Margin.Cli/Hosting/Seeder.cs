using System.Diagnostics;
using System.Globalization;
using Margin.Cli.Commands;
using Margin.Engine.Accounts;
using Margin.Engine.Parameters;
using Margin.Infrastructure.Composition;
using Margin.Infrastructure.Documents;
using Margin.Sweep.Seeding;

namespace Margin.Cli.Hosting;

/// <summary>Seeds a deployment with a generated book: imports (and, if none is active, activates) the demo parameters and writes N generated accounts.</summary>
internal static class Seeder
{
    public const string DefaultParameters = "examples/demo/parameters.json";
    public const string DefaultMarket = "examples/demo/market.json";
    private const int Batch = 5_000;

    public static async Task<(int Written, RiskParameters Parameters)> RunAsync(CommandIo io, MarginStorage storage, int count, int seed, string parametersPath, string marketPath, CancellationToken ct)
    {
        var parametersJson = ParamsCommand.DocumentOf(await File.ReadAllTextAsync(Locate(parametersPath), ct).ConfigureAwait(false));
        var (set, problems) = ParametersReader.ReadDocument(parametersJson);
        if (set is null)
        {
            throw new InvalidDataException($"{parametersPath}: {string.Join("; ", problems.Select(p => $"{p.Field}: {p.Problem}"))}");
        }

        var parameters = set.Parameters;
        await storage.Parameters.ImportAsync(parametersJson, ct).ConfigureAwait(false);
        if (await storage.Parameters.GetActiveVersionAsync(ct).ConfigureAwait(false) is null)
        {
            await storage.Parameters.ActivateAsync(parameters.Version, ct).ConfigureAwait(false);
        }

        var (asOf, market) = MarketDocument.Read(await File.ReadAllTextAsync(Locate(marketPath), ct).ConfigureAwait(false));
        var reference = ReferenceSnapshot.Create("seed-reference", asOf, parameters, market);
        var generator = new BookGenerator(parameters, reference);
        var clock = Stopwatch.StartNew();
        var batch = new List<Account>(Batch);
        var written = 0;
        foreach (var account in generator.Generate(count, seed))
        {
            batch.Add(account);
            if (batch.Count == Batch)
            {
                await storage.Accounts.UpsertAsync(batch, ct).ConfigureAwait(false);
                written += batch.Count;
                batch.Clear();
                await io.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  seeded {written:N0} of {count:N0} accounts ({written / clock.Elapsed.TotalSeconds:N0}/s)").AsMemory(), ct).ConfigureAwait(false);
            }
        }

        await storage.Accounts.UpsertAsync(batch, ct).ConfigureAwait(false);
        written += batch.Count;
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
