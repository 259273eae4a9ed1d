using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Azure.Data.Tables;
using Margin.Engine.Domain;
using Margin.Engine.Oracles;
using Margin.Engine.Prices;
using Margin.Engine.Statistics;
using Margin.Infrastructure.Storage;
using Margin.Sweep.Ports;
using Margin.Sweep.Prices;
using Margin.Sweep.UseCases;

namespace Margin.Infrastructure.Prices;

/// <summary>The <c>prices</c> table: one partition per snapshot (rows <c>meta</c>, <c>a:{asset}</c>, <c>i:{instrument}</c>, <c>d:{key}</c>, and the oracle decisions <c>~d:{asset}</c> and <c>~decisions</c>) and a <c>latest</c> pointer.</summary>
/// <remarks>
/// <para>A snapshot is written in entity-group transactions of at most 100 rows, the <c>meta</c> row last: a reader treats a
/// partition without <c>meta</c> as not written (a crash mid-write leaves no half snapshot visible). Decimals are
/// invariant strings, volatilities doubles, times ISO 8601 (docs/storage.md).</para>
/// <para>The oracle decisions behind a snapshot are written after it the same way, their <c>~decisions</c> row last. Their
/// row keys start with <c>~</c>, which sorts after every snapshot row (<c>a:</c>, <c>d:</c>, <c>i:</c>, <c>meta</c>) and
/// cannot begin one, so a snapshot read (rows below <c>~</c>) never sees them and snapshots written before decisions
/// were recorded read as before.</para>
/// </remarks>
public sealed class TablePriceSnapshotStore : TableStore, IPriceSnapshotStore
{
    /// <summary>The table's name.</summary>
    public const string TableName = "prices";

    private const string LatestPartition = "latest";
    private const string Meta = "meta";

    // Decision rows: every key starts with DecisionRows ('~'), above every snapshot row key.
    private const string DecisionRows = "~";
    private const string DecisionsHeader = "~decisions";
    private const string DecisionPrefix = "~d:";
    private const string DecisionPrefixEnd = "~d;";

    private static readonly JsonWriterOptions s_json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Creates the store over the <c>prices</c> table.</summary>
    /// <param name="table">The table client.</param>
    public TablePriceSnapshotStore(TableClient table)
        : base(table)
    {
    }

    /// <inheritdoc/>
    public async Task WriteAsync(PriceSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.Id == LatestPartition)
        {
            throw new ArgumentException($"'{LatestPartition}' is reserved and cannot name a snapshot", nameof(snapshot));
        }

        if (await ReadAsync(snapshot.Id, cancellationToken).ConfigureAwait(false) is { } stored)
        {
            if (!SameContent(stored, snapshot))
            {
                throw new InvalidOperationException($"snapshot {snapshot.Id} is already stored with other prices; snapshots are immutable, write a new id");
            }

            return;
        }

