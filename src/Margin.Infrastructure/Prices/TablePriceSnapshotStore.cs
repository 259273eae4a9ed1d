using System.Globalization;
using Azure.Data.Tables;
using Margin.Engine.Domain;
using Margin.Engine.Prices;
using Margin.Engine.Statistics;
using Margin.Infrastructure.Storage;
using Margin.Sweep.Ports;

namespace Margin.Infrastructure.Prices;

/// <summary>The <c>prices</c> table: one partition per snapshot (rows <c>meta</c>, <c>a:{asset}</c>, <c>i:{instrument}</c>, <c>d:{key}</c>) and a <c>latest</c> pointer.</summary>
/// <remarks>
/// A snapshot is written in entity-group transactions of at most 100 rows, the <c>meta</c> row last: a reader treats a
/// partition without <c>meta</c> as not written (a crash mid-write leaves no half snapshot visible). Decimals are
/// invariant strings, volatilities doubles, times ISO 8601 (docs/storage.md).
/// </remarks>
public sealed class TablePriceSnapshotStore : TableStore, IPriceSnapshotStore
{
    /// <summary>The table's name.</summary>
    public const string TableName = "prices";

    private const string LatestPartition = "latest";
    private const string Meta = "meta";


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
        await foreach (var e in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {snapshotId}"), maxPerPage: 1_000, cancellationToken: cancellationToken).ConfigureAwait(false))
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
