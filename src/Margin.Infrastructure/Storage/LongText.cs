using System.Globalization;
using Azure.Data.Tables;

namespace Margin.Infrastructure.Storage;

/// <summary>Text longer than one property holds (32,768 UTF-16 characters), split across <c>{Name}</c>, <c>{Name}1</c>, .. and counted in <c>{Name}Parts</c>.</summary>
/// <remarks>
/// Text that fits is one property <c>{Name}</c> and no <c>{Name}Parts</c>. Longer text is cut into chunks of at most
/// 32,768 characters (never inside a surrogate pair): <c>{Name}</c> holds the first, <c>{Name}1</c> .. <c>{Name}{k-1}</c>
/// the others, and <c>{Name}Parts</c> (Int32) is <c>k</c>. At most <see cref="MaxParts"/> parts, so an entity stays under
/// its 1 MiB limit.
/// </remarks>
internal static class LongText
{
    /// <summary>The largest string property Table Storage accepts, in characters (64 KiB of UTF-16).</summary>
    public const int MaxPropertyChars = AccountEntityCodec.MaxPropertyChars;

    /// <summary>The most parts a text may take (14 x 64 KiB leaves room for the entity's other properties under 1 MiB).</summary>
    public const int MaxParts = 14;

    /// <summary>Why <paramref name="text"/> cannot be stored, or null.</summary>
    public static string? Problem(string text) =>
        Chunks(text).Count > MaxParts
            ? $"takes {text.Length} characters; a row holds at most {MaxParts} properties of {MaxPropertyChars} characters"
            : null;

    /// <summary>Writes <paramref name="text"/> as <paramref name="name"/> (split when long).</summary>
    /// <exception cref="ArgumentException">The text is longer than <see cref="MaxParts"/> properties hold.</exception>
    public static void Write(TableEntity entity, string name, string text)
    {
        var chunks = Chunks(text);
        if (chunks.Count > MaxParts)
        {
            throw new ArgumentException($"{name} {Problem(text)}", nameof(text));
        }

        entity[name] = chunks[0];
        for (var i = 1; i < chunks.Count; i++)
        {
            entity[PartName(name, i)] = chunks[i];
        }

        if (chunks.Count > 1)
        {
            entity[name + "Parts"] = chunks.Count;
        }
    }

    /// <summary>Reads text written by <see cref="Write"/>, or null when <paramref name="name"/> is absent.</summary>
    /// <exception cref="FormatException">A part is missing, or the count is out of range.</exception>
    public static string? Read(TableEntity entity, string name)
    {
        var first = entity.GetString(name);
        var parts = entity.GetInt32(name + "Parts") ?? 1;
        if (first is null)
        {
            return null;
        }

        if (parts is < 1 or > MaxParts)
        {
            throw new FormatException($"{name}Parts is {parts}; expected 1 to {MaxParts}");
        }

        if (parts == 1)
        {
            return first;
        }

        var text = new System.Text.StringBuilder(first);
        for (var i = 1; i < parts; i++)
        {
            text.Append(entity.GetString(PartName(name, i)) ?? throw new FormatException($"{PartName(name, i)} is missing ({name}Parts is {parts})"));
        }

        return text.ToString();
    }

    private static string PartName(string name, int i) => name + i.ToString(CultureInfo.InvariantCulture);

    private static List<string> Chunks(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var chunks = new List<string>();
        var start = 0;
        do
        {
            var length = Math.Min(MaxPropertyChars, text.Length - start);
            if (start + length < text.Length && char.IsHighSurrogate(text[start + length - 1]))
            {
                length--;
            }

            chunks.Add(text.Substring(start, length));
            start += length;
        }
        while (start < text.Length);
        return chunks;
    }
}
