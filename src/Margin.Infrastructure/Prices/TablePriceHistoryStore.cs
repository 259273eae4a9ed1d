using System.Globalization;
using Azure.Data.Tables;
using Margin.Infrastructure.Storage;
using Margin.Sweep.Ports;
using Margin.Sweep.Prices;

namespace Margin.Infrastructure.Prices;

/// <summary>The <c>pricehistory</c> table: PartitionKey <c>{asset}-{yyyyMMdd}</c> (the UTC day), RowKey the inverted ticks of the time (19 digits, newest first in a day).</summary>
/// <remarks>
/// A point is keyed by (asset, time), so writing it again replaces it. Prices are invariant decimal strings; the time is
/// the row key's, exact to the tick (<c>Time</c> is also a property, for people). A read queries each UTC day of its
/// range, one partition at a time, and returns the points oldest first (docs/storage.md).
/// </remarks>
public sealed class TablePriceHistoryStore : TableStore, IPriceHistoryStore
{
    /// <summary>The table's name.</summary>
    public const string TableName = "pricehistory";

    /// <summary>The suffix the day adds to the asset in a partition key: <c>-yyyyMMdd</c>.</summary>
    private const int DaySuffixLength = 9;

    /// <summary>The most UTC days one read may cover (one query each): a guard against an unbounded range.</summary>
    public const int MaxDays = 3_660;

    /// <summary>Creates the store over the <c>pricehistory</c> table.</summary>
    /// <param name="table">The table client.</param>
    public TablePriceHistoryStore(TableClient table)
        : base(table)
    {
    }

    /// <inheritdoc/>
    /// <remarks>A point given twice in one call (same asset and time) is written once, the later one.</remarks>
    public async Task AppendAsync(IReadOnlyList<PriceHistoryPoint> points, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(points);
        var rows = new Dictionary<(string, string), TableEntity>();
        foreach (var p in points)
        {
            ArgumentNullException.ThrowIfNull(p, nameof(points));
            var e = ToEntity(p);
            rows[(e.PartitionKey, e.RowKey)] = e;
        }

        foreach (var day in rows.Values.GroupBy(e => e.PartitionKey, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            foreach (var batch in TableTransactions.Split(day))
            {
                cancellationToken.ThrowIfCancellationRequested();
                await Table.SubmitTransactionAsync(batch.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<PriceHistoryPoint>> ReadAsync(string asset, DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken = default)
    {
        if (AssetProblem(asset) is { } problem)
        {
            throw new ArgumentException(problem, nameof(asset));
        }

        var points = new List<PriceHistoryPoint>();
        if (until <= since)
        {
            return points;
        }

        // since <= Time < until  <=>  inverted(until) < key <= inverted(since), in every day partition of the range.
        var upper = InvertedTime.Key(since);
        var lower = InvertedTime.Key(until);
        var last = until.UtcDateTime.AddTicks(-1).Date;
        var days = (last - since.UtcDateTime.Date).TotalDays + 1;
        if (days > MaxDays)
        {
            throw new ArgumentOutOfRangeException(nameof(until), $"{asset} from {since:O} to {until:O} covers {days} days; one read covers at most {MaxDays}");
        }

        for (var day = since.UtcDateTime.Date; day <= last; day = day.AddDays(1))
        {
            var dayPoints = new List<PriceHistoryPoint>();
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {PartitionKey(asset, day)} and RowKey gt {lower} and RowKey le {upper}");
            await foreach (var page in Table.QueryAsync<TableEntity>(filter, maxPerPage: 1_000, cancellationToken: cancellationToken).AsPages().WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                foreach (var e in page.Values)
                {
                    dayPoints.Add(FromEntity(e, asset));
                }
            }

            // A day partition reads newest first.
            dayPoints.Reverse();
            points.AddRange(dayPoints);
        }

        return points;
    }

    private static string PartitionKey(string asset, DateTime utcDay) => string.Create(CultureInfo.InvariantCulture, $"{asset}-{utcDay:yyyyMMdd}");

    private static string? AssetProblem(string asset) => TableKeys.Problem("the asset", asset, DaySuffixLength);

    private static TableEntity ToEntity(PriceHistoryPoint p)
    {
        if (AssetProblem(p.Asset) is { } problem)
        {
            throw new ArgumentException($"price history point of {p.Asset} at {p.Time:O}: {problem}", nameof(p));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(p.Sources, nameof(p));
        var key = PartitionKey(p.Asset, p.Time.UtcDateTime.Date);
        return new TableEntity(key, InvertedTime.Key(p.Time))
        {
            ["Asset"] = p.Asset,
            ["Time"] = StoredTime.Checked(p.Time, "Time", key),
            ["Price"] = StoredDecimal.Format(p.Price),
            ["Confidence"] = StoredDecimal.Format(p.Confidence),
            ["Sources"] = p.Sources,
            ["SnapshotId"] = p.SnapshotId,
        };
    }

    private static PriceHistoryPoint FromEntity(TableEntity e, string asset)
    {
        try
        {
            return new PriceHistoryPoint(
                asset,
                InvertedTime.Parse(e.RowKey) ?? throw new FormatException("the row key is not 19 digits of inverted ticks"),
                Number(e, "Price"),
                Number(e, "Confidence"),
                e.GetInt32("Sources") ?? throw new FormatException("Sources is missing"),
                e.GetString("SnapshotId") ?? throw new FormatException("SnapshotId is missing"));
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"{TableName} table, partition {e.PartitionKey}, row {e.RowKey}: {ex.Message}", ex);
        }
    }

    private static decimal Number(TableEntity e, string property) =>
        StoredDecimal.TryParse(e.GetString(property), out var value)
            ? value
            : throw new FormatException($"{property} is '{e.GetString(property) ?? "missing"}', not an invariant decimal");
}
