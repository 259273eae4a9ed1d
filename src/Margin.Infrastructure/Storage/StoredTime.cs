namespace Margin.Infrastructure.Storage;

/// <summary>Times in Table Storage: DateTime properties in UTC, from 1601-01-01 (the service's smallest DateTime).</summary>
internal static class StoredTime
{
    private static readonly DateTimeOffset s_min = new(1601, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The time in UTC, or an <see cref="ArgumentException"/> naming the row and property when the service cannot hold it.</summary>
    public static DateTimeOffset Checked(DateTimeOffset value, string property, string row) =>
        value >= s_min
            ? value.ToUniversalTime()
            : throw new ArgumentException($"{row}: {property} is {value:O}; Table Storage holds times from 1601-01-01", nameof(value));
}
