using System.Buffers;

namespace Margin.Infrastructure.Storage;

/// <summary>What a PartitionKey or RowKey can hold: not empty, at most 1 KiB (512 UTF-16 characters), none of <c>/ \ # ?</c> nor control characters.</summary>
internal static class TableKeys
{
    /// <summary>The longest key, in characters (1 KiB of UTF-16).</summary>
    public const int MaxChars = 512;

    private static readonly SearchValues<char> s_forbidden = SearchValues.Create("/\\#?");

    /// <summary>Why <paramref name="value"/> cannot be (the end of) a key after a <paramref name="prefixLength"/>-character prefix, or null when it can.</summary>
    /// <param name="what">What the value is, for the message (<c>the order id</c>).</param>
    /// <param name="value">The value.</param>
    /// <param name="prefixLength">The length of the prefix the key adds (<c>o:</c> is 2).</param>
    public static string? Problem(string what, string? value, int prefixLength = 0)
    {
        if (string.IsNullOrEmpty(value))
        {
            return $"{what} is empty";
        }

        if (value.Length + prefixLength > MaxChars)
        {
            return $"{what} has {value.Length} characters; a table key holds at most {MaxChars - prefixLength} here";
        }

        if (value.AsSpan().IndexOfAny(s_forbidden) >= 0 || value.Any(char.IsControl))
        {
            return $"{what} contains '/', '\\', '#', '?' or a control character, which a table key cannot hold";
        }

        return null;
    }
}
