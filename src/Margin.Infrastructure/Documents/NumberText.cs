using System.Globalization;
using System.Text.Json;

namespace Margin.Infrastructure.Documents;

/// <summary>Reads exact decimals, doubles and integers from JSON numbers or numeric strings.</summary>
/// <remarks>
/// Money, quantities, prices, weights and rates are <see cref="decimal"/>: the JSON text is parsed as written, with the
/// invariant culture, so <c>0.1</c> is exactly one tenth (never a binary double). Strings are accepted so that producers
/// that write money as strings (as our own output does) can feed us; a string may hold a sign, digits, one decimal point
/// and an exponent, nothing else (no spaces, no thousands separators). <c>NaN</c> and <c>Infinity</c> are refused.
/// <para>
/// A decimal is never rounded: the text is read into its significant digits and a power of ten, and it is accepted only
/// when that exact value is a <see cref="decimal"/> (at most 28 decimal places, and significant digits that read as an
/// integer do not exceed <see cref="decimal.MaxValue"/>, 2^96 - 1). Anything else (overflow, underflow below 1e-28, more
/// decimal places or significant digits than a decimal holds) is refused with the reason, never silently rounded.
/// </para>
/// </remarks>
public static class NumberText
{
    private const NumberStyles StringStyle = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;

    /// <summary>The largest decimal mantissa, 2^96 - 1, as digits: <see cref="decimal.MaxValue"/>.</summary>
    private const string MaxMantissa = "79228162514264337593543950335";

    /// <summary>A decimal's largest scale: at most this many decimal places.</summary>
    private const int MaxScale = 28;

    /// <summary>Beyond this, an exponent only tells that the value is out of range; clamping it keeps the arithmetic safe.</summary>
    private const long ExponentClamp = 1_000_000_000L;

    /// <summary>Longer input is shortened in problems, so a pathological value cannot flood the report.</summary>
    private const int MaxQuotedLength = 64;

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

        if (!TryScan(text, out var negative, out var digits, out var exponent))
        {
            problem = $"{Quote(element, text)} is not a decimal number";
            return false;
        }

        if (Inexact(digits, exponent) is { } reason)
        {
            problem = $"{Quote(element, text)} cannot be represented exactly as a decimal ({reason})";
            return false;
        }

        value = Exact(text, negative, digits, exponent);
        problem = null;
        return true;
    }

    /// <summary>
    /// Reads <c>[+|-] digits [. digits] [(e|E) [+|-] digits]</c> (at least one digit before the exponent) into its sign,
    /// its significant digits (no leading or trailing zeros; empty for zero) and the power of ten they are multiplied by.
    /// </summary>
    private static bool TryScan(string text, out bool negative, out string digits, out long exponent)
    {
        negative = false;
        digits = string.Empty;
        exponent = 0;
        var i = 0;
        if (i < text.Length && text[i] is '+' or '-')
        {
            negative = text[i] == '-';
            i++;
        }

        var mantissa = new System.Text.StringBuilder();
        var fractionDigits = 0L;
        var sawDigit = false;
        var sawPoint = false;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsAsciiDigit(c))
            {
                sawDigit = true;
                if (mantissa.Length > 0 || c != '0')
                {
                    mantissa.Append(c);
                }

                if (sawPoint)
                {
                    fractionDigits++;
                }
            }
            else if (c == '.' && !sawPoint)
            {
                sawPoint = true;
            }
            else
            {
                break;
            }
        }

        if (!sawDigit)
        {
            return false;
        }

        var written = 0L;
        if (i < text.Length)
        {
            if (text[i] is not ('e' or 'E'))
            {
                return false;
            }

            i++;
            var exponentNegative = false;
            if (i < text.Length && text[i] is '+' or '-')
            {
                exponentNegative = text[i] == '-';
                i++;
            }

            if (i == text.Length)
            {
                return false;
            }

            for (; i < text.Length; i++)
            {
                if (!char.IsAsciiDigit(text[i]))
                {
                    return false;
                }

                written = Math.Min(written * 10 + (text[i] - '0'), ExponentClamp);
            }

            if (exponentNegative)
            {
                written = -written;
            }
        }

        var significant = mantissa.ToString();
        var trimmed = significant.TrimEnd('0');
        digits = trimmed;
        exponent = trimmed.Length == 0 ? 0 : written - fractionDigits + (significant.Length - trimmed.Length);
        return true;
    }

    /// <summary>Why <paramref name="digits"/> x 10^<paramref name="exponent"/> is not a decimal, or null when it is one exactly.</summary>
    private static string? Inexact(string digits, long exponent)
    {
        if (digits.Length == 0)
        {
            return null;
        }

        var integerDigits = digits.Length + exponent;
        var overflow = exponent >= 0
            ? integerDigits > MaxMantissa.Length || (integerDigits == MaxMantissa.Length && string.CompareOrdinal(digits.PadRight(MaxMantissa.Length, '0'), MaxMantissa) > 0)
            : integerDigits > MaxMantissa.Length || (integerDigits == MaxMantissa.Length && string.CompareOrdinal(digits[..MaxMantissa.Length], MaxMantissa) >= 0);
        if (overflow)
        {
            return $"overflow: its magnitude exceeds {MaxMantissa}, the largest decimal";
        }

        if (integerDigits <= -MaxScale)
        {
            return "underflow: it is not zero but smaller in magnitude than 1e-28, the smallest non-zero decimal";
        }

        if (-exponent > MaxScale)
        {
            return $"it has {-exponent} decimal places; a decimal has at most {MaxScale}";
        }

        if (digits.Length > MaxMantissa.Length || (digits.Length == MaxMantissa.Length && string.CompareOrdinal(digits, MaxMantissa) > 0))
        {
            return $"it has {digits.Length} significant digits; a decimal holds 28 or 29: read as an integer they must not exceed {MaxMantissa}";
        }

        return null;
    }

    /// <summary>The value of text that <see cref="Inexact"/> accepted, with the scale it was written with when the runtime's parser keeps it.</summary>
    private static decimal Exact(string text, bool negative, string digits, long exponent)
    {
        string canonical;
        if (digits.Length == 0)
        {
            canonical = "0";
        }
        else if (exponent >= 0)
        {
            canonical = digits + new string('0', (int)exponent);
        }
        else
        {
            var scale = (int)-exponent;
            canonical = digits.Length > scale
                ? $"{digits[..^scale]}.{digits[^scale..]}"
                : $"0.{new string('0', scale - digits.Length)}{digits}";
        }

        var exact = decimal.Parse(canonical, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        if (negative)
        {
            exact = -exact;
        }

        // decimal.TryParse keeps the written scale ("1.500" stays 1.500); its value is used only when it is the exact one.
        return decimal.TryParse(text, StringStyle, CultureInfo.InvariantCulture, out var parsed) && parsed == exact ? parsed : exact;
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

    private static string Quote(JsonElement element, string text)
    {
        var shown = text.Length <= MaxQuotedLength ? text : $"{text[..MaxQuotedLength]}... ({text.Length} characters)";
        return element.ValueKind == JsonValueKind.String ? $"'{shown}'" : shown;
    }

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
