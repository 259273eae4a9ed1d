using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Margin.Engine.Results;
using Margin.Infrastructure.Storage;
using Margin.Sweep.Ports;
using Margin.Sweep.Orders;
using Margin.Sweep.Results;

namespace Margin.Infrastructure.Margins;

/// <summary>Maps results (<c>r:{account}</c>), orders (<c>o:{orderId}</c>) and receipts (<c>x:{sweep}</c>) to and from rows of the <c>margin</c> table (docs/storage.md).</summary>
/// <remarks>
/// Money is an invariant decimal string (<see cref="StoredDecimal"/>); ratios are round-trip (<c>"R"</c>) invariant
/// double strings, so <c>Infinity</c> survives (a Table Storage double cannot hold it); enums are their names; times are
/// DateTime properties in UTC. A row that cannot be read throws <see cref="InvalidDataException"/> naming the table,
/// partition, row and property: the sweep wrote these rows, so a malformed one is a fault to stop on, not to skip.
/// </remarks>
internal static class MarginEntityCodec
{
    public const int SchemaVersion = 1;
    public const string ResultPrefix = "r:";
    public const string OrderPrefix = "o:";
    public const string ReceiptPrefix = "x:";

    /// <summary>The row key of the partition's watermark.</summary>
    public const string WatermarkKey = "w:";

    private static readonly MarginFlags s_knownFlags = Enum.GetValues<MarginFlags>().Aggregate(MarginFlags.None, (all, f) => all | f);

    public static string ResultKey(string accountId) => ResultPrefix + accountId;

    public static string OrderKey(string orderId) => OrderPrefix + orderId;

    public static string ReceiptKey(string sweepId) => ReceiptPrefix + sweepId;

    public static TableEntity ToEntity(StoredResult r, string partitionKey)
    {
        var row = ResultKey(r.AccountId);
        var e = new TableEntity(partitionKey, row)
        {
            ["SchemaVersion"] = SchemaVersion,
            ["AccountId"] = r.AccountId,
            ["AccountVersion"] = r.AccountVersion,
            ["SweepId"] = r.SweepId,
            ["SnapshotId"] = r.SnapshotId,
            ["SnapshotAsOf"] = StoredTime.Checked(r.SnapshotAsOf, "SnapshotAsOf", row),
            ["ParamsVersion"] = r.ParamsVersion,
            ["EvaluatedAt"] = StoredTime.Checked(r.EvaluatedAt, "EvaluatedAt", row),
            ["Status"] = r.Status?.ToString(),
            ["Flags"] = FlagsText(r.Flags, row),
            ["MarginRatio"] = Ratio(r.MarginRatio),
            ["InitialRatio"] = Ratio(r.InitialRatio),
            ["ProjectedRatio"] = r.ProjectedRatio is { } p ? Ratio(p) : null,
            ["Equity"] = StoredDecimal.Format(r.Equity),
            ["AdjustedEquityMaintenance"] = StoredDecimal.Format(r.AdjustedEquityMaintenance),
            ["MaintenanceRequirement"] = StoredDecimal.Format(r.MaintenanceRequirement),
            ["InitialRequirement"] = StoredDecimal.Format(r.InitialRequirement),
            ["ReasonRule"] = r.ReasonRule,
            ["Reason"] = r.Reason,
            ["Problem"] = r.Problem,
            ["Episode"] = r.Episode,
            ["OpenOrderId"] = r.OpenOrderId,
            ["AwaitingLedgerVersion"] = r.AwaitingLedgerVersion,
        };
        CheckStrings(e);
        return e;
    }

    public static StoredResult ToResult(TableEntity e) => Read(e, () => new StoredResult
    {
        AccountId = e.RowKey[ResultPrefix.Length..],
        AccountVersion = e.GetInt64("AccountVersion") ?? throw Missing("AccountVersion"),
        SweepId = Required(e, "SweepId"),
        SnapshotId = Required(e, "SnapshotId"),
        SnapshotAsOf = e.GetDateTimeOffset("SnapshotAsOf") ?? throw Missing("SnapshotAsOf"),
        ParamsVersion = Required(e, "ParamsVersion"),
        EvaluatedAt = e.GetDateTimeOffset("EvaluatedAt") ?? throw Missing("EvaluatedAt"),
        Status = e.GetString("Status") is { } status ? Name<MarginStatus>(status, "Status") : null,
        Flags = ParseFlags(Required(e, "Flags")),
        MarginRatio = ParseRatio(Required(e, "MarginRatio"), "MarginRatio"),
        InitialRatio = ParseRatio(Required(e, "InitialRatio"), "InitialRatio"),
        ProjectedRatio = e.GetString("ProjectedRatio") is { } projected ? ParseRatio(projected, "ProjectedRatio") : null,
        Equity = Number(e, "Equity"),
        AdjustedEquityMaintenance = Number(e, "AdjustedEquityMaintenance"),
        MaintenanceRequirement = Number(e, "MaintenanceRequirement"),
        InitialRequirement = Number(e, "InitialRequirement"),
        ReasonRule = e.GetString("ReasonRule"),
        Reason = e.GetString("Reason"),
        Problem = e.GetString("Problem"),
        Episode = e.GetInt32("Episode") ?? throw Missing("Episode"),
        OpenOrderId = e.GetString("OpenOrderId"),
        AwaitingLedgerVersion = e.GetInt64("AwaitingLedgerVersion"),
        ConcurrencyToken = e.ETag.ToString(),
    });

