using System.Globalization;

namespace Margin.Infrastructure.Storage;

/// <summary>Row keys that sort newest first: <c>DateTimeOffset.MaxValue.UtcTicks - t.UtcTicks</c> as 19 digits.</summary>
internal static class InvertedTime
{
    /// <summary>The 19-digit key of <paramref name="time"/> (UTC ticks, inverted).</summary>
    public static string Key(DateTimeOffset time) => Ticks(time).ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>The inverted ticks of <paramref name="time"/>.</summary>
    public static long Ticks(DateTimeOffset time) => DateTimeOffset.MaxValue.UtcTicks - time.UtcTicks;

    /// <summary>The key of inverted ticks (for range bounds one tick apart).</summary>
    public static string Key(long invertedTicks) => invertedTicks.ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>The time of a key's first 19 digits, or null when they are not one.</summary>
    public static DateTimeOffset? Parse(string key) =>
        key.Length >= 19 && long.TryParse(key.AsSpan(0, 19), NumberStyles.None, CultureInfo.InvariantCulture, out var inverted) && inverted <= DateTimeOffset.MaxValue.UtcTicks
            ? new DateTimeOffset(DateTimeOffset.MaxValue.UtcTicks - inverted, TimeSpan.Zero)
            : null;
}
