using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Margin.Engine.Parameters;
using Margin.Infrastructure.Documents;
using Margin.Infrastructure.Storage;
using Margin.Sweep.Ports;

namespace Margin.Infrastructure.Parameters;

/// <summary>The <c>riskparameters</c> table: one partition per immutable version (rows <c>global</c>, <c>a:{asset}</c>, <c>i:{instrument}</c>) and the <c>active</c> pointer.</summary>
/// <remarks>
/// A version is the parameters document of docs/evaluate.md cut into rows: each asset and each instrument holds its
/// JSON object, <c>global</c> everything else (<c>version</c>, <c>settlement</c>, thresholds, portfolio, metadata, ..),
/// each as compact JSON text (split across properties when longer than one holds: <see cref="LongText"/>). The
/// <c>global</c> row is written last and read first, so a crashed import is not a version (and the next import of it
/// clears what it left); it counts the other rows and carries a SHA-256 of every row's text, so a row changed or lost
/// after the import is detected on read. Versions are immutable; the <c>active</c> pointer is replaced under its ETag.
/// docs/storage.md has the row contract.
/// </remarks>
public sealed class TableRiskParameterStore : TableStore, IRiskParameterStore
{
    /// <summary>The table's name.</summary>
    public const string TableName = "riskparameters";

    private const int SchemaVersion = 1;
    private const string Active = "active";
    private const string Global = "global";
    private const string AssetPrefix = "a:";
    private const string InstrumentPrefix = "i:";