    public static TableEntity ToEntity(StoredOrder o, string partitionKey)
    {
        var row = OrderKey(o.OrderId);
        var e = new TableEntity(partitionKey, row)
        {
            ["SchemaVersion"] = SchemaVersion,
            ["AccountId"] = o.AccountId,
            ["Episode"] = o.Episode,
            ["SweepId"] = o.SweepId,
            ["State"] = Defined(o.State, "State", row).ToString(),
            ["Open"] = !o.State.IsTerminal(),
            ["Sent"] = o.Sent,
            ["CreatedAt"] = StoredTime.Checked(o.CreatedAt, "CreatedAt", row),
            ["ExpiresAt"] = StoredTime.Checked(o.ExpiresAt, "ExpiresAt", row),
            ["SentAt"] = o.SentAt is { } sent ? StoredTime.Checked(sent, "SentAt", row) : null,
            ["UpdatedAt"] = StoredTime.Checked(o.UpdatedAt, "UpdatedAt", row),
        };
        CheckStrings(e);
        ArgumentNullException.ThrowIfNull(o.Body);
        if (LongText.Problem(o.Body) is { } problem)
        {
            throw new ArgumentException($"{Where(e)}: Body {problem}", nameof(o));
        }

        LongText.Write(e, "Body", o.Body);
        return e;
    }

    public static StoredOrder ToOrder(TableEntity e) => Read(e, () => new StoredOrder(
        e.RowKey[OrderPrefix.Length..],
        Required(e, "AccountId"),
        e.GetInt32("Episode") ?? throw Missing("Episode"),
        Required(e, "SweepId"),
        Name<OrderState>(Required(e, "State"), "State"),
        e.GetBoolean("Sent") ?? throw Missing("Sent"),
        e.GetDateTimeOffset("CreatedAt") ?? throw Missing("CreatedAt"),
        e.GetDateTimeOffset("ExpiresAt") ?? throw Missing("ExpiresAt"),
        e.GetDateTimeOffset("SentAt"),
        e.GetDateTimeOffset("UpdatedAt") ?? throw Missing("UpdatedAt"),
        LongText.Read(e, "Body") ?? throw Missing("Body"),
        e.ETag.ToString()));

    public static TableEntity ToEntity(SweepReceipt x, string partitionKey)
    {
        var row = ReceiptKey(x.SweepId);
        ArgumentNullException.ThrowIfNull(x.ByStatus);
        var byStatus = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(byStatus))
        {
            w.WriteStartObject();
            foreach (var (status, count) in x.ByStatus)
            {
                w.WriteNumber(Defined(status, "ByStatus", row).ToString(), count);
            }

            w.WriteEndObject();
        }

