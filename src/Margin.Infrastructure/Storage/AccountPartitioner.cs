using System.Globalization;
using System.IO.Hashing;
using System.Text;

namespace Margin.Infrastructure.Storage;

/// <summary>The fixed partitioning of the accounts table (docs/storage.md): <c>xxHash64(UTF-8 id) mod N</c>, keyed <c>p0000</c>..</summary>
/// <remarks>
/// xxHash64 with seed 0 over the id's UTF-8 bytes, as an unsigned 64-bit integer, modulo the partition count <c>N</c>.
/// The ledger computes the same key when it writes an account, so <c>N</c> is fixed for a deployment (changing it is a
/// migration: <c>margin accounts repartition</c>). Keys are four digits, so <c>N</c> is at most 10,000.
/// </remarks>
public sealed class AccountPartitioner
{
    /// <summary>The largest partition count the four-digit keys allow.</summary>
    public const int MaxPartitions = 10_000;

    /// <summary>Creates the partitioner for <paramref name="partitionCount"/> partitions.</summary>
    /// <param name="partitionCount">The number of partitions <c>N</c>, in [1, 10,000].</param>
    /// <exception cref="ArgumentOutOfRangeException">The count is out of range.</exception>
    public AccountPartitioner(int partitionCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitionCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(partitionCount, MaxPartitions);
        PartitionCount = partitionCount;
    }

    /// <summary>The number of partitions <c>N</c>.</summary>
    public int PartitionCount { get; }

    /// <summary>The partition number of an account id.</summary>
    /// <param name="accountId">The account id, not empty.</param>
    public int PartitionOf(string accountId)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountId);
        var hash = XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(accountId));
        return (int)(hash % (ulong)PartitionCount);
    }

    /// <summary>The partition key of a partition number: <c>p</c> and four digits.</summary>
    /// <param name="partition">The partition number.</param>
    public static string KeyOf(int partition) => string.Create(CultureInfo.InvariantCulture, $"p{partition:D4}");

    /// <summary>The partition key of an account id.</summary>
    /// <param name="accountId">The account id.</param>
    public string KeyOfAccount(string accountId) => KeyOf(PartitionOf(accountId));
}
