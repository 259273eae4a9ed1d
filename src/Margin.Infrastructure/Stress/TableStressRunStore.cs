using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Margin.Infrastructure.Storage;
using Margin.Sweep.Ports;
using Margin.Sweep.Stress;

namespace Margin.Infrastructure.Stress;

/// <summary>The <c>stressruns</c> table: one partition per run (its record, and its result in rows), and an <c>index</c> partition that lists runs newest first.</summary>
/// <remarks>
/// <para>Partition <c>{runId}</c>: row <c>run</c> is the record (properties); rows <c>summary</c>, <c>initial</c>,
/// <c>final</c>, <c>round-001</c>.. and <c>curve-00</c>.. hold the result as JSON documents of
/// <see cref="StressRunDocument"/>'s contract (property <c>Json</c>, split by <see cref="LongText"/> when long). The record
/// has a row of its own so that a status change rewrites a small row, never the result.</para>
/// <para>A result is written in entity-group transactions (at most 100 rows and about 3.5 MB each), the <c>summary</c>
/// row in the last one: every row of one save carries the same <c>ResultId</c>, and a reader takes only the rows of the
/// summary's <c>ResultId</c>, so a result is readable only once complete, and a save that replaces an earlier attempt's
/// result (which may have had more rounds) never mixes with it; the earlier attempt's extra rows are deleted after.</para>
/// <para>Partition <c>index</c> (a reserved run id) holds one row per run keyed by the inverted time it was requested
/// and its id, so a partition query reads the newest first. Creating a run writes its index row first and its record
/// second: an index row whose run has no record (a crash in between) is skipped by <see cref="ListAsync"/>.</para>
/// </remarks>
public sealed class TableStressRunStore : TableStore, IStressRunStore
{
    /// <summary>The table's name.</summary>
    public const string TableName = "stressruns";

    /// <summary>The partition that lists the runs (a run cannot have this id).</summary>
    public const string IndexPartition = "index";

    private const string RunRow = "run";
    private const string SummaryRow = "summary";
    private const string InitialRow = "initial";
    private const string FinalRow = "final";
    private const string RoundPrefix = "round-";
    private const string CurvePrefix = "curve-";
    private const int RowVersion = 1;

    /// <summary>Creates the store over the <c>stressruns</c> table.</summary>
    /// <param name="table">The table client.</param>
    public TableStressRunStore(TableClient table)
        : base(table)
    {
    }

    /// <summary>The row key of a round (from 1): <c>round-001</c>.</summary>
    public static string RoundKey(int round) => string.Create(CultureInfo.InvariantCulture, $"{RoundPrefix}{round:D3}");

    /// <summary>The row key of a curve point (from 0): <c>curve-00</c>.</summary>
    public static string CurveKey(int index) => string.Create(CultureInfo.InvariantCulture, $"{CurvePrefix}{index:D2}");