    private static readonly JsonWriterOptions s_compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonWriterOptions s_indented = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = true };

    /// <summary>Creates the store over the <c>riskparameters</c> table.</summary>
    /// <param name="table">The table client.</param>
    public TableRiskParameterStore(TableClient table)
        : base(table)
    {
    }

    /// <summary>Validates a parameters document and stores it under its own <c>version</c>; the same version with the same content again does nothing.</summary>
    /// <param name="json">The parameters object of docs/evaluate.md as JSON text (a preset file's whole content).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The version, and whether this call stored it (false: it was already stored with this content).</returns>
    /// <exception cref="ParametersDocumentException">The document is invalid, or a key or fragment cannot be stored; every problem names its field.</exception>
    /// <exception cref="InvalidOperationException">The version is already stored with other content.</exception>
    public async Task<(string Version, bool Created)> ImportAsync(string json, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(json);
        var (set, problems) = ParametersReader.ReadDocument(json);
        if (set is null)
        {
            throw new ParametersDocumentException(problems);
        }

        var version = set.Parameters.Version;
        using var document = JsonDocument.Parse(json);
        var (rows, rowProblems) = Rows(version, document.RootElement);
        if (rowProblems.Count > 0)
        {
            throw new ParametersDocumentException(rowProblems);
        }

        var stored = await ReadRowsAsync(version, cancellationToken).ConfigureAwait(false);
        if (stored.ContainsKey(Global))
        {
            EnsureSame(version, stored, rows);
            return (version, false);
        }

        // Rows without a global row are an import that crashed: remove them, so this import is the whole partition.
        foreach (var batch in stored.Values.Chunk(TableTransactions.MaxEntities))
        {
            await Table.SubmitTransactionAsync(batch.Select(e => new TableTransactionAction(TableTransactionActionType.Delete, e, ETag.All)), cancellationToken).ConfigureAwait(false);
        }

        var global = rows[Global];
        foreach (var batch in TableTransactions.Split(rows.Values.Where(e => e.RowKey != Global)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Table.SubmitTransactionAsync(batch.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), cancellationToken).ConfigureAwait(false);
        }

        try
        {
            // The global row last, inserted: the version exists only once every row is written, and only once.
            await Table.AddEntityAsync(global, cancellationToken).ConfigureAwait(false);
            return (version, true);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Another import of this version finished first.
            EnsureSame(version, await ReadRowsAsync(version, cancellationToken).ConfigureAwait(false), rows);
            return (version, false);
        }
    }

    /// <summary>A stored version as an indented parameters document (global members, then <c>assets</c> and <c>instruments</c> in their imported order), or null when there is none.</summary>
    /// <param name="version">The version.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="InvalidDataException">The stored rows are incomplete, malformed or changed since the import; the message names the version and the row.</exception>
    public async Task<string?> GetDocumentAsync(string version, CancellationToken cancellationToken = default)
    {
        var (json, defect) = await LoadAsync(version, cancellationToken).ConfigureAwait(false);
        return defect is null ? json : throw new InvalidDataException(defect);
    }

    /// <inheritdoc/>
    public async Task<RiskParameters?> GetAsync(string version, CancellationToken cancellationToken = default)
    {
        var (json, defect) = await LoadAsync(version, cancellationToken).ConfigureAwait(false);
        if (json is null)
        {
            return null;
        }

        // The document's own problems first (they name the field), then the integrity of the rows.
        var (set, problems) = ParametersReader.ReadDocument(json);
        if (set is null)
        {
            throw new InvalidDataException($"parameters version {version} is stored but cannot be read: {string.Join("; ", problems)}");
        }

        if (defect is not null)
        {
            throw new InvalidDataException(defect);
        }

        return set.Parameters.Version == version
            ? set.Parameters
            : throw new InvalidDataException($"parameters version {version} is stored but cannot be read: parameters.version is '{set.Parameters.Version}'");
    }

    /// <inheritdoc/>
    public async Task<string?> GetActiveVersionAsync(CancellationToken cancellationToken = default)
    {
        var pointer = await Table.GetEntityIfExistsAsync<TableEntity>(Active, Active, cancellationToken: cancellationToken).ConfigureAwait(false);
        return pointer.HasValue ? pointer.Value!.GetString("Version") : null;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The version is read in full first (a version that no longer reads is never activated); the pointer is inserted,
    /// or replaced under the ETag it was read with, recording the version it replaced in <c>Previous</c>. A concurrent
    /// activation makes this one fail with <see cref="StoreConflictException"/>.
    /// </remarks>
    /// <exception cref="InvalidDataException">The stored version cannot be read.</exception>
    /// <exception cref="StoreConflictException">Another activation changed the pointer meanwhile.</exception>
    public async Task ActivateAsync(string version, CancellationToken cancellationToken = default)
    {
        if (await GetAsync(version, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new KeyNotFoundException($"parameters version {version} is not stored (or its import did not finish); import it first");
        }

        var current = await Table.GetEntityIfExistsAsync<TableEntity>(Active, Active, cancellationToken: cancellationToken).ConfigureAwait(false);
        var previous = current.HasValue ? current.Value!.GetString("Version") : null;
        if (previous == version)
        {
            return;
        }

        var pointer = new TableEntity(Active, Active) { ["Version"] = version, ["Previous"] = previous };
        try
        {
            if (current.HasValue)
            {
                await Table.UpdateEntityAsync(pointer, current.Value!.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await Table.AddEntityAsync(pointer, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            throw new StoreConflictException($"{TableName} table, partition {Active}, row {Active}: the active version changed while {version} was being activated; read it again and retry", ex);
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken = default)
    {
        var versions = new List<string>();
        await foreach (var e in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey eq {Global}"), maxPerPage: 1_000, select: ["PartitionKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            versions.Add(e.PartitionKey);
        }

        versions.Sort(StringComparer.Ordinal);
        return versions;
    }

    /// <summary>Cuts a validated document into its rows (global last in the map's meaning, not its order); problems name the document's fields.</summary>
    internal static (Dictionary<string, TableEntity> Rows, List<InputProblem> Problems) Rows(string version, JsonElement root)
    {
        var problems = new List<InputProblem>();
        if (version == Active || TableKeys.Problem("the version", version) is not null)
        {
            problems.Add(new InputProblem($"{ParametersReader.Root}.version", version == Active ? $"'{Active}' is reserved and cannot name a version" : TableKeys.Problem("the version", version)!));
            return ([], problems);
        }

        var rows = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        var global = Compact(w =>
        {
            w.WriteStartObject();
            foreach (var member in root.EnumerateObject())
            {
                var prefix = member.Name switch
                {
                    "assets" => AssetPrefix,
                    "instruments" => InstrumentPrefix,
                    _ => null,
                };
                if (prefix is null)
                {
                    member.WriteTo(w);
                    continue;
                }

                var index = 0;
                foreach (var item in member.Value.EnumerateObject())
                {
                    var field = $"{ParametersReader.Root}.{member.Name}.{item.Name}";
                    if (TableKeys.Problem("the key", item.Name, prefix.Length) is { } keyProblem)
                    {
                        problems.Add(new InputProblem(field, $"{keyProblem.Replace("the key", "the name", StringComparison.Ordinal)}, so it cannot name a table row"));
                        continue;
                    }

                    var row = Row(version, prefix + item.Name, Compact(item.Value.WriteTo), field, problems);
                    row["Index"] = index++;
                    rows[row.RowKey] = row;
                }
            }

            w.WriteEndObject();
        });
        var globalRow = Row(version, Global, global, ParametersReader.Root, problems);
        globalRow["SchemaVersion"] = SchemaVersion;
        globalRow["Rows"] = rows.Count;
        globalRow["ContentHash"] = Hash(rows.Values.Append(globalRow));
        rows[Global] = globalRow;
        return (rows, problems);
    }

    private static TableEntity Row(string version, string rowKey, string json, string field, List<InputProblem> problems)
    {
        var row = new TableEntity(version, rowKey);
        if (LongText.Problem(json) is { } problem)
        {
            problems.Add(new InputProblem(field, $"its JSON {problem}"));
            return row;
        }

        LongText.Write(row, "Json", json);
        return row;
    }

    /// <summary>Refuses to import over a stored version with other content, naming the rows that differ.</summary>
    private static void EnsureSame(string version, Dictionary<string, TableEntity> stored, Dictionary<string, TableEntity> rows)
    {
        var differing = rows.Keys.Union(stored.Keys, StringComparer.Ordinal)
            .Where(k => k != Global && !(stored.TryGetValue(k, out var s) && rows.TryGetValue(k, out var r) && Text(s) == Text(r)))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (differing.Count > 0 || Text(stored[Global]) != Text(rows[Global]))
        {
            var where = differing.Count == 0 ? "the global members differ" : $"rows {string.Join(", ", differing.Take(10))}{(differing.Count > 10 ? ", .." : string.Empty)} differ";
            throw new InvalidOperationException($"parameters version {version} is already stored with other content ({where}); versions are immutable: import it under a new version");
        }
    }

    /// <summary>Reads and reassembles a stored version: its JSON (null when not stored) and what is wrong with the rows, if anything.</summary>
    private async Task<(string? Json, string? Defect)> LoadAsync(string version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(version);
        if (version == Active || TableKeys.Problem("the version", version) is not null)
        {
            return (null, null);
        }

        var rows = await ReadRowsAsync(version, cancellationToken).ConfigureAwait(false);
        if (!rows.TryGetValue(Global, out var global))
        {
            return (null, null);
        }

        string Fail(string where, string problem) => $"parameters version {version}, {where}: {problem}";
        var schema = global.GetInt32("SchemaVersion");
        if (schema != SchemaVersion)
        {
            throw new InvalidDataException(Fail($"row {Global}", $"SchemaVersion is {schema?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "missing"}; this version reads {SchemaVersion}"));
        }

        var fragments = new Dictionary<string, JsonDocument>(StringComparer.Ordinal);
        try
        {
            foreach (var (key, row) in rows)
            {
                var field = key == Global ? ParametersReader.Root : $"{ParametersReader.Root}.{(key.StartsWith(AssetPrefix, StringComparison.Ordinal) ? "assets" : "instruments")}.{key[2..]}";
                if (key != Global && !key.StartsWith(AssetPrefix, StringComparison.Ordinal) && !key.StartsWith(InstrumentPrefix, StringComparison.Ordinal))
                {
                    throw new InvalidDataException(Fail($"row {key}", "an unexpected row (rows are global, a:{asset} and i:{instrument})"));
                }

                try
                {
                    var text = LongText.Read(row, "Json") ?? throw new FormatException("Json is missing");
                    var fragment = JsonDocument.Parse(text);
                    fragments[key] = fragment;
                    if (fragment.RootElement.ValueKind != JsonValueKind.Object)
                    {
                        throw new FormatException($"Json is a JSON {fragment.RootElement.ValueKind}, not an object");
                    }
                }
                catch (Exception ex) when (ex is FormatException or JsonException)
                {
                    throw new InvalidDataException(Fail($"{field} (row {key})", ex.Message), ex);
                }
            }

            var json = Assemble(fragments, rows);
            var expected = global.GetInt32("Rows");
            string? defect = null;
            if (expected != rows.Count - 1)
            {
                defect = Fail($"row {Global}", $"it counts {expected?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no"} asset and instrument rows, the partition has {rows.Count - 1}: rows were added or lost after the import");
            }
            else if (global.GetString("ContentHash") != Hash(rows.Values))
            {
                defect = Fail($"row {Global}", "the rows do not match its ContentHash: they were changed after the import");
            }

            return (json, defect);
        }
        finally
        {
            foreach (var fragment in fragments.Values)
            {
                fragment.Dispose();
            }
        }
    }

    private static string Assemble(Dictionary<string, JsonDocument> fragments, Dictionary<string, TableEntity> rows)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, s_indented))
        {
            w.WriteStartObject();
            foreach (var member in fragments[Global].RootElement.EnumerateObject())
            {
                member.WriteTo(w);
            }

            foreach (var (name, prefix) in new[] { ("assets", AssetPrefix), ("instruments", InstrumentPrefix) })
            {
                var items = fragments.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
                    .OrderBy(k => rows[k].GetInt32("Index") ?? int.MaxValue)
                    .ThenBy(k => k, StringComparer.Ordinal)
                    .ToList();
                if (items.Count == 0 && prefix == InstrumentPrefix)
                {
                    continue;
                }

                w.WriteStartObject(name);
                foreach (var key in items)
                {
                    w.WritePropertyName(key[prefix.Length..]);
                    fragments[key].RootElement.WriteTo(w);
                }

                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private async Task<Dictionary<string, TableEntity>> ReadRowsAsync(string version, CancellationToken cancellationToken = default)
    {
        var rows = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        await foreach (var e in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {version}"), maxPerPage: 1_000, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows[e.RowKey] = e;
        }

        return rows;
    }

    private static string? Text(TableEntity row) => LongText.Read(row, "Json");

    /// <summary>SHA-256 (hex) over every row's key and text, in ordinal key order.</summary>
    private static string Hash(IEnumerable<TableEntity> rows)
    {
        var text = new StringBuilder();
        foreach (var row in rows.OrderBy(r => r.RowKey, StringComparer.Ordinal))
        {
            text.Append(row.RowKey).Append('\n').Append(Text(row)).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static string Compact(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, s_compact))
        {
            write(w);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
