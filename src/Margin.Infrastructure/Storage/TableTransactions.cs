using System.Text;
using Azure.Data.Tables;

namespace Margin.Infrastructure.Storage;

/// <summary>Table Storage's entity-group transaction limits, enforced here because Azurite is looser than Azure.</summary>
/// <remarks>
/// A transaction holds at most 100 entities of one partition and a request body under 4 MiB. The body is estimated from
/// above: the SDK escapes every <c>"</c> in a string as <c>\u0022</c> (6 bytes), and each entity's envelope adds about
/// 1 KiB; the budget of 3,500,000 bytes leaves room for the batch envelope.
/// </remarks>
internal static class TableTransactions
{
    /// <summary>Entities per transaction, Table Storage's limit.</summary>
    public const int MaxEntities = 100;

    /// <summary>A transaction's payload budget in estimated bytes, under the 4 MiB request limit.</summary>
    public const int MaxBytes = 3_500_000;

    /// <summary>An upper estimate of an entity's bytes in a batch body.</summary>
    public static int EstimatedBytes(TableEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        return 1_024 + (2 * (entity.RowKey?.Length ?? 0)) + entity.Sum(kv => kv.Key.Length + 32 + Escaped(kv.Value?.ToString()));
    }

    /// <summary>Splits one partition's entities into transactions of at most 100 entities and <see cref="MaxBytes"/>.</summary>
    public static IEnumerable<List<TableEntity>> Split(IEnumerable<TableEntity> entities) =>
        Pack(entities.Select(e => (IReadOnlyList<TableEntity>)[e]), e => e).Select(batch => batch.ToList());

    /// <summary>
    /// Packs groups of items into transactions, in order, never splitting a group: a transaction closes when the next
    /// group would take it past 100 entities or <see cref="MaxBytes"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A group alone exceeds a limit (the caller checks first, to name it).</exception>
    /// <param name="groups">The groups, in order.</param>
    /// <param name="entityOf">The entity of an item.</param>
    /// <param name="reservedEntities">Room left in every transaction for rows the caller adds to each (a watermark).</param>
    /// <param name="reservedBytes">Bytes left in every transaction for them.</param>
    public static IEnumerable<List<T>> Pack<T>(IEnumerable<IReadOnlyList<T>> groups, Func<T, TableEntity> entityOf, int reservedEntities = 0, int reservedBytes = 0)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(entityOf);
        var batch = new List<T>();
        var bytes = 0;
        foreach (var group in groups)
        {
            var size = group.Sum(item => EstimatedBytes(entityOf(item)));
            if (group.Count > MaxEntities - reservedEntities || size > MaxBytes - reservedBytes)
            {
                throw new ArgumentException($"a group of {group.Count} entities ({size} estimated bytes) exceeds one transaction ({MaxEntities - reservedEntities} entities, {MaxBytes - reservedBytes} bytes)", nameof(groups));
            }

            if (batch.Count > 0 && (batch.Count + group.Count > MaxEntities - reservedEntities || bytes + size > MaxBytes - reservedBytes))
            {
                yield return batch;
                batch = [];
                bytes = 0;
            }

            batch.AddRange(group);
            bytes += size;
        }

        if (batch.Count > 0)
        {
            yield return batch;
        }
    }

    private static int Escaped(string? text) => text is null ? 0 : Encoding.UTF8.GetByteCount(text) + (5 * text.Count(c => c == '"'));
}