    /// <inheritdoc/>
    public async Task CreateAsync(StressRunRecord record, CancellationToken cancellationToken = default)
    {
        var entity = RecordEntity(record);
        var index = new TableEntity(IndexPartition, IndexKey(record)) { ["RunId"] = record.RunId, ["RequestedAt"] = record.RequestedAt };
        await Table.UpsertEntityAsync(index, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        try
        {
            await Table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // The run exists: drop the index row just written unless it is the stored run's own (same time).
            var stored = await GetAsync(record.RunId, cancellationToken).ConfigureAwait(false);
            if (stored is null || !string.Equals(IndexKey(stored), index.RowKey, StringComparison.Ordinal))
            {
                await Table.DeleteEntityAsync(IndexPartition, index.RowKey, ETag.All, cancellationToken).ConfigureAwait(false);
            }

            throw new InvalidOperationException($"stress run {record.RunId} exists already", ex);
        }
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">No run with the record's id is stored.</exception>
    public async Task<StressRunRecord> UpdateAsync(StressRunRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var entity = RecordEntity(record);
        try
        {
            // Replace under the record's ETag when it carries one (else "*"): the record must exist (an update never
            // creates a run), and a status change never overwrites one made meanwhile by another attempt.
            var etag = record.ConcurrencyToken is { } token ? new ETag(token) : ETag.All;
            var response = await Table.UpdateEntityAsync(entity, etag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return record with { ConcurrencyToken = response.Headers.ETag?.ToString() ?? throw new InvalidOperationException($"the table service answered the update of stress run {record.RunId} without an ETag") };
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new InvalidOperationException($"no stress run {record.RunId} is stored; it cannot be updated", ex);
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            throw new StoreConflictException($"stress run {record.RunId} changed since it was read (table {Table.Name}, row {RunRow})");
        }
    }

    /// <inheritdoc/>
    public async Task<StressRunRecord?> GetAsync(string runId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        if (KeyProblem(runId) is not null)
        {
            return null;
        }

        var row = await Table.GetEntityIfExistsAsync<TableEntity>(runId, RunRow, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? Record(row.Value!) with { ConcurrencyToken = row.Value!.ETag.ToString() } : null;
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">No run with the result's id is stored.</exception>
    /// <exception cref="ArgumentException">A row of the result is larger than a table row holds (the message names it).</exception>
    public async Task SaveResultAsync(StressRunResult result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (KeyProblem(result.RunId) is { } problem)
        {
            throw new ArgumentException($"the run id {problem}", nameof(result));
        }

        if (await GetAsync(result.RunId, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new InvalidOperationException($"no stress run {result.RunId} is stored; its result cannot be saved");
        }

        var resultId = Guid.NewGuid().ToString("N");
        var compact = StressRunDocument.Compact;
        var rows = new List<TableEntity>
        {
            JsonRow(result.RunId, InitialRow, resultId, JsonSerializer.Serialize(StressRunDocument.Evaluation(result.Cascade.Initial), compact.BookEvaluationJson)),
            JsonRow(result.RunId, FinalRow, resultId, JsonSerializer.Serialize(StressRunDocument.Evaluation(result.Cascade.Final), compact.BookEvaluationJson)),
        };
        rows.AddRange(result.Cascade.Rounds.Select((r, i) => JsonRow(result.RunId, RoundKey(i + 1), resultId, JsonSerializer.Serialize(StressRunDocument.Round(r), compact.CascadeRoundJson))));
        rows.AddRange((result.Curve.IsDefault ? [] : result.Curve).Select((p, i) => JsonRow(result.RunId, CurveKey(i), resultId, JsonSerializer.Serialize(StressRunDocument.Point(p), compact.CurvePointJson))));

        // The summary last: in the last transaction, so that the result is readable only once every row is written.
        rows.Add(JsonRow(result.RunId, SummaryRow, resultId, JsonSerializer.Serialize(StressRunDocument.Summary(result), compact.StressSummaryJson)));

        var earlier = await ResultKeysAsync(result.RunId, cancellationToken).ConfigureAwait(false);
        foreach (var batch in TableTransactions.Split(rows))
        {
            await Table.SubmitTransactionAsync(batch.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), cancellationToken).ConfigureAwait(false);
        }

        // An earlier attempt's rounds or curve points beyond this result's: readers already ignore them (another ResultId).
        var written = rows.Select(r => r.RowKey).ToHashSet(StringComparer.Ordinal);
        var stale = earlier.Where(k => !written.Contains(k)).Select(k => new TableEntity(result.RunId, k) { ETag = ETag.All }).ToList();
        foreach (var batch in TableTransactions.Split(stale))
        {
            await Table.SubmitTransactionAsync(batch.Select(e => new TableTransactionAction(TableTransactionActionType.Delete, e, ETag.All)), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    /// <exception cref="FormatException">A stored row is malformed, or the result is incomplete (the message names the row).</exception>
    public async Task<StressRunResult?> GetResultAsync(string runId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        if (KeyProblem(runId) is not null)
        {
            return null;
        }

        // One partition query: every row of the run (pages of at most 1,000).
        var rows = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        await foreach (var e in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {runId}"), maxPerPage: 1_000, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows[e.RowKey] = e;
        }

        if (!rows.TryGetValue(SummaryRow, out var summaryRow))
        {
            return null;
        }

        var resultId = summaryRow.GetString("ResultId") ?? throw Malformed(runId, SummaryRow, "ResultId is missing");
        var compact = StressRunDocument.Compact;
        var summary = Json(runId, summaryRow, resultId, compact.StressSummaryJson);
        string Where(string key) => $"stress run {runId}, row {key}";
        TableEntity Row(string key) =>
            rows.TryGetValue(key, out var row)
                ? row
                : throw new FormatException($"{Where(key)} is missing: the stored result is incomplete");

        var initial = Json(runId, Row(InitialRow), resultId, compact.BookEvaluationJson);
        var final = Json(runId, Row(FinalRow), resultId, compact.BookEvaluationJson);
        var rounds = Enumerable.Range(1, Math.Max(0, summary.Cascade.Rounds)).Select(r => Json(runId, Row(RoundKey(r)), resultId, compact.CascadeRoundJson)).ToList();
        var curve = Enumerable.Range(0, Math.Max(0, summary.CurvePoints)).Select(i => Json(runId, Row(CurveKey(i)), resultId, compact.CurvePointJson)).ToList();
        for (var i = 0; i < rounds.Count; i++)
        {
            if (rounds[i].Round != i + 1)
            {
                throw Malformed(runId, RoundKey(i + 1), string.Create(CultureInfo.InvariantCulture, $"it holds round {rounds[i].Round}"));
            }
        }

        string At(string key) => $"stress run {runId}, row {key}: ";
        var places = new StressRunDocument.Places(At(SummaryRow), At(InitialRow), At(FinalRow), i => At(RoundKey(i + 1)), i => At(CurveKey(i)));
        var result = StressRunDocument.Result(summary, initial, final, rounds, curve, places);
        return string.Equals(result.RunId, runId, StringComparison.Ordinal)
            ? result
            : throw Malformed(runId, SummaryRow, $"it names run {result.RunId}");
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<StressRunRecord>> ListAsync(int max, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var runs = new List<StressRunRecord>();
        var query = Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {IndexPartition}"), maxPerPage: Math.Min(max, 1_000), select: ["RowKey", "RunId"], cancellationToken: cancellationToken);
        await foreach (var page in query.AsPages().ConfigureAwait(false))
        {
            var ids = page.Values.Select(e => e.GetString("RunId")).OfType<string>().ToList();
            var records = await Task.WhenAll(ids.Select(id => GetAsync(id, cancellationToken))).ConfigureAwait(false);
            foreach (var record in records)
            {
                if (record is not null && runs.Count < max)
                {
                    runs.Add(record);
                }
            }

            if (runs.Count >= max)
            {
                break;
            }
        }

        return runs;
    }

    private static string IndexKey(StressRunRecord record) => $"{InvertedTime.Key(record.RequestedAt)}-{record.RunId}";

    private static string? KeyProblem(string runId) =>
        string.Equals(runId, IndexPartition, StringComparison.Ordinal) ? $"'{IndexPartition}' is reserved" : TableKeys.Problem("the run id", runId, prefixLength: 20);

    private static TableEntity RecordEntity(StressRunRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(record.Request);
        if (KeyProblem(record.RunId) is { } problem)
        {
            throw new ArgumentException($"stress run '{record.RunId}': {problem}", nameof(record));
        }

        var row = $"stress run {record.RunId}";
        var entity = new TableEntity(record.RunId, RunRow)
        {
            ["SchemaVersion"] = RowVersion,
            ["Status"] = record.Status.ToString(),
            ["SnapshotId"] = record.SnapshotId,
            ["ParamsVersion"] = record.ParamsVersion,
            ["Candidate"] = record.Candidate,
            ["RequestedAt"] = StoredTime.Checked(record.RequestedAt, "RequestedAt", row),
            ["StartedAt"] = record.StartedAt is { } s ? StoredTime.Checked(s, "StartedAt", row) : null,
            ["CompletedAt"] = record.CompletedAt is { } c ? StoredTime.Checked(c, "CompletedAt", row) : null,
            ["Attempts"] = record.Attempts,
        };
        Text(entity, "Request", JsonSerializer.Serialize(record.Request, StressRunDocument.Compact.StressRequest), row);
        Text(entity, "ScenarioName", record.ScenarioName, row);
        if (record.Error is not null)
        {
            Text(entity, "Error", record.Error, row);
        }

        return entity;
    }

    private static void Text(TableEntity entity, string name, string text, string row)
    {
        ArgumentNullException.ThrowIfNull(text, name);
        if (LongText.Problem(text) is { } problem)
        {
            throw new ArgumentException($"{row}: {name} {problem}", nameof(text));
        }

        LongText.Write(entity, name, text);
    }

    private static StressRunRecord Record(TableEntity e)
    {
        var runId = e.PartitionKey;
        if (e.GetInt32("SchemaVersion") is var version && version != RowVersion)
        {
            throw Malformed(runId, RunRow, $"SchemaVersion is {version?.ToString(CultureInfo.InvariantCulture) ?? "missing"}; this version reads {RowVersion}");
        }

        string Required(string name) => Read(e, name) ?? throw Malformed(runId, RunRow, $"{name} is missing");
        var request = StressRunDocument.Parse(Required("Request"), StressRunDocument.Compact.StressRequest, $"stress run {runId}, row {RunRow}: Request");
        StressRunStatus status;
        try
        {
            status = StressRunDocument.Status(e.GetString("Status"), "Status");
        }
        catch (FormatException ex)
        {
            throw Malformed(runId, RunRow, ex.Message);
        }

        return new StressRunRecord(
            runId,
            status,
            request,
            Required("SnapshotId"),
            Required("ParamsVersion"),
            e.GetBoolean("Candidate") ?? throw Malformed(runId, RunRow, "Candidate is missing"),
            Required("ScenarioName"),
            e.GetDateTimeOffset("RequestedAt") ?? throw Malformed(runId, RunRow, "RequestedAt is missing"),
            e.GetDateTimeOffset("StartedAt"),
            e.GetDateTimeOffset("CompletedAt"),
            e.GetInt32("Attempts") ?? throw Malformed(runId, RunRow, "Attempts is missing"),
            Read(e, "Error"));
    }

    private static string? Read(TableEntity e, string name)
    {
        try
        {
            return LongText.Read(e, name);
        }
        catch (FormatException ex)
        {
            throw Malformed(e.PartitionKey, e.RowKey, ex.Message);
        }
    }

    private static TableEntity JsonRow(string runId, string key, string resultId, string json)
    {
        var entity = new TableEntity(runId, key) { ["SchemaVersion"] = RowVersion, ["ResultId"] = resultId };
        Text(entity, "Json", json, $"stress run {runId}, row {key}");
        return entity;
    }

    private static T Json<T>(string runId, TableEntity row, string resultId, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        if (row.GetInt32("SchemaVersion") is var version && version != RowVersion)
        {
            throw Malformed(runId, row.RowKey, $"SchemaVersion is {version?.ToString(CultureInfo.InvariantCulture) ?? "missing"}; this version reads {RowVersion}");
        }

        if (!string.Equals(row.GetString("ResultId"), resultId, StringComparison.Ordinal))
        {
            throw new FormatException($"stress run {runId}, row {row.RowKey} belongs to another attempt's result than the summary's: the result is being replaced, read it again");
        }

        var json = Read(row, "Json") ?? throw Malformed(runId, row.RowKey, "Json is missing");
        return StressRunDocument.Parse(json, type, $"stress run {runId}, row {row.RowKey}");
    }

    private async Task<List<string>> ResultKeysAsync(string runId, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        await foreach (var e in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {runId}"), maxPerPage: 1_000, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (e.RowKey.StartsWith(RoundPrefix, StringComparison.Ordinal) || e.RowKey.StartsWith(CurvePrefix, StringComparison.Ordinal))
            {
                keys.Add(e.RowKey);
            }
        }

        return keys;
    }

    private static FormatException Malformed(string runId, string row, string problem) => new($"stress run {runId}, row {row}: {problem}");
}