        // A write that crashed before its meta row left rows behind: remove them, so this write is the whole partition.
        await foreach (var stale in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {snapshot.Id}"), maxPerPage: 1_000, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            await Table.DeleteEntityAsync(stale.PartitionKey, stale.RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        var rows = new List<TableEntity>();
        foreach (var a in snapshot.Assets.Values.OrderBy(a => a.Asset.Symbol, StringComparer.Ordinal))
        {
            rows.Add(new TableEntity(snapshot.Id, "a:" + a.Asset.Symbol)
            {
                ["Price"] = Text(a.Price),
                ["ReferencePrice"] = Text(a.ReferencePrice),
                ["Confidence"] = Text(a.Confidence),
                ["PublishTime"] = a.PublishTime,
                ["UnusableReason"] = a.UnusableReason,
                ["SigmaShort"] = a.SigmaShort,
                ["SigmaLong"] = a.SigmaLong,
            });
        }

        foreach (var i in snapshot.Instruments.Values.OrderBy(i => i.InstrumentId, StringComparer.Ordinal))
        {
            rows.Add(new TableEntity(snapshot.Id, "i:" + i.InstrumentId)
            {
                ["Mark"] = Text(i.Mark),
                ["ImpliedVolatility"] = i.ImpliedVolatility,
                ["UnusableReason"] = i.UnusableReason,
            });
        }

        foreach (var d in snapshot.Defects.Values.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            rows.Add(new TableEntity(snapshot.Id, "d:" + d.Key) { ["Field"] = d.Field, ["Problem"] = d.Problem });
        }

        foreach (var row in rows)
        {
            if (AccountEntityCodec.KeyProblem(row.RowKey) is { } problem)
            {
                throw new ArgumentException($"snapshot {snapshot.Id}: {row.RowKey[2..]} cannot be a row key: {problem.Replace("the account id", "the id", StringComparison.Ordinal)}", nameof(snapshot));
            }
        }

        foreach (var chunk in rows.Chunk(100))
        {
            await Table.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), cancellationToken).ConfigureAwait(false);
        }

        // The meta row last: only a complete snapshot is readable.
        await Table.UpsertEntityAsync(
            new TableEntity(snapshot.Id, Meta)
            {
                ["SchemaVersion"] = 1,
                ["AsOf"] = snapshot.AsOf,
                ["Quote"] = snapshot.Quote.Symbol,
                ["UnusableReason"] = snapshot.UnusableReason,
                ["Correlations"] = Correlations(snapshot.Correlations),
                ["Rows"] = rows.Count,
            },
            TableUpdateMode.Replace,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<PriceSnapshot?> ReadAsync(string snapshotId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(snapshotId);

        // The meta row first: a partition without it is a write that did not finish, not a snapshot.
        var metaRow = await Table.GetEntityIfExistsAsync<TableEntity>(snapshotId, Meta, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!metaRow.HasValue)
        {
            return null;
        }

        var meta = metaRow.Value!;
        var assets = new List<AssetPrice>();
        var instruments = new List<InstrumentPrice>();
        var defects = new List<PriceDefect>();
        var rows = 0;
        // The snapshot's rows only: the oracle decisions (keys from '~') are read by ReadDecisionsAsync.
        await foreach (var e in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {snapshotId} and RowKey lt {DecisionRows}"), maxPerPage: 1_000, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var key = e.RowKey;
            if (key == Meta)
            {
                continue;
            }

            rows++;
            var name = key[2..];
            switch (key[..2])
            {
                case "a:":
                    assets.Add(AssetPrice.Create(Asset.Of(name), Number(e, "Price"), e.GetDateTimeOffset("PublishTime") ?? default, Number(e, "ReferencePrice"), Number(e, "Confidence"), e.GetString("UnusableReason"), e.GetDouble("SigmaShort"), e.GetDouble("SigmaLong")));
                    break;
                case "i:":
                    instruments.Add(InstrumentPrice.Create(name, Number(e, "Mark"), e.GetDouble("ImpliedVolatility"), e.GetString("UnusableReason")));
                    break;
                case "d:":
                    defects.Add(new PriceDefect(name, e.GetString("Field") ?? string.Empty, e.GetString("Problem") ?? string.Empty));
                    break;
                default:
                    throw new InvalidOperationException($"snapshot {snapshotId}: unexpected row {key}");
            }
        }

        if (meta.GetInt32("Rows") is { } expected && expected != rows)
        {
            throw new InvalidOperationException($"snapshot {snapshotId} has {rows} price rows, its meta row says {expected}: it was changed after it was written");
        }

        return PriceSnapshot.Create(
            snapshotId,
            meta.GetDateTimeOffset("AsOf") ?? throw new InvalidOperationException($"snapshot {snapshotId}: AsOf is missing"),
            Asset.Of(meta.GetString("Quote") ?? throw new InvalidOperationException($"snapshot {snapshotId}: Quote is missing")),
            assets,
            instruments,
            defects,
            meta.GetString("UnusableReason"),
            ParseCorrelations(meta.GetString("Correlations")));
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">An asset symbol cannot be a row key, two decisions are for one asset, or a text is longer than a row holds.</exception>
    public async Task WriteDecisionsAsync(string snapshotId, PriceDecisions decisions, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(snapshotId);
        ArgumentNullException.ThrowIfNull(decisions);
        var rows = DecisionEntities(snapshotId, decisions);
        var snapshot = await Table.GetEntityIfExistsAsync<TableEntity>(snapshotId, Meta, select: ["PartitionKey"], cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!snapshot.HasValue)
        {
            throw new InvalidOperationException($"snapshot {snapshotId} is not stored (or not completely): its oracle decisions cannot be recorded");
        }

        if (await ReadDecisionsAsync(snapshotId, cancellationToken).ConfigureAwait(false) is { } stored)
        {
            if (!stored.Equals(decisions))
            {
                throw new InvalidOperationException($"snapshot {snapshotId} already has other oracle decisions recorded; they are immutable with the snapshot");
            }

            return;
        }

        // A write that crashed before its header row left decision rows behind: remove them, so this write is all of them.
        await foreach (var stale in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {snapshotId} and RowKey ge {DecisionRows}"), maxPerPage: 1_000, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            await Table.DeleteEntityAsync(stale.PartitionKey, stale.RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        foreach (var chunk in TableTransactions.Split(rows.Assets))
        {
            await Table.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), cancellationToken).ConfigureAwait(false);
        }

        // The header last: only a complete set of decisions is readable.
        await Table.UpsertEntityAsync(rows.Header, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidDataException">A stored decision row is malformed or missing (named with its row and property).</exception>
    public async Task<PriceDecisions?> ReadDecisionsAsync(string snapshotId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(snapshotId);

        // The header first: without it there are no decisions (an older snapshot, or a write that did not finish).
        var headerRow = await Table.GetEntityIfExistsAsync<TableEntity>(snapshotId, DecisionsHeader, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!headerRow.HasValue)
        {
            return null;
        }

        var header = headerRow.Value!;
        var where = $"prices table, snapshot {snapshotId}, row {DecisionsHeader}";
        if (header.GetInt32("SchemaVersion") is not 1)
        {
            throw new InvalidDataException($"{where}: SchemaVersion is {header.GetInt32("SchemaVersion")?.ToString(CultureInfo.InvariantCulture) ?? "missing"}; this version reads 1");
        }

        var failures = ParseFailures(Long(header, "SourceFailures", where), where);
        var assets = new List<PriceDecisionRecord>();
        await foreach (var e in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {snapshotId} and RowKey ge {DecisionPrefix} and RowKey lt {DecisionPrefixEnd}"), maxPerPage: 1_000, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            assets.Add(ParseDecision(e));
        }

        if (header.GetInt32("Rows") is not { } expected || expected != assets.Count)
        {
            throw new InvalidDataException($"{where}: {assets.Count} decision rows are stored, the header says {header.GetInt32("Rows")?.ToString(CultureInfo.InvariantCulture) ?? "nothing"}: they were changed after they were written");
        }

        return new PriceDecisions([.. assets.OrderBy(a => a.Asset, StringComparer.Ordinal)], failures);
    }

    /// <inheritdoc/>
    public async Task SetLatestAsync(string snapshotId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(snapshotId);
        var exists = await Table.GetEntityIfExistsAsync<TableEntity>(snapshotId, Meta, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!exists.HasValue)
        {
            throw new InvalidOperationException($"snapshot {snapshotId} is not stored (or not completely): latest cannot point at it");
        }

        var asOf = exists.Value!.GetDateTimeOffset("AsOf") ?? throw new InvalidDataException($"prices table, snapshot {snapshotId}: AsOf is missing from its meta row");

        // Forward only: two refreshes racing never leave latest on the older snapshot.
        await MoveForwardAsync(new TableEntity(LatestPartition, LatestPartition) { ["SnapshotId"] = snapshotId, ["AsOf"] = asOf }, "AsOf", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<string?> GetLatestAsync(CancellationToken cancellationToken = default)
    {
        var latest = await Table.GetEntityIfExistsAsync<TableEntity>(LatestPartition, LatestPartition, cancellationToken: cancellationToken).ConfigureAwait(false);
        return latest.HasValue ? latest.Value!.GetString("SnapshotId") : null;
    }

    private static (List<TableEntity> Assets, TableEntity Header) DecisionEntities(string snapshotId, PriceDecisions decisions)
    {
        var rows = new List<TableEntity>(decisions.Assets.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in decisions.Assets)
        {
            ArgumentNullException.ThrowIfNull(d, nameof(decisions));
            var problem = string.IsNullOrEmpty(d.Asset) ? "the asset is empty" : AccountEntityCodec.KeyProblem(DecisionPrefix + d.Asset)?.Replace("the account id", "the row key", StringComparison.Ordinal);
            if (problem is not null)
            {
                throw new ArgumentException($"snapshot {snapshotId}: the decision for '{d.Asset}' cannot be stored: {problem}", nameof(decisions));
            }

            if (!seen.Add(d.Asset))
            {
                throw new ArgumentException($"snapshot {snapshotId}: two oracle decisions are for {d.Asset}", nameof(decisions));
            }

            var row = new TableEntity(snapshotId, DecisionPrefix + d.Asset)
            {
                ["Usable"] = d.Usable,
                ["Reason"] = d.Reason,
                ["Price"] = Optional(d.Price),
                ["Aggregate"] = Optional(d.Aggregate),
                ["Confidence"] = Optional(d.Confidence),
                ["PublishTime"] = d.PublishTime is { } t ? StoredTime.Checked(t, "PublishTime", $"snapshot {snapshotId}, decision {d.Asset}") : null,
                ["LastAcceptedPrice"] = Optional(d.LastAcceptedPrice),
                ["Twap"] = Optional(d.Twap),
                ["SourceCount"] = d.SourceCount,
            };
            Long(row, "Message", d.Message, snapshotId, d.Asset);
            Long(row, "Quotes", QuotesJson(d.Quotes), snapshotId, d.Asset);
            rows.Add(row);
        }

        var header = new TableEntity(snapshotId, DecisionsHeader)
        {
            ["SchemaVersion"] = 1,
            ["Rows"] = rows.Count,
        };
        Long(header, "SourceFailures", FailuresJson(decisions.SourceFailures), snapshotId, "source failures");
        return (rows, header);
    }

    private static void Long(TableEntity row, string name, string text, string snapshotId, string what)
    {
        if (LongText.Problem(text) is { } problem)
        {
            throw new ArgumentException($"snapshot {snapshotId}, decision {what}: {name} {problem}", nameof(text));
        }

        LongText.Write(row, name, text);
    }

    private static string Long(TableEntity row, string name, string where)
    {
        try
        {
            return LongText.Read(row, name) ?? throw new InvalidDataException($"{where}: {name} is missing");
        }
        catch (FormatException ex)
        {
            throw new InvalidDataException($"{where}: {ex.Message}", ex);
        }
    }

    private static string? Optional(decimal? value) => value is { } v ? Text(v) : null;

    private static string QuotesJson(IReadOnlyList<PriceQuoteRecord> quotes) => Json(w =>
    {
        foreach (var q in quotes)
        {
            w.WriteStartObject();
            w.WriteString("source", q.Source);
            w.WriteString("price", Text(q.Price));
            w.WriteString("confidence", Text(q.Confidence));
            w.WriteString("publishTime", q.PublishTime.ToString("O", CultureInfo.InvariantCulture));
            w.WriteBoolean("used", q.Used);
            if (q.Rejection is not null)
            {
                w.WriteString("rejection", q.Rejection);
            }

            if (q.RejectionMessage is not null)
            {
                w.WriteString("rejectionMessage", q.RejectionMessage);
            }

            w.WriteEndObject();
        }
    });

    private static string FailuresJson(IReadOnlyList<SourceFailure> failures) => Json(w =>
    {
        foreach (var f in failures)
        {
            w.WriteStartObject();
            w.WriteString("source", f.SourceId);
            w.WriteString("problem", f.Problem);
            w.WriteEndObject();
        }
    });

    private static string Json(Action<Utf8JsonWriter> items)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, s_json))
        {
            w.WriteStartArray();
            items(w);
            w.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static PriceDecisionRecord ParseDecision(TableEntity e)
    {
        var asset = e.RowKey[DecisionPrefix.Length..];
        var where = $"prices table, snapshot {e.PartitionKey}, row {e.RowKey}";
        var reason = e.GetString("Reason");
        if (reason is null || !Enum.GetNames<OracleDecisionReason>().Contains(reason, StringComparer.Ordinal))
        {
            throw new InvalidDataException($"{where}: Reason is '{reason}', not one of {string.Join(", ", Enum.GetNames<OracleDecisionReason>())}");
        }

        return new PriceDecisionRecord(
            asset,
            e.GetBoolean("Usable") ?? throw new InvalidDataException($"{where}: Usable is missing"),
            reason,
            Long(e, "Message", where),
            OptionalNumber(e, "Price", where),
            OptionalNumber(e, "Aggregate", where),
            OptionalNumber(e, "Confidence", where),
            e.GetDateTimeOffset("PublishTime"),
            OptionalNumber(e, "LastAcceptedPrice", where),
            OptionalNumber(e, "Twap", where),
            e.GetInt32("SourceCount") ?? throw new InvalidDataException($"{where}: SourceCount is missing"),
            ParseQuotes(Long(e, "Quotes", where), where));
    }

    private static decimal? OptionalNumber(TableEntity e, string name, string where) => e.GetString(name) switch
    {
        null => null,
        var text when StoredDecimal.TryParse(text, out var value) => value,
        var text => throw new InvalidDataException($"{where}: {name} is '{text}', not an invariant decimal"),
    };

    private static List<PriceQuoteRecord> ParseQuotes(string json, string where)
    {
        var quotes = new List<PriceQuoteRecord>();
        foreach (var (q, at) in Elements(json, $"{where}: Quotes"))
        {
            var rejection = OptionalString(q, "rejection", at);
            if (rejection is not null && !Enum.GetNames<QuoteRejectionReason>().Contains(rejection, StringComparer.Ordinal))
            {
                throw new InvalidDataException($"{at}.rejection is '{rejection}', not one of {string.Join(", ", Enum.GetNames<QuoteRejectionReason>())}");
            }

            var used = q.TryGetProperty("used", out var u) && u.ValueKind is JsonValueKind.True or JsonValueKind.False
                ? u.GetBoolean()
                : throw new InvalidDataException($"{at}.used is missing or not a boolean");
            if (used == (rejection is not null))
            {
                throw new InvalidDataException($"{at}: used is {(used ? "true" : "false")} but rejection is {rejection ?? "absent"}; a quote is used exactly when it has no rejection");
            }

            quotes.Add(new PriceQuoteRecord(
                RequiredString(q, "source", at),
                JsonNumber(q, "price", at),
                JsonNumber(q, "confidence", at),
                DateTimeOffset.TryParseExact(RequiredString(q, "publishTime", at), "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time)
                    ? time
                    : throw new InvalidDataException($"{at}.publishTime is '{q.GetProperty("publishTime").GetString()}', not an ISO 8601 round-trip time"),
                used,
                rejection,
                OptionalString(q, "rejectionMessage", at)));
        }

        return quotes;
    }

    private static List<SourceFailure> ParseFailures(string json, string where) =>
        [.. Elements(json, $"{where}: SourceFailures").Select(f => new SourceFailure(RequiredString(f.Element, "source", f.At), RequiredString(f.Element, "problem", f.At)))];

    private static List<(JsonElement Element, string At)> Elements(string json, string where)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"{where} is not a JSON array");
            }

            var i = 0;
            var elements = new List<(JsonElement, string)>();
            foreach (var element in document.RootElement.EnumerateArray())
            {
                var at = $"{where}[{i++}]";
                elements.Add(element.ValueKind == JsonValueKind.Object ? (element.Clone(), at) : throw new InvalidDataException($"{at} is not a JSON object"));
            }

            return elements;
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{where} is not valid JSON: {ex.Message}", ex);
        }
    }

    private static string RequiredString(JsonElement e, string name, string at) =>
        OptionalString(e, name, at) ?? throw new InvalidDataException($"{at}.{name} is missing");

    private static string? OptionalString(JsonElement e, string name, string at) =>
        !e.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null
            ? null
            : value.ValueKind == JsonValueKind.String ? value.GetString() : throw new InvalidDataException($"{at}.{name} is not a string");

    private static decimal JsonNumber(JsonElement e, string name, string at)
    {
        var text = RequiredString(e, name, at);
        return StoredDecimal.TryParse(text, out var value) ? value : throw new InvalidDataException($"{at}.{name} is '{text}', not an invariant decimal");
    }

    private static bool SameContent(PriceSnapshot a, PriceSnapshot b) =>
        a.AsOf == b.AsOf && a.Quote == b.Quote && a.UnusableReason == b.UnusableReason
        && a.Assets.Count == b.Assets.Count && a.Assets.All(kv => b.Assets.TryGetValue(kv.Key, out var o) && o == kv.Value)
        && a.Instruments.Count == b.Instruments.Count && a.Instruments.All(kv => b.Instruments.TryGetValue(kv.Key, out var o) && o == kv.Value)
        && a.Defects.Count == b.Defects.Count && a.Defects.All(kv => b.Defects.TryGetValue(kv.Key, out var o) && o == kv.Value)
        && Correlations(a.Correlations) == Correlations(b.Correlations);

    private static string Text(decimal value) => StoredDecimal.Format(value);

    private static decimal Number(TableEntity e, string name) =>
        StoredDecimal.TryParse(e.GetString(name), out var value)
            ? value
            : throw new InvalidOperationException($"snapshot {e.PartitionKey}, row {e.RowKey}: {name} is '{e.GetString(name)}', not an invariant decimal");

    /// <summary>The matrix as <c>ASSET ASSET ... | r00 r01 ...</c> with round-trip doubles, or null.</summary>
    private static string? Correlations(CorrelationMatrix? m) => m is null
        ? null
        : string.Join(' ', m.Assets.Select(a => a.Symbol)) + " | " + string.Join(' ', m.ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    private static CorrelationMatrix? ParseCorrelations(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var parts = text.Split(" | ");
        var assets = parts[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Asset.Of).ToArray();
        var values = parts.Length > 1 ? parts[1].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray() : [];
        return CorrelationMatrix.Create(assets, values);
    }
}
