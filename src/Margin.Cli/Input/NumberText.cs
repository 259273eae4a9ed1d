using System.Globalization;
using System.Text.Json;

namespace Margin.Cli.Input;

/// <summary>Reads exact decimals, doubles and integers from JSON numbers or numeric strings.</summary>
/// <remarks>
/// Money, quantities, prices, weights and rates are <see cref="decimal"/>: the JSON text is parsed as written, with the
/// invariant culture, so <c>0.1</c> is exactly one tenth (never a binary double). Strings are accepted so that producers
/// that write money as strings (as our own output does) can feed us; a string may hold a sign, digits, one decimal point
/// and an exponent, nothing else (no spaces, no thousands separators). <c>NaN</c> and <c>Infinity</c> are refused.
/// </remarks>
internal static class NumberText
{
    private const NumberStyles StringStyle = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;

    public static bool TryDecimal(JsonElement element, out decimal value, out string? problem)
    {
        value = 0m;
        if (!TryText(element, out var text, out problem))
        {
            return false;
        }

        if (IsNonFinite(text))
        {
            problem = $"'{text}' is not a finite number";
            return false;
        }

        if (!decimal.TryParse(text, StringStyle, CultureInfo.InvariantCulture, out value))
        {
            problem = LooksNumeric(text) ? $"{Quote(element, text)} is out of the decimal range" : $"{Quote(element, text)} is not a decimal number";
            return false;
        }

        problem = null;
        return true;
    }

    public static bool TryDouble(JsonElement element, out double value, out string? problem)
    {
        value = 0d;
        if (!TryText(element, out var text, out problem))
        {
            return false;
        }

        if (IsNonFinite(text) || !double.TryParse(text, StringStyle, CultureInfo.InvariantCulture, out value) || !double.IsFinite(value))
        {
            problem = IsNonFinite(text) || LooksNumeric(text) ? $"{Quote(element, text)} is not a finite number" : $"{Quote(element, text)} is not a number";
            return false;
        }

        problem = null;
        return true;
    }

    public static bool TryInteger(JsonElement element, out long value, out string? problem)
    {
        value = 0L;
        if (!TryText(element, out var text, out problem))
        {
            return false;
        }

        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
        {
            problem = $"{Quote(element, text)} is not an integer";
            return false;
        }

        problem = null;
        return true;
    }

    private static bool TryText(JsonElement element, out string text, out string? problem)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Number:
                text = element.GetRawText();
                problem = null;
                return true;
            case JsonValueKind.String:
                text = element.GetString() ?? string.Empty;
                problem = null;
                return true;
            default:
                text = string.Empty;
                problem = $"must be a number or a numeric string (got {Describe(element)})";
                return false;
        }
    }

    internal static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string '{element.GetString()}'",
        JsonValueKind.Number => $"the number {element.GetRawText()}",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => "null",
    };

    private static string Quote(JsonElement element, string text) => element.ValueKind == JsonValueKind.String ? $"'{text}'" : text;

    private static bool IsNonFinite(string text)
    {
        var t = text.TrimStart('+', '-');
        return t.Equals("NaN", StringComparison.OrdinalIgnoreCase)
            || t.Equals("Infinity", StringComparison.OrdinalIgnoreCase)
            || t.Equals("Inf", StringComparison.OrdinalIgnoreCase)
            || t.Equals("∞", StringComparison.Ordinal);
    }

    private static bool LooksNumeric(string text) =>
        text.Length > 0 && text.All(c => char.IsAsciiDigit(c) || c is '+' or '-' or '.' or 'e' or 'E');
}