        var e = new TableEntity(partitionKey, row)
        {
            ["SchemaVersion"] = SchemaVersion,
            ["SweepId"] = x.SweepId,
            ["Partition"] = x.Partition,
            ["WorkItem"] = x.WorkItem,
            ["Accounts"] = x.Accounts,
            ["Written"] = x.Written,
            ["Unchanged"] = x.Unchanged,
            ["Superseded"] = x.Superseded,
            ["Failed"] = x.Failed,
            ["Orders"] = x.Orders,
            ["ByStatus"] = Encoding.UTF8.GetString(byStatus.WrittenSpan),
            ["At"] = StoredTime.Checked(x.At, "At", row),
        };
        CheckStrings(e);
        return e;
    }

    public static TableEntity ToEntity(PartitionWatermark w, string partitionKey) => new(partitionKey, WatermarkKey)
    {
        ["SchemaVersion"] = SchemaVersion,
        ["SnapshotAsOf"] = StoredTime.Checked(w.SnapshotAsOf, "SnapshotAsOf", WatermarkKey),
        ["SweepId"] = w.SweepId,
    };

    public static PartitionWatermark ToWatermark(TableEntity e) => Read(e, () => new PartitionWatermark(
        e.GetDateTimeOffset("SnapshotAsOf") ?? throw Missing("SnapshotAsOf"),
        Required(e, "SweepId"),
        e.ETag.ToString()));

    public static SweepReceipt ToReceipt(TableEntity e) => Read(e, () => new SweepReceipt(
        e.RowKey[ReceiptPrefix.Length..],
        Int(e, "Partition"),
        Int(e, "WorkItem"),
        Int(e, "Accounts"),
        Int(e, "Written"),
        Int(e, "Unchanged"),
        e.GetInt32("Superseded") ?? 0,
        Int(e, "Failed"),
        Int(e, "Orders"),
        ParseByStatus(Required(e, "ByStatus")),
        e.GetDateTimeOffset("At") ?? throw Missing("At")));

    /// <summary>Names a row in messages: <c>margin table, partition p0003, row r:alice</c>.</summary>
    public static string Where(string partitionKey, string rowKey) => $"{TableMarginStore.TableName} table, partition {partitionKey}, row {rowKey}";

    private static string Where(TableEntity e) => Where(e.PartitionKey, e.RowKey);

    /// <summary>Reads a row, turning any malformed property into an <see cref="InvalidDataException"/> that names the row.</summary>
    private static T Read<T>(TableEntity e, Func<T> read)
    {
        var schema = e.GetInt32("SchemaVersion");
        if (schema != SchemaVersion)
        {
            throw new InvalidDataException($"{Where(e)}: SchemaVersion is {schema?.ToString(CultureInfo.InvariantCulture) ?? "missing"}; this version reads {SchemaVersion}");
        }

        try
        {
            return read();
        }
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidOperationException or ArgumentException)
        {
            throw new InvalidDataException($"{Where(e)}: {ex.Message}", ex);
        }
    }

    private static FormatException Missing(string property) => new($"{property} is missing");

    private static string Required(TableEntity e, string property) => e.GetString(property) ?? throw Missing(property);

    private static int Int(TableEntity e, string property) => e.GetInt32(property) ?? throw Missing(property);

    private static decimal Number(TableEntity e, string property) =>
        StoredDecimal.TryParse(e.GetString(property), out var value)
            ? value
            : throw new FormatException($"{property} is '{e.GetString(property) ?? "missing"}', not an invariant decimal");

    /// <summary>A ratio as a round-trip invariant string: <c>1.25</c>, <c>Infinity</c>, <c>NaN</c>.</summary>
    public static string Ratio(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static double ParseRatio(string text, string property) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"{property} is '{text}', not an invariant double");

    public static T Name<T>(string text, string property)
        where T : struct, Enum =>
        text.Length > 0 && char.IsAsciiLetterUpper(text[0]) && !text.Contains(',', StringComparison.Ordinal) && Enum.TryParse<T>(text, ignoreCase: false, out var value) && Enum.IsDefined(value)
            ? value
            : throw new FormatException($"{property} is '{text}'; expected one of {string.Join(", ", Enum.GetNames<T>())}");

    public static string FlagsText(MarginFlags flags, string row) =>
        (flags & ~s_knownFlags) == 0
            ? flags.ToString()
            : throw new ArgumentException($"{row}: Flags has undefined bits ({(int)flags}); known flags are {string.Join(", ", Enum.GetNames<MarginFlags>())}", nameof(flags));

    public static MarginFlags ParseFlags(string text) =>
        text.Split(',', StringSplitOptions.TrimEntries).Aggregate(MarginFlags.None, (all, name) => all | Name<MarginFlags>(name, "Flags"));

    private static T Defined<T>(T value, string property, string row)
        where T : struct, Enum =>
        Enum.IsDefined(value) ? value : throw new ArgumentException($"{row}: {property} is {value}, not a defined {typeof(T).Name}", nameof(value));

    /// <summary>Refuses a string property longer than Table Storage holds, naming the row and property.</summary>
    public static void CheckStrings(TableEntity e, string table = TableMarginStore.TableName)
    {
        foreach (var (name, value) in e)
        {
            if (value is string s && s.Length > LongText.MaxPropertyChars)
            {
                throw new ArgumentException($"{table} table, partition {e.PartitionKey}, row {e.RowKey}: {name} has {s.Length} characters; a table property holds at most {LongText.MaxPropertyChars}", nameof(e));
            }
        }
    }

    private static System.Collections.Immutable.ImmutableSortedDictionary<MarginStatus, int> ParseByStatus(string json)
    {
        using var doc = JsonDocument.Parse(json);
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"ByStatus is '{json}', not a JSON object");
        }

        var counts = System.Collections.Immutable.ImmutableSortedDictionary.CreateBuilder<MarginStatus, int>();
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out var count))
            {
                throw new FormatException($"ByStatus.{p.Name} is {p.Value.GetRawText()}, not an integer");
            }

            counts[Name<MarginStatus>(p.Name, "ByStatus")] = count;
        }

        return counts.ToImmutable();
    }
}
