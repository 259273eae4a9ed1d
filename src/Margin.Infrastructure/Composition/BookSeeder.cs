using System.Text.Json;
using Margin.Engine.Accounts;
using Margin.Engine.Parameters;
using Margin.Infrastructure.Documents;
using Margin.Sweep.Seeding;

namespace Margin.Infrastructure.Composition;

/// <summary>Writes a generated book into a deployment's storage, as <c>margin seed</c> does: imports the parameters (activating them when none are active) and upserts the accounts in batches.</summary>
/// <remarks>Shared by the CLI, the benchmarks and the tests that need a realistic book in Azurite.</remarks>
public static class BookSeeder
{
    /// <summary>The parameters document of a file that is either the document itself or a wrapper with a <c>parameters</c> section (as the evaluate input and the demo files are).</summary>
    /// <param name="json">The file's text.</param>
    /// <exception cref="JsonException">The text is not JSON.</exception>
    public static string ParametersDocumentOf(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("parameters", out var inner) && !doc.RootElement.TryGetProperty("version", out _)
            ? inner.GetRawText()
            : json;
    }

    /// <summary>Imports a parameters document and activates it when no version is active yet.</summary>
    /// <param name="storage">The deployment's storage.</param>
    /// <param name="parametersJson">A parameters document, or a file with a <c>parameters</c> section.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="InvalidDataException">The document is invalid; the message names every problem's field.</exception>
    public static async Task<RiskParameters> ImportParametersAsync(MarginStorage storage, string parametersJson, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        var document = ParametersDocumentOf(parametersJson);
        var (set, problems) = ParametersReader.ReadDocument(document);
        if (set is null)
        {
            throw new InvalidDataException(string.Join("; ", problems.Select(p => $"{p.Field}: {p.Problem}")));
        }

        await storage.Parameters.ImportAsync(document, cancellationToken).ConfigureAwait(false);
        if (await storage.Parameters.GetActiveVersionAsync(cancellationToken).ConfigureAwait(false) is null)
        {
            await storage.Parameters.ActivateAsync(set.Parameters.Version, cancellationToken).ConfigureAwait(false);
        }

        return set.Parameters;
    }

    /// <summary>Generates <paramref name="count"/> accounts sized at a reference market (<see cref="BookGenerator"/>; same seed, same book) and upserts them in batches.</summary>
    /// <param name="storage">The deployment's storage.</param>
    /// <param name="parameters">The parameters the book is built for.</param>
    /// <param name="marketJson">A market document (<c>examples/demo/market.json</c>).</param>
    /// <param name="count">How many accounts.</param>
    /// <param name="seed">The generator seed.</param>
    /// <param name="progress">Told the running total after each batch.</param>
    /// <param name="cancellationToken">Cancels the call; batches already written stay.</param>
    /// <returns>How many accounts were written.</returns>
    public static async Task<int> SeedAsync(MarginStorage storage, RiskParameters parameters, string marketJson, int count, int seed, Action<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        const int Batch = 5_000;
        var (asOf, market) = MarketDocument.Read(marketJson);
        var generator = new BookGenerator(parameters, ReferenceSnapshot.Create("seed-reference", asOf, parameters, market));
        var batch = new List<Account>(Batch);
        var written = 0;
        foreach (var account in generator.Generate(count, seed))
        {
            batch.Add(account);
            if (batch.Count == Batch)
            {
                await storage.Accounts.UpsertAsync(batch, cancellationToken).ConfigureAwait(false);
                written += batch.Count;
                batch.Clear();
                progress?.Invoke(written);
            }
        }

        await storage.Accounts.UpsertAsync(batch, cancellationToken).ConfigureAwait(false);
        written += batch.Count;
        return written;
    }
}
