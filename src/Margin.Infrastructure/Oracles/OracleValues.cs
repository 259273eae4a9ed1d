using System.Globalization;
using System.Text.Json;
using Margin.Infrastructure.Documents;

namespace Margin.Infrastructure.Oracles;

/// <summary>Reads the values of venue answers exactly: decimals from their JSON text (never through a double), top-of-book confidence.</summary>
internal static class OracleValues
{
    /// <summary>A decimal from a JSON string or number, as written; NaN, infinities and inexact values are refused with the reason.</summary>
    public static bool TryDecimal(JsonElement element, string field, out decimal value, out string? problem)
    {
        if (NumberText.TryDecimal(element, out value, out var why))
        {
            problem = null;
            return true;
        }

        problem = $"{field} {why}";
        return false;
    }

    /// <summary>The named property of an object, or the problem that it is missing.</summary>
    public static bool TryProperty(JsonElement element, string name, out JsonElement value, out string? problem)
    {
        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out value))
        {
            problem = null;
            return true;
        }

        value = default;
        problem = $"'{name}' is missing";
        return false;
    }

    /// <summary>Element <paramref name="index"/> of the array property <paramref name="name"/> as a decimal (Kraken's <c>"a": [price, ...]</c>).</summary>
    public static bool TryArrayDecimal(JsonElement entry, string name, int index, out decimal value, out string? problem)
    {
        value = 0m;
        if (!TryProperty(entry, name, out var array, out problem))
        {
            return false;
        }

        if (array.ValueKind != JsonValueKind.Array || array.GetArrayLength() <= index)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"'{name}' must be an array of at least {index + 1} values (got {NumberText.Describe(array)})");
            return false;
        }

        return TryDecimal(array[index], string.Create(CultureInfo.InvariantCulture, $"{name}[{index}]"), out value, out problem);
    }

    /// <summary>Half the bid-ask spread, when the book is two-sided and not crossed.</summary>
    /// <remarks>An empty side (zero) or a crossed book (bid above ask) gives no usable confidence, and is a problem of the asset.</remarks>
    public static bool TryHalfSpread(decimal bid, decimal ask, out decimal halfSpread, out string? problem)
    {
        halfSpread = 0m;
        if (bid <= 0m || ask <= 0m)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"the book is one-sided or empty (bid {bid}, ask {ask})");
            return false;
        }

        if (bid > ask)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"the book is crossed (bid {bid} above ask {ask})");
            return false;
        }

        halfSpread = (ask - bid) / 2m;
        problem = null;
        return true;
    }

    /// <summary>An ISO 8601 time with an offset or <c>Z</c>; a time without one is refused (it would be read in a local zone).</summary>
    public static bool TryTime(JsonElement element, string field, out DateTimeOffset time, out string? problem)
    {
        time = default;
        if (element.ValueKind != JsonValueKind.String)
        {
            problem = $"{field} must be an ISO 8601 string (got {NumberText.Describe(element)})";
            return false;
        }

        return TryTime(element.GetString()!, field, out time, out problem);
    }

    public static bool TryTime(string text, string field, out DateTimeOffset time, out string? problem)
    {
        if (HasOffset(text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out time))
        {
            problem = null;
            return true;
        }

        time = default;
        problem = $"{field} '{text}' is not an ISO 8601 time with an offset (e.g. 2026-11-24T12:00:00Z)";
        return false;
    }

    private static bool HasOffset(string text)
    {
        var t = text.IndexOf('T', StringComparison.Ordinal);
        if (t < 0)
        {
            return false;
        }

        var time = text.AsSpan(t);
        return time.EndsWith("Z", StringComparison.OrdinalIgnoreCase) || time.LastIndexOfAny('+', '-') > 0;
    }
}
